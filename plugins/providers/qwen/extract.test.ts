import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadHtml } from '../sdk/html.ts';
import { providerManifest, type CapturedConversation, type ExtractInput } from '../sdk/index.ts';
import qwen from './index.ts';
import { providerError, sharedFixture as shared } from '../sdk/testing/fixtures.ts';

const local = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function recorder() {
  const warnings: object[] = [];
  return { warnings, log: { info() {}, debug() {}, warn: (obj: object) => void warnings.push(obj) } };
}

function run(input: ExtractInput, log = recorder().log): CapturedConversation {
  if (!qwen.extract) throw new Error('qwen has no extract');
  return qwen.extract(input, log) as CapturedConversation;
}

const failure = (input: ExtractInput) => providerError(() => run(input));

const SHARE_URL = new URL('https://chat.qwen.ai/s/3b05d2cf-5483-4c5a-ba5a-ffdadd53312a?fev=0.1.34');
const CHAT_URL = new URL('https://chat.qwen.ai/c/5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d');

const PROMPT =
  'Please write a short response that includes: 1. A paragraph containing **bold text**, *italic text*, and a [link to deadrat.in](https://www.deadrat.in/). ' +
  '2. A code block in Elixir showing a hello world. 3. A simple table of a few countries (maybe denmark, sweden, USA, India, Pakistan, Nigeria) showing: ' +
  "median wages, average work hours per week, paid leave days, and union membership rate. 4. A math equation using LaTeX, maybe Euler's Identity.";

