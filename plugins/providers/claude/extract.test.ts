import { readFileSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { providerManifest, type CapturedConversation, type ContentPart, type ExtractInput } from '../sdk/index.ts';
import claude from './index.ts';
import { providerError as errorOf, sharedFixture as shared } from '../sdk/testing/fixtures.ts';

const log = pino({ level: 'silent' });
const SHARE_URL = 'https://claude.ai/share/ca5ad573-749e-40a2-93f1-dc0473215fa5';

function own(file: string): string {
  return readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8');
}

function extract(input: Omit<ExtractInput, 'url'> & { url: string }): CapturedConversation {
  return claude.extract({ ...input, url: new URL(input.url) }, log);
}

function summary(parts: ContentPart[]): string[] {
  return parts.map((part) => (part.type === 'code' ? `code:${part.language ?? '-'}` : part.type));
}

describe('claude manifest and URLs', () => {
  it('is a valid provider manifest', () => {
    expect(providerManifest.safeParse(claude).success).toBe(true);
    expect(claude.rendering).toBe('browser');
    expect(claude.hosts).toEqual(['claude.ai']);
  });

  it('matches share URLs and rejects other hosts and paths', () => {
    expect(claude.matchShareUrl(new URL(SHARE_URL))).toEqual({ sourceId: 'ca5ad573-749e-40a2-93f1-dc0473215fa5' });
    expect(claude.matchShareUrl(new URL('https://claude.ai/share/CA5AD573-749E-40A2-93F1-DC0473215FA5/?utm=x'))).toEqual({ sourceId: 'ca5ad573-749e-40a2-93f1-dc0473215fa5' });
    for (const url of [
      'https://claude.ai/chat/ca5ad573-749e-40a2-93f1-dc0473215fa5',
      'https://claude.ai/share/not-a-uuid',
      'https://claude.ai/share/ca5ad573-749e-40a2-93f1-dc0473215fa5/extra',
      'https://evil.example.com/share/ca5ad573-749e-40a2-93f1-dc0473215fa5',
      'https://claude.ai.evil.com/share/ca5ad573-749e-40a2-93f1-dc0473215fa5',
      'https://www.claude.ai/share/ca5ad573-749e-40a2-93f1-dc0473215fa5',
      'ftp://claude.ai/share/ca5ad573-749e-40a2-93f1-dc0473215fa5',
    ]) {
      expect(claude.matchShareUrl(new URL(url)), url).toBeNull();
    }
  });

  it('matches private chat URLs only on claude.ai/chat', () => {
    expect(claude.matchConversationUrl(new URL('https://claude.ai/chat/0b7c2f4e-3a51-4d8e-9c6a-5f2e1d0c9b8a'))).toEqual({ sourceId: '0b7c2f4e-3a51-4d8e-9c6a-5f2e1d0c9b8a' });
    expect(claude.matchConversationUrl(new URL(SHARE_URL))).toBeNull();
    expect(claude.matchConversationUrl(new URL('https://claude.ai/project/0b7c2f4e-3a51-4d8e-9c6a-5f2e1d0c9b8a'))).toBeNull();
  });
});

describe('claude share page (shared fixture)', () => {
  it('extracts every turn of the real saved share page with files, code blocks and languages (shared fixture)', () => {
    const html = shared('share-pages/claude/page.html');
    const started = performance.now();
    const conversation = extract({ url: SHARE_URL, html, via: 'browser' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(1000);

    expect(conversation.provider).toBe('claude');
    expect(conversation.sourceId).toBe('ca5ad573-749e-40a2-93f1-dc0473215fa5');
    expect(conversation.sourceUrl).toBe(SHARE_URL);
    expect(conversation.title).toBe('Redesigning AI social media platform with local blockchain distribution');
    expect(conversation.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(conversation.messages.map((m) => m.parentSourceId)).toEqual([null, ...conversation.messages.slice(0, 3).map((m) => m.sourceId)]);

    const [first, answer, second, last] = conversation.messages;
    const files = ['openScroll_concept_and_design.md', 'openScroll_master_vision_document.md', 'openScroll_old_build_and_features.md', 'openScroll_technical_documentation.md'].map((name) => ({ type: 'file', name }));
    expect(first!.parts.slice(0, 4)).toEqual(files);
    const prompt = first!.parts[4];
    expect(prompt).toMatchObject({ type: 'text', format: 'plain' });
    const promptText = (prompt as { text: string }).text;
    expect(promptText.startsWith('THE attached markdowns are description of an old project i want to completely redesign . 1. mobile app (build using bubblewrapp ) 2. leveraging at least https://github.com/owenservera/SingleFile and')).toBe(true);
    expect(promptText).toContain('additional tools the project can leverage  /// https://github.com/owenservera/3FS-OpenScroll\nhttps://github.com/owenservera/CodeWebChat-VIVIM\n');
    expect(promptText.endsWith('https://github.com/openinterpreter/open-interpreter /// generate a full claude code opus 4.5 prompt')).toBe(true);
    expect(second!.parts).toEqual([...files, { type: 'text', text: 'no-', format: 'plain' }]);

    expect(summary(answer!.parts)).toEqual(['text', 'code:-', 'text', 'code:-', 'text', 'code:javascript', 'text']);
    const opening = answer!.parts[0] as { text: string };
    expect(opening.text.startsWith('# OpenScroll 2.0 - Complete Rebuild Specification\n\n## Project Vision\n\nTransform OpenScroll into a decentralized, mobile-first AI social media platform')).toBe(true);
    expect(opening.text).toContain('**Mobile Application (Bubble.io)**\n\n-   No-code mobile app development platform\n');
    expect(opening.text.endsWith('#### Bubble.io Implementation Details\n\n**Database Structure**')).toBe(true);
    const schema = answer!.parts[1] as { code: string };
    expect(schema.code.startsWith('User\n- wallet_address (text, unique)\n- username (text)\n')).toBe(true);
    expect(schema.code.endsWith('- visibility (text)\n- conversation_ids (list of texts)')).toBe(true);
    expect(answer!.parts[2]).toEqual({ type: 'text', text: '**Workflows**', format: 'markdown' });
    const singleFile = answer!.parts[5] as { code: string };
    expect(singleFile.code.startsWith("// Browser extension or API service\nimport { SingleFile } from '@owenservera/singlefile';")).toBe(true);
    expect((answer!.parts[6] as { text: string }).text.endsWith('#### X-Algorithm Integration\n\n**Purpose**: Extract structure')).toBe(true);

    expect(summary(last!.parts)).toEqual([
      'text', 'code:-', 'text', 'code:-', 'text', 'code:-', 'text', 'code:-', 'text', 'code:-', 'text', 'code:javascript', 'text', 'code:javascript', 'text', 'code:javascript',
    ]);
    expect((last!.parts[0] as { text: string }).text.startsWith('# OpenScroll 2.0 - Complete Rebuild Specification for Claude Opus 4.5\n\n## Executive Summary')).toBe(true);
    expect(last!.parts[4]).toEqual({ type: 'text', text: '**Main Application Pages**', format: 'markdown' });
    expect((last!.parts[9] as { code: string }).code.startsWith('scraping-service/\n├── server.js (Express API)')).toBe(true);
    // The shared answer stops mid-sentence (the page-text.md reference ends the same way).
    expect((last!.parts[15] as { code: string }).code.endsWith("    priority: 'high'\n  });\n  \n  // 3. Also pin to IPFS for public access\n  const")).toBe(true);
    const codeBlocks = conversation.messages.flatMap((m) => m.parts).filter((p) => p.type === 'code');
    expect(codeBlocks).toHaveLength(11);
  });

  it('gives the same sourceIds on every run (shared fixture)', () => {
    const html = shared('share-pages/claude/page.html');
    const ids = () => extract({ url: SHARE_URL, html, via: 'browser' }).messages.map((m) => m.sourceId);
    expect(ids()).toEqual(ids());
    expect(ids()).toEqual([0, 1, 2, 3].map((i) => `ca5ad573-749e-40a2-93f1-dc0473215fa5/${i}`));
  });

  it('uses the rendered DOM even when it arrived through a plain fetch (shared fixture)', () => {
    const html = shared('share-pages/claude/page.html');
    expect(extract({ url: SHARE_URL, html, via: 'fetch' }).messages).toHaveLength(4);
  });

  it('refuses another provider’s page: EXTRACTION_FAILED from a browser, NEEDS_BROWSER from a fetch (shared fixture)', () => {
    for (const file of ['share-pages/gemini-2026/page.html', 'share-pages/chatgpt/page.html']) {
      const html = shared(file);
      expect(errorOf(() => extract({ url: SHARE_URL, html, via: 'browser' }))).toMatchObject({ code: 'EXTRACTION_FAILED', step: 'find-turns' });
      expect(errorOf(() => extract({ url: SHARE_URL, html, via: 'fetch' }))).toMatchObject({ code: 'NEEDS_BROWSER' });
    }
  });
});

describe('claude share page (own fixtures)', () => {
  const url = 'https://claude.ai/share/0b7c2f4e-3a51-4d8e-9c6a-5f2e1d0c9b8a';
  const id = '0b7c2f4e-3a51-4d8e-9c6a-5f2e1d0c9b8a';

  it('extracts thinking as reasoning, artifacts, math, tables, code languages, mermaid and attachments', () => {
    const conversation = extract({ url, html: own('share-thinking-artifacts.html'), via: 'browser' });
    expect(conversation).toEqual({
      provider: 'claude',
      sourceId: id,
      sourceUrl: url,
      title: 'Euler, quicksort and a diagram',
      messages: [
        {
          sourceId: `${id}/0`,
          parentSourceId: null,
          role: 'user',
          hidden: false,
          parts: [
            { type: 'file', name: 'notes_on_sorting.md' },
            { type: 'image', url: 'https://claude.ai/api/files/whiteboard-preview.png', alt: 'whiteboard.png' },
            { type: 'text', text: "Explain Euler's identity *briefly*,\nthen show a quicksort in Python.\n\nKeep x_1 < x_2 as written.", format: 'plain' },
          ],
        },
        {
          sourceId: `${id}/1`,
          parentSourceId: `${id}/0`,
          role: 'assistant',
          hidden: false,
          parts: [
            { type: 'reasoning', text: "The user wants Euler's identity, then code. Start from `e^{ix} = cos x + i sin x`.\n\nSet x = π." },
            { type: 'text', text: "## Euler's identity\n\nIt links five constants, with $x_1 = \\pi$:", format: 'markdown' },
            { type: 'math', tex: 'e^{i\\pi} + 1 = 0', display: true },
            { type: 'text', text: '-   **e** and **π** from analysis\n-   the variance $\\sigma^2$ is unrelated', format: 'markdown' },
            { type: 'table', rows: [['Constant', 'Value'], ['e', '2.718…'], ['π', '3.141…']], header: true },
            { type: 'text', text: 'And the quicksort:', format: 'markdown' },
            {
              type: 'code',
              language: 'python',
              code: 'def quicksort(xs):\n    if len(xs) <= 1:\n        return xs\n    pivot, *rest = xs\n    return quicksort([x for x in rest if x < pivot]) + [pivot] + quicksort([x for x in rest if x >= pivot])',
            },
            { type: 'file', name: 'Quicksort with tests' },
            { type: 'text', text: 'The artifact adds tests, e.g. `assert quicksort([3, 1]) == [1, 3]`.', format: 'markdown' },
          ],
        },
        {
          sourceId: `${id}/2`,
          parentSourceId: `${id}/1`,
          role: 'user',
          hidden: false,
          parts: [
            { type: 'text', text: 'Now draw the flow of this:', format: 'markdown' },
            { type: 'code', code: 'if len(xs) <= 1: return xs' },
          ],
        },
        {
          sourceId: `${id}/3`,
          parentSourceId: `${id}/2`,
          role: 'assistant',
          hidden: false,
          parts: [
            { type: 'reasoning', text: 'A base case and two recursive calls: a mermaid flowchart fits.' },
            { type: 'text', text: 'Here is the flow:', format: 'markdown' },
            { type: 'mermaid', source: 'flowchart TD\n  A[len(xs) <= 1?] -->|yes| B[return xs]\n  A -->|no| C[partition around pivot]' },
            { type: 'text', text: '1.  Partition, then recurse:\n    \n    ```bash\n    python -m doctest quicksort.py\n    ```', format: 'markdown' },
          ],
        },
      ],
    });
  });

  it('reports a Cloudflare challenge as BOT_CHECK, whether fetched or rendered', () => {
    const html = own('cloudflare-challenge.html');
    for (const via of ['fetch', 'browser'] as const) {
      expect(errorOf(() => extract({ url: SHARE_URL, html, via }))).toMatchObject({ code: 'BOT_CHECK', step: 'bot-check' });
    }
  });

  it('reports a sign-in wall as BOT_CHECK', () => {
    const html = '<html data-theme="claude"><head><title>Claude</title></head><body><main><h1>Log in to Claude</h1><form><input type="email" name="email"><button>Continue with email</button></form><button>Continue with Google</button></main></body></html>';
    expect(errorOf(() => extract({ url: SHARE_URL, html, via: 'browser' }))).toMatchObject({ code: 'BOT_CHECK', step: 'sign-in-wall' });
  });

  it('reports a missing share as NOT_FOUND', () => {
    expect(errorOf(() => extract({ url: 'https://claude.ai/share/00000000-0000-4000-8000-000000000000', html: own('not-found.html'), via: 'browser' }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('asks for a browser when the fetched server HTML is only the app shell', () => {
    const html = '<!DOCTYPE html><html data-theme="claude"><head><title>Claude</title><script src="/_next/static/chunks/main.js"></script></head><body><div id="root"></div></body></html>';
    expect(errorOf(() => extract({ url: SHARE_URL, html, via: 'fetch' }))).toMatchObject({ code: 'NEEDS_BROWSER', step: 'find-turns' });
    expect(errorOf(() => extract({ url: SHARE_URL, html, via: 'browser' }))).toMatchObject({ code: 'EXTRACTION_FAILED', step: 'find-turns' });
  });

  it('reads a signed-in chat page posted by the user’s browser, keyed by the chat id', () => {
    const html = own('share-thinking-artifacts.html').replace('<title>Euler, quicksort and a diagram | Claude</title>', '<title>Euler, quicksort and a diagram - Claude</title>').replace(/<meta property="og:title"[^>]*>/, '');
    const conversation = extract({ url: 'https://claude.ai/chat/11111111-2222-4333-8444-555555555555', html, via: 'upload' });
    expect(conversation.sourceId).toBe('11111111-2222-4333-8444-555555555555');
    expect(conversation.title).toBe('Euler, quicksort and a diagram');
    expect(conversation.messages[0]!.sourceId).toBe('11111111-2222-4333-8444-555555555555/0');
  });
});
