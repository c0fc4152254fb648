import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { providerManifest, type CapturedConversation, type ContentPart } from '../sdk/index.ts';
import kimi from './index.ts';
import { extract, jsLiteralToJson, matchConversationUrl, matchShareUrl } from './extract.ts';
import { providerError as failure, sharedFixture as shared } from '../sdk/testing/fixtures.ts';

const log = { info: () => {}, warn: () => {}, debug: () => {} };

function local(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

const SHARE_ID = '19be85a5-0c42-8bc7-8000-0000f26198c2';
const SHARE_URL = new URL(`https://www.kimi.com/share/${SHARE_ID}`);
const USER_ID = '19b9f1ad-e592-8036-8000-0ad2549d4d9b';
const ASSISTANT_ID = '19b9f1ad-e592-8037-8000-0ad22576f735';
const textOf = (part: ContentPart | undefined) => (part && 'text' in part ? part.text : '');
const TABLE = [
  ['**Mechanism**', '**Signal Type**', '**Transport**', '**Range**', '**Speed**', '**Fidelity**'],
  ['**AHL QS**', 'Small molecule', 'Passive diffusion', 'Short (<100 μm)', 'Fast (seconds)', 'Low (noise-prone)'],
  ['**AI-2**', 'Small molecule', 'Active/Passive', 'Medium (100s μm)', 'Medium (minutes)', 'Medium (filtered)'],
  ['**AIP**', 'Peptide', 'Active export', 'Short (<50 μm)', 'Medium (minutes)', 'High (specific)'],
  ['**T6SS**', 'Protein toxin', 'Direct injection', 'Contact only', 'Instantaneous', 'Very High (targeted)'],
  ['**OMVs**', 'Mixed cargo', 'Vesicle diffusion', 'Long (mm)', 'Slow (hours)', 'Low (bulk delivery)'],
  ['**Nanotubes**', 'Mixed cargo', 'Cytoplasmic flow', 'Contact only', 'Fast (seconds)', 'Very High (direct)'],
];

describe('kimi URLs', () => {
  it('accepts the share URL forms of www.kimi.com, kimi.com and kimi.moonshot.cn, rejects the rest', () => {
    expect(matchShareUrl(SHARE_URL)).toEqual({ sourceId: SHARE_ID });
    expect(matchShareUrl(new URL(`https://kimi.com/share/${SHARE_ID}`))).toEqual({ sourceId: SHARE_ID });
    expect(matchShareUrl(new URL(`https://www.kimi.com/share/en/${SHARE_ID}?from=copy`))).toEqual({ sourceId: SHARE_ID });
    expect(matchShareUrl(new URL('https://kimi.moonshot.cn/share/cq6nqc9kqq4j3ns2shig'))).toEqual({ sourceId: 'cq6nqc9kqq4j3ns2shig' });
    expect(matchShareUrl(new URL(`https://www.kimi.ai/share/${SHARE_ID}`))).toBeNull();
    expect(matchShareUrl(new URL(`https://www.kimi.com.evil.net/share/${SHARE_ID}`))).toBeNull();
    expect(matchShareUrl(new URL(`https://www.kimi.com/chat/${SHARE_ID}`))).toBeNull();
    expect(matchShareUrl(new URL('https://www.kimi.com/share/'))).toBeNull();
    expect(matchConversationUrl(new URL('https://www.kimi.com/chat/19b9f1ad-def2-856b-8000-09d256e73d74'))).toEqual({ sourceId: '19b9f1ad-def2-856b-8000-09d256e73d74' });
    expect(matchConversationUrl(new URL('https://kimi.moonshot.cn/chat/cq6nqc9kqq4j3ns2shig'))).toEqual({ sourceId: 'cq6nqc9kqq4j3ns2shig' });
    expect(matchConversationUrl(SHARE_URL)).toBeNull();
  });

  it('is a valid plugin manifest', () => {
    expect(providerManifest.safeParse(kimi).success).toBe(true);
    expect(kimi.rendering).toBe('static');
  });
});

describe('jsLiteralToJson', () => {
  it('turns undefined and BigInt(…) into JSON, leaving strings alone', () => {
    expect(JSON.parse(jsLiteralToJson('{"a":undefined,"b":BigInt("935421"),"c":"undefined BigInt(\\"1\\")","d":[BigInt("123456789012345678901")]}'))).toEqual({ a: null, b: 935421, c: 'undefined BigInt("1")', d: ['123456789012345678901'] });
  });
});

describe('kimi share page (shared fixture)', () => {
  const html = shared('share-pages/kimi/page.html');
  const reference = shared('share-pages/kimi/page-text.md');
  const conversation = extract({ url: SHARE_URL, html, via: 'fetch' }, log);

  it('reads the share from the server-rendered hydration state, with ids, times and title', () => {
    expect(conversation).toMatchObject({
      provider: 'kimi',
      sourceId: SHARE_ID,
      sourceUrl: SHARE_URL.href,
      title: '技术记录概念提炼',
      createdAt: new Date('2026-01-08T19:34:56.797Z'),
      updatedAt: new Date('2026-01-08T19:36:04.156Z'),
    });
    expect(conversation.messages.map((m) => [m.sourceId, m.parentSourceId, m.role, m.createdAt?.toISOString()])).toEqual([
      [USER_ID, null, 'user', '2026-01-08T19:34:56.857Z'],
      [ASSISTANT_ID, USER_ID, 'assistant', '2026-01-08T19:34:56.857Z'],
    ]);
    expect(extract({ url: SHARE_URL, html, via: 'fetch' }, log)).toEqual(conversation);
  });

  it('keeps the question as exact text and the attached file with its link and type', () => {
    expect(conversation.messages[0]?.parts).toEqual([
      { type: 'text', format: 'plain', text: 'Extract and organize key concepts of this file' },
      {
        type: 'file',
        name: 'chat-Clone of New Chat.txt',
        mimeType: 'text/plain',
        url: 'https://www.kimi.com/apiv2-files/sign-obj/kimi-fs%2Ffiles%2Fblob%2Fd974b9c9a754e5c37013db643f0f65246bc45643fdd6179cce078965190b35b6?filename=chat-Clone+of+New+Chat.txt&sig=SW6W813hX2FtzC8soQys5__89TCkv7pDQQmAc1XTCzs=&t=o',
      },
    ]);
  });

  it('splits the answer into reasoning, markdown and the 7-row table', () => {
    const parts = conversation.messages[1]?.parts ?? [];
    expect(parts.map((p) => p.type)).toEqual(['reasoning', 'text', 'table', 'text']);
    const reasoning = textOf(parts[0]);
    expect(reasoning.startsWith('The user is asking me to "Extract and organize key concepts of this file," but they haven\'t provided any file.')).toBe(true);
    expect(reasoning).toContain('\n1. Foundational papers in bacterial information transfer\n2. Phase 2 papers (2015-2022)\n');
    expect(reasoning.endsWith("directly answers the user's implicit request to organize the Phase 2 mechanistic information.")).toBe(true);
    expect(textOf(parts[1]).startsWith('# Key Concepts in Bacterial Information Transfer (Phase 2: 2015-2022)\n\nBased on the detailed analysis of Phase 2 research, here are the **extracted and organized core concepts**')).toBe(true);
    expect(textOf(parts[1]).endsWith('## **VI. INTEGRATIVE THEMES ACROSS MECHANISMS**\n\n### **A. Modality-Specific Transport Strategies**')).toBe(true);
    expect(parts[2]).toEqual({ type: 'table', header: true, rows: TABLE });
    expect(textOf(parts[3]).startsWith('### **B. Evolutionary Optimization of Communication Channels**')).toBe(true);
    expect(textOf(parts[3]).endsWith('each optimized for specific ecological contexts and evolutionary pressures.')).toBe(true);
  });

  const norm = (s: string) => s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
  const missingLines = (c: CapturedConversation) => {
    const extracted = norm(c.messages.flatMap((m) => m.parts.map((p) => (p.type === 'table' ? p.rows.flat().join(' ') : p.type === 'file' ? p.name : textOf(p)))).join('\n'));
    return reference
      .split('\n')
      .slice(1)
      .filter((line) => norm(line) && !extracted.includes(norm(line)))
      .map((line) => line.slice(0, 40));
  };
  const CHROME = ['## 技术记录概念提炼', '![txt](data:image/svg+xml,%3csvg%20width', '913.5 KB', 'Bacterial Communication via Signals Synt', 'Copy'];

  it('recovers every line of page-text.md except the title, file card details, the reasoning title and the table toolbar', () => {
    expect(missingLines(conversation)).toEqual(CHROME);
  });

  it('falls back to the rendered DOM with the same turns, reasoning and table', () => {
    const domOnly = html.replace('window.HYDRATION_INIT_STATE=', 'window.SOMETHING_ELSE=');
    const fromDom = extract({ url: SHARE_URL, html: domOnly, via: 'browser' }, log);
    expect(fromDom.title).toBe('技术记录概念提炼');
    expect(fromDom.messages.map((m) => [m.sourceId, m.role, m.parts.map((p) => p.type)])).toEqual([
      [`${SHARE_ID}:0`, 'user', ['file', 'text']],
      [`${SHARE_ID}:1`, 'assistant', ['reasoning', 'text', 'table', 'text']],
    ]);
    expect(fromDom.messages[0]?.parts).toEqual([
      { type: 'file', name: 'chat-Clone of New Chat.txt' },
      { type: 'text', format: 'plain', text: 'Extract and organize key concepts of this file' },
    ]);
    expect(fromDom.messages[1]?.parts[2]).toEqual({ type: 'table', header: true, rows: TABLE });
    expect(missingLines(fromDom)).toEqual(CHROME);
    const started = performance.now();
    extract({ url: SHARE_URL, html: domOnly, via: 'browser' }, log);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reads the embedded data well under 300 ms', () => {
    const started = performance.now();
    extract({ url: SHARE_URL, html, via: 'fetch' }, log);
    expect(performance.now() - started).toBeLessThan(300);
  });
});

describe('kimi page without hydration state (synthetic fixture)', () => {
  it('extracts files, exact text, reasoning, math, code with its language and tables from the DOM', () => {
    const url = new URL('https://www.kimi.com/share/19c0a1b2-0c42-8bc7-8000-0000aabbccdd');
    const id = '19c0a1b2-0c42-8bc7-8000-0000aabbccdd';
    expect(extract({ url, html: local('dom-only.html'), via: 'browser' }, log)).toEqual({
      provider: 'kimi',
      sourceId: id,
      sourceUrl: url.href,
      title: 'Fibonacci in Python',
      messages: [
        {
          sourceId: `${id}:0`,
          parentSourceId: null,
          role: 'user',
          hidden: false,
          parts: [
            { type: 'file', name: 'fib.py' },
            { type: 'text', format: 'plain', text: 'Write fib(n) in Python.\nExplain why a < b matters.' },
          ],
        },
        {
          sourceId: `${id}:1`,
          parentSourceId: `${id}:0`,
          role: 'assistant',
          hidden: false,
          parts: [
            { type: 'reasoning', text: 'Use iteration: $O(n)$ time.' },
            { type: 'text', format: 'markdown', text: '## **Iterative version**\n\nThe recurrence is $F_n = F_{n-1} + F_{n-2}$:' },
            { type: 'math', tex: 'F_n = \\frac{\\varphi^n - \\psi^n}{\\sqrt 5}', display: true },
            { type: 'code', language: 'python', code: 'def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a' },
            { type: 'table', header: true, rows: [['**n**', '**fib(n)**'], ['10', '55'], ['20', '6765']] },
            { type: 'text', format: 'markdown', text: '-   Runs in $O(n)$.' },
          ],
        },
      ],
    });
  });
});

describe('kimi pages that hold no conversation', () => {
  it('maps a gone share to NOT_FOUND (page text, or a share query without data)', () => {
    expect(failure(() => extract({ url: SHARE_URL, html: local('not-found.html'), via: 'fetch' }, log)).code).toBe('NOT_FOUND');
    const emptyQuery = `<html><head><title>Kimi</title></head><body><div id="app"></div><script>window.HYDRATION_INIT_STATE={"mutations":[],"queries":[{"state":{"data":undefined,"status":"success"},"queryKey":["share","${SHARE_ID}"]}]}</script></body></html>`;
    expect(failure(() => extract({ url: SHARE_URL, html: emptyQuery, via: 'fetch' }, log)).code).toBe('NOT_FOUND');
  });

  it('asks for the browser when the fetched page holds neither data nor turns', () => {
    const shell = '<!DOCTYPE html><html><head><title>Kimi</title></head><body><div id="app"></div><script type="module" src="/assets/index.js"></script></body></html>';
    expect(failure(() => extract({ url: SHARE_URL, html: shell, via: 'fetch' }, log)).code).toBe('NEEDS_BROWSER');
    expect(failure(() => extract({ url: SHARE_URL, html: shell, via: 'browser' }, log))).toMatchObject({ code: 'EXTRACTION_FAILED', step: 'find-turns' });
  });

  it('reports a bot check', () => {
    const challenge = '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><form id="challenge-form" action="/?__cf_chl_f_tk=x"></form></body></html>';
    expect(failure(() => extract({ url: SHARE_URL, html: challenge, via: 'fetch' }, log)).code).toBe('BOT_CHECK');
  });

  it("rejects another provider's page (shared fixture)", () => {
    const deepseekPage = shared('share-pages/deepseek/page.html');
    expect(failure(() => extract({ url: SHARE_URL, html: deepseekPage, via: 'browser' }, log)).code).toBe('EXTRACTION_FAILED');
    expect(failure(() => extract({ url: SHARE_URL, html: deepseekPage, via: 'fetch' }, log)).code).toBe('NEEDS_BROWSER');
  });
});
