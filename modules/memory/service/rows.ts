import { createHash, createHmac } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MemoryDto, MemoryProvenance, MemoryRevisionDto, MemorySource, MemoryType } from '../schemas.ts';

/** A memory_item row as SQL returns it. */
export interface ItemRow {
  id: string;
  owner_id: string;
  type: MemoryType;
  content: string;
  content_hash: string;
  slot: string | null;
  confidence: number;
  importance: number;
  pinned: boolean;
  source: MemorySource;
  extractor: string | null;
  valid_from: string | Date | null;
  valid_to: string | Date | null;
  superseded_by: string | null;
  created_at: string | Date;
  updated_at: string | Date;
}

interface ProvenanceRow {
  memory_id: string;
  conversation_id: string;
  message_id: string;
  source_conversation_id: string | null;
  source_message_id: string | null;
  provider: string | null;
  quote: string;
}

/** SQL condition of a current memory (alias `m`). */
export const CURRENT_SQL = '(m.superseded_by is null and (m.valid_to is null or m.valid_to > now()))';

const iso = (value: string | Date | null): string | null => (value === null ? null : new Date(value).toISOString());

/** Lower case, single spaces, no trailing punctuation: two wordings that differ only so are one memory. */
export function normalizeContent(content: string): string {
  return content.toLowerCase().replace(/\s+/g, ' ').replace(/[\s.!,;]+$/, '').trim();
}

/** sha256 of the normalized content. */
export function contentHash(content: string): string {
  return createHash('sha256').update(normalizeContent(content)).digest('hex');
}

/** Keyed hash of a forgotten memory's content: recognizes it again without keeping its text. */
export function forgottenKey(secretKey: Buffer, ownerId: string, content: string): string {
  return createHmac('sha256', secretKey).update(`memory-forgotten\0${ownerId}\0${normalizeContent(content)}`).digest('hex');
}

/** Memories of an owner by id, with their provenance, as DTOs in the order asked. */
export async function loadMemories(em: EntityManager, ownerId: string, ids: readonly string[]): Promise<MemoryDto[]> {
  if (ids.length === 0) return [];
  const json = JSON.stringify(ids);
  const rows = await em.execute<ItemRow[]>('select * from memory_item where owner_id = ? and id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))', [ownerId, json]);
  const provenance = await em.execute<ProvenanceRow[]>(
    `select memory_id, conversation_id, message_id, source_conversation_id, source_message_id, provider, quote from memory_provenance
     where owner_id = ? and memory_id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid)) order by created_at, id`,
    [ownerId, json],
  );
  const byMemory = new Map<string, MemoryProvenance[]>();
  for (const p of provenance) {
    const list = byMemory.get(p.memory_id) ?? [];
    list.push({ conversationId: p.conversation_id, messageId: p.message_id, sourceConversationId: p.source_conversation_id, sourceMessageId: p.source_message_id, provider: p.provider, quote: p.quote });
    byMemory.set(p.memory_id, list);
  }
  const byId = new Map(rows.map((r) => [r.id, toDto(r, byMemory.get(r.id) ?? [])]));
  return ids.map((id) => byId.get(id)).filter((m): m is MemoryDto => m !== undefined);
}

function toDto(row: ItemRow, provenance: MemoryProvenance[]): MemoryDto {
  return {
    id: row.id,
    type: row.type,
    content: row.content,
    confidence: Number(row.confidence),
    importance: Number(row.importance),
    pinned: row.pinned,
    source: row.source,
    validFrom: iso(row.valid_from),
    validTo: iso(row.valid_to),
    supersededBy: row.superseded_by,
    provenance,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

/** Revisions of one memory, newest first. */
export async function loadRevisions(em: EntityManager, ownerId: string, memoryId: string): Promise<MemoryRevisionDto[]> {
  const rows = await em.execute<{ id: string; action: MemoryRevisionDto['action']; previous_content: string | null; content: string | null; actor: string; detail: string | null; at: string | Date }[]>(
    'select id, action, previous_content, content, actor, detail, at from memory_revision where owner_id = ? and memory_id = ? order by at desc, id desc',
    [ownerId, memoryId],
  );
  return rows.map((r) => ({ id: r.id, action: r.action, previousContent: r.previous_content, content: r.content, actor: r.actor, detail: r.detail, at: iso(r.at)! }));
}

/** Appends a revision (inside the caller's transaction). */
export async function addRevision(
  tx: EntityManager,
  revision: { memoryId: string; ownerId: string; action: MemoryRevisionDto['action']; previousContent?: string | null; content?: string | null; actor: string; detail?: string | null },
): Promise<void> {
  await tx.execute(
    'insert into memory_revision (id, memory_id, owner_id, action, previous_content, content, actor, detail, at) values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?, clock_timestamp())',
    [revision.memoryId, revision.ownerId, revision.action, revision.previousContent ?? null, revision.content ?? null, revision.actor, revision.detail ?? null],
  );
}
