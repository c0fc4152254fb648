import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { providerManifest, type ContentPart } from '../sdk/index.ts';
import grok from './index.ts';
import { extract, matchConversationUrl, matchShareUrl } from './extract.ts';
import { decodeEntities } from '../sdk/page.ts';
import { providerError as failure, sharedFixture as shared } from '../sdk/testing/fixtures.ts';

const log = { info: () => {}, warn: () => {}, debug: () => {} };

function local(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

const SHARE_ID = 'bGVnYWN5LWNvcHk_32845a54-452d-4563-b9ca-8d9871b40595';
const SHARE_URL = new URL(`https://grok.com/share/${SHARE_ID}`);
const textOf = (part: ContentPart | undefined) => (part && 'text' in part ? part.text : '');

describe('grok URLs', () => {
  it('accepts grok.com and x.com share URLs and grok.com chat URLs, rejects the rest', () => {
    expect(matchShareUrl(SHARE_URL)).toEqual({ sourceId: SHARE_ID });
    expect(matchShareUrl(new URL(`https://grok.com/share/${SHARE_ID}/?rid=abc`))).toEqual({ sourceId: SHARE_ID });
    expect(matchShareUrl(new URL('https://x.com/i/grok/share/xYz123AbC456dEf789'))).toEqual({ sourceId: 'xYz123AbC456dEf789' });
    expect(matchShareUrl(new URL('https://x.com/share/xYz123AbC456dEf789'))).toBeNull();
    expect(matchShareUrl(new URL('https://twitter.com/i/grok/share/xYz123AbC456dEf789'))).toBeNull();
    expect(matchShareUrl(new URL(`https://grok.com.evil.net/share/${SHARE_ID}`))).toBeNull();
    expect(matchShareUrl(new URL(`https://grok.com/chat/${SHARE_ID}`))).toBeNull();
    expect(matchShareUrl(new URL('https://grok.com/share/'))).toBeNull();
    expect(matchConversationUrl(new URL('https://grok.com/chat/32845a54-452d-4563-b9ca-8d9871b40595'))).toEqual({ sourceId: '32845a54-452d-4563-b9ca-8d9871b40595' });
    expect(matchConversationUrl(SHARE_URL)).toBeNull();
    expect(matchConversationUrl(new URL('https://x.com/chat/32845a54-452d-4563-b9ca-8d9871b40595'))).toBeNull();
  });

  it('is a valid plugin manifest', () => {
    expect(providerManifest.safeParse(grok).success).toBe(true);
    expect(grok.hosts).toEqual(['grok.com', 'x.com']);
  });
});

describe('grok share page (shared fixture)', () => {
  const html = shared('share-pages/grok/page.html');
  const reference = shared('share-pages/grok/page-text.md');
  const conversation = extract({ url: SHARE_URL, html, via: 'browser' }, log);
  const texts = conversation.messages.flatMap((m) => m.parts.map(textOf)).join('\n');

  it('recovers the six turns in order, with the page ids and title', () => {
    expect(conversation).toMatchObject({ provider: 'grok', sourceId: SHARE_ID, sourceUrl: SHARE_URL.href, title: 'Moscow Rules: Espionage Tactics and Principles' });
    const ids = ['f59a9edc-b193-4fa4-a00a-eb9b976a09db', '8842e6d9-873c-4ed7-babd-022eaf9b1ee3', '9104d786-0712-4be9-9ddf-cae6d0a02bcc', '3d0d9f66-10b0-4f4e-9b31-096c20cb93b7', 'e9ca03a9-6acb-4e6a-8051-f2f37b7f903a', 'e633c4d2-27fd-41a3-ac3a-2cb23078d23f'];
    expect(conversation.messages.map((m) => [m.sourceId, m.parentSourceId, m.role])).toEqual(ids.map((id, i) => [id, i ? ids[i - 1] : null, i % 2 ? 'assistant' : 'user']));
    expect(extract({ url: SHARE_URL, html, via: 'browser' }, log)).toEqual(conversation);
  });

  it('keeps the questions as exact plain text', () => {
    expect(conversation.messages.filter((m) => m.role === 'user').map((m) => m.parts)).toEqual([
      [{ type: 'text', format: 'plain', text: 'moscow rules' }],
      [{ type: 'text', format: 'plain', text: 'in math - as a set of axioms' }],
      [{ type: 'text', format: 'plain', text: 'deraive each using foundatiojal math with full notation' }],
    ]);
  });

  it('renders the answers as markdown with lists, emphasis and headings', () => {
    const [first, second, third] = conversation.messages.filter((m) => m.role === 'assistant').map((m) => m.parts);
    expect(first?.map((p) => p.type)).toEqual(['text']);
    expect(second?.map((p) => p.type)).toEqual(['text']);
    expect(third?.map((p) => p.type)).toEqual(['text']);
    const answer = textOf(first?.[0]);
    expect(answer.startsWith('The **Moscow Rules** refer to a set of informal, unwritten guidelines developed by CIA operatives')).toBe(true);
    expect(answer).toContain('\n\n1.  Assume nothing.\n2.  Never go against your gut.\n');
    expect(answer).toContain('10.  Keep your options open.\n\nOther lists expand on these');
    expect(answer).toContain('the book *The Moscow Rules* by Antonio J. and Jonna Mendez');
    expect(answer.endsWith('They underscore that in adversarial environments, preparation and instinct outperform overconfidence.')).toBe(true);
    expect(textOf(second?.[0]).endsWith('a small set of axioms yields high resilience against sophisticated, resource-unbounded adversaries.')).toBe(true);
    expect(textOf(third?.[0]).startsWith('### Mathematical Derivation of the Moscow Rules\n\nTo derive the Moscow Rules rigorously')).toBe(true);
    expect(textOf(third?.[0])).toContain('\n\n#### Model Setup and Notation\n\n-   Time steps: $t = 1, \\dots, T$.\n');
    expect(textOf(third?.[0]).endsWith('zero-trust networks, chaos engineering, and resilient distributed architectures.')).toBe(true);
  });

  it('recovers all 48 formulas as TeX: inline as $…$, the 7 display formulas inside list items as $$…$$', () => {
    const tex = [...html.matchAll(/<annotation encoding=(?:"application\/x-tex"|application\/x-tex)>([\s\S]*?)<\/annotation>/g)].map((m) => decodeEntities(m[1] ?? '').trim());
    expect(tex).toHaveLength(48);
    for (const formula of tex) expect(texts).toContain(`$${formula}$`);
    const display = [...texts.matchAll(/\$\$([^$]+)\$\$/g)].map((m) => m[1]);
    expect(display).toHaveLength(7);
    expect(display[0]).toBe('P(H \\mid e) \\geq \\inf_{Q \\in \\mathcal{Q}} \\frac{\\int_H q(x) \\, dx}{\\int q(x) \\, dx}');
    expect(texts).toContain('1.  **Axiom of Radical Skepticism: Assume nothing.****Derivation**: The Adversary can fabricate any evidence $e$ with $P(e \\mid \\neg H) \\leq 1$');
    expect(texts).toContain('\n\n    $$P(H \\mid e) \\geq \\inf_{Q \\in \\mathcal{Q}} \\frac{\\int_H q(x) \\, dx}{\\int q(x) \\, dx}$$\n\n    where $\\mathcal{Q}$ is the ambiguity set');
    // No KaTeX visual text leaks in (it carries zero-width spaces and doubled glyphs).
    expect(texts).not.toMatch(/\u200b|P\(success\)\\?=P\(¬detection/);
    expect(conversation.messages.flatMap((m) => m.parts).filter((p) => p.type === 'math' || p.type === 'code' || p.type === 'table')).toEqual([]);
  });

  it('recovers every non-formula line of page-text.md except the page chrome', () => {
    const norm = (s: string) => s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
    const extracted = norm(texts);
    const body = reference.slice(reference.indexOf('This conversation used custom instructions.'));
    // page-text.md writes each formula as KaTeX's visual text plus its TeX: those lines are checked above.
    const lines = body.split('\n').filter((line) => norm(line) && !/\\\\|\\=|\\_|\u200b/.test(line));
    expect(lines.length).toBeGreaterThan(60);
    expect(lines.filter((line) => !extracted.includes(norm(line))).map((line) => line.slice(0, 40))).toEqual([
      'This conversation used custom instructio',
      '![Web page favicon](https://www.google.c',
      '![Web page favicon](https://www.google.c',
      '![Web page favicon](https://www.google.c',
      '67 sources',
      'Continue conversation',
      '## Embedded Content',
    ]);
  });

  it('parses the page well under a second', () => {
    const started = performance.now();
    extract({ url: SHARE_URL, html, via: 'browser' }, log);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('grok chat page (synthetic fixture)', () => {
  it('extracts exact text, images, reasoning, code with its language, tables and math', () => {
    const url = new URL('https://grok.com/chat/0b6f1c2a-1111-4a2b-9c3d-0000000000aa');
    const first = '0b6f1c2a-1111-4a2b-9c3d-000000000001';
    const second = '0b6f1c2a-1111-4a2b-9c3d-000000000002';
    expect(extract({ url, html: local('chat-page.html'), via: 'upload' }, log)).toEqual({
      provider: 'grok',
      sourceId: '0b6f1c2a-1111-4a2b-9c3d-0000000000aa',
      sourceUrl: url.href,
      title: 'Sorting in Rust',
      messages: [
        {
          sourceId: first,
          parentSourceId: null,
          role: 'user',
          hidden: false,
          parts: [
            { type: 'text', format: 'plain', text: 'How do I sort a Vec<i32> in Rust?\nAlso show a table of complexities.' },
            { type: 'image', url: 'https://assets.grok.com/users/u1/generated/img1/image.png', alt: 'screenshot.png' },
          ],
        },
        {
          sourceId: second,
          parentSourceId: first,
          role: 'assistant',
          hidden: false,
          parts: [
            { type: 'reasoning', text: 'The user wants `sort` and complexity $O(n \\log n)$.' },
            { type: 'text', format: 'markdown', text: 'Use `sort_unstable` for speed:' },
            { type: 'code', language: 'rust', code: 'let mut v = vec![3, 1, 2];\nv.sort_unstable(); // [1, 2, 3] if a < b' },
            { type: 'table', header: true, rows: [['Method', 'Time'], ['`sort`', '$O(n \\log n)$'], ['`sort_unstable`', 'same, in place']] },
            { type: 'math', tex: 'T(n) = 2T(n/2) + O(n)', display: true },
          ],
        },
      ],
    });
  });
});

describe('grok pages that hold no conversation', () => {
  it('maps the not-found page to NOT_FOUND', () => {
    expect(failure(() => extract({ url: SHARE_URL, html: local('not-found.html'), via: 'fetch' }, log)).code).toBe('NOT_FOUND');
    expect(failure(() => extract({ url: SHARE_URL, html: local('not-found.html'), via: 'browser' }, log)).code).toBe('NOT_FOUND');
  });

  it('asks for the browser when the fetched page holds no turns', () => {
    const shell = '<!DOCTYPE html><html><head><title>Grok</title></head><body><main></main></body></html>';
    expect(failure(() => extract({ url: SHARE_URL, html: shell, via: 'fetch' }, log)).code).toBe('NEEDS_BROWSER');
    expect(failure(() => extract({ url: SHARE_URL, html: shell, via: 'browser' }, log))).toMatchObject({ code: 'EXTRACTION_FAILED', step: 'find-turns' });
  });

  it('reports a bot check', () => {
    const challenge = '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script><div class="cf-challenge"></div></body></html>';
    expect(failure(() => extract({ url: SHARE_URL, html: challenge, via: 'fetch' }, log)).code).toBe('BOT_CHECK');
  });

  it("rejects another provider's page (shared fixture)", () => {
    const kimiPage = shared('share-pages/kimi/page.html');
    expect(failure(() => extract({ url: SHARE_URL, html: kimiPage, via: 'browser' }, log)).code).toBe('EXTRACTION_FAILED');
    expect(failure(() => extract({ url: SHARE_URL, html: kimiPage, via: 'fetch' }, log)).code).toBe('NEEDS_BROWSER');
  });
});
