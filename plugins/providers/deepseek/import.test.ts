import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openExportFile } from '../sdk/export-file.ts';
import type { ImportedItem } from '../sdk/index.ts';
import deepseek from './index.ts';
import { writeZip } from '../sdk/testing/zip.ts';

/*
 * Exports generated here follow DeepSeek's data export (conversations.json): an array of
 * { id, title, inserted_at, updated_at, mapping: { <node id>: { id, parent, children, message } } }
 * with message = { files, model, inserted_at, fragments: [{ type: REQUEST|THINK|RESPONSE|SEARCH, content }] }.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'vivim-deepseek-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const log = { info: () => {}, warn: () => {}, debug: () => {} };

const node = (id: string, parent: string | null, children: string[], message: object | null = null) => ({ id, parent, children, message });
const msg = (fragments: object[], extra: object = {}) => ({ files: [], model: 'deepseek-chat', inserted_at: '2025-03-30T04:49:37.018000+08:00', fragments, ...extra });

const simple = {
  id: 'a1b2c3d4-0000-4000-8000-000000000001',
  title: 'Sorting in Python',
  inserted_at: '2025-03-30T04:49:36.505000+08:00',
  updated_at: '2025-03-30T04:52:10.010000+08:00',
  mapping: {
    root: node('root', null, ['1']),
    '1': node('1', 'root', ['2'], msg([{ type: 'REQUEST', content: 'Sort this *list* in Python:\n[3, 1, 2]' }], { model: 'deepseek-reasoner', files: [{ id: 'file-9', file_name: 'data.csv', content: 'a,b\n1,2' }] })),
    '2': node(
      '2',
      '1',
      [],
      msg(
        [
          { type: 'THINK', content: 'The user wants `sorted()`.\n\nEasy.' },
          { type: 'RESPONSE', content: 'Use `sorted`:\n\n```python\nprint(sorted([3, 1, 2]))\n```\n\n| Input | Output |\n| --- | --- |\n| [3, 1, 2] | [1, 2, 3] |\n\n$$\nO(n \\log n)\n$$\n\nDone.' },
        ],
        { model: 'deepseek-reasoner', inserted_at: 1743281380 },
      ),
    ),
  },
};

/** root → 1 (user) → 2, 4 (regenerated answers); 2 → 3 → 5; root → 6 (edited question) → 7. */
const branched = {
  id: 'b1b2c3d4-0000-4000-8000-000000000002',
  title: 'Jokes',
  inserted_at: '2025-04-01T10:00:00.000000+08:00',
  updated_at: '2025-04-01T10:05:00.000000+08:00',
  mapping: {
    root: node('root', null, ['1', '6']),
    '1': node('1', 'root', ['2', '4'], msg([{ type: 'REQUEST', content: 'Tell me a joke' }])),
    '2': node('2', '1', ['3'], msg([{ type: 'RESPONSE', content: 'Joke A' }])),
    '3': node('3', '2', ['5'], msg([{ type: 'REQUEST', content: 'Another' }])),
    '5': node('5', '3', [], msg([{ type: 'RESPONSE', content: 'Joke C' }])),
    '4': node('4', '1', [], msg([{ type: 'RESPONSE', content: 'Joke B' }])),
    '6': node('6', 'root', ['7'], msg([{ type: 'REQUEST', content: 'Tell me a pun' }])),
    '7': node('7', '6', [], msg([{ type: 'RESPONSE', content: 'Pun A' }])),
  },
};

const searched = {
  id: 'c1b2c3d4-0000-4000-8000-000000000003',
  title: 'News',
  inserted_at: '2025-05-01T08:00:00.000000+08:00',
  updated_at: '2025-05-01T08:01:00.000000+08:00',
  mapping: {
    root: node('root', null, ['1']),
    '1': node('1', 'root', ['2'], msg([{ type: 'REQUEST', content: 'What happened today?' }])),
    '2': node(
      '2',
      '1',
      [],
      msg([
        { type: 'SEARCH', results: [{ url: 'https://example.org/a', title: 'Story A', snippet: 'A happened.', cite_index: 1, published_at: 1746057600, site_name: 'Example' }, { title: 'no url' }] },
        { type: 'RESPONSE', content: 'A happened [citation:1].' },
        { type: 'TIP', content: 'Results may be out of date.' },
      ]),
    ),
  },
};

