import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadHtml } from '../sdk/html.ts';
import { silentLog } from '../sdk/testing/fixtures.ts';
import { expectSameText, MB, withinBudget } from '../sdk/testing/budget.ts';
import { extract } from './extract.ts';

/*
 * A hostile Le Chat page: long blank and line-feed runs in a typed prompt, which the patterns that
 * joined and trimmed its lines retried from each of their characters.
 */

const SHARE_URL = new URL('https://chat.mistral.ai/share/4f0c2b7e-9d1a-4c3b-8e6f-5a7d9c1b3e20');
const fixture = readFileSync(new URL('./fixtures/share-page.html', import.meta.url), 'utf8');

/** The first prompt's text when its first line span holds `text` (and the turn's markup is pretty-printed when `reformatted`). */
async function promptWith(text: string, reformatted: boolean): Promise<string | undefined> {
  const $ = loadHtml(fixture);
  const turn = $('[data-message-author-role="user"]').first();
  turn.find('span.whitespace-pre-wrap').first().text(text);
  if (reformatted) turn.append('\n    <i></i>');
  const conversation = await withinBudget(() => extract({ url: SHARE_URL, html: $.html(), via: 'browser' }, silentLog));
  const part = conversation.messages[0]!.parts.find((p) => p.type === 'text');
  return part?.type === 'text' ? part.text : undefined;
}

describe('mistral prompts with hostile runs', () => {
  const second = '  Keep it *short*; show the cost & a table.';

  it('pretty-printed markup: 512 KB blank runs with no line break after them', async () => {
    const blanks = ' \t'.repeat(MB / 8);
    // Each line break with the blanks around it is one space; the spans stay one per line.
    expectSameText(await promptWith(`a${blanks}b${blanks}\nc${blanks}`, true), `a${blanks}b c${blanks}\n${second}`);
  });

  it('a 512 KB run of line feeds inside the prompt', async () => {
    const feeds = '\n'.repeat(MB / 2);
    expectSameText(await promptWith(`\n\nWrite${feeds}x\n`, false), `Write${feeds}x\n\n${second}`);
  });

  it('joins pretty-printed lines as before', async () => {
    expect(await promptWith(' a \t\n \n\t b ', true)).toBe(`a  b \n${second}`);
  });
});
