import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openExportFile } from '../sdk/export-file.ts';
import type { CapturedConversation, ImportedItem } from '../sdk/index.ts';
import chatgpt from './index.ts';
import { zipBytes } from '../sdk/testing/zip.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vivim-chatgpt-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const warnings: { obj: object; msg?: string }[] = [];
const log = { info: () => undefined, warn: (obj: object, msg?: string) => void warnings.push({ obj, msg }), debug: () => undefined };

/** The rich conversation: branches, reasoning, tools, an image upload, a generated image, a message without model_slug. */
const rich = JSON.parse(readFileSync(path.join(here, 'fixtures', 'content-types.json'), 'utf8')) as Record<string, unknown>;
const RICH_ID = '6a1b2c3d-0000-4000-8000-000000000001';

/** A small conversation as the export writes it (no model_slug on its messages, default model "auto"). */
const simple = {
  title: 'Greeting',
  create_time: 1700000000.5,
  update_time: 1700000100.25,
  mapping: {
    'aaaaaaaa-0000-4000-8000-000000000000': { id: 'aaaaaaaa-0000-4000-8000-000000000000', message: null, parent: null, children: ['bbbbbbbb-0000-4000-8000-000000000001'] },
    'bbbbbbbb-0000-4000-8000-000000000001': {
      id: 'bbbbbbbb-0000-4000-8000-000000000001',
      message: {
        id: 'bbbbbbbb-0000-4000-8000-000000000001',
        author: { role: 'user', name: null, metadata: {} },
        create_time: 1700000001,
        update_time: null,
        content: { content_type: 'text', parts: ['Hi! Can you *not* format this?'] },
        status: 'finished_successfully',
        end_turn: null,
        weight: 1.0,
        metadata: {},
        recipient: 'all',
      },
      parent: 'aaaaaaaa-0000-4000-8000-000000000000',
      children: ['cccccccc-0000-4000-8000-000000000002'],
    },
    'cccccccc-0000-4000-8000-000000000002': {
      id: 'cccccccc-0000-4000-8000-000000000002',
      message: {
        id: 'cccccccc-0000-4000-8000-000000000002',
        author: { role: 'assistant', name: null, metadata: {} },
        create_time: 1700000002,
        update_time: null,
        content: { content_type: 'text', parts: ['Sure:\n\n```\nplain text\n```'] },
        status: 'finished_successfully',
        end_turn: true,
        weight: 1.0,
        metadata: { finish_details: { type: 'stop' } },
        recipient: 'all',
      },
      parent: 'bbbbbbbb-0000-4000-8000-000000000001',
      children: [],
    },
  },
  moderation_results: [],
  current_node: 'cccccccc-0000-4000-8000-000000000002',
  plugin_ids: null,
  conversation_id: 'dddddddd-0000-4000-8000-000000000003',
  conversation_template_id: null,
  gizmo_id: null,
  is_archived: false,
  safe_urls: [],
  default_model_slug: 'auto',
  id: 'dddddddd-0000-4000-8000-000000000003',
};

const simpleExpected: CapturedConversation = {
  provider: 'chatgpt',
  sourceId: 'dddddddd-0000-4000-8000-000000000003',
  sourceUrl: 'https://chatgpt.com/c/dddddddd-0000-4000-8000-000000000003',
  title: 'Greeting',
  createdAt: new Date(1700000000500),
  updatedAt: new Date(1700000100250),
  currentLeafSourceId: 'cccccccc-0000-4000-8000-000000000002',
  messages: [
    { sourceId: 'bbbbbbbb-0000-4000-8000-000000000001', parentSourceId: null, role: 'user', createdAt: new Date(1700000001000), hidden: false, parts: [{ type: 'text', text: 'Hi! Can you *not* format this?', format: 'plain' }] },
    {
      sourceId: 'cccccccc-0000-4000-8000-000000000002',
      parentSourceId: 'bbbbbbbb-0000-4000-8000-000000000001',
      role: 'assistant',
      createdAt: new Date(1700000002000),
      hidden: false,
      parts: [
        { type: 'text', text: 'Sure:', format: 'markdown' },
        { type: 'code', code: 'plain text' },
      ],
    },
  ],
};

