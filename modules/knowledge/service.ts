import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { CaptureService, IndexSource } from '#modules/capture/index.ts';
import { InvalidError, NotFoundError } from '#server/errors.ts';
import { JobBatcher } from '#server/job-batcher.ts';
import type { ModuleDeps } from '#server/module.ts';
import { EXTRACTOR_VERSION } from './extract/analyze.ts';
import { AnalyzerThread } from './extract/analyzer.ts';
import { entityKey, matchTerms, STOP_WORDS } from './extract/text.ts';
import { knowledgeEvents } from './events.ts';
import type { EntityDto, EntityType, ForPromptInput, ListEntitiesInput, ListTopicsInput, TopicDto } from './schemas.ts';
import { processConversations, recomputeTopics } from './service/librarian.ts';
import { decodeCursor, ENTITY_COLUMNS, entityDtos, encodeCursor, TOPIC_COLUMNS, topicDtos, type EntityRow, type TopicRow } from './service/read.ts';

/** Conversations per Librarian job, and how long requests are gathered before they are enqueued. */
const LIBRARIAN_BATCH = 100;
const LIBRARIAN_DELAY_MS = 500;
/** Lower than search's indexing (0): what people search for first, what the Librarian learns after. */
const LIBRARIAN_PRIORITY = 5;
/** Conversations / mentions shown in list DTOs. */
const TOP_FEW = 3;

