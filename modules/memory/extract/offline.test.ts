import { describe, expect, it } from 'vitest';
import { OfflineExtractor, readClause } from './offline.ts';
import { checkCandidate } from './quality.ts';
import type { ExtractionMessage } from './types.ts';

const extractor = new OfflineExtractor();

async function extract(text: string, role = 'user') {
  const out = await extractor.extract({ conversationId: 'c', title: 't', messages: [{ id: 'm', role, text, createdAt: null }] });
  return out.candidates.map((c) => `${c.type}|${c.slot ?? '-'}|${c.content}`);
}

describe('OfflineExtractor', () => {
  it.each([
    ['Hi, my name is Owen, what about you?', 'identity|identity:name|Name is Owen'],
    ['I work at Acme Corp.', 'identity|identity:employer|Works at Acme Corp'],
    ['I work as a nurse.', 'identity|identity:role|Works as a nurse'],
    ["I'm a software engineer.", 'identity|identity:role|Is a software engineer'],
    ['I live in Berlin.', 'fact|fact:location|Lives in Berlin'],
    ['I prefer spaces over tabs.', 'preference|preference:indentation|Prefers spaces over tabs'],
    ["I'd rather use Postgres than MySQL.", 'preference|preference:mysql-vs-use-postgres|Would rather use Postgres than MySQL'],
    ["I don't like Java anymore!", 'preference|preference:java|Dislikes Java'],
    ['I love hiking in the mountains.', 'preference|preference:hiking|Likes hiking in the mountains'],
    ["I'm trying to learn the piano.", 'goal|-|Is trying to learn the piano'],
    ['My goal is to become a staff engineer by 2027.', 'goal|-|Goal: become a staff engineer by 2027'],
    ["I've been using Rust for 3 years.", 'skill|skill:rust|Has been using Rust for 3 years'],
    ["I'm learning Japanese.", 'skill|skill:japanese|Is learning Japanese'],
    ['My manager is called Priya.', 'relationship|relationship:manager|Manager is Priya'],
    ['I started a new job at Globex in March 2024.', 'event|-|Started a new job at Globex in March 2024'],
    ['From now on, respond in French.', 'instruction|instruction:response-language|Respond in French'],
    ['Never use emojis in commit messages.', 'instruction|-|Never use emojis in commit messages'],
    ['I have two kids.', 'fact|fact:children|Has two kids'],
    ['I use Neovim every day.', 'fact|fact:tool:neovim|Uses Neovim every day'],
  ])('reads "%s"', async (text, expected) => {
    expect(await extract(text)).toContain(expected);
  });

  it('reads a move as an event and the new location', async () => {
    expect(await extract('I moved to Lisbon in 2023.')).toEqual(['event|-|Moved to Lisbon in 2023', 'fact|fact:location|Lives in Lisbon']);
  });

  it.each([
    ['a question', 'Do I prefer tabs?'],
    ['a hypothetical', 'If I lived in Paris I would walk more.'],
    ['a request about the task', 'I want to know how this works.'],
    ['a pointer at the conversation', 'I want to use the below syntax'],
    ['a negated fact', "I don't live in Berlin."],
    ['a vague object', 'I like it.'],
    ['code', '```python\n# my name is Not A Memory\n```'],
    ['a quoted (pasted) prompt', '> I am building a universal content parser.'],
    ['a heading', '## I prefer tabs'],
    ['a long pasted paragraph', `Rules of the game. ${'The players move in turn and score points. '.repeat(30)}Never allow the adversary to dictate tempo.`],
  ])('ignores %s', async (_name, text) => {
    expect(await extract(text)).toEqual([]);
  });

  it('reads only user messages', async () => {
    expect(await extract('I love Rust and I live in the cloud.', 'assistant')).toEqual([]);
  });

  it('lowers confidence of hedged statements', () => {
    expect(readClause('I think I like Go')[0]!.confidence).toBeCloseTo(0.55);
    expect(readClause('I like Go')[0]!.confidence).toBe(0.7);
  });

  it('gives manual memories the slot of the matching rule, in the first or third person', () => {
    expect(extractor.slotOf('preference', 'Prefers tabs for indentation')).toBe('preference:indentation');
    expect(extractor.slotOf('fact', 'I live in Porto')).toBe('fact:location');
    expect(extractor.slotOf('goal', 'Prefers tabs')).toBeNull();
  });
});

describe('checkCandidate', () => {
  const messages = new Map<string, ExtractionMessage>([
    ['u', { id: 'u', role: 'user', text: "I'm so tired today. I live in Lisbon and my password is hunter2.", createdAt: null }],
    ['a', { id: 'a', role: 'assistant', text: 'I live in the cloud.', createdAt: null }],
  ]);
  const base = { type: 'fact' as const, slot: 'fact:location', confidence: 0.8, importance: 0.6, messageId: 'u' };

  it('keeps a statement of the user and masks secrets in its quote', () => {
    const result = checkCandidate({ ...base, content: 'Lives in Lisbon', quote: 'I live in Lisbon and my password is hunter2.' }, messages);
    expect(result).toEqual({ ok: true, candidate: expect.objectContaining({ content: 'Lives in Lisbon', quote: 'I live in Lisbon and my password is [redacted].' }) });
  });

  it.each([
    ['not-from-user', { messageId: 'a', content: 'Lives in the cloud', quote: 'I live in the cloud.' }],
    ['quote-not-found', { content: 'Lives in Porto', quote: 'I live in Porto' }],
    ['secret', { content: 'Password is hunter2', quote: 'my password is hunter2' }],
    ['transient', { content: 'Is tired today', quote: "I'm so tired today." }],
    ['vague', { content: 'Likes it', quote: 'I live in Lisbon' }],
    ['low-confidence', { content: 'Lives in Lisbon', quote: 'I live in Lisbon', confidence: 0.3 }],
  ])('rejects as %s', (reason, over) => {
    expect(checkCandidate({ ...base, ...over }, messages)).toEqual({ ok: false, reason });
  });
});
