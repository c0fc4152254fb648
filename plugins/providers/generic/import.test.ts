import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { exportConversation } from '#modules/capture/service/export.ts';
import type { ConversationDetail } from '#modules/capture/schemas.ts';
import { openExportFile } from '../sdk/export-file.ts';
import { providerManifest, type CapturedConversation, type ImportedItem } from '../sdk/index.ts';
import generic from './index.ts';
import { detectShape } from './import.ts';
import { parseJsonPrefix } from './json-prefix.ts';
import { writeZip } from '../sdk/testing/zip.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'vivim-generic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const warnings: string[] = [];
const log = { info: () => {}, warn: (_obj: object, msg?: string) => void warnings.push(msg ?? ''), debug: () => {} };

function write(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content, null, 1));
  return file;
}

async function collect(file: string, name?: string): Promise<ImportedItem[]> {
  const opened = await openExportFile(file, name);
  try {
    const items: ImportedItem[] = [];
    for await (const item of generic.importExport(opened, log)) items.push(item);
    return items;
  } finally {
    opened.close();
  }
}

async function conversations(file: string, name?: string): Promise<CapturedConversation[]> {
  const items = await collect(file, name);
  return items.map((item) => {
    if (!item.ok) throw new Error(`${item.code} ${item.source}: ${item.message}`);
    return item.conversation;
  });
}

async function detects(file: string): Promise<boolean> {
  const opened = await openExportFile(file);
  try {
    return await generic.detectExport(opened);
  } finally {
    opened.close();
  }
}

const ANSWER = [
  'Use `sorted`:',
  '',
  '```python',
  'print(sorted([3, 1, 2]))',
  '```',
  '',
  '| Input | Output |',
  '| --- | --- |',
  '| [3, 1, 2] | [1, 2, 3] |',
  '',
  '$$',
  'O(n \\log n)',
  '$$',
  '',
  '```mermaid',
  'graph TD; A-->B',
  '```',
  '',
  'Done.',
].join('\n');

const ANSWER_PARTS = [
  { type: 'text', format: 'markdown', text: 'Use `sorted`:' },
  { type: 'code', language: 'python', code: 'print(sorted([3, 1, 2]))' },
  { type: 'table', header: true, rows: [['Input', 'Output'], ['[3, 1, 2]', '[1, 2, 3]']] },
  { type: 'math', tex: 'O(n \\log n)', display: true },
  { type: 'mermaid', source: 'graph TD; A-->B' },
  { type: 'text', format: 'markdown', text: 'Done.' },
];

/** VIVIM JSON as a script writes it: ids, a regenerated answer (branch), markdown content. */
const sorting = {
  id: 'conv-sorting',
  title: 'Sorting in Python',
  model: 'gpt-4o',
  createdAt: '2025-03-01T10:00:00.000Z',
  updatedAt: 1740823500,
  currentLeafId: 'a2',
  messages: [
    { id: 'u1', parentId: null, role: 'user', content: 'Sort [3, 1, 2] in *Python*', createdAt: '2025-03-01T10:00:00.000Z' },
    { id: 'a1', parentId: 'u1', role: 'assistant', content: 'First try.', model: 'gpt-4o-mini' },
    { id: 'a2', parentId: 'u1', role: 'assistant', content: ANSWER, model: 'gpt-4o', createdAt: 1740823260 },
  ],
};

/** No ids anywhere: derived from file name and positions. */
const noIds = {
  title: 'No ids',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'Hello' }, 'and *more*'] },
    { role: 'assistant', content: 'Hi.' },
  ],
};

describe('generic provider manifest', () => {
  it('is a valid manifest that matches no share URL', () => {
    expect(providerManifest.safeParse(generic).success).toBe(true);
    expect(generic.id).toBe('generic');
    expect(generic.matchShareUrl(new URL('https://import.vivim.invalid/share/1'))).toBeNull();
  });
});

