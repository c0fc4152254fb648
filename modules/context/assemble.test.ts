import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assemble, truncateToFit } from './assemble.ts';
import { detectIntent } from './intent.ts';
import type { Candidate, Format } from './render.ts';
import { contextIntents, contextLayers, type ContextLayer } from './schemas.ts';
import { PREAMBLES } from './service.ts';
import { encodingFor, tokenCounter } from './tokenizer.ts';

const o200k = await tokenCounter('gpt-4o');
const estimate = await tokenCounter('claude-sonnet-4');

const word = fc.constantFrom('the', 'user', 'prefers', 'dark', 'roast', 'coffee', 'Lisbon', 'kubernetes', 'readiness', 'probe', 'fetch_with_retry()', 'naïve', '東京', '🙂', '<tag>', '"quoted"', '&', 'x'.repeat(40));
const sentence = fc.array(word, { minLength: 1, maxLength: 30 }).map((w) => `${w.join(' ')}.`);
const text = fc.array(sentence, { minLength: 1, maxLength: 12 }).chain((s) => fc.constantFrom(' ', '\n', '\n\n```ts\nconst a = 1;\n```\n').map((sep) => s.join(sep)));
const candidate = (layer: ContextLayer, i: number) =>
  fc.record({ text, score: fc.double({ min: 0, max: 1, noNaN: true }), dup: fc.integer({ min: 0, max: 5 }) }).map(
    ({ text: t, score, dup }): Candidate => ({ kind: layer === 'L5' || layer === 'L6' ? 'message' : 'memory', id: `${layer}-${i}`, conversationId: null, messageId: null, sourceConversationId: null, sourceMessageId: null, text: t, score, keys: [`row:${dup === 0 ? `${layer}-${i}` : `shared-${dup}`}`] }),
  );
const layerCandidates = (layer: ContextLayer) => fc.integer({ min: 0, max: 12 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => candidate(layer, i))));

