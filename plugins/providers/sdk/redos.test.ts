import { describe, expect, it } from 'vitest';
import { htmlToMarkdown, loadHtml, trimBlock, trimLineFeeds, typedText } from './html.ts';
import { markdownToParts } from './markdown.ts';
import { lightenHtml, metaContent, pageTitle } from './page.ts';
import { expectSameText, MB, repeatTo, withinBudget } from './testing/budget.ts';

/*
 * Hostile input for the SDK's page and text helpers: each input made a regex backtrack for
 * seconds to minutes (the pattern was retried from every position of a long run, or rescanned the
 * rest of the page from every unclosed tag). Each must now finish within the budget, and give what
 * the pattern gave.
 */

/** Every string of `alphabet` up to `length` characters long. */
function* strings(alphabet: readonly string[], length: number): Generator<string> {
  let layer = [''];
  yield '';
  for (let n = 1; n <= length; n++) {
    layer = layer.flatMap((prefix) => alphabet.map((char) => prefix + char));
    yield* layer;
  }
}

describe('lightenHtml on hostile pages', () => {
  it.each([
    ['an unclosed <script>', '<script>'],
    ['<script with no >', '<script'],
    ['an unclosed <style>', '<style>'],
    ['an unclosed <noscript>', '<noscript>'],
    ['<svg with no >', '<svg'],
    ['an unclosed <svg>', '<svg>'],
    ['</svg and blanks with no >', `</svg${' '.repeat(60)}x`],
  ])('leaves %s ×N (2 MB) as it is, in linear time', async (_, unit) => {
    const html = repeatTo(unit, 2 * MB);
    expect(await withinBudget(() => lightenHtml(html))).toBe(html);
  });

  it('still empties the elements before an unclosed one, and one whose closing tag ends a 2 MB page', async () => {
    const tail = repeatTo('<script>', MB);
    expect(await withinBudget(() => lightenHtml(`<style>a{}</style><p>x</p><script src="https://cdn.example.com/a.js">1</script>${tail}`))).toBe(`<style></style><p>x</p><script src="https://cdn.example.com/a.js"></script>${tail}`);
    const big = `<SCRIPT type="module">${'x'.repeat(2 * MB)}</SCRIPT><svg viewBox="0 0 1 1">${'<path/>'.repeat(MB / 8)}</svg ><p>kept</p>`;
    expect(await withinBudget(() => lightenHtml(big))).toBe('<script></script><svg></svg><p>kept</p>');
  });

  it('reads tags exactly as the patterns did (case, word boundary, closing tag spelling)', () => {
    expect(lightenHtml('<Script>a</SCRIPT><scripts>b</scripts><script-x>c</script><style>d</style >e</style>')).toBe('<script></script><scripts>b</scripts><script></script><style></style>');
    expect(lightenHtml('<svg><svg></svg ></svg\n><svgx><i>i</i></svg><svg>')).toBe('<svg></svg><svgx><i>i</i></svg><svg>');
    expect(lightenHtml('<noscript a="1"><p>x</noscript><noscript>')).toBe('<noscript a="1"></noscript><noscript>');
  });
});

describe('page head helpers on hostile pages', () => {
  it('pageTitle: unclosed <title> ×N, <title with no > ×N, a title after 2 MB of blanks', async () => {
    expect(await withinBudget(() => pageTitle(repeatTo('<title>', 2 * MB)))).toBeUndefined();
    expect(await withinBudget(() => pageTitle(repeatTo('<title', 2 * MB)))).toBeUndefined();
    expect(await withinBudget(() => pageTitle(`<TITLE lang="en">${' '.repeat(2 * MB)}A &amp; B\n</title>`))).toBe('A & B');
  });

  it('metaContent: <meta with no > ×N', async () => {
    expect(await withinBudget(() => metaContent(repeatTo('<meta', 2 * MB), 'og:url'))).toBeUndefined();
    expect(await withinBudget(() => metaContent(`${repeatTo('<meta name="x">', MB)}<meta property="og:url" content="https://a.example/1">`, 'og:url'))).toBe('https://a.example/1');
  });
});

