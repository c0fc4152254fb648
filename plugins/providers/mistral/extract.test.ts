import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadHtml } from '../sdk/html.ts';
import { providerManifest, type CapturedConversation, type ExtractInput } from '../sdk/index.ts';
import mistral from './index.ts';
import { providerError, sharedFixture as shared } from '../sdk/testing/fixtures.ts';

const local = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** The reconstructed share frame around the real chat markup (read in place, never copied). */
const sharePage = (appHtml: string) => local('share-frame.html').replace('<!-- conversation -->', () => appHtml);

const silent = { info() {}, debug() {}, warn() {} };

function run(input: ExtractInput): CapturedConversation {
  if (!mistral.extract) throw new Error('mistral has no extract');
  return mistral.extract(input, silent) as CapturedConversation;
}

const failure = (input: ExtractInput) => providerError(() => run(input));

const CHAT_URL = new URL('https://chat.mistral.ai/chat/5e3f0b8a-2c4d-4e6f-8a9b-1c2d3e4f5a6b');
const SHARE_URL = new URL('https://chat.mistral.ai/share/4f0c2b7e-9d1a-4c3b-8e6f-5a7d9c1b3e20');

const PROMPT = [
  'Please write a short response that includes:',
  '1. A paragraph containing **bold text**, *italic text*, and a [link to deadrat.in](https://www.deadrat.in/).',
  '2. A code block in Elixir showing a hello world.',
  '3. A simple table of a few countries (maybe denmark, sweden, USA, India, Pakistan, Nigeria) showing: median wages, average work hours per week, paid leave days, and union membership rate. ',
  "4. A math equation using LaTeX, maybe Euler's Identity.",
].join('\n');

const TABLE = [
  ['Country', 'Median Wages (USD/year)', 'Avg. Work Hours/Week', 'Paid Leave Days', 'Union Membership Rate'],
  ['Denmark', '60,000', '37', '25', '67%'],
  ['Sweden', '55,000', '36', '25', '65%'],
  ['USA', '50,000', '38', '10', '10%'],
  ['India', '5,000', '48', '15', '5%'],
  ['Pakistan', '3,000', '48', '14', '4%'],
  ['Nigeria', '2,500', '48', '12', '3%'],
];

/** What the real Le Chat markup holds, whatever page frame is around it. */
function expectRealConversation(conversation: CapturedConversation) {
  expect(conversation.messages.map((m) => [m.sourceId, m.parentSourceId, m.role])).toEqual([
    ['acf754c0-ed35-466e-b71a-3186abafeb13', null, 'user'],
    ['e08fe1b6-9087-4355-87a0-a1c653c8aa4a', 'acf754c0-ed35-466e-b71a-3186abafeb13', 'assistant'],
  ]);
  const [user, answer] = conversation.messages;
  expect(user!.parts).toEqual([{ type: 'text', text: PROMPT, format: 'plain' }]);
  expect(answer!.parts.map((part) => part.type)).toEqual(['reasoning', 'text', 'code', 'table', 'text']);
  const [reasoning, intro, code, table, formula] = answer!.parts;
  if (reasoning?.type !== 'reasoning') throw new Error('no reasoning');
  expect(reasoning.text.startsWith('The user wants a short response with four specific elements:\n\n1.  A paragraph with **bold**, *italic*, and a link to deadrat.in')).toBe(true);
  // The code widget inside the reasoning steps is a fenced block with its language.
  expect(reasoning.text).toContain('2.  For Elixir hello world:\n    \n\n```elixir\nIO.puts "Hello, World!"\n```');
  expect(reasoning.text.endsWith("4.  Euler's Identity: e^{iπ} + 1 = 0\n\nNow I'll format this all together in a clean, readable way.")).toBe(true);
  expect(intro).toEqual({ type: 'text', format: 'markdown', text: 'Here you go:\n\n---\n\nThis is a **bold statement** with *italic emphasis* and a [link to deadrat.in](https://www.deadrat.in/).' });
  expect(code).toEqual({ type: 'code', language: 'elixir', code: 'IO.puts "Hello, World!"' });
  expect(table).toEqual({ type: 'table', header: true, rows: TABLE });
  // Le Chat wrote the formula inline ($…$ inside the sentence, KaTeX inline mode): it stays inline, TeX unescaped.
  expect(formula).toEqual({ type: 'text', format: 'markdown', text: "Euler's Identity: $e^{i\\pi} + 1 = 0$" });
}