describe('assemble', () => {
  it('never exceeds the budget and reports the exact token count of the text (any format, layers, budget 64..32768)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 64, max: 32_768 }),
        fc.constantFrom<Format>('markdown', 'xml', 'json'),
        fc.constantFrom(...contextIntents),
        fc.boolean(),
        fc.tuple(layerCandidates('L1'), layerCandidates('L2'), layerCandidates('L3'), layerCandidates('L4'), layerCandidates('L5'), layerCandidates('L6')),
        fc.boolean(),
        (budget, format, intent, withL0, lists, useEstimate) => {
          const counter = useEstimate ? estimate : o200k;
          const candidates = Object.fromEntries(lists.map((list, i) => [contextLayers[i + 1], list]));
          const result = assemble({ budget, format, intent, counter, preambles: withL0 ? PREAMBLES : [], candidates });
          expect(result.totalTokens).toBeLessThanOrEqual(budget);
          expect(result.totalTokens).toBe(counter.count(result.text));
          if (format === 'json' && result.text) expect(() => JSON.parse(result.text)).not.toThrow();
          const ids = result.sections.flatMap((s) => s.items.map((i) => i.id)).filter((id) => id !== null);
          expect(new Set(ids).size).toBe(ids.length);
          const keys = result.sections.flatMap((s) => s.items).map((i) => lists.flat().find((c) => c.id === i.id)?.keys[0]).filter(Boolean);
          expect(new Set(keys).size).toBe(keys.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives unused budget to layers that still have candidates', () => {
    const many = Array.from({ length: 30 }, (_, i): Candidate => ({ kind: 'message', id: `m${i}`, conversationId: 'c', messageId: `m${i}`, sourceConversationId: null, sourceMessageId: null, text: `Message number ${i} talks about the deployment of service ${i} in detail.`, score: 1 - i / 30, keys: [`message:m${i}`] }));
    const result = assemble({ budget: 2000, format: 'markdown', intent: 'question', counter: o200k, preambles: PREAMBLES, candidates: { L6: many } });
    // L6 alone would get a share of ~40%; with nothing else wanting tokens it takes all 30 items.
    expect(result.sections.find((s) => s.layer === 'L6')?.items).toHaveLength(30);
  });

  it('keeps an item once, in the higher-priority layer, also when only its text is near-identical', () => {
    const base = { conversationId: null, messageId: null, sourceConversationId: null, sourceMessageId: null, score: 1 };
    const memory: Candidate = { ...base, kind: 'memory', id: 'mem1', text: 'The user lives in Lisbon with two cats.', keys: ['memory:mem1'] };
    const sameRow: Candidate = { ...base, kind: 'memory', id: 'mem1', text: 'The user lives in Lisbon with two cats.', keys: ['memory:mem1'] };
    const sameText: Candidate = { ...base, kind: 'acu', id: 'acu1', text: 'the user lives in Lisbon, with two cats', keys: ['acu:acu1'] };
    const other: Candidate = { ...base, kind: 'message', id: 'msg1', text: 'Something else entirely.', keys: ['message:msg1'] };
    const result = assemble({ budget: 1000, format: 'xml', intent: 'chat', counter: o200k, preambles: [], candidates: { L1: [memory], L6: [sameRow, sameText, other] } });
    expect(result.sections.map((s) => [s.layer, s.items.map((i) => i.id)])).toEqual([
      ['L1', ['mem1']],
      ['L6', ['msg1']],
    ]);
  });

  it('cuts the last item at a sentence end rather than dropping it', () => {
    const long: Candidate = { kind: 'message', id: 'm', conversationId: null, messageId: null, sourceConversationId: null, sourceMessageId: null, score: 1, keys: [], text: Array.from({ length: 80 }, (_, i) => `Sentence ${i} explains one more step of the plan.`).join(' ') };
    const cut = truncateToFit(long, (t) => o200k.count(t), 60);
    expect(cut).not.toBeNull();
    expect(o200k.count(cut!.text)).toBeLessThanOrEqual(60);
    expect(cut!.text).toMatch(/plan\.$/);
    expect(cut!.text.length).toBeGreaterThan(100);
  });
});

describe('detectIntent', () => {
  it.each([
    ['What did I say about my sourdough starter last time?', 'recall'],
    ['Do you remember the name of my dog?', 'recall'],
    ['TypeError: Cannot read properties of undefined (reading "map") in fetchUsers()', 'coding'],
    ['```ts\nconst x: number = "a";\n```\nwhy does this fail?', 'coding'],
    ['Help me plan a week in Lisbon for March', 'planning'],
    ['Draft a cover letter for a product manager role', 'writing'],
    ['How tall is the Eiffel tower?', 'question'],
    ['hello there', 'chat'],
  ])('%s → %s', (prompt, intent) => {
    expect(detectIntent(prompt)).toBe(intent);
  });
});

describe('tokenizer', () => {
  it('counts exactly what js-tiktoken encodes (the per-piece memo changes nothing)', async () => {
    const { Tiktoken } = await import('js-tiktoken/lite');
    const raw = new Tiktoken((await import('js-tiktoken/ranks/o200k_base')).default);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 200 }), text), (t) => {
        expect(o200k.count(t)).toBe(raw.encode(t, 'all').length);
        expect(o200k.count(`${t}<|endoftext|>${t}`)).toBe(raw.encode(`${t}<|endoftext|>${t}`, 'all').length);
      }),
      { numRuns: 150 },
    );
  });

  it('counts OpenAI models exactly and others with the calibrated estimate', async () => {
    expect(encodingFor('gpt-4o-mini')).toEqual({ encoding: 'o200k_base', estimate: false });
    expect(encodingFor('o3')).toEqual({ encoding: 'o200k_base', estimate: false });
    expect(encodingFor('gpt-4-turbo')).toEqual({ encoding: 'cl100k_base', estimate: false });
    expect(encodingFor('gpt-3.5-turbo')).toEqual({ encoding: 'cl100k_base', estimate: false });
    expect(encodingFor(undefined)).toEqual({ encoding: 'o200k_base', estimate: false });
    expect(encodingFor('claude-opus-4')).toEqual({ encoding: 'o200k_base', estimate: true });
    const cl100k = await tokenCounter('gpt-4');
    expect(cl100k.name).toBe('cl100k_base');
    expect(o200k.count('hello world')).toBe(2);
    expect(estimate.count('hello world')).toBe(Math.ceil(2 * 1.3));
    expect(o200k.count('<|endoftext|> is text here')).toBeGreaterThan(0);
  });
});
