import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { actsAsAdmin, type Actor } from '#server/actor.ts';
import { ForbiddenError, InvalidError, NotFoundError } from '#server/errors.ts';
import { JobBatcher } from '#server/job-batcher.ts';
import type { ModuleDeps } from '#server/module.ts';
import { memoryEvents, type MemoryChangedEvent } from './events.ts';
import { createExtractor } from './extract/index.ts';
import { OfflineExtractor } from './extract/offline.ts';
import { findSecrets } from './extract/secrets.ts';
import type { MemoryExtractor } from './extract/types.ts';
import type { AddMemoryInput, EditMemoryInput, ExtractionResult, ForContextOptions, ListMemoriesInput, MemoryDto, MemoryHistory, MemoryPage, MemoryType } from './schemas.ts';
import { runExtraction } from './service/extraction.ts';
import { reconcile } from './service/reconcile.ts';
import { addRevision, contentHash, CURRENT_SQL, forgottenKey, loadMemories, loadRevisions } from './service/rows.ts';

interface Cursor {
  at: string;
  id: string;
}

const ownerLock = (tx: EntityManager, ownerId: string) => tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`memory:${ownerId}`]);

/** Conversations per extraction job, how long requests are gathered, and the job priority (search's indexing is 0). */
const EXTRACT_BATCH = 50;
const EXTRACT_DELAY_MS = 500;
const EXTRACT_PRIORITY = 5;

/** Memories of each user: what the assistants should know about them, with provenance and history. */
export class MemoryService {
  private readonly deps: ModuleDeps;
  private readonly log: Logger;
  private readonly batcher: JobBatcher;
  /** The configured extractor (offline by default, an LLM by config). */
  readonly extractor: MemoryExtractor;

  constructor(deps: ModuleDeps, options: { extractor?: MemoryExtractor } = {}) {
    this.deps = deps;
    this.log = deps.log.child({ module: 'memory' });
    this.extractor = options.extractor ?? createExtractor(deps.config, this.log);
    this.batcher = new JobBatcher({ jobs: deps.jobs, log: this.log, task: 'memory.extract', batch: EXTRACT_BATCH, delayMs: EXTRACT_DELAY_MS, priority: EXTRACT_PRIORITY, payload: { force: false } });
  }

  /** Queues what is gathered (at stop; what is lost is found by the next start's sweep). */
  async stop(): Promise<void> {
    await this.batcher.flush().catch((error: unknown) => this.log.warn({ err: error }, 'extraction requests not queued at stop; the next start sweeps'));
  }

  /** Current memories for a prompt's context: pinned first, then importance × confidence, then recency. */
  async forContext(ownerId: string, options: ForContextOptions): Promise<MemoryDto[]> {
    if (options.types.length === 0 || options.limit <= 0) return [];
    const em = this.deps.em();
    const rows = await em.execute<{ id: string }[]>(
      `select m.id from memory_item m where m.owner_id = ? and ${CURRENT_SQL} and m.type = any(array(select jsonb_array_elements_text(?::jsonb)))
       order by m.pinned desc, m.importance * m.confidence desc, m.updated_at desc, m.id limit ?`,
      [ownerId, JSON.stringify(options.types), Math.min(options.limit, 1000)],
    );
    return loadMemories(em, ownerId, rows.map((r) => r.id));
  }

  /** One memory of the owner (superseded ones too); NOT_FOUND for anyone else's. */
  async get(ownerId: string, id: string): Promise<MemoryDto> {
    const [memory] = await loadMemories(this.deps.em(), ownerId, [id]);
    if (!memory) throw new NotFoundError('MEMORY_NOT_FOUND', { memoryId: id }, 'No such memory');
    return memory;
  }