describe('mistral provider manifest and URLs', () => {
  it('has a valid manifest', () => {
    expect(providerManifest.safeParse(mistral).success).toBe(true);
    expect(mistral.hosts).toEqual(['chat.mistral.ai']);
  });

  it('recognizes share and chat URLs and rejects others', () => {
    expect(mistral.matchShareUrl(SHARE_URL)).toEqual({ sourceId: '4f0c2b7e-9d1a-4c3b-8e6f-5a7d9c1b3e20' });
    expect(mistral.matchShareUrl(new URL('https://chat.mistral.ai/share/Ab3_x9-QrT2'))).toEqual({ sourceId: 'Ab3_x9-QrT2' });
    expect(mistral.matchShareUrl(CHAT_URL)).toEqual({ sourceId: '5e3f0b8a-2c4d-4e6f-8a9b-1c2d3e4f5a6b' });
    expect(mistral.matchShareUrl(new URL('https://chat.mistral.ai/chat/5E3F0B8A-2C4D-4E6F-8A9B-1C2D3E4F5A6B?share=1'))).toEqual({ sourceId: '5e3f0b8a-2c4d-4e6f-8a9b-1c2d3e4f5a6b' });
    expect(mistral.matchShareUrl(new URL('https://chat.mistral.ai/chat'))).toBeNull();
    expect(mistral.matchShareUrl(new URL('https://chat.mistral.ai/agents/5e3f0b8a-2c4d-4e6f-8a9b-1c2d3e4f5a6b'))).toBeNull();
    expect(mistral.matchShareUrl(new URL('https://mistral.ai/share/4f0c2b7e-9d1a-4c3b-8e6f-5a7d9c1b3e20'))).toBeNull();
    expect(mistral.matchShareUrl(new URL('https://chat.mistral.ai.example.com/share/4f0c2b7e-9d1a-4c3b-8e6f-5a7d9c1b3e20'))).toBeNull();
    expect(mistral.matchConversationUrl?.(CHAT_URL)).toEqual({ sourceId: '5e3f0b8a-2c4d-4e6f-8a9b-1c2d3e4f5a6b' });
    expect(mistral.matchConversationUrl?.(SHARE_URL)).toBeNull();
  });
});

