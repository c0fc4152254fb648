import { readFileSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { providerManifest, type CapturedConversation, type ExtractInput } from '../sdk/index.ts';
import gemini from './index.ts';
import { providerError as errorOf, sharedFixture as shared } from '../sdk/testing/fixtures.ts';

const log = pino({ level: 'silent' });
const SHARE_URL = 'https://gemini.google.com/share/61e1c5a8d372';

function own(file: string): string {
  return readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8');
}

function extract(input: Omit<ExtractInput, 'url'> & { url: string }): CapturedConversation {
  return gemini.extract({ ...input, url: new URL(input.url) }, log);
}

describe('gemini manifest and URLs', () => {
  it('is a valid provider manifest', () => {
    expect(providerManifest.safeParse(gemini).success).toBe(true);
    expect(gemini.rendering).toBe('browser');
    expect(gemini.hosts).toEqual(['gemini.google.com', 'g.co']);
  });

  it('matches both share URL forms and rejects other hosts and paths', () => {
    expect(gemini.matchShareUrl(new URL(SHARE_URL))).toEqual({ sourceId: '61e1c5a8d372' });
    expect(gemini.matchShareUrl(new URL('https://gemini.google.com/share/2f2e3626ab00/?hl=es'))).toEqual({ sourceId: '2f2e3626ab00' });
    expect(gemini.matchShareUrl(new URL('https://g.co/gemini/share/61e1c5a8d372'))).toEqual({ sourceId: '61e1c5a8d372' });
    for (const url of [
      'https://gemini.google.com/app/61e1c5a8d372',
      'https://gemini.google.com/share/',
      'https://gemini.google.com/share/61e1c5a8d372/extra',
      'https://g.co/share/61e1c5a8d372',
      'https://g.co/gemini/61e1c5a8d372',
      'https://bard.google.com.evil.com/share/61e1c5a8d372',
      'https://evil.example.com/share/61e1c5a8d372',
      'https://google.com/share/61e1c5a8d372',
      'ftp://gemini.google.com/share/61e1c5a8d372',
    ]) {
      expect(gemini.matchShareUrl(new URL(url)), url).toBeNull();
    }
  });

  it('matches signed-in chat URLs, also under another account and in a Gem', () => {
    expect(gemini.matchConversationUrl(new URL('https://gemini.google.com/app/9f8e7d6c5b4a3921'))).toEqual({ sourceId: '9f8e7d6c5b4a3921' });
    expect(gemini.matchConversationUrl(new URL('https://gemini.google.com/u/1/app/9f8e7d6c5b4a3921?hl=en'))).toEqual({ sourceId: '9f8e7d6c5b4a3921' });
    expect(gemini.matchConversationUrl(new URL('https://gemini.google.com/gem/coding-partner/9f8e7d6c5b4a3921'))).toEqual({ sourceId: '9f8e7d6c5b4a3921' });
    expect(gemini.matchConversationUrl(new URL('https://gemini.google.com/app'))).toBeNull();
    expect(gemini.matchConversationUrl(new URL(SHARE_URL))).toBeNull();
    expect(gemini.matchConversationUrl(new URL('https://g.co/app/9f8e7d6c5b4a3921'))).toBeNull();
  });
});

describe('gemini share page (shared fixture)', () => {
  it('extracts both exchanges of the real 2026 share page with title and mode (shared fixture)', () => {
    const html = shared('share-pages/gemini-2026/page.html');
    const started = performance.now();
    const conversation = extract({ url: SHARE_URL, html, via: 'browser' });
    expect(performance.now() - started).toBeLessThan(1000);

    expect(conversation).toMatchObject({ provider: 'gemini', sourceId: '61e1c5a8d372', sourceUrl: SHARE_URL, title: 'Greeting and Offer of Assistance', model: '3.1 Pro' });
    expect(conversation.messages.map((m) => [m.sourceId, m.parentSourceId, m.role])).toEqual([
      ['61e1c5a8d372/13bf7c96d7a1e303:prompt', null, 'user'],
      ['61e1c5a8d372/13bf7c96d7a1e303:response', '61e1c5a8d372/13bf7c96d7a1e303:prompt', 'assistant'],
      ['61e1c5a8d372/9335e5e784e6ea7f:prompt', '61e1c5a8d372/13bf7c96d7a1e303:response', 'user'],
      ['61e1c5a8d372/9335e5e784e6ea7f:response', '61e1c5a8d372/9335e5e784e6ea7f:prompt', 'assistant'],
    ]);
    const [hi, hello, question, answer] = conversation.messages;
    expect(hi!.parts).toEqual([{ type: 'text', text: 'hi', format: 'plain' }]);
    expect(question!.parts).toEqual([{ type: 'text', text: 'what do you think about claude and chatgpr', format: 'plain' }]);
    expect(hello!.parts).toEqual([
      {
        type: 'text',
        format: 'markdown',
        text: "### Hello!\n\nI'm here and ready to help. Whether you need to brainstorm ideas, tackle a tough problem, explore a complex topic, or simply get some quick answers, I've got you covered.\n\n**How can I assist you today?**",
      },
    ]);
    expect(answer!.parts).toHaveLength(1);
    const text = (answer!.parts[0] as { text: string }).text;
    expect(text.startsWith('Both Claude (by Anthropic) and ChatGPT (by OpenAI) are top-tier AI models')).toBe(true);
    expect(text).toContain('### Claude (Anthropic)\n\nClaude is often praised for its nuance');
    expect(text).toContain('-   **The "Writer" and Analyst:** Claude tends to write');
    expect(text).toContain('### ChatGPT (OpenAI)');
    expect(text).toContain('### The Verdict\n\n-   **Choose Claude** if you need');
    expect(text).toContain('-   **Choose ChatGPT** if you need');
    expect(text.endsWith('Are you looking to use one of them for a specific kind of task, like coding, writing, or data analysis?')).toBe(true);
    expect(text.match(/^### /gm)).toHaveLength(3);
    expect(text.match(/^- {3}\*\*/gm)).toHaveLength(8);
  });

  it('gives the same sourceIds on every run (shared fixture)', () => {
    const html = shared('share-pages/gemini-2026/page.html');
    const ids = () => extract({ url: SHARE_URL, html, via: 'browser' }).messages.map((m) => m.sourceId);
    expect(ids()).toEqual(ids());
  });

  it('refuses another provider’s page: EXTRACTION_FAILED from a browser, NEEDS_BROWSER from a fetch (shared fixture)', () => {
    for (const file of ['share-pages/claude/page.html', 'share-pages/chatgpt/page.html']) {
      const html = shared(file);
      expect(errorOf(() => extract({ url: SHARE_URL, html, via: 'browser' })), file).toMatchObject({ code: 'EXTRACTION_FAILED', step: 'find-turns' });
      expect(errorOf(() => extract({ url: SHARE_URL, html, via: 'fetch' })), file).toMatchObject({ code: 'NEEDS_BROWSER' });
    }
  });
});

describe('gemini pages (own fixtures)', () => {
  it('extracts the rebuilt 2026-markup page of the older reference, math in a list item included', () => {
    const url = 'https://gemini.google.com/share/2f2e3626ab00';
    const conversation = extract({ url, html: own('share-2f2e3626ab00.html'), via: 'browser' });
    expect(conversation).toMatchObject({ sourceId: '2f2e3626ab00', title: "Gemini's Versatile Output Capabilities", model: 'Rápido' });
    expect(conversation.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(conversation.messages[0]!.parts).toEqual([{ type: 'text', text: 'generate many different kinds of output', format: 'plain' }]);
    const parts = conversation.messages[1]!.parts;
    expect(parts).toHaveLength(1);
    const text = (parts[0] as { text: string }).text;
    expect(text.startsWith('Since I am designed to be a versatile thought partner, I can generate a wide range of outputs')).toBe(true);
    expect(text).toContain('### 1\\. Creative & Professional Writing');
    expect(text).toContain(
      '-   **Mathematics:** Solving complex problems, from calculus to statistics, using LaTeX for clarity. For example, a standard normal distribution is described by:\n    \n    $$f(x) = \\frac{1}{\\sigma\\sqrt{2\\pi}} e^{-\\frac{1}{2}\\left(\\frac{x-\\mu}{\\sigma}\\right)^2}$$\n-   **Logic:**',
    );
    expect(text).toContain('---\n\n### Which output do you need right now?');
    expect(text.endsWith('or **write a Python script to automate a repetitive task**. Which would you prefer?')).toBe(true);
    expect(text.match(/^### /gm)).toHaveLength(5);
  });

  it('extracts code languages, tables, inline and display math, citations and prompt images', () => {
    const url = 'https://gemini.google.com/share/a1b2c3d4e5f6';
    const conversation = extract({ url, html: own('share-rich-answer.html'), via: 'browser' });
    const id = 'a1b2c3d4e5f6';
    expect(conversation).toEqual({
      provider: 'gemini',
      sourceId: id,
      sourceUrl: url,
      title: 'Sorting, tables and a formula',
      model: '2.5 Flash',
      messages: [
        {
          sourceId: `${id}/aa11bb22cc33dd44:prompt`,
          parentSourceId: null,
          role: 'user',
          hidden: false,
          parts: [
            { type: 'image', url: 'https://lh3.googleusercontent.com/gg/whiteboard-photo', alt: 'Uploaded image preview' },
            { type: 'text', text: 'Sort the list in the photo in Python:\n\n  keep *this* indented  x_1', format: 'plain' },
          ],
        },
        {
          sourceId: `${id}/aa11bb22cc33dd44:response`,
          parentSourceId: `${id}/aa11bb22cc33dd44:prompt`,
          role: 'assistant',
          hidden: false,
          parts: [
            { type: 'text', text: 'Here is a sort where each item $x_i \\le x_{i+1}$ holds:', format: 'markdown' },
            { type: 'code', code: 'numbers = [3, 1, 2]\nprint(sorted(numbers))  # [1, 2, 3]', language: 'python' },
            { type: 'text', text: 'Output:', format: 'markdown' },
            { type: 'code', code: '[1, 2, 3]' },
            { type: 'table', rows: [['Algorithm', 'Average', 'Stable'], ['**Timsort**', '$O(n \\log n)$', 'Yes'], ['Quicksort', '$O(n \\log n)$', 'No']], header: true },
            { type: 'text', text: 'The number of comparisons is bounded by:', format: 'markdown' },
            { type: 'math', tex: '\\log_2(n!) \\approx n \\log_2 n', display: true },
            { type: 'text', text: '---\n\nWant a *descending* sort too?', format: 'markdown' },
            { type: 'citation', url: 'https://docs.python.org/3/howto/sorting.html', title: 'Sorting Techniques — Python documentation' },
            { type: 'citation', url: 'https://en.wikipedia.org/wiki/Timsort', title: 'Timsort' },
          ],
        },
        {
          sourceId: `${id}/ee55ff6677889900:prompt`,
          parentSourceId: `${id}/aa11bb22cc33dd44:response`,
          role: 'user',
          hidden: false,
          parts: [{ type: 'text', text: 'Yes, in JavaScript.', format: 'plain' }],
        },
        {
          sourceId: `${id}/ee55ff6677889900:response`,
          parentSourceId: `${id}/ee55ff6677889900:prompt`,
          role: 'assistant',
          hidden: false,
          parts: [
            { type: 'text', text: '1.  Sort a copy, largest first:\n    \n    ```javascript\n    const sorted = [...numbers].sort((a, b) => b - a);\n    ```', format: 'markdown' },
            { type: 'text', text: 'That keeps `numbers` unchanged.', format: 'markdown' },
          ],
        },
      ],
    });
  });

  it('reads a signed-in chat page with its thinking panel, keyed by the chat id', () => {
    const url = 'https://gemini.google.com/app/9f8e7d6c5b4a3921';
    const conversation = extract({ url, html: own('app-chat.html'), via: 'upload' });
    const id = '9f8e7d6c5b4a3921';
    expect(conversation.title).toBe('Prime check in Rust');
    expect(conversation.model).toBeUndefined();
    expect(conversation.messages.map((m) => [m.sourceId, m.role])).toEqual([
      [`${id}/6b1f2e3d4c5a6978:prompt`, 'user'],
      [`${id}/6b1f2e3d4c5a6978:response`, 'assistant'],
      [`${id}/7c2a3b4d5e6f7a80:prompt`, 'user'],
      [`${id}/7c2a3b4d5e6f7a80:response`, 'assistant'],
    ]);
    expect(conversation.messages[1]!.parts).toEqual([
      { type: 'reasoning', text: '**Checking divisors**\n\nOnly primes up to $\\sqrt{97}$ matter: 2, 3, 5, 7.' },
      { type: 'text', text: 'Yes, **97** is prime.', format: 'markdown' },
      { type: 'code', language: 'rust', code: 'fn is_prime(n: u32) -> bool {\n    n > 1 && (2..n).take_while(|d| d * d <= n).all(|d| n % d != 0)\n}' },
    ]);
    // A collapsed thinking panel (no body rendered) adds nothing.
    expect(conversation.messages[3]!.parts).toEqual([{ type: 'text', text: "You're welcome!", format: 'markdown' }]);
  });

  it('numbers exchanges when the page gives them no ids', () => {
    const html = '<html><body><user-query><p class="query-text-line"> one </p></user-query><response-container><message-content><div class="markdown"><p>1</p></div></message-content></response-container><user-query><p class="query-text-line"> two </p></user-query><response-container><message-content><div class="markdown"><p>2</p></div></message-content></response-container></body></html>';
    const conversation = extract({ url: SHARE_URL, html, via: 'browser' });
    expect(conversation.messages.map((m) => m.sourceId)).toEqual(['61e1c5a8d372/0:prompt', '61e1c5a8d372/0:response', '61e1c5a8d372/1:prompt', '61e1c5a8d372/1:response']);
    expect(conversation.title).toBe('Untitled conversation');
  });

  it('reports Google’s 404 page as NOT_FOUND, fetched or rendered', () => {
    for (const via of ['fetch', 'browser'] as const) {
      expect(errorOf(() => extract({ url: 'https://gemini.google.com/share/000000000000', html: own('not-found.html'), via }))).toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('reports Google’s unusual-traffic check as BOT_CHECK and a sign-in page as BOT_CHECK', () => {
    expect(errorOf(() => extract({ url: SHARE_URL, html: own('unusual-traffic.html'), via: 'fetch' }))).toMatchObject({ code: 'BOT_CHECK', step: 'bot-check' });
    const signIn = '<html><head><title>Sign in - Google Accounts</title></head><body><form><input type="email" name="identifier"></form></body></html>';
    expect(errorOf(() => extract({ url: SHARE_URL, html: signIn, via: 'browser' }))).toMatchObject({ code: 'BOT_CHECK', step: 'sign-in-wall' });
  });

  it('asks for a browser when the fetched server HTML is only the app shell', () => {
    const html = '<!DOCTYPE html><html><head><title>‎Gemini - direct access to Google AI</title><script>window.WIZ_global_data={}</script></head><body><chat-app id="app-root"></chat-app></body></html>';
    expect(errorOf(() => extract({ url: SHARE_URL, html, via: 'fetch' }))).toMatchObject({ code: 'NEEDS_BROWSER', step: 'find-turns' });
    expect(errorOf(() => extract({ url: SHARE_URL, html, via: 'browser' }))).toMatchObject({ code: 'EXTRACTION_FAILED', step: 'find-turns' });
  });
});
