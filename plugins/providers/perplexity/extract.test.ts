import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadHtml } from '../sdk/html.ts';
import { providerManifest, type CapturedConversation, type ExtractInput } from '../sdk/index.ts';
import perplexity from './index.ts';
import { providerError, sharedFixture as shared } from '../sdk/testing/fixtures.ts';

const local = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** The reconstructed share frame around the real thread markup (read in place, never copied). */
const sharePage = (appHtml: string) => local('share-frame.html').replace('<!-- conversation -->', () => appHtml);

const silent = { info() {}, debug() {}, warn() {} };

function run(input: ExtractInput): CapturedConversation {
  if (!perplexity.extract) throw new Error('perplexity has no extract');
  return perplexity.extract(input, silent) as CapturedConversation;
}

const failure = (input: ExtractInput) => providerError(() => run(input));

const THREAD_URL = new URL('https://www.perplexity.ai/search/please-write-a-short-response-GPCo4Y.WSeeeFKYf3m.wYw');
const THREAD_ID = 'GPCo4Y.WSeeeFKYf3m.wYw';

const PROMPT =
  'Please write a short response that includes: 1. A paragraph containing **bold text**, *italic text*, and a [link to deadrat.in](https://www.deadrat.in/). ' +
  '2. A code block in Elixir showing a hello world. 3. A simple table of a few countries (maybe denmark, sweden, USA, India, Pakistan, Nigeria) showing: ' +
  "median wages, average work hours per week, paid leave days, and union membership rate. 4. A math equation using LaTeX, maybe Euler's Identity.";

function expectRealThread(conversation: CapturedConversation) {
  expect(conversation.model).toBe('Claude Sonnet 4.6 Thinking');
  expect(conversation.messages.map((m) => [m.sourceId, m.parentSourceId, m.role, m.model])).toEqual([
    [`${THREAD_ID}-0`, null, 'user', undefined],
    [`${THREAD_ID}-1`, `${THREAD_ID}-0`, 'assistant', 'Claude Sonnet 4.6 Thinking'],
  ]);
  const [query, answer] = conversation.messages;
  // The link the user typed as markdown is shown as link text with the URL in a title: both kept.
  expect(query!.parts).toEqual([{ type: 'text', text: PROMPT, format: 'plain' }]);
  expect(answer!.parts).toEqual([
    {
      type: 'text',
      format: 'markdown',
      text:
        "Here's a response hitting all four elements:\n\n---\n\nThis is a **bold statement** about the internet, and *italics add a bit of flair*. " +
        "If you're curious about something completely different, check out [deadrat.in](https://www.deadrat.in/) — you might find something interesting there.",
    },
    { type: 'code', language: 'elixir', code: 'defmodule Hello do\n  def world do\n    IO.puts("Hello, World!")\n  end\nend\n\nHello.world()' },
    {
      type: 'table',
      header: true,
      rows: [
        ['Country', 'Median Wage (USD/mo)', 'Avg Work Hrs/Week', 'Paid Leave Days', 'Union Membership'],
        ['Denmark', '~3,800', '37', '25+', '~67%'],
        ['Sweden', '~3,500', '38', '25', '~60%'],
        ['USA', '~3,600', '41', '0 (no mandate)', '~10%'],
        ['India', '~250', '48', '12–15', '~9%'],
        ['Pakistan', '~150', '48', '14', '~3%'],
        ['Nigeria', '~130', '46', '12', '~15%'],
      ],
    },
    { type: 'text', format: 'markdown', text: "*Note: Figures are approximate and vary by sector and source.*\n\nAnd finally, one of the most beautiful results in all of mathematics — **Euler's Identity**:" },
    { type: 'math', tex: 'e^{i\\pi} + 1 = 0', display: true },
    { type: 'text', format: 'markdown', text: 'It elegantly links five fundamental constants: $e$, $i$, $\\pi$, $1$, and $0$.' },
  ]);
}

