import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadHtml } from '../sdk/html.ts';
import { providerManifest, type CapturedConversation, type ContentPart, type ExtractInput } from '../sdk/index.ts';
import zai from './index.ts';
import { providerError, sharedFixture as shared } from '../sdk/testing/fixtures.ts';

const local = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function recorder() {
  const warnings: { obj: object; msg?: string }[] = [];
  return { warnings, log: { info() {}, debug() {}, warn: (obj: object, msg?: string) => void warnings.push({ obj, ...(msg ? { msg } : {}) }) } };
}

function run(input: ExtractInput, log = recorder().log): CapturedConversation {
  if (!zai.extract) throw new Error('zai has no extract');
  return zai.extract(input, log) as CapturedConversation;
}

const failure = (input: ExtractInput) => providerError(() => run(input));

const types = (parts: ContentPart[]) => parts.map((part) => part.type);
const texts = (parts: ContentPart[]) => parts.flatMap((part) => (part.type === 'text' ? [part.text] : []));

const SHARE_URL = new URL('https://chat.z.ai/s/e6b0a2c9-8439-4869-94aa-e46bed7e8040');

describe('zai provider manifest and URLs', () => {
  it('has a valid manifest', () => {
    expect(providerManifest.safeParse(zai).success).toBe(true);
    expect(zai.hosts).toEqual(['chat.z.ai']);
    expect(zai.rendering).toBe('browser');
  });

  it('recognizes share and chat URLs and rejects others', () => {
    expect(zai.matchShareUrl(SHARE_URL)).toEqual({ sourceId: 'e6b0a2c9-8439-4869-94aa-e46bed7e8040' });
    expect(zai.matchShareUrl(new URL('https://chat.z.ai/s/E6B0A2C9-8439-4869-94AA-E46BED7E8040/'))).toEqual({ sourceId: 'e6b0a2c9-8439-4869-94aa-e46bed7e8040' });
    expect(zai.matchShareUrl(new URL('https://chat.z.ai/c/e6b0a2c9-8439-4869-94aa-e46bed7e8040'))).toBeNull();
    expect(zai.matchShareUrl(new URL('https://z.ai/s/e6b0a2c9-8439-4869-94aa-e46bed7e8040'))).toBeNull();
    expect(zai.matchShareUrl(new URL('https://chat.z.ai.evil.com/s/e6b0a2c9-8439-4869-94aa-e46bed7e8040'))).toBeNull();
    expect(zai.matchShareUrl(new URL('https://chat.z.ai/s/not-a-uuid'))).toBeNull();
    expect(zai.matchShareUrl(new URL('https://chat.z.ai/s/e6b0a2c9-8439-4869-94aa-e46bed7e8040/extra'))).toBeNull();
    expect(zai.matchConversationUrl?.(new URL('https://chat.z.ai/c/0df0fca9-cf29-474c-93e0-c4087ef90369'))).toEqual({ sourceId: '0df0fca9-cf29-474c-93e0-c4087ef90369' });
    expect(zai.matchConversationUrl?.(SHARE_URL)).toBeNull();
    expect(zai.matchConversationUrl?.(new URL('https://chat.qwen.ai/c/0df0fca9-cf29-474c-93e0-c4087ef90369'))).toBeNull();
  });
});

