import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadHtml } from '../sdk/html.ts';
import { silentLog } from '../sdk/testing/fixtures.ts';
import { expectSameText, MB, repeatTo, withinBudget } from '../sdk/testing/budget.ts';
import { extractGemini } from './extract.ts';
import { convertHtmlActivity, looksLikeGeminiActivity, parseTakeoutDate } from './import.ts';

/*
 * Hostile Gemini pages and Takeout files: line-feed runs in a prompt, JSON header strings never
 * closed, header cells with no `>`, long blank and digit runs in dates, `<br>` runs in an answer.
 * Each made a pattern backtrack for seconds to minutes.
 */

/** A My Activity outer cell holding `body`. */
const cell = (body: string) => `<div class="outer-cell"><div class="header-cell"><p>Gemini Apps<br></p></div><div class="content-cell">${body}</div></div>`;

describe('gemini page with a hostile prompt', () => {
  it('a prompt line holding runs of line feeds (768 KB)', async () => {
    const $ = loadHtml(readFileSync(new URL('./fixtures/app-chat.html', import.meta.url), 'utf8'));
    const feeds = '\n'.repeat(MB / 4);
    $('.query-text-line').first().text(`\n${feeds}Is 97 prime?${feeds}x${feeds}`);
    const conversation = await withinBudget(() => extractGemini({ url: new URL('https://gemini.google.com/app/9f8e7d6c5b4a3921'), html: $.html(), via: 'upload' }, silentLog));
    const prompt = conversation.messages[0]!.parts[0];
    expectSameText(prompt?.type === 'text' ? prompt.text : undefined, `Is 97 prime?${feeds}x`);
  });
});

describe('gemini Takeout detection and cells on hostile files', () => {
  it('looksLikeGeminiActivity: a header string never closed, full of "Bard" (1 MB)', async () => {
    expect(await withinBudget(() => looksLikeGeminiActivity(`[{"header":"${repeatTo('Bard')}`))).toBe(false);
    expect(await withinBudget(() => looksLikeGeminiActivity(`[${repeatTo('{"header": "Search", ')}{"header": "Gemini Apps", "title": "x"}]`))).toBe(true);
  });

  it('looksLikeGeminiActivity: header cells with no > (1 MB), and many before one >', async () => {
    expect(await withinBudget(() => looksLikeGeminiActivity(`<div class="outer-cell">${repeatTo('<div class="header-cell')}`))).toBe(false);
    expect(await withinBudget(() => looksLikeGeminiActivity(`<div class="outer-cell">${repeatTo('<div class="header-cell')}>\n <p class="t">Gemini Apps</p>`))).toBe(true);
    expect(await withinBudget(() => looksLikeGeminiActivity(`<div class="outer-cell">${repeatTo('<div class="header-cell"><p>Search</p></div>')}<div class="header-cell"><p>Bard</p>`))).toBe(true);
  });

  it('parseTakeoutDate: a 1 MB blank run before the zone', async () => {
    expect(await withinBudget(() => parseTakeoutDate(`Jan 15, 2025, 10:20:30 AM${' '.repeat(MB)}x`))).toBeUndefined();
    const date = await withinBudget(() => parseTakeoutDate(`Jan 15, 2025, 10:20:30${' '.repeat(MB)}PM${' '.repeat(MB)}CET`));
    expect(date?.toISOString()).toBe('2025-01-15T21:20:30.000Z');
  });

  it('convertHtmlActivity: a 512 KB digit run where the date line is looked for', async () => {
    const item = await withinBudget(() => convertHtmlActivity(cell(`Prompted&nbsp;q<br>${'1'.repeat(MB / 2)}<br>Jan 15, 2025, 10:20:30 AM CET<br><p>a</p>`), 'MyActivity.html', '.', new Set(), silentLog));
    expect(item?.ok && item.conversation.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('convertHtmlActivity: an answer holding 512 KB of <br> before its end (in a script), then <br>s that end it', async () => {
    const answer = `<p>a</p><script>${repeatTo('<br>', MB / 2)}</script>x<br> <br>\n<br>`;
    const item = await withinBudget(() => convertHtmlActivity(cell(`Prompted&nbsp;q<br>Jan 15, 2025, 10:20:30 AM CET<br>${answer}`), 'MyActivity.html', '.', new Set(), silentLog));
    expect(item?.ok && item.conversation.messages[1]!.parts).toEqual([{ type: 'text', text: 'a\n\nx', format: 'markdown' }]);
  });
});

describe('gemini Takeout cells flooded with elements', () => {
  const prompt = 'Prompted&nbsp;q<br>Jan 15, 2025, 10:20:30 AM CET<br>';

  it('convertHtmlActivity: 2 million <br> in an answer collapse to a blank line (8 MB, was minutes)', async () => {
    const item = await withinBudget(() => convertHtmlActivity(cell(`${prompt}<p>before</p>${'<br>'.repeat(2_000_000)}<p>after</p>`), 'MyActivity.html', '.', new Set(), silentLog));
    expect(item?.ok).toBe(true);
    const answer = item?.ok ? item.conversation.messages[1]?.parts : undefined;
    const text = answer?.[0]?.type === 'text' ? answer[0].text : '';
    expect([answer?.length, text.replace(/\s+/g, ' ')]).toEqual([1, 'before after']);
    expect(text.length).toBeLessThan(30);
  });

  it('convertHtmlActivity: an element with a million children is refused before parsing, naming the limit', async () => {
    const item = await withinBudget(() => convertHtmlActivity(cell(`${prompt}<div>${'<span>a</span>'.repeat(1_000_000)}</div>`), 'MyActivity.html', '.', new Set(), silentLog));
    expect(item).toMatchObject({ ok: false, code: 'INVALID_CONTENT', message: expect.stringContaining('more than 10000 children (the limit for one element)') });
    const brText = await withinBudget(() => convertHtmlActivity(cell(`${prompt}${'a<br>'.repeat(1_000_000)}`), 'MyActivity.html', '.', new Set(), silentLog));
    expect(brText).toMatchObject({ ok: false, code: 'INVALID_CONTENT' });
  });
});
