import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { CapturedConversation, CapturedMessage, ContentPart } from '#plugins/providers/sdk/index.ts';
import type { JobQueue } from '#server/jobs.ts';
import type { BlobStore } from './blobs.ts';
import { sanitizeConversation } from './sanitize.ts';

/** Where a stored conversation came from. */
export type ConversationOrigin = 'capture' | 'upload' | 'import';

/** What storing a conversation did. */
export interface StoreResult {
  conversationId: string;
  sourceConversationId: string;
  /** Visible messages (hidden system/empty nodes excluded). */
  messages: number;
  /** Messages added by this store. */
  added: number;
  created: boolean;
  changed: boolean;
}

/** Resolves an export attachment (`entry` of an image/file part) to a stored blob. */
export type AttachmentResolver = (entry: string) => Promise<{ sha256: string; size: number; mimeType?: string } | undefined>;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const CHUNK = 400;

/** Plain text of a message for search and ACUs. */
export function messageText(parts: readonly ContentPart[]): string {
  return parts
    .map((part) => {
      switch (part.type) {
        case 'text':
        case 'reasoning':
          return part.text;
        case 'code':
          return part.code;
        case 'table':
          return part.rows.map((row) => row.join(' | ')).join('\n');
        case 'math':
          return part.tex;
        case 'mermaid':
          return part.source;
        case 'tool_result':
          return part.content;
        case 'tool_call':
          return `${part.name} ${JSON.stringify(part.arguments ?? null)}`;
        case 'citation':
          return part.title ?? part.url;
        case 'image':
          return part.alt ?? '';
        case 'file':
          return part.name;
      }
    })
    .filter(Boolean)
    .join('\n\n');
}

function messageHash(message: CapturedMessage): string {
  return sha256(JSON.stringify([message.role, message.model ?? null, message.createdAt?.toISOString() ?? null, message.hidden, message.parentSourceId, message.parts]));
}

/** Multi-row insert in chunks (keeps parameter counts bounded). */
async function insertRows(em: EntityManager, table: string, columns: string[], rows: unknown[][], suffix = '', casts: Record<string, string> = {}): Promise<void> {
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    const tuple = `(${columns.map((c) => `?${casts[c] ?? ''}`).join(', ')})`;
    await em.execute(`insert into ${table} (${columns.map((c) => `"${c}"`).join(', ')}) values ${chunk.map(() => tuple).join(', ')} ${suffix}`, chunk.flat());
  }
}

/**
 * Stores a conversation in one transaction, idempotently: the same provider conversation updates
 * in place (new messages added, changed ones rewritten, none duplicated or dropped); an equal
 * content hash writes nothing. Queues ACU generation in the same transaction.
 */
