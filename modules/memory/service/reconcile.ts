import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MemoryCandidate } from '../extract/types.ts';
import type { MemorySource } from '../schemas.ts';
import { addRevision, contentHash, CURRENT_SQL, forgottenKey, normalizeContent, type ItemRow } from './rows.ts';

/** Where a candidate was said, for its provenance row. */
export interface ProvenanceInput {
  conversationId: string;
  messageId: string;
  sourceConversationId: string | null;
  sourceMessageId: string | null;
  provider: string | null;
  quote: string;
}

/** A checked candidate on its way to the store. */
export interface StoreCandidate extends Omit<MemoryCandidate, 'messageId' | 'quote'> {
  source: MemorySource;
  /** Extractor id, or 'user'. */
  actor: string;
  /** When it was said (message time); null = now. */
  observedAt: string | null;
  provenance: ProvenanceInput | null;
  pinned?: boolean;
}

/** What reconciliation did with one candidate. */
export type Decision = 'ADD' | 'UPDATE' | 'SUPERSEDE' | 'NOOP' | 'HISTORY' | 'FORGOTTEN';

/** The outcome: the memory it landed on, and which memories search must re-index or drop. */
export interface Outcome {
  decision: Decision;
  memoryId: string | null;
  /** True when any row was written. */
  wrote: boolean;
  reindex: string[];
  unindex: string[];
}

/** Minimum trigram similarity of an unslotted candidate and a memory for them to be compared at all. */
const RELATED_SIMILARITY = 0.5;