describe('VIVIM JSON', () => {
  it('imports { conversations: [...] } with exact messages, branches and parts', async () => {
    const items = await conversations(write('vivim.json', { version: 1, conversations: [sorting, noIds] }));
    expect(items[0]).toEqual({
      provider: 'generic',
      sourceId: 'conv-sorting',
      title: 'Sorting in Python',
      model: 'gpt-4o',
      createdAt: new Date('2025-03-01T10:00:00.000Z'),
      updatedAt: new Date(1740823500 * 1000),
      currentLeafSourceId: 'a2',
      messages: [
        {
          sourceId: 'u1',
          parentSourceId: null,
          role: 'user',
          hidden: false,
          createdAt: new Date('2025-03-01T10:00:00.000Z'),
          parts: [{ type: 'text', format: 'markdown', text: 'Sort [3, 1, 2] in *Python*' }],
        },
        { sourceId: 'a1', parentSourceId: 'u1', role: 'assistant', model: 'gpt-4o-mini', hidden: false, parts: [{ type: 'text', format: 'markdown', text: 'First try.' }] },
        { sourceId: 'a2', parentSourceId: 'u1', role: 'assistant', model: 'gpt-4o', hidden: false, createdAt: new Date(1740823260 * 1000), parts: ANSWER_PARTS },
      ],
    });
    const second = items[1];
    expect(second?.title).toBe('No ids');
    expect(second?.sourceId).toMatch(/^[0-9a-f]{32}$/);
    expect(second?.messages.map((m) => [m.role, m.parentSourceId === null ? null : 'prev', m.parts])).toEqual([
      ['system', null, [{ type: 'text', format: 'markdown', text: 'Be brief.' }]],
      [
        'user',
        'prev',
        [
          { type: 'text', format: 'markdown', text: 'Hello' },
          { type: 'text', format: 'markdown', text: 'and *more*' },
        ],
      ],
      ['assistant', 'prev', [{ type: 'text', format: 'markdown', text: 'Hi.' }]],
    ]);
    const ids = second?.messages.map((m) => m.sourceId) ?? [];
    expect(second?.messages.map((m) => m.parentSourceId)).toEqual([null, ids[0], ids[1]]);
    expect(items).toHaveLength(2);
  });

  it('derives the same ids on every import of the same file, other ids for another file name', async () => {
    const file = write('stable.json', [noIds, noIds]);
    const first = await conversations(file);
    const again = await conversations(file);
    expect(again).toEqual(first);
    const ids = first.flatMap((c) => [c.sourceId, ...c.messages.map((m) => m.sourceId)]);
    expect(new Set(ids).size).toBe(ids.length);
    const renamed = await conversations(file, 'other-name.json');
    expect(renamed[0]?.sourceId).not.toBe(first[0]?.sourceId);
    // A conversation with its own id keeps its message ids whatever the file is called.
    const withId = { ...noIds, id: 'c-1' };
    const a = await conversations(write('a.json', [withId]));
    const b = await conversations(write('b.json', [withId]));
    expect(a[0]?.messages.map((m) => m.sourceId)).toEqual(['c-1:0', 'c-1:1', 'c-1:2']);
    expect(b).toEqual(a);
  });

  it('imports a bare array and a single conversation (titled by the file when it has no title)', async () => {
    expect((await conversations(write('array.json', [sorting]))).map((c) => c.sourceId)).toEqual(['conv-sorting']);
    const { title: _title, ...untitled } = noIds;
    const [single] = await conversations(write('My chat.json', untitled));
    expect(single?.title).toBe('My chat');
    const [pretty] = await conversations(write('pretty.json', JSON.stringify(sorting, null, 2)));
    expect(pretty?.messages).toHaveLength(3);
  });

  it('keeps VIVIM parts given as lists and names the source provider in the id', async () => {
    const [conversation] = await conversations(
      write('parts.json', {
        conversations: [
          {
            provider: 'claude',
            id: '42',
            sourceUrl: 'not a url',
            messages: [
              { role: 'user', content: [{ type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' }, { type: 'file', name: 'notes.pdf' }] },
              {
                role: 'assistant',
                content: [
                  { type: 'reasoning', text: 'Think.' },
                  { type: 'text', text: '```js\nx()\n```', format: 'plain' },
                  { type: 'citation', url: 'https://example.org', title: 'Example' },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(conversation?.sourceId).toBe('claude:42');
    expect(conversation?.sourceUrl).toBeUndefined();
    expect(conversation?.messages.map((m) => m.parts)).toEqual([
      [
        { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
        { type: 'file', name: 'notes.pdf' },
      ],
      [
        { type: 'reasoning', text: 'Think.' },
        { type: 'text', text: '```js\nx()\n```', format: 'plain' },
        { type: 'citation', url: 'https://example.org', title: 'Example' },
      ],
    ]);
  });
});

describe("VIVIM's own exports", () => {
  const detail: ConversationDetail = {
    id: '0b0e2f7e-1111-4000-8000-000000000001',
    provider: 'chatgpt',
    sourceConversationId: '6a1b2c3d-0000-4000-8000-000000000001',
    sourceUrl: 'https://chatgpt.com/share/6a1b2c3d-0000-4000-8000-000000000001',
    title: 'Circle area',
    model: 'gpt-4o',
    createdAt: new Date('2024-05-29T16:26:40.000Z'),
    updatedAt: new Date('2024-05-29T16:27:10.000Z'),
    capturedAt: new Date('2025-01-01T00:00:00.000Z'),
    modifiedAt: new Date('2025-01-01T00:00:00.000Z'),
    messageCount: 3,
    tags: ['math'],
    origin: 'capture',
    contentHash: 'abc',
    currentLeafId: 'vivim-3',
    messages: [
      { id: 'vivim-0', sourceMessageId: 'sys-1', parentId: null, branchIndex: 0, siblingCount: 1, isOnCurrentBranch: true, role: 'system', model: null, createdAt: null, hidden: true, parts: [{ position: 0, blobSha: null, type: 'text', text: 'sys', format: 'plain' }] },
      {
        id: 'vivim-1',
        sourceMessageId: 'm-user',
        parentId: 'vivim-0',
        branchIndex: 0,
        siblingCount: 1,
        isOnCurrentBranch: true,
        role: 'user',
        model: null,
        createdAt: new Date('2024-05-29T16:26:41.000Z'),
        hidden: false,
        parts: [{ position: 0, blobSha: null, type: 'text', text: 'Area of a circle of radius 2?', format: 'markdown' }],
      },
      {
        id: 'vivim-2',
        sourceMessageId: 'm-old',
        parentId: 'vivim-1',
        branchIndex: 0,
        siblingCount: 2,
        isOnCurrentBranch: false,
        role: 'assistant',
        model: 'gpt-4o',
        createdAt: null,
        hidden: false,
        parts: [{ position: 0, blobSha: null, type: 'text', text: 'About 12.', format: 'markdown' }],
      },
      {
        id: 'vivim-3',
        sourceMessageId: 'm-new',
        parentId: 'vivim-1',
        branchIndex: 1,
        siblingCount: 2,
        isOnCurrentBranch: true,
        role: 'assistant',
        model: 'gpt-4o',
        createdAt: null,
        hidden: false,
        parts: [
          { position: 0, blobSha: null, type: 'reasoning', text: 'A = πr².' },
          { position: 1, blobSha: null, type: 'text', text: 'It is', format: 'markdown' },
          { position: 2, blobSha: null, type: 'math', tex: '4\\pi', display: true },
          { position: 3, blobSha: null, type: 'code', code: 'print(3.14159 * 2 ** 2)', language: 'python' },
          { position: 4, blobSha: null, type: 'table', rows: [['r', 'A'], ['2', '12.57']], header: true },
        ],
      },
    ],
  };

  it('round-trips the JSON export: provider ids, real parents, current leaf, hidden messages, parts', async () => {
    const exported = exportConversation(detail, 'json');
    const [conversation] = await conversations(write(exported.fileName, exported.content));
    expect(conversation).toEqual({
      provider: 'generic',
      sourceId: 'chatgpt:6a1b2c3d-0000-4000-8000-000000000001',
      sourceUrl: 'https://chatgpt.com/share/6a1b2c3d-0000-4000-8000-000000000001',
      title: 'Circle area',
      model: 'gpt-4o',
      createdAt: new Date('2024-05-29T16:26:40.000Z'),
      updatedAt: new Date('2024-05-29T16:27:10.000Z'),
      currentLeafSourceId: 'm-new',
      messages: [
        { sourceId: 'sys-1', parentSourceId: null, role: 'system', hidden: true, parts: [{ type: 'text', text: 'sys', format: 'plain' }] },
        { sourceId: 'm-user', parentSourceId: 'sys-1', role: 'user', hidden: false, createdAt: new Date('2024-05-29T16:26:41.000Z'), parts: [{ type: 'text', text: 'Area of a circle of radius 2?', format: 'markdown' }] },
        { sourceId: 'm-old', parentSourceId: 'm-user', role: 'assistant', model: 'gpt-4o', hidden: false, parts: [{ type: 'text', text: 'About 12.', format: 'markdown' }] },
        {
          sourceId: 'm-new',
          parentSourceId: 'm-user',
          role: 'assistant',
          model: 'gpt-4o',
          hidden: false,
          parts: [
            { type: 'reasoning', text: 'A = πr².' },
            { type: 'text', text: 'It is', format: 'markdown' },
            { type: 'math', tex: '4\\pi', display: true },
            { type: 'code', code: 'print(3.14159 * 2 ** 2)', language: 'python' },
            { type: 'table', rows: [['r', 'A'], ['2', '12.57']], header: true },
          ],
        },
      ],
    });
  });

  it('reads the Markdown export back: title, You/Assistant turns, models, reasoning, code, math, table', async () => {
    const branch = { ...detail, messages: detail.messages.filter((m) => m.isOnCurrentBranch) };
    const exported = exportConversation(branch, 'markdown');
    const file = write(exported.fileName, exported.content);
    expect(await detects(file)).toBe(true);
    const [conversation] = await conversations(file);
    expect(conversation?.title).toBe('Circle area');
    expect(conversation?.model).toBe('gpt-4o');
    expect(conversation?.messages.map(({ role, model, parts }) => ({ role, model, parts }))).toEqual([
      { role: 'user', model: undefined, parts: [{ type: 'text', format: 'markdown', text: 'Area of a circle of radius 2?' }] },
      {
        role: 'assistant',
        model: 'gpt-4o',
        parts: [
          { type: 'reasoning', text: 'A = πr².' },
          { type: 'text', format: 'markdown', text: 'It is' },
          { type: 'math', tex: '4\\pi', display: true },
          { type: 'code', code: 'print(3.14159 * 2 ** 2)', language: 'python' },
          { type: 'table', rows: [['r', 'A'], ['2', '12.57']], header: true },
        ],
      },
    ]);
  });
});

describe('OpenAI-style message lists', () => {
  const chat = [
    { role: 'developer', content: 'You are terse.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this image?' },
        { type: 'image_url', image_url: { url: 'https://example.org/cat.png', detail: 'high' } },
      ],
    },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"cat"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '{"answer":"a cat"}' },
    { role: 'assistant', content: 'A cat.\n\n```\nplain code\n```' },
  ];
  const expected = [
    ['system', [{ type: 'text', format: 'markdown', text: 'You are terse.' }]],
    [
      'user',
      [
        { type: 'text', format: 'markdown', text: 'What is in this image?' },
        { type: 'image', url: 'https://example.org/cat.png' },
      ],
    ],
    ['assistant', [{ type: 'tool_call', name: 'lookup', arguments: { q: 'cat' }, callId: 'call_1' }]],
    ['tool', [{ type: 'tool_result', content: '{"answer":"a cat"}', callId: 'call_1', isError: false }]],
    [
      'assistant',
      [
        { type: 'text', format: 'markdown', text: 'A cat.' },
        { type: 'code', code: 'plain code' },
      ],
    ],
  ];

  it('imports [{ role, content }] as one conversation titled by the file', async () => {
    const items = await conversations(write('cat-chat.json', chat));
    expect(items).toHaveLength(1);
    expect(items[0]?.title).toBe('cat-chat');
    expect(items[0]?.messages.map((m) => [m.role, m.parts])).toEqual(expected);
  });

  it('imports { messages: [...] } the same way', async () => {
    const [conversation] = await conversations(write('messages.json', { messages: chat }));
    expect(conversation?.messages.map((m) => [m.role, m.parts])).toEqual(expected);
  });
});

describe('JSON Lines', () => {
  it('one message per line is one conversation', async () => {
    const lines = ['{"role":"user","content":"Hi"}', '', '{"role":"assistant","content":"Hello! `x`"}'].join('\n');
    const [conversation, ...rest] = await conversations(write('dialog.jsonl', `${lines}\n`));
    expect(rest).toEqual([]);
    expect(conversation?.title).toBe('dialog');
    expect(conversation?.messages.map((m) => [m.role, m.parts])).toEqual([
      ['user', [{ type: 'text', format: 'markdown', text: 'Hi' }]],
      ['assistant', [{ type: 'text', format: 'markdown', text: 'Hello! `x`' }]],
    ]);
  });

  it('one conversation per line (fine-tuning data) is a conversation each', async () => {
    const line = (q: string, a: string) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] });
    const items = await conversations(write('train.jsonl', [line('1+1?', '2'), line('2+2?', '4'), line('3+3?', '6')].join('\r\n')));
    expect(items.map((c) => [c.title, c.messages.map((m) => (m.parts[0]?.type === 'text' ? m.parts[0].text : ''))])).toEqual([
      ['Untitled conversation', ['1+1?', '2']],
      ['Untitled conversation', ['2+2?', '4']],
      ['Untitled conversation', ['3+3?', '6']],
    ]);
    expect(new Set(items.map((c) => c.sourceId)).size).toBe(3);
  });
});

describe('Markdown transcripts', () => {
  it('reads ## User / ## Assistant headings, title from the first # heading; code fences never split turns', async () => {
    const md = ['# Fixing my build', '', 'Exported on 2025-01-01', '', '## User', '', 'Why does this fail?', '', '```md', '## Assistant', 'not a turn', '```', '', '## Assistant', '', 'Because:', '', '| a | b |', '|---|---|', '| 1 | 2 |', '', '---', ''].join('\n');
    const [conversation] = await conversations(write('build.md', md));
    expect(conversation?.title).toBe('Fixing my build');
    expect(conversation?.messages.map((m) => [m.role, m.parts])).toEqual([
      [
        'user',
        [
          { type: 'text', format: 'markdown', text: 'Why does this fail?' },
          { type: 'code', language: 'md', code: '## Assistant\nnot a turn' },
        ],
      ],
      [
        'assistant',
        [
          { type: 'text', format: 'markdown', text: 'Because:' },
          { type: 'table', header: true, rows: [['a', 'b'], ['1', '2']] },
        ],
      ],
    ]);
  });

  it.each([
    ['### You / ### ChatGPT', '### You\nHi there\n\n### ChatGPT\nHello!\n\n### You\nBye\n'],
    ['**User:** / **Assistant:**', '**User:** Hi there\n\n**Assistant:** Hello!\n\n**User:**\nBye\n'],
    ['Human: / Assistant: prefixes', 'Human: Hi there\n\nAssistant: Hello!\n\nHuman: Bye\n'],
    ['#### You: / #### ChatGPT:', '#### You:\nHi there\n\n#### ChatGPT:\nHello!\n\n#### You:\nBye\n'],
  ])('reads %s, titled by the file name', async (_name, md) => {
    const [conversation] = await conversations(write('greetings.md', md));
    expect(conversation?.title).toBe('greetings');
    expect(conversation?.messages.map((m) => [m.role, m.parts])).toEqual([
      ['user', [{ type: 'text', format: 'markdown', text: 'Hi there' }]],
      ['assistant', [{ type: 'text', format: 'markdown', text: 'Hello!' }]],
      ['user', [{ type: 'text', format: 'markdown', text: 'Bye' }]],
    ]);
  });

  it('splits only on the kind of marker the turns use', async () => {
    const md = '## User\nWrite a dialogue.\n\n## Assistant\nUser: hello\nAssistant: hi\n';
    const [conversation] = await conversations(write('dialogue.md', md));
    expect(conversation?.messages.map((m) => [m.role, m.parts])).toEqual([
      ['user', [{ type: 'text', format: 'markdown', text: 'Write a dialogue.' }]],
      ['assistant', [{ type: 'text', format: 'markdown', text: 'User: hello\nAssistant: hi' }]],
    ]);
  });

  it('imports a zip of transcripts, one conversation each, with stable ids; other entries skipped', async () => {
    const zip = path.join(dir, 'transcripts.zip');
    writeZip(zip, {
      'chats/b.md': '# Second\n\n## You\nQ2\n\n## Assistant\nA2\n',
      'chats/a.md': '## User\nQ1\n\n## Assistant\n```ts\nconst a = 1;\n```\n',
      'README.md': '# My chats\n\nExported with a script.\n',
      'chats/photo.png': '\u0089PNG',
      '__MACOSX/chats/._a.md': '## User\nx\n## Assistant\ny',
    });
    expect(await detects(zip)).toBe(true);
    const first = await conversations(zip);
    expect(first.map((c) => [c.title, c.messages.map((m) => [m.role, m.parts])])).toEqual([
      [
        'a',
        [
          ['user', [{ type: 'text', format: 'markdown', text: 'Q1' }]],
          ['assistant', [{ type: 'code', language: 'ts', code: 'const a = 1;' }]],
        ],
      ],
      [
        'Second',
        [
          ['user', [{ type: 'text', format: 'markdown', text: 'Q2' }]],
          ['assistant', [{ type: 'text', format: 'markdown', text: 'A2' }]],
        ],
      ],
    ]);
    expect(await conversations(zip)).toEqual(first);
  });
});

describe('detection', () => {
  const chatgpt = JSON.parse(readFileSync(path.join(here, '..', 'chatgpt', 'fixtures', 'content-types.json'), 'utf8')) as object;
  const claude = [{ uuid: 'c1', name: 'Chat', created_at: '2025-01-01T00:00:00Z', chat_messages: [{ uuid: 'm1', sender: 'human', text: 'hi', content: [{ type: 'text', text: 'hi' }] }] }];
  const deepseek = [{ id: 'd1', title: 'x', inserted_at: '2025-01-01', mapping: { root: { id: 'root', parent: null, children: [], message: { fragments: [{ type: 'REQUEST', content: 'hi' }] } } } }];
  const gemini = [{ header: 'Gemini Apps', title: 'Prompted hi', time: '2025-01-01T00:00:00Z', products: ['Gemini Apps'] }];

  it('recognises every generic format by content, whatever the file name', async () => {
    const files = [
      write('d1.bin', { conversations: [sorting] }),
      write('d2', [sorting]),
      write('d3.txt', sorting),
      write('d4.json', [{ role: 'user', content: 'hi' }]),
      write('d5.data', '{"role":"user","content":"hi"}\n{"role":"assistant","content":"yo"}\n'),
      write('d6.log', 'Human: hi\n\nAssistant: yo\n'),
    ];
    for (const file of files) expect(await detects(file), file).toBe(true);
  });

  it("refuses other providers' exports, empty lists and other files", async () => {
    const zip = path.join(dir, 'chatgpt-export.zip');
    writeZip(zip, { 'conversations.json': JSON.stringify([chatgpt]), 'user.json': '{"id":"u"}', 'message_feedback.json': '[{"id":"f","content":"{}","rating":"thumbsUp"}]' });
    const files = [
      write('chatgpt.json', [chatgpt]),
      zip,
      write('claude.json', claude),
      write('deepseek.json', deepseek),
      write('MyActivity.json', gemini),
      write('empty.json', { conversations: [] }),
      write('empty-array.json', []),
      write('roles-only.json', [{ role: 'user' }]),
      write('notes.md', '# Notes\n\n## Ideas\n\nUser research, assistant tooling.\n'),
      write('one-sided.md', '## User\nhello?\n'),
      write('binary.md', Buffer.from([0x00, 0x01, 0x02, 0xff, 0x23, 0x23])),
      write('broken.json', '{"conversations": [ {"id": 1, "messages": [ {"role": "user", "content": "x"} ] } '.replace('{"id"', '{id')),
    ];
    for (const file of files) expect(await detects(file), file).toBe(false);
  });
});

describe('invalid and hostile input', () => {
  it('reports invalid conversations and goes on with the rest', async () => {
    const items = await collect(
      write('mixed.json', [
        sorting,
        { id: 'bad-role', messages: [{ role: 'narrator', content: 'x' }] },
        { id: 'no-messages', messages: [] },
        42,
        { id: 'dup-messages', messages: [{ id: 'm', role: 'user', content: 'a' }, { id: 'm', role: 'assistant', content: 'b' }] },
        { id: 'bad-part', messages: [{ role: 'user', content: [{ type: 'table', rows: 'nope' }] }] },
        { ...sorting },
        noIds,
      ]),
    );
    expect(items.map((i) => (i.ok ? `ok ${i.conversation.title}` : `${i.code} ${i.source}: ${i.message}`))).toEqual([
      'ok Sorting in Python',
      'INVALID_CONTENT mixed.json#1 (bad-role): messages.0.role: must be user, assistant, system or tool',
      'INVALID_CONTENT mixed.json#2 (no-messages): the conversation holds no message',
      'INVALID_CONTENT mixed.json#3: (root): Invalid input: expected object, received number',
      'INVALID_CONTENT mixed.json#4 (dup-messages): two messages have the id "m"',
      'INVALID_CONTENT mixed.json#5 (bad-part): messages.0.content.0.rows: Invalid input: expected array, received string',
      'INVALID_CONTENT mixed.json#6 (conv-sorting): another conversation of this file has the id "conv-sorting"',
      'ok No ids',
    ]);
  });

  it('keeps what was read when the file is cut off', async () => {
    const text = JSON.stringify({ conversations: [sorting, noIds, sorting] });
    const items = await collect(write('cut.json', text.slice(0, text.lastIndexOf('First try'))));
    expect(items.map((i) => (i.ok ? i.conversation.title : `${i.code} ${i.source}`))).toEqual(['Sorting in Python', 'No ids', 'EXTRACTION_FAILED cut.json#2']);
    const list = JSON.stringify([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }]);
    const [listItem] = await collect(write('cut-list.json', list.slice(0, -10)));
    expect(listItem?.ok === false && listItem.code).toBe('EXTRACTION_FAILED');
  });

  it('fails a zip entry that breaks midway instead of waiting forever', async () => {
    const random = (i: number) => createHash('sha256').update(String(i)).digest('hex').repeat(4);
    const many = Array.from({ length: 20_000 }, (_, i) => ({ id: `c${i}`, messages: [{ role: 'user', content: random(i) }] }));
    const zip = path.join(dir, 'corrupt.zip');
    writeZip(zip, { 'conversations.json': JSON.stringify(many) });
    const bytes = readFileSync(zip);
    // Overwrite compressed bytes well past what detection reads (the local header is 30 + 18 bytes).
    const at = Math.floor(bytes.length * 0.8);
    bytes.fill(0xff, at, at + 64);
    writeFileSync(zip, bytes);
    const items = await collect(zip);
    const last = items.at(-1);
    expect(last?.ok).toBe(false);
    expect(last?.ok === false && last.code).toBe('EXTRACTION_FAILED');
    expect(items.filter((i) => i.ok).length).toBeGreaterThan(100);
  });

  it('survives deeply nested JSON', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(await detects(write('deep.json', deep))).toBe(false);
    expect(await collect(write('deep.json', deep))).toEqual([]);
    expect(parseJsonPrefix(deep).complete).toBe(false);
    // Deep data inside a valid message (tool arguments) is carried, not walked.
    const nested = `{"role":"assistant","content":null,"tool_calls":[{"id":"c","function":{"name":"f","arguments":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}}]}`;
    const [conversation] = await conversations(write('deep-args.jsonl', nested));
    expect(conversation?.messages[0]?.parts[0]?.type).toBe('tool_call');
  });

  it('handles a 10 MB single string, in JSON and Markdown, quickly', async () => {
    // Long runs that make naive patterns backtrack: spaces before a backtick, fences, pipes, dollars.
    const big = `${'x'.repeat(3_000_000)}\`${' '.repeat(7_000_000)}y`;
    const started = Date.now();
    const [json] = await conversations(write('big.json', [{ role: 'user', content: `\`\`\`${big}` }, { role: 'assistant', content: `$$${big}` }]));
    expect(json?.messages.map((m) => m.parts.map((p) => p.type))).toEqual([['text'], ['text']]);
    const hostileLines = [`# ${' '.repeat(100_000)}x`, `**User${' '.repeat(100_000)}`, `| ${big}`, '|-|', `${'-'.repeat(100_000)}|`];
    const [md] = await conversations(write('big.md', `## User\nHi\n## Assistant\n${hostileLines.join('\n')}\n`));
    expect(md?.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    // A first question longer than what detection reads is still recognised.
    const [long] = await conversations(write('long.md', `## User\n${big}\n\n## Assistant\nok\n`));
    expect(long?.messages.map((m) => m.parts.map((p) => p.type))).toEqual([['text'], ['text']]);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('keeps control characters and odd keys as data (the core sanitizes what it stores)', async () => {
    const raw = '{"title":"t\\u0000\\u001b","__proto__":{"polluted":true},"messages":[{"role":"user","content":"a\\u0007b\\u0000"},{"role":"assistant","content":"ok"}]}';
    const [conversation] = await conversations(write('control.json', raw));
    expect(conversation?.title).toBe('t\u0000\u001b');
    expect(conversation?.messages[0]?.parts).toEqual([{ type: 'text', format: 'markdown', text: 'a\u0007b\u0000' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads partial heads: cut strings and literals, BOM, JSON Lines', () => {
    expect(detectShape('\uFEFF[{"role":"user","content":"a very long cont')).toBe('message-array');
    expect(detectShape('{"messages":[{"role":"assistant","tool_calls":[{"id":"x"')).toBe('conversation-values');
    expect(detectShape('{"role":"user","content":"a"}\n{"role":"assistant","content":"b"}')).toBe('message-values');
    expect(detectShape('{"conversations":[{"id":"1","messages":[{"role":"user","content":null,"n":tr')).toBe('conversations-object');
    expect(detectShape('[link](https://example.org)\n\nUser: a\nAssistant: b')).toBe('markdown');
    expect(detectShape('[1, 2, 3]')).toBeUndefined();
  });
});