export async function storeConversation(
  em: EntityManager,
  input: { ownerId: string; conversation: CapturedConversation; origin: ConversationOrigin; jobs: JobQueue; blobs: BlobStore; attachments?: AttachmentResolver },
): Promise<StoreResult> {
  const conversation = sanitizeConversation(input.conversation);
  const contentHash = sha256(JSON.stringify([conversation.title, conversation.model ?? null, conversation.currentLeafSourceId ?? null, conversation.messages.map(messageHash)]));
  const visible = conversation.messages.filter((m) => !m.hidden).length;

  // Blobs first (files on disk are content-addressed and harmless if the transaction fails).
  const blobShas = new Map<ContentPart, { sha256: string; size: number; mimeType?: string }>();
  for (const message of conversation.messages) {
    for (const part of message.parts) {
      if (part.type !== 'image' && part.type !== 'file') continue;
      if (part.type === 'image' && part.data) {
        const stored = input.blobs.putBuffer(Buffer.from(part.data, 'base64'));
        blobShas.set(part, { ...stored, mimeType: part.mimeType });
      } else if (part.entry && input.attachments) {
        const stored = await input.attachments(part.entry);
        if (stored) blobShas.set(part, stored);
      }
    }
  }

  return em.transactional(async (tx) => {
    const existing = (
      await tx.execute<{ id: string; content_hash: string; message_count: number }[]>(
        'select id, content_hash, message_count from capture_conversation where owner_id = ? and provider = ? and source_id = ? for update',
        [input.ownerId, conversation.provider, conversation.sourceId],
      )
    )[0];
    if (existing && existing.content_hash === contentHash) {
      return { conversationId: existing.id, sourceConversationId: conversation.sourceId, messages: existing.message_count, added: 0, created: false, changed: false };
    }
    const conversationId = existing?.id ?? randomUUID();
    const known = new Map<string, { id: string; hash: string }>();
    if (existing) {
      const rows = await tx.execute<{ id: string; source_id: string; content_hash: string }[]>('select id, source_id, content_hash from capture_message where conversation_id = ?', [conversationId]);
      for (const row of rows) known.set(row.source_id, { id: row.id, hash: row.content_hash });
    }
    const ids = new Map<string, string>(conversation.messages.map((m) => [m.sourceId, known.get(m.sourceId)?.id ?? randomUUID()]));
    // Keep messages stored earlier that this capture no longer shows (nothing is ever lost): they keep their ids.
    for (const [sourceId, row] of known) if (!ids.has(sourceId)) ids.set(sourceId, row.id);

    // Branches: order siblings by position; the current branch runs from the shown leaf to the root.
    const siblingCount = new Map<string, number>();
    const branchIndex = new Map<string, number>();
    const parentOf = new Map<string, string | null>();
    conversation.messages.forEach((m) => {
      const parent = m.parentSourceId && ids.has(m.parentSourceId) ? m.parentSourceId : null;
      parentOf.set(m.sourceId, parent);
      const key = parent ?? '';
      branchIndex.set(m.sourceId, siblingCount.get(key) ?? 0);
      siblingCount.set(key, (siblingCount.get(key) ?? 0) + 1);
    });
    const lastVisible = [...conversation.messages].reverse().find((m) => !m.hidden)?.sourceId;
    const leaf = conversation.currentLeafSourceId && parentOf.has(conversation.currentLeafSourceId) ? conversation.currentLeafSourceId : lastVisible;
    const onBranch = new Set<string>();
    for (let cursor = leaf ?? null; cursor && !onBranch.has(cursor); cursor = parentOf.get(cursor) ?? null) onBranch.add(cursor);

    const now = new Date();
    await tx.execute(
      `insert into capture_conversation (id, owner_id, provider, source_id, source_url, title, model, created_at, updated_at, captured_at, modified_at, content_hash, current_leaf_id, message_count, tags, visibility, origin)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', 'private', ?)
       on conflict (owner_id, provider, source_id) do update set source_url = coalesce(excluded.source_url, capture_conversation.source_url), title = excluded.title,
         model = coalesce(excluded.model, capture_conversation.model), created_at = coalesce(excluded.created_at, capture_conversation.created_at),
         updated_at = coalesce(excluded.updated_at, capture_conversation.updated_at), modified_at = excluded.modified_at, content_hash = excluded.content_hash,
         current_leaf_id = excluded.current_leaf_id, message_count = excluded.message_count`,
      [
        conversationId, input.ownerId, conversation.provider, conversation.sourceId, conversation.sourceUrl ?? null, conversation.title, conversation.model ?? null,
        conversation.createdAt ?? null, conversation.updatedAt ?? null, now, now, contentHash, leaf ? ids.get(leaf) : null, 0, input.origin,
      ],
    );

    const changedMessages = conversation.messages.filter((m) => known.get(m.sourceId)?.hash !== messageHash(m));
    const messageRows = conversation.messages.map((m, position) => [
      ids.get(m.sourceId), conversationId, input.ownerId, m.sourceId, parentOf.get(m.sourceId) ? ids.get(parentOf.get(m.sourceId) as string) : null,
      branchIndex.get(m.sourceId) ?? 0, position, onBranch.has(m.sourceId), m.role, m.model ?? null, m.createdAt ?? null, m.hidden, messageText(m.parts), messageHash(m),
    ]);
    await insertRows(
      tx, 'capture_message',
      ['id', 'conversation_id', 'owner_id', 'source_id', 'parent_id', 'branch_index', 'position', 'is_on_current_branch', 'role', 'model', 'created_at', 'hidden', 'text', 'content_hash'],
      messageRows,
      `on conflict (conversation_id, source_id) do update set parent_id = excluded.parent_id, branch_index = excluded.branch_index, position = excluded.position,
         is_on_current_branch = excluded.is_on_current_branch, role = excluded.role, model = excluded.model, created_at = excluded.created_at,
         hidden = excluded.hidden, text = excluded.text, content_hash = excluded.content_hash`,
    );
    // Messages stored earlier but absent from this capture stay, off the current branch.
    if (known.size) {
      await tx.execute('update capture_message set is_on_current_branch = false where conversation_id = ? and not (source_id in (select jsonb_array_elements_text(?::jsonb)))', [
        conversationId,
        JSON.stringify(conversation.messages.map((m) => m.sourceId)),
      ]);
    }
    const rewritten = changedMessages.filter((m) => known.has(m.sourceId)).map((m) => ids.get(m.sourceId) as string);
    if (rewritten.length) await tx.execute('delete from capture_content_part where message_id in (select jsonb_array_elements_text(?::jsonb)::uuid)', [JSON.stringify(rewritten)]);
    const partRows: unknown[][] = [];
    const blobRows = new Map<string, { sha256: string; size: number; mimeType?: string }>();
    for (const message of changedMessages) {
      message.parts.forEach((part, position) => {
        const blob = blobShas.get(part);
        if (blob) blobRows.set(blob.sha256, blob);
        const data = part.type === 'image' && part.data ? { ...part, data: undefined } : part;
        partRows.push([randomUUID(), ids.get(message.sourceId), input.ownerId, position, part.type, JSON.stringify(data), blob?.sha256 ?? null]);
      });
    }
    await insertRows(tx, 'capture_content_part', ['id', 'message_id', 'owner_id', 'position', 'type', 'data', 'blob_sha'], partRows, '', { data: '::jsonb' });
    if (blobRows.size) {
      await insertRows(
        tx, 'capture_blob', ['id', 'owner_id', 'sha256', 'mime_type', 'size'],
        [...blobRows.values()].map((b) => [randomUUID(), input.ownerId, b.sha256, b.mimeType ?? null, b.size]),
        'on conflict (owner_id, sha256) do nothing',
      );
    }
    const counted = (await tx.execute<{ n: number }[]>('select count(*)::int as n from capture_message where conversation_id = ? and not hidden', [conversationId]))[0]?.n ?? visible;
    await tx.execute('update capture_conversation set message_count = ? where id = ?', [counted, conversationId]);
    await input.jobs.enqueue('capture.acus', { conversationId, ownerId: input.ownerId }, { ownerId: input.ownerId, jobKey: `acus:${conversationId}`, runAt: new Date(Date.now() + 500) }, tx);
    const added = conversation.messages.filter((m) => !known.has(m.sourceId)).length;
    return { conversationId, sourceConversationId: conversation.sourceId, messages: counted, added, created: !existing, changed: true };
  });
}