const broken = { title: 'Broken one', id: 'eeeeeeee-0000-4000-8000-000000000004', mapping: 'not an object', current_node: null };
const empty = { title: 'Nothing kept', id: 'ffffffff-0000-4000-8000-000000000005', mapping: { root: { id: 'root', message: null, parent: null, children: [] } }, current_node: 'root' };

const sharedLinks = [{ id: '6972e35f-2944-8006-a2ea-b005ff22c02c', conversation_id: RICH_ID, title: 'Circle area', is_anonymous: true }];

function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  return file;
}

async function importAll(file: string, fileName?: string): Promise<{ detected: boolean; items: ImportedItem[] }> {
  const exportFile = await openExportFile(file, fileName);
  try {
    const detected = await chatgpt.detectExport(exportFile);
    const items: ImportedItem[] = [];
    for await (const item of chatgpt.importExport(exportFile, log)) items.push(item);
    return { detected, items };
  } finally {
    exportFile.close();
  }
}

const okConversation = (item: ImportedItem | undefined): CapturedConversation => {
  if (!item?.ok) throw new Error(`expected a conversation, got ${JSON.stringify(item)}`);
  return item.conversation;
};
const messageOf = (conversation: CapturedConversation, id: string) => conversation.messages.find((m) => m.sourceId === id);

