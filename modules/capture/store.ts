import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { executeBound } from '#database/bound.ts';
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

/** Column types for `jsonb_to_recordset`, per table. */
const RECORD_TYPES: Record<string, Record<string, string>> = {
  capture_message: {
    id: 'uuid', conversation_id: 'uuid', owner_id: 'uuid', source_id: 'text', parent_id: 'uuid', branch_index: 'int', position: 'int', is_on_current_branch: 'boolean',
    role: 'text', model: 'text', created_at: 'timestamptz', hidden: 'boolean', parts: 'jsonb', text: 'text', content_hash: 'text',
  },
  capture_blob: { id: 'uuid', owner_id: 'uuid', sha256: 'text', mime_type: 'text', size: 'bigint' },
  capture_conversation: {
    id: 'uuid', owner_id: 'uuid', provider: 'text', source_id: 'text', source_url: 'text', title: 'text', model: 'text', created_at: 'timestamptz', updated_at: 'timestamptz',
    captured_at: 'timestamptz', modified_at: 'timestamptz', content_hash: 'text', current_leaf_id: 'uuid', message_count: 'int', origin: 'text', tags: 'text[]',
  },
};

/**
 * Inserts many rows with one statement and one parameter: the rows travel as a JSON array and
 * PostgreSQL unpacks them (`jsonb_to_recordset`), far cheaper than thousands of bound values.
 */
async function insertRows(em: EntityManager, table: string, columns: string[], rows: unknown[][], suffix = ''): Promise<void> {
  if (rows.length === 0) return;
  const types = RECORD_TYPES[table] ?? {};
  const records = rows.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i] instanceof Date ? (row[i] as Date).toISOString() : row[i]])));
  const list = columns.map((c) => `"${c}"`).join(', ');
  const definition = columns.map((c) => `"${c}" ${types[c] ?? 'text'}`).join(', ');
  await executeBound(em, `insert into ${table} (${list}) select ${list} from jsonb_to_recordset($1::jsonb) as r(${definition}) ${suffix}`, [JSON.stringify(records)]);
}

/** What storing needs besides the entity manager. */
export interface StoreInput {
  ownerId: string;
  conversation: CapturedConversation;
  origin: ConversationOrigin;
  jobs: JobQueue;
  blobs: BlobStore;
  attachments?: AttachmentResolver;
  /** When the follow-up jobs (ACUs, then indexing) may start; default: half a second after the write. */
  followUpAt?: Date;
}

/** Stores several conversations of one owner in one transaction (bulk imports): all or none. */
export async function storeConversations(em: EntityManager, inputs: readonly StoreInput[], afterWrite?: AfterWrite<StoreResult[]>): Promise<StoreResult[]> {
  if (inputs.length === 0) return [];
  const owner = inputs[0]?.ownerId;
  if (inputs.some((input) => input.ownerId !== owner)) throw new Error('storeConversations: one owner per batch');
  const prepared: Prepared[] = [];
  for (const input of inputs) prepared.push(await prepare(input));
  return em.transactional(async (tx) => {
    const results = await writeBatch(tx, prepared);
    await afterWrite?.(tx, results);
    return results;
  });
}

/** Runs in the store's transaction after its writes (an import records its progress with them). */
export type AfterWrite<R> = (tx: EntityManager, result: R) => Promise<void>;

/**
 * Stores a conversation in one transaction, idempotently: the same provider conversation updates
 * in place (new messages added, changed ones rewritten, none duplicated or dropped); an equal
 * content hash writes nothing. Queues ACU generation in the same transaction.
 */
export async function storeConversation(em: EntityManager, input: StoreInput, afterWrite?: AfterWrite<StoreResult>): Promise<StoreResult> {
  const item = await prepare(input);
  return em.transactional(async (tx) => {
    const [result] = (await writeBatch(tx, [item])) as [StoreResult];
    await afterWrite?.(tx, result);
    return result;
  });
}

type BlobRef = { sha256: string; size: number; mimeType?: string };

interface Prepared {
  input: StoreInput;
  conversation: CapturedConversation;
  contentHash: string;
  blobShas: Map<ContentPart, BlobRef>;
}

/** Sanitizes, hashes and stores blobs (outside any transaction: blob files are content-addressed and harmless). */
async function prepare(input: StoreInput): Promise<Prepared> {
  const conversation = sanitizeConversation(input.conversation);
  // Tags join the hash only when there are some: hashes of conversations without them stay as they were.
  const contentHash = sha256(
    JSON.stringify([conversation.title, conversation.model ?? null, conversation.currentLeafSourceId ?? null, conversation.messages.map(messageHash), ...(conversation.tags?.length ? [conversation.tags] : [])]),
  );
  const blobShas = new Map<ContentPart, BlobRef>();
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
  return { input, conversation, contentHash, blobShas };
}