const json = (value: unknown) => JSON.stringify(value);
const likePrefix = (q: string) => `${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Recency in [0, 1): 1 for now, 0.5 a month ago. */
function recency(at: string | Date | null): number {
  if (at === null) return 0;
  const days = Math.max(0, (Date.now() - new Date(at).getTime()) / 86_400_000);
  return 1 / (1 + days / 30);
}

/** The Librarian: topics and entities of each owner's conversations, and the queries over them. */
export class KnowledgeService {
  private readonly deps: ModuleDeps;
  private readonly log: Logger;
  private readonly batcher: JobBatcher;
  /** Reads conversations in a worker thread (NLP), off the thread that serves requests. */
  private readonly analyzer: AnalyzerThread;

  constructor(deps: ModuleDeps) {
    this.deps = deps;
    this.log = deps.log.child({ module: 'knowledge' });
    this.analyzer = new AnalyzerThread({ log: this.log });
    this.batcher = new JobBatcher({ jobs: deps.jobs, log: this.log, task: 'knowledge.librarian', batch: LIBRARIAN_BATCH, delayMs: LIBRARIAN_DELAY_MS, priority: LIBRARIAN_PRIORITY });
  }

  private get em(): () => EntityManager {
    return this.deps.em;
  }

  private get capture(): CaptureService {
    const capture = this.deps.services.capture;
    if (!capture) throw new Error('the capture module is not loaded');
    return capture;
  }

  // ---------------------------------------------------------------- the Librarian

  /** Queues a conversation for the Librarian; requests are gathered briefly into one job per owner and batch. */
  schedule(ownerId: string, conversationId: string): Promise<void> {
    return this.batcher.add(ownerId, conversationId);
  }

  /** Enqueues the gathered requests now. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /**
   * The 'knowledge.librarian' job: reads each conversation (unchanged ones are skipped without a
   * write), then re-clusters the owner's topics if anything changed, then emits `knowledge.updated`.
   */
  async runLibrarianJob(payload: { ownerId: string; conversationIds: string[] }): Promise<{ updated: number; removed: number; unchanged: number; topicsWritten: number }> {
    const how = { analyze: (source: IndexSource) => this.analyzer.analyze(source), yieldToRequests: () => this.deps.jobs.yieldToRequests() };
    const result = { ...(await processConversations(this.em, this.capture, payload.ownerId, payload.conversationIds, how)), topicsWritten: 0 };
    if (result.updated + result.removed > 0) {
      result.topicsWritten = await recomputeTopics(this.em, payload.ownerId);
      this.deps.events.emit(knowledgeEvents.updated, { ownerId: payload.ownerId });
    }
    return result;
  }

  /**
   * The 'knowledge.sweep' job: queues conversations whose capture version differs from what the
   * Librarian read, and deleted ones. `inline` (the CLI without a server) runs the Librarian at once.
   */
  async runSweepJob(options: { inline?: boolean } = {}): Promise<{ queued: number }> {
    const em = this.em();
    let after: string | null = null;
    const live = new Set<string>();
    const todo = new Map<string, string[]>();
    const want = (ownerId: string, conversationId: string) => todo.set(ownerId, [...(todo.get(ownerId) ?? []), conversationId]);
    for (;;) {
      const page = await this.capture.indexVersions(after, 1000);
      if (page.length === 0) break;
      const held = await em.execute<{ conversation_id: string; version: string }[]>(
        'select conversation_id, version from knowledge_conversation where conversation_id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))',
        [json(page.map((p) => p.id))],
      );
      const versions = new Map(held.map((h) => [h.conversation_id, h.version]));
      for (const item of page) {
        live.add(item.id);
        if (versions.get(item.id) !== `${item.version}:${EXTRACTOR_VERSION}`) want(item.ownerId, item.id);
      }
      after = page.at(-1)!.id;
    }
    // Conversations deleted while no process listened: the Librarian finds them gone and cleans up.
    const held = await em.execute<{ conversation_id: string; owner_id: string }[]>('select conversation_id, owner_id from knowledge_conversation');
    for (const h of held) if (!live.has(h.conversation_id)) want(h.owner_id, h.conversation_id);
    let queued = 0;
    for (const [ownerId, ids] of todo) {
      queued += ids.length;
      for (let i = 0; i < ids.length; i += LIBRARIAN_BATCH) {
        if (options.inline) await this.runLibrarianJob({ ownerId, conversationIds: ids.slice(i, i + LIBRARIAN_BATCH) });
        else for (const id of ids.slice(i, i + LIBRARIAN_BATCH)) await this.schedule(ownerId, id);
      }
    }
    await this.flush();
    return { queued };
  }

  // ---------------------------------------------------------------- for the context engine

  /** Topics for a prompt: keyphrase/term overlap first (recency breaks ties), recent topics after (or only, without a prompt). */
  async topicsFor(ownerId: string, input: ForPromptInput): Promise<(TopicDto & { score: number })[]> {
    const em = this.em();
    const terms = [...new Set(matchTerms(input.prompt ?? ''))].slice(0, 64);
    const scored = new Map<string, { row: TopicRow; score: number }>();
    if (terms.length > 0) {
      const rows = await em.execute<TopicRow[]>(
        `select ${TOPIC_COLUMNS} from knowledge_topic t where t.owner_id = ? and t.terms && array(select jsonb_array_elements_text(?::jsonb)) limit 500`,
        [ownerId, json(terms)],
      );
      const prompt = ` ${terms.join(' ')} `;
      for (const row of rows) {
        const matched = row.terms.filter((t) => terms.includes(t)).length;
        const phrases = row.keyphrases.filter((k) => k.includes(' ') && prompt.includes(` ${matchTerms(k).join(' ')} `)).length;
        const score = matched / Math.max(1, Math.min(terms.length, row.terms.length)) + 0.5 * phrases + 0.1 * recency(row.last_seen_at);
        scored.set(row.id, { row, score: 1 + score });
      }
    }
    const ranked = [...scored.values()].sort((a, b) => b.score - a.score).slice(0, input.limit);
    if (ranked.length < input.limit) {
      const recent = await em.execute<TopicRow[]>(
        `select ${TOPIC_COLUMNS} from knowledge_topic t where t.owner_id = ? order by t.last_seen_at desc nulls last, t.conversation_count desc, t.id limit ?`,
        [ownerId, input.limit + ranked.length],
      );
      for (const row of recent) if (ranked.length < input.limit && !scored.has(row.id)) ranked.push({ row, score: 0.5 * recency(row.last_seen_at) });
    }
    const dtos = await topicDtos(em, ownerId, ranked.map((r) => r.row), TOP_FEW);
    return dtos.map((dto, i) => ({ ...dto, score: Math.round(ranked[i]!.score * 1000) / 1000 }));
  }

  /** Entities for a prompt: those named in it (by name or alias) first, then ones mentioned alongside them, then recent ones. */
  async entitiesFor(ownerId: string, input: ForPromptInput): Promise<(EntityDto & { score: number })[]> {
    const em = this.em();
    const words = (input.prompt ?? '').match(/[\p{L}\p{N}][\p{L}\p{N}+#.'’-]*/gu) ?? [];
    const keys = new Set<string>();
    for (let i = 0; i < words.length && keys.size < 300; i++) {
      for (let n = 1; n <= 3 && i + n <= words.length; n++) {
        const ngram = words.slice(i, i + n).join(' ');
        if (n === 1 && STOP_WORDS.has(ngram.toLowerCase())) continue;
        const key = entityKey(ngram);
        if (key.length >= 2) keys.add(key);
      }
    }
    const ranked: { row: EntityRow; score: number }[] = [];
    const taken = new Set<string>();
    if (keys.size > 0) {
      const named = await em.execute<EntityRow[]>(
        `select ${ENTITY_COLUMNS} from knowledge_entity e where e.owner_id = ? and e.alias_keys && array(select jsonb_array_elements_text(?::jsonb))
         order by e.mention_count desc, e.id limit ?`,
        [ownerId, json([...keys]), input.limit],
      );
      for (const row of named) {
        ranked.push({ row, score: 2 + Math.min(0.5, Math.log10(1 + row.mention_count) / 6) + 0.1 * recency(row.last_seen_at) });
        taken.add(row.id);
      }
    }
    if (ranked.length > 0 && ranked.length < input.limit) {
      const related = await em.execute<(EntityRow & { shared: number })[]>(
        `with convs as (select distinct conversation_id from (select m.conversation_id from knowledge_mention m
            where m.owner_id = ? and m.entity_id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid)) order by m.seen_at desc limit 200) x)
         select ${ENTITY_COLUMNS}, r.shared from (select m.entity_id, count(distinct m.conversation_id)::int as shared from knowledge_mention m
            where m.owner_id = ? and m.conversation_id in (select conversation_id from convs) group by m.entity_id) r
         join knowledge_entity e on e.id = r.entity_id
         where not (e.id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid)))
         order by r.shared desc, e.mention_count desc, e.id limit ?`,
        [ownerId, json([...taken]), ownerId, json([...taken]), input.limit - ranked.length],
      );
      for (const row of related) {
        ranked.push({ row, score: 1 + Math.min(0.9, row.shared / 10) });
        taken.add(row.id);
      }
    }
    if (ranked.length < input.limit) {
      const recent = await em.execute<EntityRow[]>(
        `select ${ENTITY_COLUMNS} from knowledge_entity e where e.owner_id = ? order by e.last_seen_at desc nulls last, e.mention_count desc, e.id limit ?`,
        [ownerId, input.limit + taken.size],
      );
      for (const row of recent) if (ranked.length < input.limit && !taken.has(row.id)) ranked.push({ row, score: 0.5 * recency(row.last_seen_at) });
    }
    const dtos = await entityDtos(em, ranked.map((r) => r.row), TOP_FEW);
    return dtos.map((dto, i) => ({ ...dto, score: Math.round(ranked[i]!.score * 1000) / 1000 }));
  }

  // ---------------------------------------------------------------- browsing

  /** The owner's topics, most conversations first; `q` filters by label or keyphrase prefix. */
  async listTopics(ownerId: string, input: ListTopicsInput): Promise<{ items: TopicDto[]; nextCursor: string | null }> {
    const where = ['t.owner_id = ?'];
    const params: unknown[] = [ownerId];
    if (input.q) {
      where.push("(lower(t.label) like ? or exists (select 1 from unnest(t.keyphrases) k where lower(k) like ? or lower(k) like ?))");
      params.push(likePrefix(input.q), likePrefix(input.q), `% ${likePrefix(input.q)}`);
    }
    const after = this.cursor(input.cursor);
    if (after) {
      where.push('(t.conversation_count < ? or (t.conversation_count = ? and t.id > ?::uuid))');
      params.push(after.n, after.n, after.id);
    }
    const em = this.em();
    const rows = await em.execute<TopicRow[]>(`select ${TOPIC_COLUMNS} from knowledge_topic t where ${where.join(' and ')} order by t.conversation_count desc, t.id limit ?`, [...params, input.limit + 1]);
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    return { items: await topicDtos(em, ownerId, page, TOP_FEW), nextCursor: rows.length > input.limit && last ? encodeCursor({ n: last.conversation_count, id: last.id }) : null };
  }

  /** The owner's entities, most mentioned first; filters: type, name or alias prefix. */
  async listEntities(ownerId: string, input: ListEntitiesInput): Promise<{ items: EntityDto[]; nextCursor: string | null }> {
    const where = ['e.owner_id = ?'];
    const params: unknown[] = [ownerId];
    if (input.type) {
      where.push('e.type = ?');
      params.push(input.type);
    }
    if (input.q) {
      const key = entityKey(input.q);
      where.push("(lower(e.name) like ? or exists (select 1 from unnest(e.alias_keys) k where k like ?))");
      params.push(likePrefix(input.q), `${key.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    const after = this.cursor(input.cursor);
    if (after) {
      where.push('(e.mention_count < ? or (e.mention_count = ? and e.id > ?::uuid))');
      params.push(after.n, after.n, after.id);
    }
    const em = this.em();
    const rows = await em.execute<EntityRow[]>(`select ${ENTITY_COLUMNS} from knowledge_entity e where ${where.join(' and ')} order by e.mention_count desc, e.id limit ?`, [...params, input.limit + 1]);
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    return { items: await entityDtos(em, page, TOP_FEW), nextCursor: rows.length > input.limit && last ? encodeCursor({ n: last.mention_count, id: last.id }) : null };
  }

  /** Entity names (or aliases) starting with a prefix, most mentioned first: completions for the search box. */
  async suggestNames(ownerId: string, prefix: string, limit: number): Promise<{ name: string; type: EntityType }[]> {
    const key = entityKey(prefix);
    if (key.length === 0 || limit <= 0) return [];
    return this.em().execute<{ name: string; type: EntityType }[]>(
      `select e.name, e.type from knowledge_entity e where e.owner_id = ? and (lower(e.name) like ? or exists (select 1 from unnest(e.alias_keys) k where k like ?))
       order by e.mention_count desc, e.id limit ?`,
      [ownerId, likePrefix(prefix), `${key.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, limit],
    );
  }

  /** One entity of the owner with its latest mentions (NOT_FOUND for anyone else's). */
  async getEntity(ownerId: string, id: string, mentions = 50): Promise<EntityDto> {
    const em = this.em();
    const rows = await em.execute<EntityRow[]>(`select ${ENTITY_COLUMNS} from knowledge_entity e where e.owner_id = ? and e.id = ?`, [ownerId, id]);
    if (rows.length === 0) throw new NotFoundError('KNOWLEDGE_ENTITY_NOT_FOUND', { id }, 'No such entity');
    return (await entityDtos(em, rows, mentions))[0]!;
  }

  /** One topic of the owner with its conversations, best first (NOT_FOUND for anyone else's). */
  async getTopic(ownerId: string, id: string): Promise<TopicDto> {
    const em = this.em();
    const rows = await em.execute<TopicRow[]>(`select ${TOPIC_COLUMNS} from knowledge_topic t where t.owner_id = ? and t.id = ?`, [ownerId, id]);
    if (rows.length === 0) throw new NotFoundError('KNOWLEDGE_TOPIC_NOT_FOUND', { id }, 'No such topic');
    return (await topicDtos(em, ownerId, rows, 200))[0]!;
  }

  private cursor(cursor: string | undefined) {
    if (!cursor) return null;
    const parsed = decodeCursor(cursor);
    if (!parsed) throw new InvalidError('KNOWLEDGE_BAD_CURSOR', 'This page cursor is not valid: list again from the first page');
    return parsed;
  }

  /** Queues what is still gathered. */
  async stop(): Promise<void> {
    await this.flush().catch((error: unknown) => this.log.warn({ err: error }, 'librarian requests not queued at stop; the next start sweeps'));
    await this.analyzer.close();
  }
}