describe('text helpers on hostile text', () => {
  it('typedText: 512 KB blank runs inside and at the end of a bubble', async () => {
    const blanks = ' '.repeat(MB / 2);
    const $ = loadHtml(`<div id="u"><p>a${blanks}b</p><p>c${' \n'.repeat(MB / 4)}</p></div>`);
    expectSameText(await withinBudget(() => typedText($, $('#u'))), `a${blanks}b\n\nc`);
  });

  it('trimLineFeeds and trimBlock: long runs, and the same results as the patterns they replace', async () => {
    expect(await withinBudget(() => trimLineFeeds(`\n\na${'\n'.repeat(2 * MB)}b\n`))).toBe(`a${'\n'.repeat(2 * MB)}b`);
    expect(await withinBudget(() => trimBlock(`\na${' \t\n'.repeat(MB)}b \n`))).toBe(`a${' \t\n'.repeat(MB)}b`);
    for (const text of strings(['\n', ' ', '\t', 'a', '\u00a0'], 6)) {
      expect(trimLineFeeds(text)).toBe(text.replace(/^\n+|\n+$/g, ''));
      expect(trimBlock(text)).toBe(text.replace(/^\n+|\s+$/g, ''));
    }
  });
});

describe('htmlToMarkdown on hostile HTML', () => {
  // turndown trims its whole output with `/[\t\r\n\s]+$/`: a blank run before the end cost its square.
  it('a 1 MB run of no-break spaces, and 256 KB of <br> before the end', async () => {
    const spaces = await withinBudget(() => htmlToMarkdown(`<p>a${'\u00a0'.repeat(MB)}b</p>`));
    expectSameText(spaces, `a${'\u00a0'.repeat(MB)}b`);
    const breaks = await withinBudget(() => htmlToMarkdown(`<p>a</p>${'<br>'.repeat(MB / 16)}x<br><br>`));
    expectSameText(breaks, `a\n\n${'  \n'.repeat(MB / 16)}x`);
  });

  it('converts as turndown alone does, whatever the fragment holds', () => {
    expect(htmlToMarkdown('')).toBe('');
    expect(htmlToMarkdown(' <span> </span>\n')).toBe('');
    expect(htmlToMarkdown('<div data-vivim-markdown="x">inner <b>bold</b></div><p>VIVIMMATH0X data-vivim-markdown</p>')).toBe('inner **bold**\n\nVIVIMMATH0X data-vivim-markdown');
    expect(htmlToMarkdown('<p>a</p><plaintext>b <i>c</i>')).toBe('a\n\nb <i>c</i></x-turndown>');
    expect(htmlToMarkdown('<div>a</div></div>b\n\n\n')).toBe('a\n\nb');
    expect(htmlToMarkdown('\n\t<p>  x  </p>\t\n<br>\n')).toBe('x');
  });
});

describe('markdownToParts on hostile markdown', () => {
  it.each([
    ['a table delimiter row of 1 MB of blanks', `a|b\n${' '.repeat(MB)}x`],
    ['a table delimiter row with 1 MB of blanks after its dashes', `a|b\n|-${' '.repeat(MB)}x`],
    ['a 1 MB run of tildes before a carriage return', `${'~'.repeat(MB)}\rx`],
    ['\\[ lines never closed (1 MB)', repeatTo('\\[a\n')],
    ['lone \\[ lines never closed (1 MB)', repeatTo('\\[\n')],
    ['lone $$ lines (1 MB)', repeatTo('$$\n')],
    ['$$ lines never closed (1 MB)', repeatTo('$$a\nb\n')],
  ])('%s: in linear time, kept as text', async (_, markdown) => {
    const parts = await withinBudget(() => markdownToParts(markdown));
    expect(parts.every((part) => part.type === 'text')).toBe(true);
  });

  it('still lifts math and tables after hostile lines', async () => {
    const markdown = `${repeatTo('\\[a\n', MB)}\n\\[\nx^2\n\\]\n\n$$\ny\n\n$$\n\n| a | b |\n|  :-: |  --- |\n| 1 | 2 |\n`;
    const parts = await withinBudget(() => markdownToParts(markdown));
    expect(parts.slice(1)).toEqual([
      { type: 'math', tex: 'x^2', display: true },
      { type: 'math', tex: 'y', display: true },
      { type: 'table', rows: [['a', 'b'], ['1', '2']], header: true },
    ]);
  });
});