interface ExistingConversation {
  id: string;
  provider: string;
  source_id: string;
  content_hash: string;
  message_count: number;
}

interface KnownMessage {
  id: string;
  hash: string;
  hidden: boolean;
}

/** The rows one conversation writes, computed in memory. */
function plan(item: Prepared, existing: ExistingConversation | undefined, known: Map<string, KnownMessage>, blobRows: Map<string, BlobRef>) {
  const { input, conversation, contentHash, blobShas } = item;
  const conversationId = existing?.id ?? randomUUID();
  const ids = new Map<string, string>(conversation.messages.map((m) => [m.sourceId, known.get(m.sourceId)?.id ?? randomUUID()]));
  // Messages stored earlier that this capture no longer shows are kept (nothing is ever lost).
  for (const [sourceId, row] of known) if (!ids.has(sourceId)) ids.set(sourceId, row.id);
  // Branches: siblings ordered by position; the current branch runs from the shown leaf to the root.
  const siblingCount = new Map<string, number>();
  const branchIndex = new Map<string, number>();
  const parentOf = new Map<string, string | null>();
  for (const m of conversation.messages) {
    const parent = m.parentSourceId && ids.has(m.parentSourceId) ? m.parentSourceId : null;
    parentOf.set(m.sourceId, parent);
    branchIndex.set(m.sourceId, siblingCount.get(parent ?? '') ?? 0);
    siblingCount.set(parent ?? '', (siblingCount.get(parent ?? '') ?? 0) + 1);
  }
  const lastVisible = [...conversation.messages].reverse().find((m) => !m.hidden)?.sourceId;
  const leaf = conversation.currentLeafSourceId && parentOf.has(conversation.currentLeafSourceId) ? conversation.currentLeafSourceId : lastVisible;
  const onBranch = new Set<string>();
  for (let cursor = leaf ?? null; cursor && !onBranch.has(cursor); cursor = parentOf.get(cursor) ?? null) onBranch.add(cursor);
  // Parts go inline with their message; stored blobs are referenced by sha256, inline image data is dropped.
  const storedParts = (parts: readonly ContentPart[]) =>
    parts.map((part) => {
      const blob = blobShas.get(part);
      if (blob) blobRows.set(blob.sha256, blob);
      const { data: _inline, ...rest } = part as ContentPart & { data?: string };
      return blob ? { ...rest, blobSha: blob.sha256 } : rest;
    });
  const messageRows = conversation.messages.map((m, position) => [
    ids.get(m.sourceId), conversationId, input.ownerId, m.sourceId, parentOf.get(m.sourceId) ? ids.get(parentOf.get(m.sourceId) as string) : null,
    branchIndex.get(m.sourceId) ?? 0, position, onBranch.has(m.sourceId), m.role, m.model ?? null, m.createdAt ?? null, m.hidden,
    storedParts(m.parts), messageText(m.parts), messageHash(m),
  ]);
  const shown = new Set(conversation.messages.map((m) => m.sourceId));
  const visible = conversation.messages.filter((m) => !m.hidden).length + [...known].filter(([sourceId, row]) => !shown.has(sourceId) && !row.hidden).length;
  const now = new Date();
  const conversationRow = [
    conversationId, input.ownerId, conversation.provider, conversation.sourceId, conversation.sourceUrl ?? null, conversation.title, conversation.model ?? null,
    conversation.createdAt ?? null, conversation.updatedAt ?? null, now, now, contentHash, leaf ? ids.get(leaf) : null, visible, input.origin, conversation.tags ?? [],
  ];
  const added = conversation.messages.filter((m) => !known.has(m.sourceId)).length;
  const result: StoreResult = { conversationId, sourceConversationId: conversation.sourceId, messages: visible, added, created: !existing, changed: true };
  return { result, conversationRow, messageRows, hiddenFromCapture: existing && known.size ? [...shown] : undefined };
}