describe('mistral extract: the real chat markup (shared fixture)', () => {
  const app = shared('app-pages/mistral/page.html');

  it('has a ready selector that finds the rendered conversation, in the real page and the local fixture (shared fixture)', () => {
    const selector = mistral.readySelector;
    if (!selector) throw new Error('no readySelector');
    expect(loadHtml(app)(selector).length).toBeGreaterThan(0);
    expect(loadHtml(local('share-page.html'))(selector).length).toBeGreaterThan(0);
  });

  it('reads the posted signed-in page: code language, 6-row table, formula, reasoning (shared fixture)', () => {
    const conversation = run({ url: CHAT_URL, html: app, via: 'upload' });
    expect(conversation).toMatchObject({ provider: 'mistral', sourceId: '5e3f0b8a-2c4d-4e6f-8a9b-1c2d3e4f5a6b', sourceUrl: CHAT_URL.href, title: 'Comparing global work and wage metrics' });
    expectRealConversation(conversation);
  });

  it('reads the same markup inside the share frame (shared fixture)', () => {
    const conversation = run({ url: SHARE_URL, html: sharePage(app), via: 'browser' });
    expect(conversation).toMatchObject({ provider: 'mistral', sourceId: '4f0c2b7e-9d1a-4c3b-8e6f-5a7d9c1b3e20', title: 'Comparing global work and wage metrics' });
    expectRealConversation(conversation);
  });

  it('rebuilds the table from the ARIA grid when the table HTML attribute is absent (shared fixture)', () => {
    const conversation = run({ url: CHAT_URL, html: app.replace(/data-rich-table-inner-html="[^"]*"/, ''), via: 'upload' });
    expect(conversation.messages[1]!.parts[3]).toEqual({ type: 'table', header: true, rows: TABLE });
  });

  it('gives the same result twice, quickly (shared fixture)', () => {
    const first = run({ url: CHAT_URL, html: app, via: 'upload' });
    const started = performance.now();
    const second = run({ url: CHAT_URL, html: app, via: 'upload' });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(second).toEqual(first);
  });

  it('asks for the browser on a fetched page of another provider, refuses it when rendered (shared fixture)', () => {
    const claude = shared('share-pages/claude/page.html');
    expect(failure({ url: SHARE_URL, html: claude, via: 'fetch' })).toMatchObject({ code: 'NEEDS_BROWSER' });
    expect(failure({ url: SHARE_URL, html: claude, via: 'browser' })).toMatchObject({ code: 'EXTRACTION_FAILED', step: 'find-turns' });
  });
});

describe('mistral extract: synthetic share page', () => {
  it('extracts the exact structure', () => {
    expect(run({ url: SHARE_URL, html: local('share-page.html'), via: 'browser' })).toEqual({
      provider: 'mistral',
      sourceId: '4f0c2b7e-9d1a-4c3b-8e6f-5a7d9c1b3e20',
      sourceUrl: SHARE_URL.href,
      title: 'Binary search in Rust',
      messages: [
        {
          sourceId: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
          parentSourceId: null,
          role: 'user',
          hidden: false,
          parts: [{ type: 'text', text: 'Write a binary search in Rust.\n  Keep it *short*; show the cost & a table.', format: 'plain' }],
        },
        {
          sourceId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
          parentSourceId: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
          role: 'assistant',
          hidden: false,
          parts: [
            { type: 'reasoning', text: 'The slice must be **sorted**; each step halves it, so the cost is $O(\\log n)$.' },
            { type: 'text', text: 'Here is an *iterative* version using `std::cmp::Ordering`:', format: 'markdown' },
            { type: 'code', language: 'rust', code: 'fn find(xs: &[i32], x: i32) -> Option<usize> {\n    xs.binary_search(&x).ok()\n}' },
            { type: 'table', header: true, rows: [['Case', 'Result'], ['**found**', '`Some(index)`'], ['missing', '`None`']] },
            { type: 'text', text: 'The number of comparisons is at most', format: 'markdown' },
            { type: 'math', tex: '\\lfloor \\log_2 n \\rfloor + 1', display: true },
            { type: 'text', text: '-   See [the docs](https://doc.rust-lang.org/std/primitive.slice.html#method.binary_search).', format: 'markdown' },
          ],
        },
        {
          sourceId: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
          parentSourceId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
          role: 'user',
          hidden: false,
          parts: [{ type: 'text', text: 'And in Python?', format: 'plain' }],
        },
        {
          sourceId: '3c4d5e6f-7a8b-4c9d-8e0f-2a3b4c5d6e7f',
          parentSourceId: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
          role: 'assistant',
          hidden: false,
          parts: [
            { type: 'text', text: 'Use `bisect`:', format: 'markdown' },
            { type: 'code', language: 'python', code: 'from bisect import bisect_left\n\ni = bisect_left(xs, x)' },
            { type: 'table', header: true, rows: [['Language', 'Function'], ['Rust', '`binary_search`'], ['Python', '`bisect_left`']] },
          ],
        },
      ],
    });
  });

  it('asks for the browser when the fetched page holds no messages', () => {
    const shell = '<!doctype html><html><head><title>Le Chat - Mistral AI</title><script src="/_next/static/chunks/main.js"></script></head><body><div id="__next"></div></body></html>';
    expect(failure({ url: SHARE_URL, html: shell, via: 'fetch' })).toMatchObject({ code: 'NEEDS_BROWSER', step: 'find-turns' });
  });

  it('reports a missing share as NOT_FOUND and a sign-in page as BOT_CHECK', () => {
    const missing = '<!doctype html><html><head><title>Le Chat - Mistral AI</title></head><body><main><h1>404</h1><p>This conversation does not exist or is no longer shared.</p></main></body></html>';
    expect(failure({ url: SHARE_URL, html: missing, via: 'browser' })).toMatchObject({ code: 'NOT_FOUND' });
    const signIn = '<!doctype html><html><head><title>Log in | Mistral AI</title></head><body><form action="/self-service/login/browser?flow=1" method="POST"><input name="identifier"><input type="password" name="password"></form></body></html>';
    expect(failure({ url: CHAT_URL, html: signIn, via: 'fetch' })).toMatchObject({ code: 'BOT_CHECK' });
    const challenge = '<!doctype html><html><head><title>Just a moment...</title></head><body><div id="challenge-running"></div></body></html>';
    expect(failure({ url: SHARE_URL, html: challenge, via: 'fetch' })).toMatchObject({ code: 'BOT_CHECK' });
  });
});