describe('zai extract: the real share page (shared fixture)', () => {
  const html = shared('share-pages/zai/page.html');

  it('has a ready selector that finds the rendered conversation, in the real page and the local fixture (shared fixture)', () => {
    const selector = zai.readySelector;
    if (!selector) throw new Error('no readySelector');
    expect(loadHtml(html)(selector).length).toBeGreaterThan(0);
    expect(loadHtml(local('share-page.html'))(selector).length).toBeGreaterThan(0);
  });

  it('recovers every turn in order with reasoning, code, mermaid, tables and attachments (shared fixture)', () => {
    const { log, warnings } = recorder();
    const conversation = run({ url: SHARE_URL, html, via: 'browser' }, log);
    expect(conversation).toMatchObject({ provider: 'zai', sourceId: 'e6b0a2c9-8439-4869-94aa-e46bed7e8040', sourceUrl: SHARE_URL.href, title: 'New Chat', model: 'GLM-4.7' });
    const ids = ['76ad8bb4-6ba0-4d8a-8f4e-1a55226a07e8', '3fb01b67-69ed-49e2-bcb9-0ab664eadd83', '1385d5bd-5a74-431b-8f23-f9ce3f878a7b', '0df0fca9-cf29-474c-93e0-c4087ef90369', '3ac3d7b7-a821-4722-a4d4-d3f189c29a3c', '8f6edfa4-a698-46fe-a8ab-5d2efa6b5aff'];
    expect(conversation.messages.map((m) => m.sourceId)).toEqual(ids);
    expect(conversation.messages.map((m) => m.parentSourceId)).toEqual([null, ...ids.slice(0, -1)]);
    expect(conversation.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
    expect(conversation.messages.map((m) => m.model)).toEqual([undefined, 'GLM-4.7', undefined, 'GLM-4.7', undefined, 'GLM-4.7']);

    const [user1, answer1, user2, answer2, user3, answer3] = conversation.messages;
    // User turns are exact plain text (the markdown the user typed is not interpreted).
    expect(types(user1!.parts)).toEqual(['text']);
    const prompt = user1!.parts[0]!;
    expect(prompt).toMatchObject({ type: 'text', format: 'plain' });
    if (prompt.type !== 'text') throw new Error('not text');
    expect(prompt.text.startsWith('design a series of  mremaid visualizaitons that would help me understand how to properly leverage the following /// - **Pester**: A testing framework')).toBe(true);
    expect(prompt.text).toContain('\n- **PSScriptAnalyzer**: A tool that checks PowerShell scripts');
    expect(prompt.text.endsWith('- **PowerShellGet**: Essential module for finding, installing, updating, and publishing PowerShell modules and resources from the Gallery.')).toBe(true);
    expect(prompt.text.split('\n')).toHaveLength(21);

    expect(types(answer1!.parts)).toEqual(['text', 'mermaid', 'text', 'mermaid', 'text', 'mermaid', 'text', 'mermaid', 'text', 'mermaid', 'text']);
    expect(texts(answer1!.parts)[0]).toMatch(/^Here is a series of Mermaid visualizations designed to help you understand how to leverage these tools effectively\. I have grouped them by their primary function in a modern PowerShell workflow: \*\*Environment Setup\*\*/);
    expect(texts(answer1!.parts)[0]).toContain('### 1\\. The "Ideal" PowerShell Environment');
    const diagrams = answer1!.parts.flatMap((part) => (part.type === 'mermaid' ? [part.source] : []));
    expect(diagrams.map((source) => source.split('\n')[0])).toEqual(['graph LR', 'graph LR', 'graph LR', 'graph TD', 'sequenceDiagram']);
    expect(diagrams[0]).toContain('    subgraph UI_Experience [User Interface & Experience]\n        PSReadLine[PSReadLine<br/>Syntax Highlighting & History]');
    expect(diagrams[4]).toContain('    Dev->>SA: Check Syntax & Style');
    expect(texts(answer1!.parts).at(-1)?.endsWith("-   **InvokeBuild** is your publisher. Don't publish if Build fails.")).toBe(true);

    expect(user2!.parts).toEqual([
      { type: 'file', name: 'PROJECT_SOURCE_CODE_20251227_231710.txt' },
      { type: 'text', text: 'what is missing for this project top top productivitiy', format: 'plain' },
    ]);
    expect(user3!.parts).toEqual([
      { type: 'file', name: 'PROJECT_SOURCE_CODE_20251227_002035.txt' },
      { type: 'text', text: 'what if you had access to this --- skippy embedded into the dev E2E', format: 'plain' },
    ]);

    // The collapsed "Thought Process" becomes a reasoning part, kept apart from the answer.
    expect(types(answer2!.parts)).toEqual([
      'reasoning', 'text', 'table', 'text', 'mermaid', 'text', 'text', 'text', 'code', 'text', 'code', 'text', 'code', 'text', 'code', 'text', 'code', 'text',
      'code', 'text', 'code', 'text', 'code', 'text', 'code', 'text', 'code', 'text', 'mermaid', 'text', 'table', 'text', 'table', 'text', 'text', 'text',
    ]);
    const reasoning = answer2!.parts[0]!;
    if (reasoning.type !== 'reasoning') throw new Error('no reasoning');
    expect(reasoning.text.startsWith('嗯，用户想要了解如何让这个PowerShell Workspace项目达到顶级生产力水平。')).toBe(true);
    expect(reasoning.text.endsWith('最后，我会提供一个实施路线图，帮助用户按优先级逐步实施这些改进建议，确保项目能够持续提升生产力。')).toBe(true);
    expect(reasoning.text).not.toContain('Thought Process');
    expect(texts(answer2!.parts)[0]).toMatch(/^Based on the PWS project structure and the PowerShell ecosystem/);
    const code = answer2!.parts.flatMap((part) => (part.type === 'code' ? [part] : []));
    expect(code.map((part) => part.language)).toEqual([undefined, 'powershell', 'powershell', 'powershell', 'powershell', 'powershell', 'powershell', 'powershell', 'powershell', 'yaml']);
    expect(code[0]!.code.startsWith('PWS/\n├── PWS.psd1 (module manifest)\n├── PWS.psm1 (root module)')).toBe(true);
    expect(code[9]!.code.startsWith('# .github/workflows/test-and-publish.yml\nname: Test and Publish PWS\n')).toBe(true);
    const tables = answer2!.parts.flatMap((part) => (part.type === 'table' ? [part] : []));
    expect(tables.map((table) => table.rows.length)).toEqual([8, 10, 8]);
    expect(tables.map((table) => table.header)).toEqual([true, true, true]);
    expect(tables[0]!.rows[0]).toEqual(['**Category**', '**Current State**', '**Missing for Top Productivity**', '**Impact**']);
    expect(tables[0]!.rows[1]).toEqual(['**Development Environment**', 'Basic scripting setup', 'VSCode integration, debugging, PSScriptAnalyzer rules', '⚠️ Reduces coding efficiency by 40-60%']);
    expect(tables[1]!.rows[0]).toEqual(['**Enhancement**', '**Effort**', '**Impact**', '**Priority**']);
    // A diagram z.ai could not render (it shows the source beside an error icon) is still a mermaid part.
    expect(answer2!.parts.flatMap((part) => (part.type === 'mermaid' ? [part.source.split('\n')[0]] : []))).toEqual(['flowchart LR', 'timeline']);
    expect(texts(answer2!.parts).at(-1)).toMatch(/^---\n\n### 📖 Conclusion: Your Path to Top Productivity\n[\s\S]*\n\n> \*\*🎯 Remember\*\*: Productivity isn't just about writing code faster.*pay dividends many times over in the long run\.$/);

    expect(types(answer3!.parts)).toEqual(['reasoning', 'text', 'mermaid', 'text']);
    expect(answer3!.parts[0]).toMatchObject({ type: 'reasoning', text: expect.stringMatching(/^1\. {2}\*\*Analyze the User's Scenario:\*\*/) as unknown });
    expect(texts(answer3!.parts)[0]).toMatch(/^This is a fascinating concept\. If \*\*Skippy\*\* \(the AI persona\/agent in your PWS project\)/);
    expect(texts(answer3!.parts).at(-1)).toMatch(/turning those modules into a proactive, intelligent operating system for your code\.$/);

    // CodeMirror had not drawn every line of four long blocks when the page was saved: said, not hidden.
    expect(warnings.map((warning) => warning.obj)).toEqual([
      { provider: 'zai', sourceId: '3fb01b67-69ed-49e2-bcb9-0ab664eadd83', blocks: 1 },
      { provider: 'zai', sourceId: '0df0fca9-cf29-474c-93e0-c4087ef90369', blocks: 2 },
      { provider: 'zai', sourceId: '8f6edfa4-a698-46fe-a8ab-5d2efa6b5aff', blocks: 1 },
    ]);
  });

  it('gives the same result twice, well under a second (shared fixture)', () => {
    const first = run({ url: SHARE_URL, html, via: 'browser' });
    const started = performance.now();
    const second = run({ url: SHARE_URL, html, via: 'upload' });
    const elapsed = performance.now() - started;
    expect(second).toEqual(first);
    expect(elapsed).toBeLessThan(1000);
  });

  it('reads a posted signed-in chat page by its /c/ URL (shared fixture)', () => {
    const url = new URL('https://chat.z.ai/c/2f1e0d9c-8b7a-4c6d-9e5f-4a3b2c1d0e9f');
    const conversation = run({ url, html, via: 'upload' });
    expect(conversation.sourceId).toBe('2f1e0d9c-8b7a-4c6d-9e5f-4a3b2c1d0e9f');
    expect(conversation.messages).toHaveLength(6);
  });

  it('reports a page of another provider as not understood, or asks for the browser on a fetch (shared fixture)', () => {
    const claude = shared('share-pages/claude/page.html');
    expect(failure({ url: SHARE_URL, html: claude, via: 'browser' })).toMatchObject({ code: 'EXTRACTION_FAILED', step: 'find-turns' });
    expect(failure({ url: SHARE_URL, html: claude, via: 'fetch' })).toMatchObject({ code: 'NEEDS_BROWSER' });
  });
});

describe('zai extract: synthetic page in z.ai markup', () => {
  const url = new URL('https://chat.z.ai/s/0b9c2f1e-5d4a-4e8b-9c7d-2a1f3e4d5c6b');

  it('extracts the exact structure', () => {
    const { log, warnings } = recorder();
    expect(run({ url, html: local('share-page.html'), via: 'browser' }, log)).toEqual({
      provider: 'zai',
      sourceId: '0b9c2f1e-5d4a-4e8b-9c7d-2a1f3e4d5c6b',
      sourceUrl: url.href,
      title: 'Sorting numbers in Python',
      model: 'GLM-4.6',
      messages: [
        {
          sourceId: '5b1e0c2a-3f4d-4a6b-8c9d-0e1f2a3b4c5d',
          parentSourceId: null,
          role: 'user',
          hidden: false,
          parts: [{ type: 'text', text: 'How do I sort a list of numbers in Python?\nKeep it short & show *both* ways.', format: 'plain' }],
        },
        {
          sourceId: '7c2d1e3f-4a5b-4c6d-9e8f-1a2b3c4d5e6f',
          parentSourceId: '5b1e0c2a-3f4d-4a6b-8c9d-0e1f2a3b4c5d',
          role: 'assistant',
          model: 'GLM-4.7',
          hidden: false,
          parts: [
            { type: 'reasoning', text: 'The user wants **two** ways: `sorted()` and `list.sort()`. Timsort runs in $O(n \\log n)$.' },
            { type: 'text', text: 'Use `sorted()` for a *new* list, or `.sort()` to sort **in place**:', format: 'markdown' },
            {
              type: 'code',
              language: 'python',
              code: 'numbers = [3, 1, 2]\n\n# a new list\nprint(sorted(numbers))  # [1, 2, 3]\n# in place, largest first\nnumbers.sort(reverse=True)\n    # indented <tag> & more',
            },
            { type: 'text', text: '### Which one?', format: 'markdown' },
            { type: 'table', header: true, rows: [['**Call**', 'Returns', 'Cost'], ['`sorted(xs)`', 'a new list', '$O(n)$ extra memory'], ['`xs.sort()`', '`None`', 'in place']] },
            { type: 'text', text: 'Both are stable; the average cost is', format: 'markdown' },
            { type: 'math', tex: 'T(n) = O(n \\log n)', display: true },
            { type: 'mermaid', source: 'flowchart LR\n    A[Unsorted list] --> B{In place?}\n    B -- yes --> C[list.sort]\n    B -- no --> D[sorted]' },
            { type: 'mermaid', source: 'graph TD\n    A --> B((' },
            { type: 'text', text: 'See the [Sorting HOW TO](https://docs.python.org/3/howto/sorting.html).', format: 'markdown' },
          ],
        },
        {
          sourceId: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
          parentSourceId: '7c2d1e3f-4a5b-4c6d-9e8f-1a2b3c4d5e6f',
          role: 'user',
          hidden: false,
          parts: [
            { type: 'file', name: 'scores.csv' },
            { type: 'text', text: 'Sort this file by the second column.', format: 'plain' },
          ],
        },
        {
          sourceId: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
          parentSourceId: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
          role: 'assistant',
          model: 'GLM-4.6',
          hidden: false,
          parts: [
            { type: 'text', text: 'Pass a `key`:', format: 'markdown' },
            { type: 'text', text: '1.  Read the rows with `csv.reader`.\n2.  Sort them:\n    \n    ```python\n    rows.sort(key=lambda row: row[1])\n    ```', format: 'markdown' },
          ],
        },
      ],
    });
    expect(warnings).toEqual([{ obj: { provider: 'zai', sourceId: '7c2d1e3f-4a5b-4c6d-9e8f-1a2b3c4d5e6f', blocks: 1 }, msg: expect.stringContaining('virtual scrolling') as unknown }]);
  });

  it('asks for the browser when the fetched page is the empty app shell', () => {
    const shell = '<!doctype html><html><head><title>Z.ai Chat - Free AI powered by GLM-4.7 &amp; GLM-4.6</title><script src="/_app/immutable/entry/start.js"></script></head><body><div id="app"></div></body></html>';
    expect(failure({ url, html: shell, via: 'fetch' })).toMatchObject({ code: 'NEEDS_BROWSER', step: 'find-turns' });
  });

  it('reports a deleted share (sent back to the home page) as NOT_FOUND', () => {
    const home = '<!doctype html><html><head><title>Z.ai Chat - Free AI powered by GLM-4.7 &amp; GLM-4.6</title></head><body><div class="app"><textarea id="chat-input" placeholder="How can I help you today?"></textarea></div></body></html>';
    expect(failure({ url, html: home, via: 'browser' })).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reports a challenge page as BOT_CHECK', () => {
    const challenge = '<!doctype html><html><head><title>Just a moment...</title></head><body><div id="challenge-running"></div><script src="https://challenges.cloudflare.com/turnstile/v0/api.js"></script></body></html>';
    expect(failure({ url, html: challenge, via: 'fetch' })).toMatchObject({ code: 'BOT_CHECK' });
    expect(failure({ url, html: challenge, via: 'browser' })).toMatchObject({ code: 'BOT_CHECK' });
  });

  it('refuses a URL that is not a z.ai conversation', () => {
    expect(failure({ url: new URL('https://chat.z.ai/'), html: local('share-page.html'), via: 'browser' })).toMatchObject({ code: 'EXTRACTION_FAILED', step: 'match-url' });
  });
});