/** The writes of a batch of one owner's conversations, in a handful of statements, inside the caller's transaction. */
async function writeBatch(tx: EntityManager, items: readonly Prepared[]): Promise<StoreResult[]> {
  const ownerId = items[0]?.input.ownerId as string;
  const existingRows = await tx.execute<ExistingConversation[]>(
    `select c.id, c.provider, c.source_id, c.content_hash, c.message_count from capture_conversation c
       join jsonb_to_recordset(?::jsonb) as k(provider text, source_id text) on k.provider = c.provider and k.source_id = c.source_id
      where c.owner_id = ? for update of c`,
    [JSON.stringify(items.map((i) => ({ provider: i.conversation.provider, source_id: i.conversation.sourceId }))), ownerId],
  );
  const existing = new Map(existingRows.map((row) => [`${row.provider}\u0000${row.source_id}`, row]));
  const changed = items.filter((i) => existing.get(`${i.conversation.provider}\u0000${i.conversation.sourceId}`)?.content_hash !== i.contentHash);
  const knownIds = changed.map((i) => existing.get(`${i.conversation.provider}\u0000${i.conversation.sourceId}`)?.id).filter((id): id is string => id !== undefined);
  const known = new Map<string, Map<string, KnownMessage>>();
  if (knownIds.length) {
    const rows = await tx.execute<{ conversation_id: string; id: string; source_id: string; content_hash: string; hidden: boolean }[]>(
      'select conversation_id, id, source_id, content_hash, hidden from capture_message where conversation_id = any(array(select jsonb_array_elements_text(?::jsonb)::uuid))',
      [JSON.stringify(knownIds)],
    );
    for (const row of rows) {
      const map = known.get(row.conversation_id) ?? new Map<string, KnownMessage>();
      map.set(row.source_id, { id: row.id, hash: row.content_hash, hidden: row.hidden });
      known.set(row.conversation_id, map);
    }
  }
  const blobRows = new Map<string, BlobRef>();
  const planned = new Map<Prepared, ReturnType<typeof plan>>();
  for (const item of changed) {
    const row = existing.get(`${item.conversation.provider}\u0000${item.conversation.sourceId}`);
    planned.set(item, plan(item, row, row ? (known.get(row.id) ?? new Map()) : new Map(), blobRows));
  }
  const plans = [...planned.values()];
  if (plans.length) {
    await insertRows(
      tx, 'capture_conversation',
      ['id', 'owner_id', 'provider', 'source_id', 'source_url', 'title', 'model', 'created_at', 'updated_at', 'captured_at', 'modified_at', 'content_hash', 'current_leaf_id', 'message_count', 'origin', 'tags'],
      plans.map((p) => p.conversationRow),
      // Provider tags are added to the user's (kept first, in order), never replace them.
      `on conflict (owner_id, provider, source_id) do update set source_url = coalesce(excluded.source_url, capture_conversation.source_url), title = excluded.title,
         tags = array(select t from unnest(capture_conversation.tags || excluded.tags) with ordinality as u(t, n) group by t order by min(n)),
         model = coalesce(excluded.model, capture_conversation.model), created_at = coalesce(excluded.created_at, capture_conversation.created_at),
         updated_at = coalesce(excluded.updated_at, capture_conversation.updated_at), modified_at = excluded.modified_at, content_hash = excluded.content_hash,
         current_leaf_id = excluded.current_leaf_id, message_count = excluded.message_count`,
    );
    await insertRows(
      tx, 'capture_message',
      ['id', 'conversation_id', 'owner_id', 'source_id', 'parent_id', 'branch_index', 'position', 'is_on_current_branch', 'role', 'model', 'created_at', 'hidden', 'parts', 'text', 'content_hash'],
      plans.flatMap((p) => p.messageRows),
      `on conflict (conversation_id, source_id) do update set parent_id = excluded.parent_id, branch_index = excluded.branch_index, position = excluded.position,
         is_on_current_branch = excluded.is_on_current_branch, role = excluded.role, model = excluded.model, created_at = excluded.created_at,
         hidden = excluded.hidden, parts = excluded.parts, text = excluded.text, content_hash = excluded.content_hash`,
    );
    for (const p of plans) {
      if (!p.hiddenFromCapture) continue;
      // Messages stored earlier but absent from this capture stay, off the current branch.
      await tx.execute('update capture_message set is_on_current_branch = false where conversation_id = ? and not (source_id = any(array(select jsonb_array_elements_text(?::jsonb))))', [
        p.result.conversationId,
        JSON.stringify(p.hiddenFromCapture),
      ]);
    }
    if (blobRows.size) {
      await insertRows(tx, 'capture_blob', ['id', 'owner_id', 'sha256', 'mime_type', 'size'], [...blobRows.values()].map((b) => [randomUUID(), ownerId, b.sha256, b.mimeType ?? null, b.size]), 'on conflict (owner_id, sha256) do nothing');
    }
    const first = items[0]?.input;
    if (first) await first.jobs.enqueue('capture.acus', { conversationIds: plans.map((p) => p.result.conversationId), ownerId }, { ownerId, runAt: first.followUpAt ?? new Date(Date.now() + 500) }, tx);
  }
  return items.map((item) => {
    const done = planned.get(item);
    if (done) return done.result;
    const row = existing.get(`${item.conversation.provider}\u0000${item.conversation.sourceId}`) as ExistingConversation;
    return { conversationId: row.id, sourceConversationId: row.source_id, messages: Number(row.message_count), added: 0, created: false, changed: false };
  });
}