const broken = { id: 'broken-1', title: 'Broken', mapping: { '1': { id: '1', message: { fragments: 'not an array' } } } };
const empty = { id: 'empty-1', title: 'Empty', mapping: { root: node('root', null, []) } };

const chatgptLike = [{ title: 'ChatGPT chat', create_time: 1700000000.1, mapping: { a: { id: 'a', parent: null, children: [], message: { author: { role: 'user' }, content: { content_type: 'text', parts: ['hi'] } } } } }];

async function collect(file: string, name?: string): Promise<ImportedItem[]> {
  const opened = await openExportFile(file, name);
  try {
    const items: ImportedItem[] = [];
    for await (const item of deepseek.importExport(opened, log)) items.push(item);
    return items;
  } finally {
    opened.close();
  }
}

function write(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 1));
  return file;
}

describe('deepseek export detection', () => {
  it('recognises the export by content, plain or zipped, under any name', async () => {
    const plain = write('conversations.json', [simple]);
    const renamed = write('my-backup.json', [simple]);
    const zip = path.join(dir, 'deepseek_data.zip');
    writeZip(zip, { 'conversations.json': JSON.stringify([simple]), 'user.json': JSON.stringify({ user_id: 'u1', email: 'x@example.org' }) });
    for (const file of [plain, renamed, zip]) {
      const opened = await openExportFile(file);
      expect(await deepseek.detectExport(opened)).toBe(true);
      opened.close();
    }
  });

  it("refuses ChatGPT's mapping export and other JSON", async () => {
    const chatgpt = write('chatgpt-conversations.json', chatgptLike);
    const other = write('other.json', { conversations: [] });
    const zip = path.join(dir, 'chatgpt.zip');
    writeZip(zip, { 'conversations.json': JSON.stringify(chatgptLike) });
    for (const file of [chatgpt, other, zip]) {
      const opened = await openExportFile(file);
      expect(await deepseek.detectExport(opened)).toBe(false);
      opened.close();
    }
  });

  it('recognises an export whose first attachment text is larger than the peeked bytes', async () => {
    const big = structuredClone(simple);
    big.mapping['1'] = node('1', 'root', ['2'], msg([{ type: 'REQUEST', content: 'Read this' }], { files: [{ id: 'file-1', file_name: 'huge.txt', content: 'x'.repeat(300 * 1024) }] }));
    const opened = await openExportFile(write('big.json', [big]));
    expect(await deepseek.detectExport(opened)).toBe(true);
    opened.close();
  });
});

