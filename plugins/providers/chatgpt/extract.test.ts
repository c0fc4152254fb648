import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { capturedConversation, type CapturedConversation, type CapturedMessage, type ContentPart, type ExtractInput } from '../sdk/index.ts';
import chatgpt from './index.ts';
import { sharePageHtml, shareRouteData } from './fixtures/synthetic.ts';
import { providerError as errorOf, sharedFixture as shared } from '../sdk/testing/fixtures.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

const log = { info: () => undefined, warn: () => undefined, debug: () => undefined };
const SHARE_ID = '6972e35f-2944-8006-a2ea-b005ff22c02c';
const SHARE_URL = new URL(`https://chatgpt.com/share/${SHARE_ID}`);

function extract(input: ExtractInput): CapturedConversation {
  const extractFn = chatgpt.extract;
  if (!extractFn) throw new Error('no extract');
  return extractFn(input, log) as CapturedConversation;
}

const squash = (text: string) => text.replace(/\s+/g, '');
const byId = (conversation: CapturedConversation, id: string) => {
  const message = conversation.messages.find((m) => m.sourceId.startsWith(id));
  if (!message) throw new Error(`no message ${id}`);
  return message;
};
const partsOf = <T extends ContentPart['type']>(message: CapturedMessage, type: T) => message.parts.filter((p): p is Extract<ContentPart, { type: T }> => p.type === type);
/** The turns the page shows: user messages and assistant messages with answer text. */
const shownTurns = (conversation: CapturedConversation) => conversation.messages.filter((m) => !m.hidden && (m.role === 'user' || (m.role === 'assistant' && m.parts.some((p) => p.type === 'text'))));
/**
 * Runs `fn`, returning its result and the CPU time it took (ms). CPU time, not wall time: the
 * budgets (payload < 300 ms, DOM < 1 s) must hold on a loaded CI machine too.
 */
function timed<T>(fn: () => T): [T, number] {
  const before = process.cpuUsage();
  const started = performance.now();
  const result = fn();
  const used = process.cpuUsage(before);
  const cpuMs = (used.user + used.system) / 1000;
  console.info(`chatgpt extract: ${cpuMs.toFixed(0)} ms CPU, ${(performance.now() - started).toFixed(0)} ms wall`);
  return [result, cpuMs];
}

/** The saved page without its stream payload: what the DOM fallback sees. */
const withoutPayload = (html: string) => html.replace(/<script[^>]*>[^<]*streamController\.enqueue[\s\S]*?<\/script>/g, '');

describe('chatgpt URLs', () => {
  it('matches share and conversation URLs of both hosts and rejects the rest', () => {
    expect(chatgpt.matchShareUrl(SHARE_URL)).toEqual({ sourceId: SHARE_ID });
    expect(chatgpt.matchShareUrl(new URL(`https://chat.openai.com/share/${SHARE_ID}`))).toEqual({ sourceId: SHARE_ID });
    expect(chatgpt.matchShareUrl(new URL(`https://chatgpt.com/share/${SHARE_ID.toUpperCase()}/`))).toEqual({ sourceId: SHARE_ID });
    expect(chatgpt.matchShareUrl(new URL(`https://chatgpt.com/g/g-abc123-helper/share/${SHARE_ID}`))).toEqual({ sourceId: SHARE_ID });
    expect(chatgpt.matchShareUrl(new URL(`https://chatgpt.com/c/${SHARE_ID}`))).toBeNull();
    expect(chatgpt.matchShareUrl(new URL(`https://chatgpt.com/share/${SHARE_ID}/continue`))).toBeNull();
    expect(chatgpt.matchShareUrl(new URL('https://chatgpt.com/share/not-a-uuid'))).toBeNull();
    expect(chatgpt.matchShareUrl(new URL(`https://evil.example.com/share/${SHARE_ID}`))).toBeNull();
    expect(chatgpt.matchShareUrl(new URL(`https://chatgpt.com.evil.net/share/${SHARE_ID}`))).toBeNull();
    expect(chatgpt.matchShareUrl(new URL(`https://claude.ai/share/${SHARE_ID}`))).toBeNull();
    expect(chatgpt.matchShareUrl(new URL(`ftp://chatgpt.com/share/${SHARE_ID}`))).toBeNull();

    const matchConversationUrl = chatgpt.matchConversationUrl;
    expect(matchConversationUrl(new URL(`https://chatgpt.com/c/${SHARE_ID}`))).toEqual({ sourceId: SHARE_ID });
    expect(matchConversationUrl(new URL(`https://chat.openai.com/c/${SHARE_ID}`))).toEqual({ sourceId: SHARE_ID });
    expect(matchConversationUrl(new URL(`https://chatgpt.com/g/g-p-67a1b2c3d4-project/c/${SHARE_ID}`))).toEqual({ sourceId: SHARE_ID });
    expect(matchConversationUrl(SHARE_URL)).toBeNull();
    expect(matchConversationUrl(new URL(`https://gemini.google.com/c/${SHARE_ID}`))).toBeNull();
    expect(chatgpt.hosts).toEqual(['chatgpt.com', 'chat.openai.com']);
  });
});

