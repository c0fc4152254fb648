import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { providerManifest, type CapturedConversation, type ContentPart } from '../sdk/index.ts';
import deepseek from './index.ts';
import { extract, matchConversationUrl, matchShareUrl } from './extract.ts';
import { providerError as failure, sharedFixture as shared } from '../sdk/testing/fixtures.ts';

const log = { info: () => {}, warn: () => {}, debug: () => {} };

function local(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

const SHARE_URL = new URL('https://chat.deepseek.com/share/4ymfwectd144n9rq28');
const textOf = (part: ContentPart | undefined) => (part && 'text' in part ? part.text : '');
const codeLanguages = (c: CapturedConversation, index: number) => c.messages[index]?.parts.flatMap((p) => (p.type === 'code' ? [p.language] : [])) ?? [];

describe('deepseek URLs', () => {
  it('accepts the share and chat URL forms, rejects other hosts and paths', () => {
    expect(matchShareUrl(new URL('https://chat.deepseek.com/share/4ymfwectd144n9rq28'))).toEqual({ sourceId: '4ymfwectd144n9rq28' });
    expect(matchShareUrl(new URL('https://chat.deepseek.com/share/4ymfwectd144n9rq28/?utm=x'))).toEqual({ sourceId: '4ymfwectd144n9rq28' });
    expect(matchShareUrl(new URL('https://chat.deepseek.com/share/missing'))).toBeNull();
    expect(matchShareUrl(new URL('https://chat.deepseek.com/share/invalid'))).toBeNull();
    expect(matchShareUrl(new URL('https://deepseek.com/share/4ymfwectd144n9rq28'))).toBeNull();
    expect(matchShareUrl(new URL('https://chat.deepseek.com.evil.net/share/4ymfwectd144n9rq28'))).toBeNull();
    expect(matchShareUrl(new URL('https://chat.deepseek.com/a/chat/s/d07d60da-96c5-4b7f-b87e-02e4c9028897'))).toBeNull();
    expect(matchShareUrl(new URL('https://chat.deepseek.com/share/4ymfwectd144n9rq28/extra'))).toBeNull();
    expect(matchConversationUrl(new URL('https://chat.deepseek.com/a/chat/s/d07d60da-96c5-4b7f-b87e-02e4c9028897'))).toEqual({ sourceId: 'd07d60da-96c5-4b7f-b87e-02e4c9028897' });
    expect(matchConversationUrl(new URL('https://chat.deepseek.com/share/4ymfwectd144n9rq28'))).toBeNull();
    expect(matchConversationUrl(new URL('https://grok.com/a/chat/s/d07d60da-96c5-4b7f-b87e-02e4c9028897'))).toBeNull();
  });

  it('is a valid plugin manifest', () => {
    expect(providerManifest.safeParse(deepseek).success).toBe(true);
    expect(deepseek.hosts).toEqual(['chat.deepseek.com']);
  });
});

describe('deepseek share page (shared fixture)', () => {
  const html = shared('share-pages/deepseek/page.html');
  const reference = shared('share-pages/deepseek/page-text.md');
  const conversation = extract({ url: SHARE_URL, html, via: 'browser' }, log);

  it('recovers the six turns in order with stable ids and a linear parent chain', () => {
    expect(conversation).toMatchObject({ provider: 'deepseek', sourceId: '4ymfwectd144n9rq28', sourceUrl: SHARE_URL.href });
    expect(conversation.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
    expect(conversation.messages.map((m) => m.sourceId)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `4ymfwectd144n9rq28:${i}`));
    expect(conversation.messages.map((m) => m.parentSourceId)).toEqual([null, 0, 1, 2, 3, 4].map((i) => (i === null ? null : `4ymfwectd144n9rq28:${i}`)));
    // The share page has no title of its own: the first question names it.
    expect(conversation.title).toBe('create a stunning versionof this website targeted to silicon valley and san francisco audience --- …');
    expect(extract({ url: SHARE_URL, html, via: 'browser' }, log)).toEqual(conversation);
  });

  it('keeps the questions as exact plain text, with their (undisplayable) attached files', () => {
    const [first, , second, , third] = conversation.messages;
    expect(first?.parts).toEqual([
      { type: 'file', name: 'File' },
      { type: 'text', format: 'plain', text: 'create a stunning versionof this website targeted to silicon valley and san francisco audience --- animate the intro so we zoom into the wor Engage and it feels 3D ---' },
    ]);
    expect(second?.parts).toEqual([{ type: 'text', format: 'plain', text: 'show me what it would look like' }]);
    expect(third?.parts).toEqual([
      { type: 'file', name: 'File' },
      { type: 'text', format: 'plain', text: 'pull from here what makes sense and continue describing the website' },
    ]);
  });

  it('separates the DeepThink reasoning from each answer', () => {
    for (const index of [1, 3, 5]) {
      const parts = conversation.messages[index]?.parts ?? [];
      expect(parts[0]?.type).toBe('reasoning');
      expect(parts.filter((p) => p.type === 'reasoning')).toHaveLength(1);
      expect(textOf(parts[0])).not.toMatch(/Thought for/);
    }
    const reasoning = textOf(conversation.messages[1]?.parts[0]);
    expect(reasoning.startsWith('We are creating a version of the website targeted at a Silicon Valley and San Francisco audience.  \nThe key changes are:\n\n1.  The overall messaging')).toBe(true);
    expect(reasoning.endsWith("Due to the complexity, we'll focus on the hero section and then summarize the changes for the rest.")).toBe(true);
    expect(textOf(conversation.messages[5]?.parts[0]).endsWith("We'll now write a detailed description of the website, focusing on the user journey and key design decisions.")).toBe(true);
  });

  it('splits the answers into markdown and code blocks with their languages', () => {
    expect(conversation.messages[1]?.parts.map((p) => p.type)).toEqual(['reasoning', 'text', 'code', 'text', 'code', 'text', 'code', 'text']);
    expect(codeLanguages(conversation, 1)).toEqual(['css', 'text', 'javascript']);
    expect(codeLanguages(conversation, 3)).toEqual(Array(13).fill('text'));
    expect(codeLanguages(conversation, 5)).toEqual(Array(10).fill('text'));
    expect(conversation.messages[1]?.parts[2]).toEqual({
      type: 'code',
      language: 'css',
      code: '.engage-3d-zoom {\n  transform: translateZ(100px) scale(1.8);\n  filter: drop-shadow(0 0 40px rgba(0, 102, 255, 0.7));\n  animation: hologram-pulse 2s infinite alternate;\n}\n\n@keyframes hologram-pulse {\n  0% { text-shadow: 0 0 20px #0066FF, 0 0 40px #6E44FF; }\n  100% { text-shadow: 0 0 30px #0066FF, 0 0 60px #6E44FF; }\n}',
    });
    const answer = textOf(conversation.messages[1]?.parts[1]);
    expect(answer.startsWith('# VIVIM Mallorca: Silicon Valley Edition\n\n## Target Audience\n\nUltra-high-net-worth individuals')).toBe(true);
    expect(answer).toContain('-   **Primary**: Deep Charcoal (#1A1A1A), Tech Silver (#F5F7FA), Neural White (#FFFFFF)\n');
    // The one code block nested in a list item stays in the list's markdown, fenced with its language.
    const nested = conversation.messages[5]?.parts.find((p) => p.type === 'text' && p.text.includes('```text'));
    expect(textOf(nested)).toContain('-   Required footer:\n\n    ```text\n    Mallorca Property Partners S.L. \n    Colegio de Registradores License #XXXXX\n');
    expect(textOf(conversation.messages[5]?.parts.at(-1)).endsWith('The design proves the answer is "Yes" through verifiable data, not persuasive copy.')).toBe(true);
    // No toolbar text leaks into the content; this page has no tables or math.
    const all = JSON.stringify(conversation.messages);
    expect(all).not.toMatch(/CopyDownload|Copy\\nDownload/);
    expect(conversation.messages.flatMap((m) => m.parts).filter((p) => p.type === 'table' || p.type === 'math')).toEqual([]);
  });

  it('recovers every line of page-text.md except the page chrome', () => {
    const norm = (s: string) => s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
    const extracted = norm(conversation.messages.flatMap((m) => m.parts.map((p) => ('text' in p ? p.text : p.type === 'code' ? p.code : p.type === 'file' ? p.name : ''))).join('\n'));
    const body = reference.slice(reference.indexOf('This shared conversation is generated by AI'));
    const missing = body.split('\n').filter((line) => norm(line) && !extracted.includes(norm(line)));
    expect(missing.map((line) => line.slice(0, 40))).toEqual([
      'This shared conversation is generated by',
      "Shared files can't be displayed",
      'Thought for 42 seconds',
      'Thought for 20 seconds',
      "Shared files can't be displayed",
      'Thought for 28 seconds',
      'DeepThink',
      'AI-generated, for reference only',
      'Cookie Settings',
      'We use cookies to provide and improve se',
      'Necessary cookies only',
      'Accept all cookies',
      'One more step before you proceed...',
    ]);
  });

  it('parses the 3.4 MB page well under a second', () => {
    const started = performance.now();
    extract({ url: SHARE_URL, html, via: 'browser' }, log);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('deepseek chat page (synthetic fixture)', () => {
  it('extracts files, exact text, reasoning, math, code, tables and the sidebar title', () => {
    const url = new URL('https://chat.deepseek.com/a/chat/s/7f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f');
    const id = '7f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f';
    expect(extract({ url, html: local('chat-page.html'), via: 'upload' }, log)).toEqual({
      provider: 'deepseek',
      sourceId: id,
      sourceUrl: url.href,
      title: 'Integral of x squared',
      messages: [
        {
          sourceId: `${id}:0`,
          parentSourceId: null,
          role: 'user',
          hidden: false,
          parts: [
            { type: 'file', name: 'notes.pdf' },
            { type: 'text', format: 'plain', text: 'What is the integral of x^2 from 0 to 1?\nShow it in Python too, and compare a < b & c.' },
          ],
        },
        {
          sourceId: `${id}:1`,
          parentSourceId: `${id}:0`,
          role: 'assistant',
          hidden: false,
          parts: [
            { type: 'reasoning', text: 'The user wants `∫x²`. I should compute $x^3/3$.' },
            { type: 'text', format: 'markdown', text: 'The antiderivative of $x_0^2$ is **simple**:' },
            { type: 'math', tex: '\\int_0^1 x^2\\,dx = \\frac{1}{3}', display: true },
            { type: 'code', language: 'python', code: 'from scipy.integrate import quad\nprint(quad(lambda x: x**2, 0, 1))  # (0.333…, 3.7e-15) if a < b' },
            { type: 'table', header: true, rows: [['Method', 'Result'], ['Symbolic', '$\\frac{1}{3}$'], ['Numeric', '`0.3333`']] },
            { type: 'text', format: 'markdown', text: '1.  Power rule:\n\n    $$\\int x^n\\,dx = \\frac{x^{n+1}}{n+1}$$\n2.  Evaluate at the bounds.\n\n    ```text\n    1/3 - 0 = 1/3\n    ```' },
          ],
        },
        { sourceId: `${id}:2`, parentSourceId: `${id}:1`, role: 'user', hidden: false, parts: [{ type: 'text', format: 'plain', text: 'thanks!' }] },
        { sourceId: `${id}:3`, parentSourceId: `${id}:2`, role: 'assistant', hidden: false, parts: [{ type: 'text', format: 'markdown', text: "You're welcome." }] },
      ],
    });
  });
});

describe('deepseek pages that hold no conversation', () => {
  it('maps the missing-share page to NOT_FOUND', () => {
    const error = failure(() => extract({ url: new URL('https://chat.deepseek.com/share/missing'), html: local('not-found.html'), via: 'browser' }, log));
    expect(error.code).toBe('NOT_FOUND');
    const served = failure(() => extract({ url: SHARE_URL, html: local('not-found.html'), via: 'fetch' }, log));
    expect(served.code).toBe('NOT_FOUND');
  });

  it('asks for the browser when the fetched app shell holds no turns', () => {
    const shell = '<!DOCTYPE html><html><head><title>DeepSeek - Into the Unknown</title></head><body><div id="root"></div><script src="/static/main.js"></script></body></html>';
    expect(failure(() => extract({ url: SHARE_URL, html: shell, via: 'fetch' }, log)).code).toBe('NEEDS_BROWSER');
    expect(failure(() => extract({ url: SHARE_URL, html: shell, via: 'browser' }, log))).toMatchObject({ code: 'EXTRACTION_FAILED', step: 'find-turns' });
  });

  it('reports a bot check', () => {
    const challenge = '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><div id="challenge-form"></div><script src="https://challenges.cloudflare.com/turnstile/v0/api.js"></script></body></html>';
    expect(failure(() => extract({ url: SHARE_URL, html: challenge, via: 'fetch' }, log)).code).toBe('BOT_CHECK');
  });

  it("rejects another provider's page (shared fixture)", () => {
    const grokPage = shared('share-pages/grok/page.html');
    expect(failure(() => extract({ url: SHARE_URL, html: grokPage, via: 'browser' }, log)).code).toBe('EXTRACTION_FAILED');
    expect(failure(() => extract({ url: SHARE_URL, html: grokPage, via: 'fetch' }, log)).code).toBe('NEEDS_BROWSER');
  });
});