describe('deepseek export import', () => {
  it('turns a conversation into exact messages: files, plain questions, reasoning, code, table, math', async () => {
    const items = await collect(write('conversations.json', [simple]));
    expect(items).toEqual([
      {
        ok: true,
        conversation: {
          provider: 'deepseek',
          sourceId: simple.id,
          sourceUrl: `https://chat.deepseek.com/a/chat/s/${simple.id}`,
          title: 'Sorting in Python',
          model: 'deepseek-reasoner',
          createdAt: new Date('2025-03-29T20:49:36.505Z'),
          updatedAt: new Date('2025-03-29T20:52:10.010Z'),
          currentLeafSourceId: `${simple.id}:2`,
          messages: [
            {
              sourceId: `${simple.id}:1`,
              parentSourceId: null,
              role: 'user',
              hidden: false,
              createdAt: new Date('2025-03-29T20:49:37.018Z'),
              parts: [
                { type: 'file', name: 'data.csv' },
                { type: 'text', format: 'plain', text: 'Sort this *list* in Python:\n[3, 1, 2]' },
              ],
            },
            {
              sourceId: `${simple.id}:2`,
              parentSourceId: `${simple.id}:1`,
              role: 'assistant',
              model: 'deepseek-reasoner',
              hidden: false,
              createdAt: new Date(1743281380 * 1000),
              parts: [
                { type: 'reasoning', text: 'The user wants `sorted()`.\n\nEasy.' },
                { type: 'text', format: 'markdown', text: 'Use `sorted`:' },
                { type: 'code', language: 'python', code: 'print(sorted([3, 1, 2]))' },
                { type: 'table', header: true, rows: [['Input', 'Output'], ['[3, 1, 2]', '[1, 2, 3]']] },
                { type: 'math', tex: 'O(n \\log n)', display: true },
                { type: 'text', format: 'markdown', text: 'Done.' },
              ],
            },
          ],
        },
      },
    ]);
  });

  it('keeps every branch with its real parent and picks the newest branch as the current leaf', async () => {
    const [item] = await collect(write('branched.json', [branched]));
    if (!item?.ok) throw new Error('expected a conversation');
    const id = (n: string) => `${branched.id}:${n}`;
    expect(item.conversation.messages.map((m) => [m.sourceId, m.parentSourceId, m.role, m.parts[0] && 'text' in m.parts[0] ? m.parts[0].text : ''])).toEqual([
      [id('1'), null, 'user', 'Tell me a joke'],
      [id('2'), id('1'), 'assistant', 'Joke A'],
      [id('3'), id('2'), 'user', 'Another'],
      [id('5'), id('3'), 'assistant', 'Joke C'],
      [id('4'), id('1'), 'assistant', 'Joke B'],
      [id('6'), null, 'user', 'Tell me a pun'],
      [id('7'), id('6'), 'assistant', 'Pun A'],
    ]);
    expect(item.conversation.currentLeafSourceId).toBe(id('7'));
  });

  it('turns search results into citations and keeps unknown fragments as text', async () => {
    const [item] = await collect(write('searched.json', [searched]));
    if (!item?.ok) throw new Error('expected a conversation');
    expect(item.conversation.messages[1]?.parts).toEqual([
      { type: 'citation', url: 'https://example.org/a', title: 'Story A', snippet: 'A happened.' },
      { type: 'text', format: 'markdown', text: 'A happened [citation:1].' },
      { type: 'text', format: 'markdown', text: 'Results may be out of date.' },
    ]);
  });

  it('reports a broken or empty conversation and goes on with the rest (zip)', async () => {
    const zip = path.join(dir, 'mixed.zip');
    writeZip(zip, { 'user.json': '{"user_id":"u1"}', 'conversations.json': JSON.stringify([simple, 42, broken, empty, branched]) });
    const items = await collect(zip);
    expect(items.map((i) => (i.ok ? i.conversation.sourceId : `${i.code} ${i.source}`))).toEqual([
      simple.id,
      'INVALID_CONTENT conversations.json#1',
      'INVALID_CONTENT conversations.json#2 (broken-1)',
      'INVALID_CONTENT conversations.json#3 (empty-1)',
      branched.id,
    ]);
    const brokenItem = items[2];
    expect(brokenItem?.ok === false && brokenItem.message).toMatch(/fragments/);
    const emptyItem = items[3];
    expect(emptyItem?.ok === false && emptyItem.message).toBe('the conversation holds no message');
  });

  it('keeps what was read when the file is cut off', async () => {
    const text = JSON.stringify([simple, branched]);
    const items = await collect(write('truncated.json', text.slice(0, text.indexOf('Joke A'))));
    expect(items.map((i) => (i.ok ? i.conversation.sourceId : `${i.code} ${i.source}`))).toEqual([simple.id, 'EXTRACTION_FAILED truncated.json#1']);
  });

  it('streams a large export', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({ ...branched, id: `conv-${i}` }));
    const items = await collect(write('many.json', many));
    expect(items).toHaveLength(2000);
    expect(items.every((i) => i.ok && i.conversation.messages.length === 7)).toBe(true);
  });
});