describe('chatgpt share page payload (shared fixture)', () => {
  const html = shared('share-pages/chatgpt/page.html');
  const pageText = shared('share-pages/chatgpt/page-text.md');

  it('recovers the whole tree from the stream payload (shared fixture)', () => {
    const [conversation, cpuMs] = timed(() => extract({ url: SHARE_URL, html, via: 'fetch' }));
    expect(cpuMs).toBeLessThan(300);

    expect(conversation).toMatchObject({
      provider: 'chatgpt',
      sourceId: SHARE_ID,
      sourceUrl: SHARE_URL.href,
      title: 'OpenScroll Redesign Plan',
      model: 'gpt-5-2',
      createdAt: new Date(1769136991164),
      updatedAt: new Date(1769136994614),
      currentLeafSourceId: 'ace72eb6-a664-40ef-84be-4c6a014afe0e',
    });
    // 43 mapping nodes: the root has no message, every other node is kept.
    expect(conversation.messages).toHaveLength(42);
    expect(conversation.messages.filter((m) => m.hidden)).toHaveLength(19);
    // A single branch: every message's parent is the message before it.
    conversation.messages.forEach((message, index) => expect(message.parentSourceId).toBe(index ? conversation.messages[index - 1]?.sourceId : null));

    const visible = conversation.messages.filter((m) => !m.hidden);
    expect(visible.map((m) => `${m.role}:${m.parts.map((p) => p.type).join('+')}`)).toEqual([
      'user:file+text',
      'assistant:text+code+text+code+text+code+text+code+text+code+text+code+text+code+text',
      'user:text',
      'assistant:reasoning',
      'assistant:reasoning',
      'assistant:tool_call',
      'assistant:tool_call',
      'assistant:reasoning+reasoning+reasoning',
      'assistant:reasoning',
      'assistant:text+code+text+citation+citation+citation+citation',
      'user:text',
      'assistant:reasoning+reasoning+reasoning',
      'assistant:reasoning',
      `assistant:text${'+code+text'.repeat(16)}`,
      'user:file+file+text',
      'assistant:reasoning',
      'assistant:text+code+text',
      'user:text',
      'assistant:text+table+text',
      'user:text',
      'assistant:text',
      'user:text',
      'assistant:text+table+text+code+text+code+text+code+text',
    ]);

    // 7 exchanges, as the page shows them (page-text.md: 7 "You said" / 7 "ChatGPT said").
    const turns = shownTurns(conversation);
    expect(turns.map((m) => m.role)).toEqual(Array.from({ length: 14 }, (_, i) => (i % 2 ? 'assistant' : 'user')));
    expect(turns.map((m) => m.model)).toEqual([undefined, 'gpt-5-2', undefined, 'gpt-5-t-mini', undefined, 'gpt-5-t-mini', undefined, 'gpt-5-t-mini', undefined, 'gpt-5-2', undefined, 'gpt-5-2', undefined, 'gpt-5-2']);
    expect(turns[0]).toEqual({
      sourceId: '700f54b8-f1bc-46df-be15-f9b113f833d4',
      parentSourceId: '47ef1ec5-b237-4f05-b28a-0edbb4b42bb3',
      role: 'user',
      createdAt: new Date(1769123486198),
      hidden: false,
      parts: [
        { type: 'file', name: 'OPENSCROLL-Solution-Documentation.md', mimeType: 'text/markdown' },
        { type: 'text', text: 'i am resedigning openscroll to leverage https://github.com/owenservera/SingleFile-VIVIM - ', format: 'plain' },
      ],
    });
    expect(turns[12]?.parts).toEqual([
      { type: 'text', text: 'what if we lost the single file html as canon part? and we stored the conversations in the most optimal way possible', format: 'plain' },
    ]);

    // The first answer: its code blocks with the languages of their fences, text byte-exact.
    const first = byId(conversation, '520b644a');
    expect(partsOf(first, 'code').map((p) => p.language)).toEqual([undefined, undefined, undefined, 'txt', 'json', 'html', 'tsx']);
    expect(partsOf(first, 'code')[0]?.code).toBe('*.vivim.html   (or *.vivim.md / *.vivim.json)');
    expect(partsOf(first, 'code')[1]?.code).toBe('HTML → Parser → OpenScroll JSON → MongoDB → Algolia → UI');
    expect(first.parts[0]).toEqual({ type: 'text', format: 'markdown', text: expect.stringMatching(/^Nice move\. That pairing actually \*tightens\* OpenScroll’s philosophy/) as unknown as string });
    expect((first.parts.at(-1) as { text: string }).text).toMatch(/\*\*SingleFile-VIVIM isn’t a feature — it’s the substrate\.\*\*\n\nIf you want, next we can:\n[\s\S]*\nJust tell me where you want to go next 🙂$/);

    // Tables: the expert roles (7 rows) and the trade-off axes (6 rows).
    expect(partsOf(byId(conversation, '3f249128'), 'table')).toEqual([
      {
        type: 'table',
        header: true,
        rows: [
          ['Role', 'Can combine early?'],
          ['Browser Extension Architect', '+ AI Reverse-Engineer'],
          ['Web Canonicalization Specialist', 'Standalone'],
          ['P2P Engineer', 'Standalone'],
          ['Applied Crypto Engineer', 'Standalone'],
          ['Frontend/PWA Engineer', '+ Renderer'],
          ['Product Architect', 'You'],
        ],
      },
    ]);
    const axes = partsOf(byId(conversation, 'ace72eb6'), 'table')[0];
    expect(axes?.rows).toHaveLength(6);
    expect(axes?.rows[0]).toEqual(['Axis', 'Meaning']);
    expect(partsOf(byId(conversation, 'ace72eb6'), 'code').map((p) => p.language)).toEqual([undefined, undefined, undefined]);

    // Reasoning and tool calls of the thinking model.
    expect(byId(conversation, 'bc33d09f').parts).toEqual([
      {
        type: 'reasoning',
        text: 'Gathering repo info and documenting citations\n\nI need to gather accurate repo information by searching for the SingleFile-VIVIM repo and possibly export formats from ChatGPT and others. Once I fetch this, I\'ll make sure that top load-bearing statements are properly cited. Also, I should reference the uploaded documentation file, using citations for clarity.',
      },
    ]);
    expect(byId(conversation, 'e730e10e').parts).toEqual([{ type: 'reasoning', text: 'Thought for 6s' }]);
    expect(byId(conversation, '56481964').parts).toEqual([
      {
        type: 'tool_call',
        name: 'web.run',
        arguments: {
          search_query: [{ q: 'owenservera SingleFile-VIVIM github' }, { q: 'ChatGPT export conversation HTML share export conversation.html ChatGPT' }, { q: 'Google Gemini share conversation HTML export gemini shared conversation html' }],
          response_length: 'short',
        },
      },
    ]);

    // Citations: markers become the page's link text, sources become citation parts.
    const cited = byId(conversation, 'a986f093');
    expect(partsOf(cited, 'citation').map((p) => p.url)).toEqual([
      'https://github.com/gildas-lormeau/SingleFile?utm_source=chatgpt.com',
      'https://github.com/GeoAnima/Gemini-Conversation-Downloader?utm_source=chatgpt.com',
      'https://chromewebstore.google.com/detail/chatgpt-conversation-expo/cfmdjeobbmgdenmhnofoibcflllcpbdc?hl=en&utm_source=chatgpt.com',
      'https://www.wired.com/story/chatgpt-browser-extensions?utm_source=chatgpt.com',
    ]);
    expect((cited.parts[0] as { text: string }).text).toContain('as the basis for browser capture. ([GitHub](https://github.com/gildas-lormeau/SingleFile?utm_source=chatgpt.com))');
    expect(JSON.stringify(conversation)).not.toMatch(/[\ue200-\ue2ff]/);

    // Hidden: the system scaffolding, the custom-instructions stub, redacted tool outputs, empty context.
    expect(byId(conversation, 'fd49da0d')).toMatchObject({ role: 'system', hidden: true, parts: [] });
    expect(byId(conversation, '47ef1ec5')).toMatchObject({ role: 'user', hidden: true, parts: [{ type: 'text', text: 'Original custom instructions no longer available' }] });
    expect(byId(conversation, '75e5b660')).toMatchObject({ role: 'tool', hidden: true, parts: [{ type: 'tool_result', content: 'The output of this plugin was redacted.' }] });

    expect(() => capturedConversation.parse(conversation)).not.toThrow();
    // Stable across runs.
    expect(extract({ url: SHARE_URL, html, via: 'fetch' })).toEqual(conversation);
  });

  it('recovers what page-text.md shows: user turns, code blocks, tables (shared fixture)', () => {
    const conversation = extract({ url: SHARE_URL, html, via: 'fetch' });
    // Inside code blocks the page prints citation markers as ":contentReference[oaicite:N]{index=N}"; the extractor drops them.
    const reference = squash(pageText.replace(/:contentReference\[oaicite:\d+\]\{index=\d+\}/g, ''));
    const turns = shownTurns(conversation);
    for (const message of turns.filter((m) => m.role === 'user')) {
      for (const part of partsOf(message, 'text')) expect(reference).toContain(squash(part.text));
    }
    const codes = turns.flatMap((m) => partsOf(m, 'code'));
    expect(codes).toHaveLength(7 + 1 + 16 + 1 + 3);
    for (const code of codes) {
      const text = squash(code.code);
      expect(reference).toContain(text.slice(0, 60));
      expect(reference).toContain(text.slice(-60));
    }
    for (const table of turns.flatMap((m) => partsOf(m, 'table'))) {
      for (const cell of table.rows.flat()) expect(reference).toContain(squash(cell.replace(/[*`]/g, '')));
    }
  });
});

describe('chatgpt DOM fallback (shared fixture)', () => {
  const html = shared('share-pages/chatgpt/page.html');

  it('reads the rendered turns when the payload is gone (shared fixture)', () => {
    const payload = extract({ url: SHARE_URL, html, via: 'fetch' });
    const first = extract({ url: SHARE_URL, html: withoutPayload(html), via: 'browser' });
    // Timed warm (the first run pays for loading cheerio/turndown code paths).
    const [conversation, cpuMs] = timed(() => extract({ url: SHARE_URL, html: withoutPayload(html), via: 'browser' }));
    expect(cpuMs).toBeLessThan(1000);
    expect(conversation).toEqual(first);

    expect(conversation.title).toBe('OpenScroll Redesign Plan');
    expect(conversation.messages).toHaveLength(14);
    // The DOM turns carry the mapping node ids: the same sourceIds as the payload's shown turns.
    expect(conversation.messages.map((m) => m.sourceId)).toEqual(shownTurns(payload).map((m) => m.sourceId));
    expect(conversation.messages.map((m) => m.model)).toEqual(shownTurns(payload).map((m) => m.model));
    conversation.messages.forEach((message, index) => expect(message.parentSourceId).toBe(index ? conversation.messages[index - 1]?.sourceId : null));
    expect(conversation.currentLeafSourceId).toBe('ace72eb6-a664-40ef-84be-4c6a014afe0e');

    // User turns: the exact text.
    const users = conversation.messages.filter((m) => m.role === 'user');
    expect(users.map((m) => m.parts)).toEqual(shownTurns(payload).filter((m) => m.role === 'user').map((m) => partsOf(m, 'text')));

    // Code blocks: the same count per answer; languages from the block headers (the page's highlighter labels).
    const assistants = conversation.messages.filter((m) => m.role === 'assistant');
    expect(assistants.map((m) => partsOf(m, 'code').length)).toEqual([7, 1, 16, 1, 0, 0, 3]);
    expect(partsOf(assistants[0] as CapturedMessage, 'code').map((p) => p.language)).toEqual(['markdown', 'pgsql', 'pgsql', 'txt', 'json', 'html', 'tsx']);
    expect(partsOf(assistants[0] as CapturedMessage, 'code')[0]?.code).toBe('*.vivim.html   (or *.vivim.md / *.vivim.json)');
    const payloadCodes = shownTurns(payload).flatMap((m) => partsOf(m, 'code').map((p) => squash(p.code)));
    const domCodes = assistants.flatMap((m) => partsOf(m, 'code').map((p) => squash(p.code.replace(/:contentReference\[oaicite:\d+\]\{index=\d+\}/g, ''))));
    expect(domCodes.filter((code, i) => code !== payloadCodes[i])).toHaveLength(1); // the page drops "with standard browser" (a citation offset bug)

    // Tables: same rows as the payload.
    expect(assistants.flatMap((m) => partsOf(m, 'table')).map((t) => [t.rows.length, t.rows[0]])).toEqual([
      [7, ['Role', 'Can combine early?']],
      [6, ['Axis', 'Meaning']],
    ]);
    expect(() => capturedConversation.parse(conversation)).not.toThrow();
  });

  it('refuses pages of other providers (shared fixture)', () => {
    const claude = shared('share-pages/claude/page.html');
    for (const via of ['fetch', 'browser'] as const) {
      const error = errorOf(() => extract({ url: SHARE_URL, html: claude, via }));
      expect([error.code, error.step]).toEqual(['EXTRACTION_FAILED', 'find-turns']);
    }
    // Mistral's app also marks turns with data-message-author-role: not ChatGPT markup.
    const mistral = shared('app-pages/mistral/page.html');
    expect(errorOf(() => extract({ url: SHARE_URL, html: mistral, via: 'upload' })).code).toBe('EXTRACTION_FAILED');
  });
});

describe('chatgpt synthetic pages', () => {
  const content = JSON.parse(readFileSync(path.join(here, 'fixtures', 'content-types.json'), 'utf8')) as Record<string, unknown>;
  const shareId = '6a1b2c3d-0000-4000-8000-0000000000aa';
  const url = new URL(`https://chatgpt.com/share/${shareId}`);

  it('keeps branches and every content type of the payload', () => {
    const conversation = extract({ url, html: sharePageHtml(shareRouteData(shareId, content), 'Circle area'), via: 'fetch' });
    const t = (seconds: number) => new Date((1717000000 + seconds) * 1000);
    expect(conversation).toEqual({
      provider: 'chatgpt',
      sourceId: shareId,
      sourceUrl: url.href,
      title: 'Circle area',
      model: 'gpt-4o',
      createdAt: t(0),
      updatedAt: t(30),
      currentLeafSourceId: 'odd-2b',
      messages: [
        { sourceId: 'sys-1', parentSourceId: null, role: 'system', hidden: true, parts: [] },
        {
          sourceId: 'ctx-1',
          parentSourceId: 'sys-1',
          role: 'user',
          hidden: true,
          parts: [
            { type: 'text', text: 'The user is a geometry teacher.', format: 'plain' },
            { type: 'text', text: 'Answer briefly.', format: 'plain' },
          ],
        },
        {
          sourceId: 'user-1',
          parentSourceId: 'ctx-1',
          role: 'user',
          createdAt: t(1),
          hidden: false,
          parts: [
            { type: 'file', name: 'notes.pdf', mimeType: 'application/pdf' },
            { type: 'image', url: 'file-service://file-Img123' },
            { type: 'text', text: 'What is the area of this circle? r = 2', format: 'plain' },
          ],
        },
        { sourceId: 'thoughts-1', parentSourceId: 'user-1', role: 'assistant', model: 'o3', createdAt: t(2), hidden: false, parts: [{ type: 'reasoning', text: 'Computing the area\n\nThe radius is 2, so the area is 4π.' }] },
        { sourceId: 'recap-1', parentSourceId: 'thoughts-1', role: 'assistant', model: 'o3', createdAt: t(3), hidden: false, parts: [{ type: 'reasoning', text: 'Thought for 4 seconds' }] },
        {
          sourceId: 'answer-1',
          parentSourceId: 'recap-1',
          role: 'assistant',
          model: 'o3',
          createdAt: t(4),
          hidden: false,
          parts: [
            { type: 'text', text: 'Here is the plan.', format: 'markdown' },
            { type: 'code', code: 'def area(r: float) -> float:\n    return 3.14159 * r ** 2', language: 'python' },
            { type: 'text', text: 'The area is $A = \\pi r^2$, and in display form:', format: 'markdown' },
            { type: 'math', tex: 'A = \\pi r^2', display: true },
            {
              type: 'table',
              header: true,
              rows: [
                ['Radius', 'Area'],
                ['1', '3.14'],
                ['2', '12.57'],
              ],
            },
            { type: 'mermaid', source: 'graph TD\n  A[Radius] --> B[Area]' },
            { type: 'text', text: "1. First step:\n   ```bash\n   pip install numpy\n   ```\n2. Second step.\n\nThat's all.", format: 'markdown' },
          ],
        },
        // The edited question: two children of answer-1, both kept.
        { sourceId: 'user-2a', parentSourceId: 'answer-1', role: 'user', createdAt: t(10), hidden: false, parts: [{ type: 'text', text: 'Now search the web for pi.', format: 'plain' }] },
        {
          sourceId: 'answer-2a',
          parentSourceId: 'user-2a',
          role: 'assistant',
          model: 'gpt-4o',
          createdAt: t(11),
          hidden: false,
          parts: [
            { type: 'text', text: 'Pi is about 3.14159 ([Wikipedia](https://en.wikipedia.org/wiki/Pi)).', format: 'markdown' },
            { type: 'citation', url: 'https://en.wikipedia.org/wiki/Pi', title: 'Pi - Wikipedia', snippet: 'The number π is a mathematical constant.' },
          ],
        },
        { sourceId: 'user-2b', parentSourceId: 'answer-1', role: 'user', createdAt: t(20), hidden: false, parts: [{ type: 'text', text: 'Compute it with Python instead.', format: 'plain' }] },
        { sourceId: 'call-2b', parentSourceId: 'user-2b', role: 'assistant', model: 'gpt-4o', createdAt: t(21), hidden: false, parts: [{ type: 'tool_call', name: 'python', arguments: 'import math\nprint(math.pi * 2 ** 2)' }] },
        { sourceId: 'output-2b', parentSourceId: 'call-2b', role: 'tool', createdAt: t(22), hidden: false, parts: [{ type: 'tool_result', content: '12.566370614359172', isError: false }] },
        { sourceId: 'browse-2b', parentSourceId: 'output-2b', role: 'tool', createdAt: t(23), hidden: false, parts: [{ type: 'tool_result', content: 'Opened en.wikipedia.org/wiki/Pi', isError: false }] },
        { sourceId: 'quote-2b', parentSourceId: 'browse-2b', role: 'tool', createdAt: t(24), hidden: false, parts: [{ type: 'citation', url: 'https://en.wikipedia.org/wiki/Pi', title: 'Pi - Wikipedia', snippet: 'π ≈ 3.14159' }] },
        // No metadata.model_slug: no model.
        { sourceId: 'answer-2b', parentSourceId: 'quote-2b', role: 'assistant', createdAt: t(25), hidden: false, parts: [{ type: 'text', text: 'The area is **12.566** (4π).', format: 'markdown' }] },
        { sourceId: 'dalle-2b', parentSourceId: 'answer-2b', role: 'tool', createdAt: t(26), hidden: false, parts: [{ type: 'image', url: 'sediment://file_00000000abcd1234', alt: 'A circle of radius 2' }] },
        {
          sourceId: 'odd-2b',
          parentSourceId: 'dalle-2b',
          role: 'assistant',
          model: 'gpt-4o',
          createdAt: t(27),
          hidden: false,
          parts: [{ type: 'code', language: 'json', code: '{\n  "content_type": "some_future_type",\n  "payload": {\n    "x": 1\n  }\n}' }],
        },
      ],
    });
  });

  it('reads a signed-in /c/ page posted by the browser (app markup, KaTeX, table)', () => {
    const html = readFileSync(path.join(here, 'fixtures', 'private-chat.html'), 'utf8');
    const pageUrl = new URL('https://chatgpt.com/c/68a0c3f2-1b2c-4d5e-8f90-a1b2c3d4e5f6');
    const conversation = extract({ url: pageUrl, html, via: 'upload' });
    expect(conversation).toEqual({
      provider: 'chatgpt',
      sourceId: '68a0c3f2-1b2c-4d5e-8f90-a1b2c3d4e5f6',
      sourceUrl: pageUrl.href,
      title: 'Rust ownership question',
      currentLeafSourceId: 'c2a1f8b3-6d4e-4f90-8b12-3456789abcde',
      messages: [
        {
          sourceId: 'b1f0e7a2-5c3d-4e8f-9a01-23456789abcd',
          parentSourceId: null,
          role: 'user',
          hidden: false,
          parts: [{ type: 'text', format: 'plain', text: 'Why does this not compile?\n  let s = String::from("hi");\n  let t = s;\n  println!("{s} <- moved?");' }],
        },
        {
          sourceId: 'c2a1f8b3-6d4e-4f90-8b12-3456789abcde',
          parentSourceId: 'b1f0e7a2-5c3d-4e8f-9a01-23456789abcd',
          role: 'assistant',
          model: 'gpt-4o',
          hidden: false,
          parts: [
            { type: 'text', text: 'Because `s` was **moved** into `t`. Borrow it instead:', format: 'markdown' },
            { type: 'code', code: 'let s = String::from("hi");\nlet t = &s;\nprintln!("{s} {t}");', language: 'rust' },
            { type: 'text', text: 'The rule, with $n$ owners at most one:', format: 'markdown' },
            { type: 'math', tex: 'n \\le 1', display: true },
            {
              type: 'table',
              header: true,
              rows: [
                ['Action', 'Owner after'],
                ['`let t = s;`', 't'],
                ['`let t = &s;`', 's (borrowed by t)'],
              ],
            },
            { type: 'text', text: 'See [the Rust book](https://doc.rust-lang.org/book/ch04-01-what-is-ownership.html).', format: 'markdown' },
          ],
        },
      ],
    });
  });

  it('reports a share without conversation as NOT_FOUND', () => {
    const empty = sharePageHtml(shareRouteData(shareId, undefined), 'ChatGPT');
    expect([errorOf(() => extract({ url, html: empty, via: 'fetch' })).code, errorOf(() => extract({ url, html: empty, via: 'fetch' })).step]).toEqual(['NOT_FOUND', 'share-payload']);
    const noMapping = sharePageHtml(shareRouteData(shareId, { title: 'x', mapping: {}, current_node: null }), 'ChatGPT');
    expect(errorOf(() => extract({ url, html: noMapping, via: 'fetch' })).code).toBe('NOT_FOUND');
    const routeError = sharePageHtml({ loaderData: { root: {} }, actionData: null, errors: { 'routes/share.$shareId.($action)': { status: 404, statusText: 'Not Found', internal: false, data: null } } }, 'ChatGPT');
    expect(errorOf(() => extract({ url, html: routeError, via: 'browser' })).code).toBe('NOT_FOUND');
    const loggedOut = sharePageHtml({ loaderData: { root: { authStatus: 'logged_out' } }, actionData: null, errors: null }, 'ChatGPT');
    expect(errorOf(() => extract({ url, html: loggedOut, via: 'fetch' })).code).toBe('NOT_FOUND');
  });

  it('asks for a browser when a fetched ChatGPT page has no data, and recognizes bot checks', () => {
    const shell = '<!DOCTYPE html><html><head><title>ChatGPT</title><meta property="og:site_name" content="ChatGPT"></head><body><div id="root"></div><script src="https://cdn.oaistatic.com/assets/root.js"></script></body></html>';
    expect(errorOf(() => extract({ url, html: shell, via: 'fetch' })).code).toBe('NEEDS_BROWSER');
    expect([errorOf(() => extract({ url, html: shell, via: 'browser' })).code, errorOf(() => extract({ url, html: shell, via: 'browser' })).step]).toEqual(['EXTRACTION_FAILED', 'find-turns']);
    const challenge = '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><div id="challenge-running">Verifying you are human.</div><script>window._cf_chl_opt={cvId:"3",cType:"managed"};</script></body></html>';
    expect(errorOf(() => extract({ url, html: challenge, via: 'fetch' })).code).toBe('BOT_CHECK');
    const unrelated = '<!DOCTYPE html><html><head><title>Example</title></head><body><p>Nothing here</p></body></html>';
    expect(errorOf(() => extract({ url, html: unrelated, via: 'fetch' })).code).toBe('EXTRACTION_FAILED');
  });

  it('reads the older __NEXT_DATA__ share pages', () => {
    const legacy = `<html><head><title>ChatGPT - Circle area</title></head><body><script id="__NEXT_DATA__" type="application/json">${JSON.stringify({ props: { pageProps: { sharedConversationId: shareId, serverResponse: { type: 'data', data: content } } }, page: '/share/[[...shareParams]]' })}</script></body></html>`;
    const conversation = extract({ url, html: legacy, via: 'fetch' });
    expect(conversation.title).toBe('Circle area');
    expect(conversation.messages).toHaveLength(16);
    expect(conversation.currentLeafSourceId).toBe('odd-2b');
  });
});