describe('chatgpt export import', () => {
  it('imports a bare conversations.json: good conversations around broken ones', async () => {
    const file = write('conversations.json', JSON.stringify([rich, broken, simple, empty], null, 1));
    const { detected, items } = await importAll(file);
    expect(detected).toBe(true);
    expect(items.map((item) => (item.ok ? `ok:${item.conversation.sourceId}` : `${item.code}:${item.source}`))).toEqual([
      `ok:${RICH_ID}`,
      'INVALID_CONTENT:Broken one',
      'ok:dddddddd-0000-4000-8000-000000000003',
      'INVALID_CONTENT:Nothing kept',
    ]);
    expect(items[1]).toEqual({ ok: false, source: 'Broken one', code: 'INVALID_CONTENT', message: expect.stringContaining('mapping') as unknown as string });
    expect(items[3]).toMatchObject({ ok: false, message: expect.stringContaining('messages') as unknown as string });
    expect(okConversation(items[2])).toEqual(simpleExpected);

    const conversation = okConversation(items[0]);
    expect(conversation.messages.map((m) => m.sourceId)).toEqual(['sys-1', 'ctx-1', 'user-1', 'thoughts-1', 'recap-1', 'answer-1', 'user-2a', 'answer-2a', 'user-2b', 'call-2b', 'output-2b', 'browse-2b', 'quote-2b', 'answer-2b', 'dalle-2b', 'odd-2b']);
    // The edited question: two user messages under the same answer.
    expect(conversation.messages.filter((m) => m.parentSourceId === 'answer-1').map((m) => m.sourceId)).toEqual(['user-2a', 'user-2b']);
    expect(conversation).toMatchObject({ title: 'Circle area', model: 'gpt-4o', currentLeafSourceId: 'odd-2b', sourceUrl: `https://chatgpt.com/c/${RICH_ID}` });
    // Without the zip, attachments have no entry.
    expect(messageOf(conversation, 'user-1')?.parts.slice(0, 2)).toEqual([
      { type: 'file', name: 'notes.pdf', mimeType: 'application/pdf' },
      { type: 'image', url: 'file-service://file-Img123' },
    ]);
    expect(messageOf(conversation, 'answer-2b')).not.toHaveProperty('model');
    expect(warnings.some((w) => w.msg?.includes('unknown content type'))).toBe(true);
  });

  it('imports a zip: attachments become entries of the zip', async () => {
    const file = write(
      'export.zip',
      zipBytes({
        'conversations.json': JSON.stringify([rich]),
        'chat.html': '<html><body>export viewer</body></html>',
        'user.json': JSON.stringify({ id: 'user-abc', email: 'someone@example.com' }),
        'message_feedback.json': '[]',
        'file-Img123-circle.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        'file-Doc456-notes.pdf': '%PDF-1.4\n',
        'dalle-generations/file_00000000abcd1234-6f1e2d3c-aaaa-4bbb-8ccc-1234567890ab.webp': Buffer.from('RIFF....WEBP'),
      }),
    );
    const { detected, items } = await importAll(file);
    expect(detected).toBe(true);
    expect(items).toHaveLength(1);
    const conversation = okConversation(items[0]);
    expect(messageOf(conversation, 'user-1')?.parts).toEqual([
      { type: 'file', name: 'notes.pdf', entry: 'file-Doc456-notes.pdf', mimeType: 'application/pdf' },
      { type: 'image', url: 'file-service://file-Img123', entry: 'file-Img123-circle.png', mimeType: 'image/png' },
      { type: 'text', text: 'What is the area of this circle? r = 2', format: 'plain' },
    ]);
    expect(messageOf(conversation, 'dalle-2b')?.parts).toEqual([
      {
        type: 'image',
        url: 'sediment://file_00000000abcd1234',
        entry: 'dalle-generations/file_00000000abcd1234-6f1e2d3c-aaaa-4bbb-8ccc-1234567890ab.webp',
        mimeType: 'image/webp',
        alt: 'A circle of radius 2',
      },
    ]);
    expect(messageOf(conversation, 'answer-1')?.parts.map((p) => p.type)).toEqual(['text', 'code', 'text', 'math', 'table', 'mermaid', 'text']);
  });

  it('imports split exports in order and skips shared_conversations.json', async () => {
    const file = write(
      'split.zip',
      zipBytes({
        'shared_conversations.json': JSON.stringify(sharedLinks),
        'conversations-010.json': JSON.stringify([empty]),
        'conversations-001.json': JSON.stringify([rich, broken]),
        'conversations-000.json': JSON.stringify([simple]),
        'user.json': '{}',
      }),
    );
    const { detected, items } = await importAll(file);
    expect(detected).toBe(true);
    expect(items.map((item) => (item.ok ? `ok:${item.conversation.sourceId}` : `${item.code}:${item.source}`))).toEqual([
      'ok:dddddddd-0000-4000-8000-000000000003',
      `ok:${RICH_ID}`,
      'INVALID_CONTENT:Broken one',
      'INVALID_CONTENT:Nothing kept',
    ]);
    expect(okConversation(items[0])).toEqual(simpleExpected);
  });

  it('reports a truncated file after the conversations it could read', async () => {
    const whole = JSON.stringify([simple, rich]);
    const file = write('truncated.json', whole.slice(0, whole.indexOf('"Circle area"') + 5));
    const { detected, items } = await importAll(file, 'conversations.json');
    expect(detected).toBe(true);
    expect(items).toHaveLength(2);
    expect(okConversation(items[0])).toEqual(simpleExpected);
    expect(items[1]).toMatchObject({ ok: false, source: 'conversations.json', code: 'INVALID_CONTENT' });
  });

  it('detects by content, not by name', async () => {
    // Claude's export is also called conversations.json.
    const claude = [{ uuid: '1b2c', name: 'Hello', created_at: '2024-01-01T00:00:00Z', chat_messages: [{ uuid: 'm1', sender: 'human', text: 'Hi' }] }];
    expect((await importAll(write('conversations.json', JSON.stringify(claude)))).detected).toBe(false);
    expect((await importAll(write('conversations.json', '[]'))).detected).toBe(false);
    expect((await importAll(write('conversations.json', 'not json at all'))).detected).toBe(false);
    expect((await importAll(write('shared-only.zip', zipBytes({ 'shared_conversations.json': JSON.stringify(sharedLinks) })))).detected).toBe(false);
    expect((await importAll(write('other.zip', zipBytes({ 'notes.txt': 'hello' })))).detected).toBe(false);
    // A bare upload under another name is judged by its content.
    expect((await importAll(write('my-chatgpt-backup.json', JSON.stringify([simple])))).detected).toBe(true);
    // A first conversation larger than the peeked head: current_node lies beyond it.
    const huge = structuredClone(simple);
    const userNode = huge.mapping['bbbbbbbb-0000-4000-8000-000000000001'];
    if (userNode.message) userNode.message.content.parts = ['x'.repeat(400_000)];
    const { detected, items } = await importAll(write('conversations.json', JSON.stringify([huge])));
    expect(detected).toBe(true);
    expect(okConversation(items[0]).messages[0]?.parts[0]).toMatchObject({ type: 'text', text: 'x'.repeat(400_000) });
  });
});
