import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadHtml } from '../sdk/html.ts';
import { providerError, silentLog } from '../sdk/testing/fixtures.ts';
import { expectSameText, MB, repeatTo, withinBudget } from '../sdk/testing/budget.ts';
import { extractChatgpt } from './extract.ts';

/*
 * Hostile pages posted as ChatGPT pages: unclosed scripts (the reported 625 KB page took 18.8 s),
 * unclosed `__NEXT_DATA__` scripts, a blank run in the title.
 */

const SHARE_URL = new URL('https://chatgpt.com/share/6972e35f-2944-8006-a2ea-b005ff22c02c');
const CHAT_URL = new URL('https://chatgpt.com/c/68a0c3f2-1b2c-4d5e-8f90-a1b2c3d4e5f6');

describe('chatgpt extraction of hostile pages', () => {
  it.each([
    ['unclosed <script> ×80000 (the reported 625 KB page)', '<script>'.repeat(80_000)],
    ['unclosed <script> (1 MB)', repeatTo('<script>')],
    ['unclosed __NEXT_DATA__ scripts (1 MB)', repeatTo('<script id="__NEXT_DATA__">')],
    ['__NEXT_DATA__ scripts with no > (1 MB)', repeatTo('<script id="__NEXT_DATA__"')],
  ])('%s: refused in linear time', async (_, html) => {
    const error = await withinBudget(() => providerError(() => extractChatgpt({ url: SHARE_URL, html, via: 'fetch' }, silentLog)));
    expect(error.code).toBe('EXTRACTION_FAILED');
  });

  it('a signed-in page whose title holds a 512 KB blank run', async () => {
    const $ = loadHtml(readFileSync(new URL('./fixtures/private-chat.html', import.meta.url), 'utf8'));
    const blanks = ' '.repeat(MB / 2);
    $('title').text(`Rust${blanks}ownership - ChatGPT`);
    const conversation = await withinBudget(() => extractChatgpt({ url: CHAT_URL, html: $.html(), via: 'upload' }, silentLog));
    expectSameText(conversation.title, `Rust${blanks}ownership`);
  });
});