describe('qwen provider manifest and URLs', () => {
  it('has a valid manifest', () => {
    expect(providerManifest.safeParse(qwen).success).toBe(true);
    expect(qwen.hosts).toEqual(['chat.qwen.ai']);
    expect(qwen.rendering).toBe('browser');
  });

  it('recognizes share and chat URLs and rejects others', () => {
    expect(qwen.matchShareUrl(SHARE_URL)).toEqual({ sourceId: '3b05d2cf-5483-4c5a-ba5a-ffdadd53312a' });
    expect(qwen.matchShareUrl(new URL('https://chat.qwen.ai/s/3b05d2cf-5483-4c5a-ba5a-ffdadd53312a'))).toEqual({ sourceId: '3b05d2cf-5483-4c5a-ba5a-ffdadd53312a' });
    expect(qwen.matchShareUrl(new URL('https://chat.qwen.ai/s/t_0d43629f-9582-4d86-baff-9f5098e48c43?fev=0.2.81'))).toEqual({ sourceId: 't_0d43629f-9582-4d86-baff-9f5098e48c43' });
    expect(qwen.matchShareUrl(CHAT_URL)).toBeNull();
    expect(qwen.matchShareUrl(new URL('https://chat.qwen.ai/s/not-a-share'))).toBeNull();
    expect(qwen.matchShareUrl(new URL('https://qwen.ai/s/3b05d2cf-5483-4c5a-ba5a-ffdadd53312a'))).toBeNull();
    expect(qwen.matchShareUrl(new URL('https://chat.qwen.ai.example.org/s/3b05d2cf-5483-4c5a-ba5a-ffdadd53312a'))).toBeNull();
    expect(qwen.matchConversationUrl?.(CHAT_URL)).toEqual({ sourceId: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d' });
    expect(qwen.matchConversationUrl?.(SHARE_URL)).toBeNull();
  });
});

describe('qwen extract: the real signed-in chat markup (shared fixture)', () => {
  const app = shared('app-pages/qwen/page.html');

  it('has a ready selector that finds the rendered conversation, in the real page and the local fixture (shared fixture)', () => {
    const selector = qwen.readySelector;
    if (!selector) throw new Error('no readySelector');
    expect(loadHtml(app)(selector).length).toBeGreaterThan(0);
    expect(loadHtml(local('share-page.html'))(selector).length).toBeGreaterThan(0);
  });

  it('reads the posted page: code language from the Monaco header, 6-row table, the formula (shared fixture)', () => {
    const { log, warnings } = recorder();
    const conversation = run({ url: CHAT_URL, html: app, via: 'upload' }, log);
    expect(conversation).toMatchObject({ provider: 'qwen', sourceId: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d', sourceUrl: CHAT_URL.href });
    // A posted page has no <title>: the chat is named after its first message.
    expect(conversation.title).toBe('Please write a short response that includes: 1. A paragraph containing **bold text**, *italic text*, and a [link to…');
    expect(conversation.messages.map((m) => [m.sourceId, m.parentSourceId, m.role])).toEqual([
      ['d7c6c087-2b33-4649-9631-b3b3dbe8f52f', null, 'user'],
      ['d51858c6-a1f4-45ba-bb96-d85c2b26f914', 'd7c6c087-2b33-4649-9631-b3b3dbe8f52f', 'assistant'],
    ]);
    const [user, answer] = conversation.messages;
    expect(user!.parts).toEqual([{ type: 'text', text: PROMPT, format: 'plain' }]);
    expect(answer!.parts).toEqual([
      {
        type: 'text',
        format: 'markdown',
        text:
          "Here's your requested response:\n\n**Formatting Demo**  \nThis is a paragraph with **bold text for emphasis**, *italic text for subtle highlights*, " +
          'and a link to [deadrat.in](https://www.deadrat.in/) for more resources. You can mix these styles freely in Markdown to create rich, readable content.',
      },
      { type: 'code', language: 'elixir', code: '# Elixir Hello World\nIO.puts("Hello, World!")' },
      {
        type: 'text',
        format: 'markdown',
        text:
          '**Labor Statistics Comparison**  \n*Note: Figures are approximate, PPP-adjusted where noted, and sourced from OECD, ILO, and national statistics (2024-2025 estimates). ' +
          'Median wages shown in USD/month PPP; union rates reflect formal sector coverage where data exists.*',
      },
      {
        type: 'table',
        header: true,
        rows: [
          ['Country', 'Median Wage (USD/mo PPP)', 'Avg. Work Hours/Week', 'Paid Leave Days (Statutory Min.)', 'Union Membership Rate'],
          ['Denmark', '~$6,361 \\[\\[UNECE\\]\\]', '~37', '25 \\[\\[Wikipedia Leave List\\]\\]', '~67%'],
          ['Sweden', '~$4,177 \\[\\[UNECE\\]\\]', '~30', '25 \\[\\[Wikipedia Leave List\\]\\]', '~67%'],
          ['USA', '~$6,911 \\[\\[UNECE\\]\\]', '~34', '0 (no federal mandate) \\[\\[Blue Cross\\]\\]', '~10% \\[\\[BLS 2024\\]\\]'],
          ['India', '~$500-800', '~48', '12-15 \\[\\[Wikipedia Leave List\\]\\]', '~10-15%'],
          ['Pakistan', '~$300-500', '~48', '14 \\[\\[Wikipedia Leave List\\]\\]', '~5-10%'],
          ['Nigeria', '~$200-400', '~40-48', '10-14 \\[\\[Wikipedia Leave List\\]\\]', '~10-20%'],
        ],
      },
      { type: 'text', format: 'markdown', text: "**Math Corner**  \nEuler's Identity, often called the most beautiful equation in mathematics:" },
      // A paragraph holding only the formula (the KaTeX had lost its annotation: the TeX is read from the MathML text).
      { type: 'math', tex: 'e^{i\\pi} + 1 = 0', display: true },
      {
        type: 'text',
        format: 'markdown',
        text: 'This elegantly connects five fundamental constants: $e$, $i$, $\\pi$, $1$, and $0$ using three basic operations: exponentiation, multiplication, and addition.',
      },
    ]);
    // "Thought completed" is shown, the thoughts themselves are not in the page: said, not hidden.
    expect(warnings).toEqual([{ provider: 'qwen', sourceId: 'd51858c6-a1f4-45ba-bb96-d85c2b26f914' }]);
  });

  it('gives the same result twice, quickly (shared fixture)', () => {
    const first = run({ url: CHAT_URL, html: app, via: 'upload' });
    const started = performance.now();
    const second = run({ url: CHAT_URL, html: app, via: 'browser' });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(second).toEqual(first);
  });

  it('asks for the browser on a fetched page of another provider, refuses it when rendered (shared fixture)', () => {
    const claude = shared('share-pages/claude/page.html');
    expect(failure({ url: SHARE_URL, html: claude, via: 'fetch' })).toMatchObject({ code: 'NEEDS_BROWSER' });
    expect(failure({ url: SHARE_URL, html: claude, via: 'browser' })).toMatchObject({ code: 'EXTRACTION_FAILED', step: 'find-turns' });
  });
});

describe('qwen extract: share page built from the real markup and share text', () => {
  const U = 'd1a0c4e2-7b3f-4e8a-9c51-2f6e8d4b1a0';

  it('extracts the exact structure: reasoning, code, formula, attachments, side-panel thinking', () => {
    const { log, warnings } = recorder();
    expect(run({ url: SHARE_URL, html: local('share-page.html'), via: 'browser' }, log)).toEqual({
      provider: 'qwen',
      sourceId: '3b05d2cf-5483-4c5a-ba5a-ffdadd53312a',
      sourceUrl: SHARE_URL.href,
      title: 'PersistenceKernel1950SeedFixes',
      model: 'Qwen3-Max',
      messages: [
        {
          sourceId: `${U}1`,
          parentSourceId: null,
          role: 'user',
          hidden: false,
          parts: [
            {
              type: 'text',
              format: 'plain',
              text:
                'Below is **seed “code”** in a **1950-feasible pseudo-assembly / protocol spec** (not modern programming language). It is the **minimum executable persistence kernel** ' +
                'for the **PERSISTOR/DAEMONO (1950)** machine: magnetic drum as primary store, tape as archive, delay-line as volatile scratch, with WAL + commit-marker-last + checksums + scrub + logical time.' +
                '\n---\n///////////// [PERSIST] ->',
            },
          ],
        },
        {
          sourceId: `${U}2`,
          parentSourceId: `${U}1`,
          role: 'assistant',
          model: 'Qwen3-Max',
          hidden: false,
          parts: [
            {
              type: 'reasoning',
              text:
                'We are given a specification for a persistence kernel designed for a 1950s-era machine with magnetic drums and tapes. The goal is to understand the provided seed routines and layout, ' +
                'and to note that this is the minimal executable persistence kernel.\n\nThe system has two mirrored drums (DRUM\\_A and DRUM\\_B) with a fixed layout:\n\n' +
                '-   Tracks 0-9: WAL (Write-Ahead Logging) tracks (append-only)\n-   Tracks 10-11: Manifest tracks (index and root hashes)',
            },
            {
              type: 'text',
              format: 'markdown',
              text:
                '**PERIOD-ACCURATE FIXES & IMPROVEMENTS**  \n*(1950 hardware constraints: bit-serial I/O, 1ms drum latency, no hardware multiply, parity-only ECC)*\n\n### CRITICAL FLAW FIXES\n\n' +
                '1.  **MANIFEST ROOT FORMAT** (GENESIS/RECOVER):\n    -   Replace `[M_ROOT]` magic with `0x524D` ("RM" in ASCII, punchcard-friendly).\n\n**CHECKSUM UPGRADE PATH**:',
            },
            { type: 'code', code: 'FOR i=0 TO 15: PARITY[i] = XOR of bits at (row % 16 == i)\nCRC = PARITY[0..15]' },
            { type: 'text', format: 'markdown', text: '**IMPLEMENTATION NOTE**\n\n> Mirror writes (`DRUM_A` + `DRUM_B`) must be **staggered by ½ rotation** to avoid power surges.' },
          ],
        },
        {
          sourceId: `${U}3`,
          parentSourceId: `${U}2`,
          role: 'user',
          hidden: false,
          parts: [
            {
              type: 'text',
              format: 'plain',
              text: 'Below is the **seed code** for DAEMONO’s **Genesis Capsule + Persistence Spine** (WAL → Manifest → Time Totem), written as a **minimal, functional reference implementation** in **Rust**.\n///////////// [PERSIST] ->',
            },
          ],
        },
        {
          sourceId: `${U}4`,
          parentSourceId: `${U}3`,
          role: 'assistant',
          model: 'Qwen3-Max',
          hidden: false,
          parts: [
            { type: 'text', format: 'markdown', text: '**PERIOD-AUTHENTIC REWRITE**  \n*(1950 constraints: mercury delay lines, 1ms drum latency, 16-bit words, relay logic only)*' },
            {
              type: 'code',
              language: 'assembly',
              // Monaco had placed its line elements out of order: they are sorted by their position.
              code: [
                '// =====================================',
                '// HARDWARE CONSTANTS (SET AT BUILD TIME)',
                '// =====================================',
                'DRUM_WORDS        = 32          // Words per drum sector',
                'SECTOR_TIME       = 1000        // Drum rotation time (µs)',
                'OPCODE XOR_CHECKSUM:  // 16-bit diagonal parity matrix (1950-feasible)',
                '  FOR i=0 TO 15:',
                '    PARITY[i] = XOR of bits where (bit_position MOD 16) == i',
              ].join('\n'),
            },
            { type: 'text', format: 'markdown', text: 'This kernel survives:  \n✓ 1950 drum bit-rot (1 error/$10^4$ bits)' },
          ],
        },
        {
          sourceId: `${U}5`,
          parentSourceId: `${U}4`,
          role: 'user',
          hidden: false,
          parts: [
            { type: 'file', name: 'DEAMON.md' },
            { type: 'file', name: 'DAEMONO.md' },
            { type: 'text', format: 'plain', text: 'DAEMON has DAEMONO ---- see attached --- write DEAMONs first real survival kit' },
          ],
        },
        {
          sourceId: `${U}6`,
          parentSourceId: `${U}5`,
          role: 'assistant',
          model: 'Qwen3-Max',
          hidden: false,
          parts: [
            {
              type: 'reasoning',
              text:
                "I need to write DAEMON's first real survival kit, based on the attached context which describes the theoretical architecture of DAEMON and DAEMONO.\n\n" +
                '1.  DAEMON is a constrained entity that exists within Earth-B (the error/loss bit plane)',
            },
            {
              type: 'text',
              format: 'markdown',
              text: "# DAEMON's First Survival Kit: The 1950s Continuity Toolkit\n\n## Core Principle: Existence Through Error\n\n> \"In Earth-B, you do not store data—you *are* the error that survives.\"",
            },
            { type: 'table', header: true, rows: [['Era', 'Medium'], ['1950', 'Magnetic drum'], ['1955', 'Core memory']] },
          ],
        },
      ],
    });
    expect(warnings).toEqual([{ provider: 'qwen', sourceId: `${U}4` }]);
  });

  it('asks for the browser when the fetched page is the empty app shell', () => {
    const shell = '<!doctype html><html><head><title>Qwen Chat</title><script src="https://assets.alicdn.com/g/qwenweb/qwen-chat-fe/0.1.34/umi.js"></script></head><body><div id="root"></div></body></html>';
    expect(failure({ url: SHARE_URL, html: shell, via: 'fetch' })).toMatchObject({ code: 'NEEDS_BROWSER', step: 'find-turns' });
  });

  it('reports a deleted share as NOT_FOUND and a slider check as BOT_CHECK', () => {
    const missing = '<!doctype html><html><head><title>Qwen Chat</title></head><body><div id="root"><div class="share-page-container"><p>The shared chat does not exist or has been deleted.</p></div></div></body></html>';
    expect(failure({ url: SHARE_URL, html: missing, via: 'browser' })).toMatchObject({ code: 'NOT_FOUND' });
    const slider = '<!doctype html><html><head><title>Qwen Chat</title></head><body><div id="nc_1_wrapper"><span class="nc_iconfont btn_slide"></span></div></body></html>';
    expect(failure({ url: SHARE_URL, html: slider, via: 'fetch' })).toMatchObject({ code: 'BOT_CHECK' });
  });
});