  /** The owner's memories, newest first, filtered; current ones only unless includeSuperseded. */
  async list(ownerId: string, input: ListMemoriesInput): Promise<MemoryPage> {
    const where = ['m.owner_id = ?'];
    const params: unknown[] = [ownerId];
    if (!input.includeSuperseded) where.push(CURRENT_SQL);
    if (input.type) {
      where.push('m.type = any(array(select jsonb_array_elements_text(?::jsonb)))');
      params.push(JSON.stringify(input.type));
    }
    if (input.pinned !== undefined) {
      where.push('m.pinned = ?');
      params.push(input.pinned);
    }
    if (input.source) {
      where.push('m.source = ?');
      params.push(input.source);
    }
    if (input.conversationId) {
      where.push('exists (select 1 from memory_provenance p where p.owner_id = m.owner_id and p.conversation_id = ? and p.memory_id = m.id)');
      params.push(input.conversationId);
    }
    if (input.q) {
      where.push("m.content ilike ? escape '\\'");
      params.push(`%${input.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    const cursor = this.decodeCursor(input.cursor);
    if (cursor) {
      where.push('(m.created_at, m.id) < (?::timestamptz, ?::uuid)');
      params.push(cursor.at, cursor.id);
    }
    const em = this.deps.em();
    const rows = await em.execute<{ id: string; created_at: string | Date }[]>(
      `select m.id, m.created_at from memory_item m where ${where.join(' and ')} order by m.created_at desc, m.id desc limit ?`,
      [...params, input.limit + 1],
    );
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > input.limit && last ? Buffer.from(JSON.stringify({ at: new Date(last.created_at).toISOString(), id: last.id })).toString('base64url') : null;
    return { items: await loadMemories(em, ownerId, page.map((r) => r.id)), nextCursor };
  }

  private decodeCursor(cursor: string | undefined): Cursor | null {
    if (!cursor) return null;
    try {
      const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<Cursor>;
      if (typeof parsed.at === 'string' && !Number.isNaN(Date.parse(parsed.at)) && typeof parsed.id === 'string' && /^[0-9a-f-]{36}$/i.test(parsed.id)) return { at: parsed.at, id: parsed.id };
    } catch {
      // fall through
    }
    throw new InvalidError('MEMORY_BAD_CURSOR', 'This page cursor is not valid: list again from the first page');
  }

  /**
   * A memory the user states: reconciled like extracted ones (a duplicate returns the existing
   * memory, a new value of the same slot supersedes the old one). Secrets are refused.
   */
  async add(ownerId: string, input: AddMemoryInput): Promise<MemoryDto> {
    refuseSecrets(input.content);
    const slot = slotOf(input.type, input.content);
    const outcome = await this.deps.em().transactional(async (tx) => {
      await ownerLock(tx, ownerId);
      const result = await reconcile(tx, ownerId, this.deps.secretKey, { type: input.type, content: input.content, slot, confidence: 1, importance: input.importance, source: 'manual', actor: 'user', observedAt: null, provenance: null, pinned: input.pinned });
      if (result.decision === 'FORGOTTEN') {
        // Saying it again on purpose brings it back.
        await tx.execute('delete from memory_forgotten where owner_id = ? and content_key = ?', [ownerId, forgottenKey(this.deps.secretKey, ownerId, input.content)]);
        return reconcile(tx, ownerId, this.deps.secretKey, { type: input.type, content: input.content, slot, confidence: 1, importance: input.importance, source: 'manual', actor: 'user', observedAt: null, provenance: null, pinned: input.pinned });
      }
      if (result.decision === 'NOOP' && input.pinned && result.memoryId) await this.setPinned(tx, ownerId, result.memoryId, true);
      return result;
    });
    await this.afterWrite(ownerId, outcome.reindex, outcome.unindex);
    return this.get(ownerId, outcome.memoryId!);
  }

  /** Changes a memory's content, type, importance or pinned state; each change is a revision. */
  async edit(ownerId: string, input: EditMemoryInput): Promise<MemoryDto> {
    if (input.content !== undefined) refuseSecrets(input.content);
    const current = await this.get(ownerId, input.id);
    await this.deps.em().transactional(async (tx) => {
      await ownerLock(tx, ownerId);
      const type = input.type ?? current.type;
      if ((input.content !== undefined && input.content !== current.content) || type !== current.type) {
        const content = input.content ?? current.content;
        await tx.execute('update memory_item set content = ?, content_hash = ?, type = ?, slot = ?, confidence = 1, updated_at = clock_timestamp() where id = ? and owner_id = ?', [content, contentHash(content), type, slotOf(type, content), input.id, ownerId]);
        await addRevision(tx, { memoryId: input.id, ownerId, action: 'EDIT', previousContent: current.content, content, actor: 'user', detail: type !== current.type ? `type ${current.type} → ${type}` : null });
      }
      if (input.importance !== undefined && input.importance !== current.importance) {
        await tx.execute('update memory_item set importance = ?, updated_at = clock_timestamp() where id = ?', [input.importance, input.id]);
        await addRevision(tx, { memoryId: input.id, ownerId, action: 'EDIT', actor: 'user', detail: `importance ${current.importance} → ${input.importance}` });
      }
      if (input.pinned !== undefined && input.pinned !== current.pinned) await this.setPinned(tx, ownerId, input.id, input.pinned);
    });
    await this.afterWrite(ownerId, [input.id], []);
    return this.get(ownerId, input.id);
  }

  /** Pins (or unpins) a memory: pinned memories come first in every context. */
  async pin(ownerId: string, id: string, pinned: boolean): Promise<MemoryDto> {
    const current = await this.get(ownerId, id);
    if (current.pinned !== pinned) {
      await this.deps.em().transactional((tx) => this.setPinned(tx, ownerId, id, pinned));
      this.emitChanged(ownerId, [id]);
    }
    return this.get(ownerId, id);
  }

  private async setPinned(tx: EntityManager, ownerId: string, id: string, pinned: boolean): Promise<void> {
    await tx.execute('update memory_item set pinned = ?, updated_at = clock_timestamp() where id = ? and owner_id = ?', [pinned, id, ownerId]);
    await addRevision(tx, { memoryId: id, ownerId, action: pinned ? 'PIN' : 'UNPIN', actor: 'user' });
  }

  /**
   * Forgets a memory: the row, its provenance and its revisions are deleted, its search document
   * removed, and only a keyed hash of its content is kept so extraction does not bring it back.
   */
  async forget(ownerId: string, id: string): Promise<{ id: string; forgotten: true }> {
    const memory = await this.get(ownerId, id);
    await this.deps.em().transactional(async (tx) => {
      await ownerLock(tx, ownerId);
      await tx.execute('insert into memory_forgotten (owner_id, content_key, forgotten_at) values (?, ?, now()) on conflict do nothing', [ownerId, forgottenKey(this.deps.secretKey, ownerId, memory.content)]);
      // Older values it superseded stay in history (still ended by their valid_to).
      await tx.execute('update memory_item set superseded_by = null where owner_id = ? and superseded_by = ?', [ownerId, id]);
      await tx.execute('delete from memory_item where owner_id = ? and id = ?', [ownerId, id]);
    });
    await this.afterWrite(ownerId, [], [id]);
    return { id, forgotten: true };
  }

  /** A memory with its revisions, newest first. */
  async history(ownerId: string, id: string): Promise<MemoryHistory> {
    const memory = await this.get(ownerId, id);
    return { memory, revisions: await loadRevisions(this.deps.em(), ownerId, id) };
  }

  /**
   * Queues extraction of a conversation: requests are gathered briefly into one job per owner and
   * batch, after search's indexing (priority): an import's conversations are searchable first.
   */
  scheduleExtract(ownerId: string, conversationId: string): Promise<void> {
    return this.batcher.add(ownerId, conversationId);
  }

  /** Re-runs extraction of a conversation of the caller's (or, for an admin naming the owner's email, of anyone's). */
  async requestExtract(actor: Actor, conversationId: string, ownerEmail?: string): Promise<{ jobId: string }> {
    if (ownerEmail !== undefined && !actsAsAdmin(actor)) throw new ForbiddenError('AUTH_ADMIN_REQUIRED', 'Only administrators may extract from another user\'s conversations');
    const owner = ownerEmail === undefined ? actor.userId : (await this.deps.services.auth!.findByEmail(ownerEmail.toLowerCase())).id;
    if (!(await this.deps.services.capture!.conversationTurns(owner, conversationId))) throw new NotFoundError('MEMORY_CONVERSATION_NOT_FOUND', { conversationId }, 'No such conversation');
    return this.deps.jobs.enqueue('memory.extract', { ownerId: owner, conversationIds: [conversationId], force: true }, { ownerId: owner, jobKey: `memory.extract:${conversationId}` });
  }

  /**
   * The 'memory.extract' job over a batch of one owner's conversations. Every conversation is
   * tried; if any failed, the job fails with the first error after the others are done (a retry
   * skips the done ones: their content hash is unchanged).
   */
  async runExtractBatchJob(payload: { ownerId: string; conversationIds: string[]; force: boolean }, signal?: AbortSignal): Promise<ExtractionResult & { conversations: number }> {
    const total: ExtractionResult & { conversations: number } = { conversations: 0, skipped: true, extractor: this.extractor.id, candidates: 0, rejected: 0, added: 0, updated: 0, superseded: 0, unchanged: 0, removed: 0, tokens: 0, truncated: false };
    let failure: unknown = null;
    for (const conversationId of new Set(payload.conversationIds)) {
      if (signal?.aborted) throw new Error('the worker is stopping: the batch resumes on retry');
      await this.deps.jobs.yieldToRequests();
      try {
        const one = await this.runExtractJob({ ownerId: payload.ownerId, conversationId, force: payload.force }, signal);
        total.conversations += 1;
        total.skipped &&= one.skipped;
        total.truncated ||= one.truncated;
        for (const key of ['candidates', 'rejected', 'added', 'updated', 'superseded', 'unchanged', 'removed', 'tokens'] as const) total[key] += one[key];
      } catch (error) {
        this.log.warn({ err: error, conversationId }, 'memory extraction failed for a conversation of the batch');
        failure ??= error;
      }
    }
    if (failure) throw failure;
    return total;
  }

  /** The 'memory.extract' job: extract, check, reconcile and store one conversation's memories. */
  async runExtractJob(payload: { ownerId: string; conversationId: string; force: boolean }, signal?: AbortSignal): Promise<ExtractionResult> {
    const result = await runExtraction({ deps: this.deps, extractor: this.extractor, signal, lock: ownerLock }, payload);
    await this.afterWrite(payload.ownerId, result.reindex, result.unindex);
    const { extractor, added, skipped, tokens, truncated } = result.summary;
    this.log[truncated ? 'warn' : 'info']({ conversationId: payload.conversationId, extractor, added, skipped, tokens, truncated }, truncated ? 'memories extracted until the token budget ran out' : 'memories extracted');
    return result.summary;
  }

  /**
   * The 'memory.sweep' job (at start) and the CLI's catch-up: extracts conversations never
   * extracted yet (imported before this module, or while no worker ran). Inline, or as queued jobs.
   */
  async runSweepJob(options: { ownerId?: string; inline?: boolean } = {}): Promise<{ queued: number }> {
    const capture = this.deps.services.capture!;
    const em = this.deps.em();
    let after: string | null = null;
    let queued = 0;
    for (;;) {
      const page = await capture.indexVersions(after, 1000);
      if (page.length === 0) break;
      after = page.at(-1)!.id;
      const mine = options.ownerId ? page.filter((p) => p.ownerId === options.ownerId) : page;
      if (mine.length === 0) continue;
      const done = await em.execute<{ conversation_id: string }[]>('select conversation_id from memory_extraction where conversation_id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))', [JSON.stringify(mine.map((p) => p.id))]);
      const extracted = new Set(done.map((d) => d.conversation_id));
      for (const item of mine.filter((p) => !extracted.has(p.id))) {
        if (options.inline) await this.runExtractJob({ ownerId: item.ownerId, conversationId: item.id, force: false });
        else await this.scheduleExtract(item.ownerId, item.id);
        queued += 1;
      }
    }
    return { queued };
  }

  /** Mirrors changes into search (after commit) and tells listeners. */
  private async afterWrite(ownerId: string, reindex: readonly string[], unindex: readonly string[]): Promise<void> {
    const search = this.deps.services.search!;
    const upsert = [...new Set(reindex)].filter((id) => !unindex.includes(id));
    if (unindex.length > 0) await search.removeExternal(ownerId, 'memory', [...new Set(unindex)]);
    if (upsert.length > 0) {
      const memories = (await loadMemories(this.deps.em(), ownerId, upsert)).filter(isCurrent);
      await search.upsertExternal(
        ownerId,
        'memory',
        memories.map((m) => {
          const p = m.provenance[0];
          return { refId: m.id, title: `${m.type[0]!.toUpperCase()}${m.type.slice(1)}`, body: m.content, conversationId: p?.conversationId ?? null, messageId: p?.messageId ?? null, sourceConversationId: p?.sourceConversationId ?? null, sourceMessageId: p?.sourceMessageId ?? null, provider: p?.provider ?? null, createdAt: m.createdAt };
        }),
      );
    }
    const changed = [...new Set([...reindex, ...unindex])];
    if (changed.length > 0) this.emitChanged(ownerId, changed);
  }

  private emitChanged(ownerId: string, memoryIds: string[]): void {
    this.deps.events.emit<MemoryChangedEvent>(memoryEvents.changed, { ownerId, memoryIds });
  }
}

/** Current = not superseded and not expired. */
function isCurrent(m: MemoryDto): boolean {
  return m.supersededBy === null && (m.validTo === null || Date.parse(m.validTo) > Date.now());
}

function refuseSecrets(content: string): void {
  const found = findSecrets(content);
  if (found.length > 0) throw new InvalidError('MEMORY_CONTAINS_SECRET', `A memory cannot hold a secret (${found.map((f) => f.kind).join(', ')}): remove it and try again`, { kinds: found.map((f) => f.kind) });
}

const slotReader = new OfflineExtractor();

/** The slot the offline rules give a statement of this type ("I prefer spaces" → preference:indentation). */
function slotOf(type: MemoryType, content: string): string | null {
  return slotReader.slotOf(type, content);
}