describe('perplexity provider manifest and URLs', () => {
  it('has a valid manifest', () => {
    expect(providerManifest.safeParse(perplexity).success).toBe(true);
    expect(perplexity.hosts).toEqual(['www.perplexity.ai', 'perplexity.ai']);
  });

  it('recognizes thread and page URLs and rejects others', () => {
    expect(perplexity.matchShareUrl(THREAD_URL)).toEqual({ sourceId: THREAD_ID });
    expect(perplexity.matchShareUrl(new URL('https://perplexity.ai/search/tell-me-about-rags-and-how-to-GPCo4Y.WSeeeFKYf3m.wYw'))).toEqual({ sourceId: THREAD_ID });
    expect(perplexity.matchShareUrl(new URL('https://www.perplexity.ai/search/7d3c1b0a-9e8f-4a6b-8c5d-4e3f2a1b0c9d'))).toEqual({ sourceId: '7d3c1b0a-9e8f-4a6b-8c5d-4e3f2a1b0c9d' });
    expect(perplexity.matchShareUrl(new URL('https://www.perplexity.ai/search/why-is-the-sky-blue?s=c'))).toEqual({ sourceId: 'why-is-the-sky-blue' });
    expect(perplexity.matchShareUrl(new URL('https://www.perplexity.ai/page/long-covid-is-a-brain-injury-W57eub2jSTWz2VDnwvcZ3A'))).toEqual({ sourceId: 'page-W57eub2jSTWz2VDnwvcZ3A' });
    expect(perplexity.matchShareUrl(new URL('https://www.perplexity.ai/'))).toBeNull();
    expect(perplexity.matchShareUrl(new URL('https://www.perplexity.ai/discover/tech'))).toBeNull();
    expect(perplexity.matchShareUrl(new URL('https://www.perplexity.ai/search/new?q=tides'))).toBeNull();
    expect(perplexity.matchShareUrl(new URL('https://www.perplexity.ai/search/a/b'))).toBeNull();
    expect(perplexity.matchShareUrl(new URL('https://labs.perplexity.ai/search/GPCo4Y.WSeeeFKYf3m.wYw'))).toBeNull();
    expect(perplexity.matchShareUrl(new URL('https://perplexity.ai.example.com/search/GPCo4Y.WSeeeFKYf3m.wYw'))).toBeNull();
    expect(perplexity.matchConversationUrl?.(THREAD_URL)).toEqual({ sourceId: THREAD_ID });
    expect(perplexity.matchConversationUrl?.(new URL('https://www.perplexity.ai/page/long-covid-is-a-brain-injury-W57eub2jSTWz2VDnwvcZ3A'))).toBeNull();
  });
});

describe('perplexity extract: the real thread markup (shared fixture)', () => {
  const app = shared('app-pages/perplexity/page.html');

  it('has a ready selector that finds the rendered conversation, in the real page and the local fixture (shared fixture)', () => {
    const selector = perplexity.readySelector;
    if (!selector) throw new Error('no readySelector');
    expect(loadHtml(app)(selector).length).toBeGreaterThan(0);
    expect(loadHtml(local('share-page.html'))(selector).length).toBeGreaterThan(0);
  });

  it('reads the posted signed-in page: query, code language, 6-row table, display formula (shared fixture)', () => {
    const conversation = run({ url: THREAD_URL, html: app, via: 'upload' });
    expect(conversation).toMatchObject({ provider: 'perplexity', sourceId: THREAD_ID, sourceUrl: THREAD_URL.href });
    // No <title> in a posted thread fragment: the thread is named after its first question.
    expect(conversation.title).toBe('Please write a short response that includes: 1. A paragraph containing **bold text**, *italic text*, and a [link to…');
    expectRealThread(conversation);
  });

  it('reads the same markup inside the share frame (shared fixture)', () => {
    const conversation = run({ url: THREAD_URL, html: sharePage(app), via: 'browser' });
    expect(conversation.title).toBe('Please write a short response that includes: 1. A paragraph containing...');
    expectRealThread(conversation);
  });

  it('gives the same result twice, quickly (shared fixture)', () => {
    const first = run({ url: THREAD_URL, html: app, via: 'upload' });
    const started = performance.now();
    const second = run({ url: THREAD_URL, html: app, via: 'upload' });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(second).toEqual(first);
  });

  it('asks for the browser on a fetched page of another provider, refuses it when rendered (shared fixture)', () => {
    const claude = shared('share-pages/claude/page.html');
    expect(failure({ url: THREAD_URL, html: claude, via: 'fetch' })).toMatchObject({ code: 'NEEDS_BROWSER' });
    expect(failure({ url: THREAD_URL, html: claude, via: 'browser' })).toMatchObject({ code: 'EXTRACTION_FAILED', step: 'find-turns' });
  });
});

