import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadHtml } from '../sdk/html.ts';
import type { CapturedConversation, ContentPart } from '../sdk/index.ts';
import { silentLog } from '../sdk/testing/fixtures.ts';
import { expectSameText, MB, repeatTo, withinBudget } from '../sdk/testing/budget.ts';
import { extractClaude } from './extract.ts';
import { convertClaudeConversation } from './import.ts';

/*
 * Hostile Claude exports (legacy <antThinking>/<antArtifact> tags never closed, a 1 MB attribute
 * name) and share pages (blank runs in the title and in a typed prompt): each made a pattern
 * backtrack or rescan for seconds to minutes.
 */

/** The assistant's parts when an old export holds `text` as its answer. */
function answerParts(text: string): ContentPart[] {
  const raw = {
    uuid: 'c1',
    name: 'n',
    created_at: '2024-05-01T10:00:00Z',
    updated_at: '2024-05-01T10:00:00Z',
    chat_messages: [
      { uuid: 'm1', sender: 'human', text: 'q', created_at: '2024-05-01T10:00:00Z' },
      { uuid: 'm2', sender: 'assistant', text, created_at: '2024-05-01T10:00:01Z' },
    ],
  };
  const item = convertClaudeConversation(raw, 'conversations.json', silentLog);
  if (!item?.ok) throw new Error('not converted');
  return item.conversation.messages[1]!.parts;
}

describe('legacy tags of a hostile Claude export', () => {
  it.each([
    ['unclosed <antThinking> ×N', '<antThinking>'],
    ['<antArtifact with no > ×N', '<antArtifact'],
    ['unclosed <antThinking><antArtifact> ×N', '<antThinking><antArtifact identifier="a">'],
  ])('%s (2 MB): in linear time, kept as text', async (_, unit) => {
    const parts = await withinBudget(() => answerParts(repeatTo(unit, 2 * MB)));
    expect(parts.every((part) => part.type === 'text')).toBe(true);
  });

  it('an artifact with a 1 MB attribute name, and a block after unclosed tags of the other name', async () => {
    const name = '-'.repeat(MB);
    expect(await withinBudget(() => answerParts(`<antArtifact ${name}="1" x="2" type="text/markdown">body</antArtifact>`))).toEqual([
      { type: 'tool_call', name: 'artifacts', arguments: { [name]: '1', x: '2', type: 'text/markdown' } },
      { type: 'code', code: 'body', language: 'markdown' },
    ]);
    const parts = await withinBudget(() => answerParts(`${repeatTo('<antThinking>', MB)} <antArtifact identifier="a" type="text/html">\n<p>x</p>\n</antArtifact> after`));
    expect(parts.slice(1)).toEqual([
      { type: 'tool_call', name: 'artifacts', arguments: { identifier: 'a', type: 'text/html' } },
      { type: 'code', code: '<p>x</p>', language: 'html' },
      { type: 'text', text: ' after', format: 'markdown' },
    ]);
  });
});

describe('a hostile Claude share page', () => {
  const url = new URL('https://claude.ai/share/ca5ad573-749e-40a2-93f1-dc0473215fa5');
  const fixture = readFileSync(new URL('./fixtures/share-thinking-artifacts.html', import.meta.url), 'utf8');

  it('blank runs (768 KB) in the title and in a typed prompt', async () => {
    const blanks = ' '.repeat(MB / 4);
    const $ = loadHtml(fixture);
    $('meta[property="og:title"]').remove();
    $('title').text(`Euler${blanks}x | Claude`);
    $('[data-testid="user-message"]').first().children('p').last().text(`a${blanks}b${blanks}`);
    const conversation = (await withinBudget(() => extractClaude({ url, html: $.html(), via: 'browser' }, silentLog))) as CapturedConversation;
    expectSameText(conversation.title, `Euler${blanks}x`);
    const typed = conversation.messages[0]!.parts.find((part) => part.type === 'text');
    expectSameText(typed?.type === 'text' ? typed.text : undefined, `Explain Euler's identity *briefly*,\nthen show a quicksort in Python.\n\na${blanks}b`);
  });
});