const words = (text: string) => new Set(normalizeContent(text).split(/[^\p{L}\p{N}+#]+/u).filter(Boolean));

/** True when `next` says nothing `known` does not already say (a duplicate, worded alike). */
export function addsNothing(known: string, next: string): boolean {
  const have = words(known);
  for (const word of words(next)) if (!have.has(word)) return false;
  return true;
}

/** True when `next` says everything `previous` says and more (a refinement, not a contradiction). */
export function refines(previous: string, next: string): boolean {
  const before = words(previous);
  const after = words(next);
  if (after.size <= before.size) return false;
  for (const word of before) if (!after.has(word)) return false;
  return true;
}

/**
 * Reconciles one candidate against the owner's memories, inside the caller's transaction:
 * NOOP for a duplicate (same content, or an unslotted wording adding nothing; provenance added), UPDATE for a refinement of the same slot (or of a very
 * similar memory), SUPERSEDE for a new value of a slot (the old one keeps its history, with
 * valid_to and superseded_by), HISTORY for a value older than the current one, else ADD.
 */
export async function reconcile(tx: EntityManager, ownerId: string, secretKey: Buffer, c: StoreCandidate): Promise<Outcome> {
  const none: Outcome = { decision: 'FORGOTTEN', memoryId: null, wrote: false, reindex: [], unindex: [] };
  const [forgotten] = await tx.execute<{ n: number }[]>('select count(*)::int as n from memory_forgotten where owner_id = ? and content_key = ?', [ownerId, forgottenKey(secretKey, ownerId, c.content)]);
  if ((forgotten?.n ?? 0) > 0) return none;
  const hash = contentHash(c.content);
  const [same] = await tx.execute<(ItemRow & { current: boolean; has_message: boolean })[]>(
    `select m.*, ${CURRENT_SQL} as current,
       exists (select 1 from memory_provenance p where p.memory_id = m.id and p.message_id = ?) as has_message
     from memory_item m where m.owner_id = ? and m.content_hash = ?
     order by exists (select 1 from memory_provenance p where p.memory_id = m.id and p.message_id = ?) desc, ${CURRENT_SQL} desc, m.created_at desc limit 1`,
    [c.provenance?.messageId ?? null, ownerId, hash, c.provenance?.messageId ?? null],
  );
  if (same && (same.current || same.has_message)) return noop(tx, ownerId, same.id, c);
  let target: ItemRow | undefined;
  if (c.slot) {
    [target] = await tx.execute<ItemRow[]>(`select m.* from memory_item m where m.owner_id = ? and m.slot = ? and ${CURRENT_SQL} order by m.valid_from desc nulls last limit 1`, [ownerId, c.slot]);
    if (target) {
      const observed = c.observedAt ? new Date(c.observedAt).getTime() : Date.now();
      if (target.valid_from !== null && observed < new Date(target.valid_from).getTime()) return history(tx, ownerId, target, c, hash);
      if (refines(target.content, c.content)) return update(tx, ownerId, target, c, hash);
      return supersede(tx, ownerId, target, c, hash);
    }
  } else {
    // The closest current memory of the same type: a duplicate (NOOP) or a refinement of it (UPDATE).
    const [similar] = await tx.execute<(ItemRow & { sim: number })[]>(
      `select m.*, similarity(m.content, ?) as sim from memory_item m
       where m.owner_id = ? and m.type = ? and ${CURRENT_SQL} and m.content % ? order by sim desc limit 1`,
      [c.content, ownerId, c.type, c.content],
    );
    if (similar && Number(similar.sim) >= RELATED_SIMILARITY) {
      if (addsNothing(similar.content, c.content)) return noop(tx, ownerId, similar.id, c);
      if (refines(similar.content, c.content)) return update(tx, ownerId, similar, c, hash);
    }
  }
  const id = await insert(tx, ownerId, c, hash, {});
  await addRevision(tx, { memoryId: id, ownerId, action: 'ADD', content: c.content, actor: c.actor });
  return { decision: 'ADD', memoryId: id, wrote: true, reindex: [id], unindex: [] };
}

async function insert(tx: EntityManager, ownerId: string, c: StoreCandidate, hash: string, extra: { validTo?: string | null; supersededBy?: string | null; pinned?: boolean }): Promise<string> {
  const id = randomUUID();
  await tx.execute(
    `insert into memory_item (id, owner_id, type, content, content_hash, slot, confidence, importance, pinned, source, extractor, valid_from, valid_to, superseded_by, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, clock_timestamp(), clock_timestamp())`,
    [id, ownerId, c.type, c.content, hash, c.slot, c.confidence, c.importance, extra.pinned ?? c.pinned ?? false, c.source, c.source === 'extracted' ? c.actor : null, c.observedAt ?? new Date().toISOString(), extra.validTo ?? null, extra.supersededBy ?? null],
  );
  await addProvenance(tx, ownerId, id, c);
  return id;
}

/** Links the candidate's message to a memory; true when the link is new. */
async function addProvenance(tx: EntityManager, ownerId: string, memoryId: string, c: StoreCandidate): Promise<boolean> {
  const p = c.provenance;
  if (!p) return false;
  const rows = await tx.execute<{ id: string }[]>(
    `insert into memory_provenance (id, memory_id, owner_id, conversation_id, message_id, source_conversation_id, source_message_id, provider, quote, created_at)
     values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?, ?, clock_timestamp()) on conflict (memory_id, message_id) do nothing returning id`,
    [memoryId, ownerId, p.conversationId, p.messageId, p.sourceConversationId, p.sourceMessageId, p.provider, p.quote],
  );
  return rows.length > 0;
}

async function noop(tx: EntityManager, ownerId: string, memoryId: string, c: StoreCandidate): Promise<Outcome> {
  const added = await addProvenance(tx, ownerId, memoryId, c);
  // The first provenance is what search cites: re-index when it may have changed.
  return { decision: 'NOOP', memoryId, wrote: added, reindex: added ? [memoryId] : [], unindex: [] };
}

async function update(tx: EntityManager, ownerId: string, target: ItemRow, c: StoreCandidate, hash: string): Promise<Outcome> {
  await tx.execute(
    `update memory_item set content = ?, content_hash = ?, confidence = greatest(confidence, ?), importance = greatest(importance, ?), updated_at = clock_timestamp() where id = ?`,
    [c.content, hash, c.confidence, c.importance, target.id],
  );
  await addRevision(tx, { memoryId: target.id, ownerId, action: 'UPDATE', previousContent: target.content, content: c.content, actor: c.actor });
  await addProvenance(tx, ownerId, target.id, c);
  return { decision: 'UPDATE', memoryId: target.id, wrote: true, reindex: [target.id], unindex: [] };
}

async function supersede(tx: EntityManager, ownerId: string, target: ItemRow, c: StoreCandidate, hash: string): Promise<Outcome> {
  const id = await insert(tx, ownerId, c, hash, { pinned: target.pinned || c.pinned === true });
  await tx.execute('update memory_item set valid_to = ?, superseded_by = ?, updated_at = clock_timestamp() where id = ?', [c.observedAt ?? new Date().toISOString(), id, target.id]);
  await addRevision(tx, { memoryId: target.id, ownerId, action: 'SUPERSEDE', actor: c.actor, detail: `superseded by ${id}` });
  await addRevision(tx, { memoryId: id, ownerId, action: 'ADD', content: c.content, actor: c.actor, detail: `supersedes ${target.id}` });
  return { decision: 'SUPERSEDE', memoryId: id, wrote: true, reindex: [id], unindex: [target.id] };
}

/** A value said before the current one (an older conversation imported later): kept as history. */
async function history(tx: EntityManager, ownerId: string, current: ItemRow, c: StoreCandidate, hash: string): Promise<Outcome> {
  const id = await insert(tx, ownerId, c, hash, { validTo: new Date(current.valid_from!).toISOString(), supersededBy: current.id });
  await addRevision(tx, { memoryId: id, ownerId, action: 'ADD', content: c.content, actor: c.actor, detail: `older than ${current.id}` });
  return { decision: 'HISTORY', memoryId: id, wrote: true, reindex: [], unindex: [] };
}