describe('perplexity extract: synthetic thread page', () => {
  const url = new URL('https://www.perplexity.ai/search/how-do-tides-work-Xq3.Lm9_Tz2bWc4Rv8Ys1A');
  const id = 'Xq3.Lm9_Tz2bWc4Rv8Ys1A';

  it('extracts the exact structure, sources as citation parts', () => {
    expect(run({ url, html: local('share-page.html'), via: 'browser' })).toEqual({
      provider: 'perplexity',
      sourceId: id,
      sourceUrl: url.href,
      title: 'How do tides work?',
      model: 'Sonar',
      messages: [
        { sourceId: `${id}-0`, parentSourceId: null, role: 'user', hidden: false, parts: [{ type: 'text', text: 'How do tides work?\nExplain it simply.', format: 'plain' }] },
        {
          sourceId: `${id}-1`,
          parentSourceId: `${id}-0`,
          role: 'assistant',
          model: 'GPT-5',
          hidden: false,
          parts: [
            {
              type: 'text',
              format: 'markdown',
              text: "Tides are driven mainly by the **Moon's gravity**, which pulls harder on the near side of Earth.\n\nThe tidal force falls off with the cube of distance, $F \\propto 1/d^3$:",
            },
            { type: 'math', tex: 'F_\\text{tide} \\approx \\frac{2GMr}{d^3}', display: true },
            { type: 'text', format: 'markdown', text: '-   Two high tides a day\n    \n-   Spring tides when Sun and Moon align' },
            { type: 'citation', url: 'https://en.wikipedia.org/wiki/Tide', title: 'Tide - Wikipedia' },
            { type: 'citation', url: 'https://oceanservice.noaa.gov/facts/tides.html', title: 'What are tides? - NOAA' },
            { type: 'citation', url: 'https://science.nasa.gov/moon/tides/', title: 'Tides - NASA Science' },
          ],
        },
        {
          sourceId: `${id}-2`,
          parentSourceId: `${id}-1`,
          role: 'user',
          hidden: false,
          parts: [{ type: 'text', text: 'Show a tide table for [NOAA station 9414290](https://tidesandcurrents.noaa.gov/) and code to plot it.', format: 'plain' }],
        },
        {
          sourceId: `${id}-3`,
          parentSourceId: `${id}-2`,
          role: 'assistant',
          model: 'Sonar',
          hidden: false,
          parts: [
            { type: 'table', header: true, rows: [['Time', 'Height (m)'], ['04:12', '**1.8**'], ['10:31', '0.2']] },
            { type: 'code', language: 'python', code: 'import matplotlib.pyplot as plt\n\nplt.plot(times, heights)  # metres & hours\nplt.show()' },
          ],
        },
      ],
    });
  });

  it('asks for the browser when the fetched page holds no answer', () => {
    const shell = '<!doctype html><html><head><title>Perplexity</title><script src="/_next/static/chunks/main.js"></script></head><body><div id="__next"></div></body></html>';
    expect(failure({ url, html: shell, via: 'fetch' })).toMatchObject({ code: 'NEEDS_BROWSER', step: 'find-turns' });
  });

  it('reports a missing thread as NOT_FOUND and a challenge as BOT_CHECK', () => {
    const missing = '<!doctype html><html><head><title>Perplexity</title></head><body><main><h1>Thread not found</h1><p>This thread does not exist or is private.</p></main></body></html>';
    expect(failure({ url, html: missing, via: 'browser' })).toMatchObject({ code: 'NOT_FOUND' });
    const challenge = '<!doctype html><html><head><title>Just a moment...</title></head><body><div id="challenge-running"></div><script src="https://challenges.cloudflare.com/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>';
    expect(failure({ url, html: challenge, via: 'fetch' })).toMatchObject({ code: 'BOT_CHECK' });
  });
});
