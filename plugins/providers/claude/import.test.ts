import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openExportFile } from '../sdk/export-file.ts';
import type { ImportedItem } from '../sdk/index.ts';
import claude from './index.ts';
import { writeZip } from '../sdk/testing/zip.ts';

/*
 * Generated exports following Claude's published export layout (Settings → Privacy → Export data):
 * conversations.json (array of {uuid, name, created_at, updated_at, account, chat_messages}),
 * projects.json and users.json. Message content blocks follow what the export carries:
 * text (with citations), thinking, tool_use (artifacts, web_search), tool_result.
 */

const log = pino({ level: 'silent' });
const dir = mkdtempSync(path.join(tmpdir(), 'vivim-claude-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const C1 = '6a1f0e7c-1111-4aaa-8bbb-000000000001';
const C2 = '6a1f0e7c-2222-4aaa-8bbb-000000000002';
const C3 = '6a1f0e7c-3333-4aaa-8bbb-000000000003';
const C4 = '6a1f0e7c-4444-4aaa-8bbb-000000000004';
const C5 = '6a1f0e7c-5555-4aaa-8bbb-000000000005';
const ROOT = '00000000-0000-4000-8000-000000000000';

const goodConversation = {
  uuid: C1,
  name: 'Sorting with an artifact',
  summary: '',
  created_at: '2025-03-01T10:00:00.123456Z',
  updated_at: '2025-03-01T10:05:00.000000Z',
  account: { uuid: 'acc-1' },
  chat_messages: [
    {
      uuid: 'm1',
      text: 'Sort this list and explain.',
      content: [{ start_timestamp: '2025-03-01T10:00:00Z', stop_timestamp: '2025-03-01T10:00:00Z', type: 'text', text: 'Sort this list and explain.\n  keep *stars* as typed', citations: [] }],
      sender: 'human',
      created_at: '2025-03-01T10:00:00.123456Z',
      updated_at: '2025-03-01T10:00:00.123456Z',
      attachments: [{ file_name: 'numbers.py', file_size: 24, file_type: 'text/x-python', extracted_content: 'numbers = [3, 1, 2]\n' }],
      files: [{ file_name: 'chart.png' }],
    },
    {
      uuid: 'm2',
      text: '',
      content: [
        { type: 'thinking', thinking: 'The user wants a sort. Use sorted().', summaries: [{ summary: 'Planning the sort' }] },
        { type: 'text', text: 'Here is the idea:\n\n```python\nprint(sorted(numbers))\n```\n\nAnd an artifact:', citations: [] },
        { type: 'tool_use', id: 'toolu_1', name: 'artifacts', input: { id: 'sorter', type: 'application/vnd.ant.code', title: 'Sorter', command: 'create', language: 'python', content: 'def sort(xs):\n    return sorted(xs)' } },
        { type: 'tool_result', tool_use_id: 'toolu_1', name: 'artifacts', content: [{ type: 'text', text: 'OK' }], is_error: false },
        { type: 'tool_use', id: 'toolu_2', name: 'web_search', input: { query: 'timsort complexity' } },
        { type: 'tool_result', tool_use_id: 'toolu_2', name: 'web_search', content: 'error: rate limited', is_error: true },
        { type: 'text', text: 'Python uses Timsort.', citations: [{ uuid: 'c1', start_index: 0, end_index: 19, details: { type: 'web_search_citation', url: 'https://en.wikipedia.org/wiki/Timsort' } }] },
        { type: 'token_budget' },
      ],
      sender: 'assistant',
      created_at: '2025-03-01T10:00:09.000000Z',
      updated_at: '2025-03-01T10:00:09.000000Z',
      attachments: [],
      files: [],
    },
  ],
};

const branchedConversation = {
  uuid: C2,
  name: '',
  created_at: '2025-03-02T08:00:00Z',
  updated_at: '2025-03-02T08:10:00Z',
  current_leaf_message_uuid: 'b4',
  chat_messages: [
    { uuid: 'b1', text: 'Hi', content: [{ type: 'text', text: 'Hi' }], sender: 'human', created_at: '2025-03-02T08:00:00Z', parent_message_uuid: ROOT, attachments: [], files: [] },
    { uuid: 'b2', text: 'Hello!', content: [{ type: 'text', text: 'Hello!' }], sender: 'assistant', created_at: '2025-03-02T08:00:01Z', parent_message_uuid: 'b1', attachments: [], files: [] },
    { uuid: 'b3', text: 'Hey (edited)', content: [{ type: 'text', text: 'Hey (edited)' }], sender: 'human', created_at: '2025-03-02T08:05:00Z', parent_message_uuid: ROOT, attachments: [], files: [] },
    { uuid: 'b4', text: 'Hey there!', content: [{ type: 'text', text: 'Hey there!' }], sender: 'assistant', created_at: '2025-03-02T08:05:01Z', parent_message_uuid: 'b3', attachments: [], files: [] },
  ],
};

const brokenConversation = { uuid: C3, name: 'Broken', created_at: '2025-03-03T08:00:00Z', updated_at: '2025-03-03T08:00:00Z', chat_messages: 'oops' };
const emptyConversation = { uuid: C4, name: 'Never used', created_at: '2025-03-04T08:00:00Z', updated_at: '2025-03-04T08:00:00Z', chat_messages: [] };
const legacyConversation = {
  uuid: C5,
  name: 'Legacy artifact',
  created_at: '2024-07-01T08:00:00Z',
  updated_at: '2024-07-01T08:00:00Z',
  chat_messages: [
    { uuid: 'l1', text: 'Draw a flow', sender: 'human', created_at: '2024-07-01T08:00:00Z', attachments: [], files: [] },
    {
      uuid: 'l2',
      text: 'Sure.\n<antThinking>A mermaid artifact fits.</antThinking>\n<antArtifact identifier="flow" type="application/vnd.ant.mermaid" title="Flow">\ngraph TD\n  A --> B\n</antArtifact>\nDone.',
      sender: 'assistant',
      created_at: '2024-07-01T08:00:05Z',
      attachments: [],
      files: [],
    },
  ],
};

const conversations = [goodConversation, branchedConversation, brokenConversation, emptyConversation, legacyConversation];
const projects = [{ uuid: 'p1', name: 'Research', description: '', prompt_template: '', docs: [{ uuid: 'd1', filename: 'notes.md', content: '# Notes' }] }];
const users = [{ uuid: 'u1', full_name: 'Ada', email_address: 'ada@example.com' }];

async function importAll(file: string, name?: string): Promise<{ detected: boolean; items: ImportedItem[] }> {
  const exportFile = await openExportFile(file, name);
  try {
    const detected = await claude.detectExport(exportFile);
    const items: ImportedItem[] = [];
    for await (const item of claude.importExport(exportFile, log)) items.push(item);
    return { detected, items };
  } finally {
    exportFile.close();
  }
}

function zipOf(name: string, entries: Record<string, string>): string {
  const file = path.join(dir, name);
  writeZip(file, entries);
  return file;
}

describe('claude export import', () => {
  const exportZip = zipOf('data-2025-03-05.zip', {
    'conversations.json': JSON.stringify(conversations),
    'projects.json': JSON.stringify(projects),
    'users.json': JSON.stringify(users),
  });

  it('detects the export by content and imports each conversation, one broken one not stopping the rest', async () => {
    const { detected, items } = await importAll(exportZip);
    expect(detected).toBe(true);
    expect(items.map((item) => (item.ok ? item.conversation.sourceId : `failed:${item.code}`))).toEqual([C1, C2, 'failed:INVALID_CONTENT', C5]);
    const failure = items[2];
    expect(failure).toEqual({ ok: false, source: `conversations.json[2] (${C3})`, code: 'INVALID_CONTENT', message: 'chat_messages is not an array' });
  });

  it('keeps text, thinking, artifacts, tool calls and results, citations and attachments', async () => {
    const { items } = await importAll(exportZip);
    const first = items[0];
    if (!first?.ok) throw new Error('first conversation failed');
    expect(first.conversation).toEqual({
      provider: 'claude',
      sourceId: C1,
      sourceUrl: `https://claude.ai/chat/${C1}`,
      title: 'Sorting with an artifact',
      createdAt: new Date('2025-03-01T10:00:00.123Z'),
      updatedAt: new Date('2025-03-01T10:05:00.000Z'),
      messages: [
        {
          sourceId: 'm1',
          parentSourceId: null,
          role: 'user',
          hidden: false,
          createdAt: new Date('2025-03-01T10:00:00.123Z'),
          parts: [
            { type: 'file', name: 'numbers.py', mimeType: 'text/x-python' },
            { type: 'code', code: 'numbers = [3, 1, 2]\n', language: 'python' },
            { type: 'file', name: 'chart.png' },
            { type: 'text', text: 'Sort this list and explain.\n  keep *stars* as typed', format: 'plain' },
          ],
        },
        {
          sourceId: 'm2',
          parentSourceId: 'm1',
          role: 'assistant',
          hidden: false,
          createdAt: new Date('2025-03-01T10:00:09.000Z'),
          parts: [
            { type: 'reasoning', text: 'The user wants a sort. Use sorted().' },
            { type: 'text', text: 'Here is the idea:', format: 'markdown' },
            { type: 'code', code: 'print(sorted(numbers))', language: 'python' },
            { type: 'text', text: 'And an artifact:', format: 'markdown' },
            { type: 'tool_call', name: 'artifacts', callId: 'toolu_1', arguments: { id: 'sorter', type: 'application/vnd.ant.code', title: 'Sorter', command: 'create', language: 'python' } },
            { type: 'code', code: 'def sort(xs):\n    return sorted(xs)', language: 'python' },
            { type: 'tool_result', content: 'OK', callId: 'toolu_1', isError: false },
            { type: 'tool_call', name: 'web_search', callId: 'toolu_2', arguments: { query: 'timsort complexity' } },
            { type: 'tool_result', content: 'error: rate limited', callId: 'toolu_2', isError: true },
            { type: 'text', text: 'Python uses Timsort.', format: 'markdown' },
            { type: 'citation', url: 'https://en.wikipedia.org/wiki/Timsort' },
          ],
        },
      ],
    });
  });

  it('builds the branch tree from parent_message_uuid and keeps the current leaf', async () => {
    const { items } = await importAll(exportZip);
    const second = items[1];
    if (!second?.ok) throw new Error('second conversation failed');
    const { conversation } = second;
    expect(conversation.title).toBe('Untitled conversation');
    expect(conversation.currentLeafSourceId).toBe('b4');
    expect(conversation.messages.map((m) => [m.sourceId, m.parentSourceId, m.role])).toEqual([
      ['b1', null, 'user'],
      ['b2', 'b1', 'assistant'],
      ['b3', null, 'user'],
      ['b4', 'b3', 'assistant'],
    ]);
  });

  it('reads older exports with artifacts and thinking inline in the text', async () => {
    const { items } = await importAll(exportZip);
    const legacy = items[3];
    if (!legacy?.ok) throw new Error('legacy conversation failed');
    expect(legacy.conversation.messages[0]!.parts).toEqual([{ type: 'text', text: 'Draw a flow', format: 'plain' }]);
    expect(legacy.conversation.messages[1]!.parts).toEqual([
      { type: 'text', text: 'Sure.', format: 'markdown' },
      { type: 'reasoning', text: 'A mermaid artifact fits.' },
      { type: 'tool_call', name: 'artifacts', arguments: { identifier: 'flow', type: 'application/vnd.ant.mermaid', title: 'Flow' } },
      { type: 'mermaid', source: 'graph TD\n  A --> B' },
      { type: 'text', text: 'Done.', format: 'markdown' },
    ]);
    expect(legacy.conversation.messages[1]!.parentSourceId).toBe('l1');
  });

  it('imports a bare conversations.json uploaded on its own', async () => {
    const file = path.join(dir, 'conversations.json');
    writeFileSync(file, JSON.stringify([goodConversation]));
    const { detected, items } = await importAll(file);
    expect(detected).toBe(true);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ ok: true, conversation: { sourceId: C1 } });
  });

  it('reports a truncated conversations.json after the conversations it could read', async () => {
    const whole = JSON.stringify([goodConversation, branchedConversation]);
    const file = zipOf('truncated.zip', { 'conversations.json': whole.slice(0, whole.indexOf(C2) + 40), 'users.json': JSON.stringify(users) });
    const { detected, items } = await importAll(file);
    expect(detected).toBe(true);
    expect(items.map((item) => item.ok)).toEqual([true, false]);
    expect(items[1]).toMatchObject({ ok: false, source: 'conversations.json', code: 'INVALID_CONTENT' });
  });

  it('does not claim other exports: ChatGPT conversations.json, Gemini Takeout, random JSON', async () => {
    const chatgpt = zipOf('chatgpt.zip', {
      'conversations.json': JSON.stringify([{ title: 'x', create_time: 1, mapping: { a: { id: 'a', message: null, parent: null, children: [] } }, id: 'c' }]),
      'user.json': '{}',
    });
    const takeout = zipOf('takeout.zip', { 'Takeout/My Activity/Gemini Apps/MyActivity.json': JSON.stringify([{ header: 'Gemini Apps', title: 'Prompted hi', time: '2025-01-01T00:00:00Z' }]) });
    const random = path.join(dir, 'random.json');
    writeFileSync(random, JSON.stringify({ uuid: 'x', chat_messages: [] }));
    for (const file of [chatgpt, takeout, random]) {
      const exportFile = await openExportFile(file);
      try {
        expect(await claude.detectExport(exportFile), file).toBe(false);
      } finally {
        exportFile.close();
      }
    }
  });
});
