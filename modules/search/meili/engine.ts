/**
 * Meilisearch implementation of the lexical search contract (`../engine.ts`). Enabled when MEILI_URL
 * is set: the search service mirrors every IndexedDoc here and uses it for the lexical half of hybrid
 * search (vectors stay in pgvector).
 *
 * Tenant isolation: every search carries an `ownerId = "…"` filter, and every filter value is quoted
 * and escaped (see `quoteFilterValue`), so no user input reaches Meilisearch's filter grammar unquoted.
 */
import { randomBytes } from 'node:crypto';
import {
  Meilisearch,
  MeilisearchApiError,
  MeilisearchRequestError,
  MeilisearchRequestTimeOutError,
  MeilisearchTaskTimeOutError,
  type EnqueuedTask,
  type MatchingStrategies,
  type SearchParams,
  type Settings,
  type Task,
} from 'meilisearch';
import type { Logger } from 'pino';
import { searchKinds, type IndexedDoc, type LexicalEngine, type LexicalHit, type ParsedQuery, type SearchFilters } from '../engine.ts';

export const MEILI_DEFAULT_INDEX_UID = 'vivim_docs';

/**
 * - MEILI_UNREACHABLE: no answer (connection refused/reset, DNS, request timeout, 502/503/504 without a Meilisearch body).
 * - MEILI_TASK_FAILED: an asynchronous task (index creation, settings, documents) failed, was canceled or did not finish in time.
 * - MEILI_BAD_RESPONSE: Meilisearch answered with an error status (bad key, invalid filter, missing index…) or a body of the wrong shape.
 */
export const meiliErrorCodes = ['MEILI_UNREACHABLE', 'MEILI_TASK_FAILED', 'MEILI_BAD_RESPONSE'] as const;
export type MeiliErrorCode = (typeof meiliErrorCodes)[number];

/** A failure talking to Meilisearch. Messages never contain the API key or URL credentials. */
export class MeiliEngineError extends Error {
  readonly code: MeiliErrorCode;
  /** HTTP status of Meilisearch's answer, when there was one. */
  readonly status: number | undefined;
  /** Meilisearch's own error code (`invalid_search_filter`, `index_not_found`, `invalid_api_key`…), when it gave one. */
  readonly meiliCode: string | undefined;

  constructor(code: MeiliErrorCode, message: string, extra: { status?: number; meiliCode?: string } = {}) {
    super(message);
    this.name = 'MeiliEngineError';
    this.code = code;
    this.status = extra.status;
    this.meiliCode = extra.meiliCode;
  }
}

export interface MeiliEngineOptions {
  url: string;
  apiKey?: string;
  /** Default `vivim_docs`. */
  indexUid?: string;
  log: Logger;
  /** Documents per `addDocuments` call (default 1000). */
  batchSize?: number;
  /** Upper bound on one batch's JSON payload in bytes (default 16 MiB; Meilisearch refuses more than 100 MB). */
  maxBatchBytes?: number;
  /** Timeout of one HTTP request (default 10 s). */
  requestTimeoutMs?: number;
  /** How long to wait for an asynchronous task (default 60 s). */
  taskTimeoutMs?: number;
  /** Poll interval while waiting for a task (default 50 ms). */
  taskPollMs?: number;
  /**
   * Default `frequency`: documents with every term rank first, then Meilisearch drops the most frequent
   * terms, which approximates the Postgres engine (any term matches, all terms ranked higher).
   * Phrases and exclusions are always enforced.
   */
  matchingStrategy?: MatchingStrategies;
}

/** The document as stored in Meilisearch: the IndexedDoc plus `createdAtTs` (epoch seconds, fractional) for numeric date filters and `standsForAcu` (acuId set) for the kind filter. */
export type MeiliDoc = IndexedDoc & { createdAtTs: number | null; standsForAcu: boolean };

export const MEILI_SEARCHABLE_ATTRIBUTES = ['title', 'body', 'code', 'context'] as const;
export const MEILI_FILTERABLE_ATTRIBUTES = ['ownerId', 'kind', 'standsForAcu', 'provider', 'role', 'conversationId', 'createdAtTs'] as const;

/** Index settings applied by `init()`. `rankingRules: null` resets them to Meilisearch's defaults. */
export const meiliSettings: Settings = {
  searchableAttributes: [...MEILI_SEARCHABLE_ATTRIBUTES],
  filterableAttributes: [...MEILI_FILTERABLE_ATTRIBUTES],
  sortableAttributes: ['createdAtTs'],
  rankingRules: null,
  typoTolerance: { enabled: true },
};

/** Meilisearch document ids: ASCII alphanumerics, `-` and `_`, at most 511 bytes. */
const DOC_ID = /^[A-Za-z0-9_-]{1,511}$/;
/** Words the negative operator can take bare (anything else is excluded as a negative phrase). */
const SIMPLE_WORD = /^[\p{L}\p{N}_]+$/u;
const CROP_BODY = 30;
const CROP_OTHER = 20;

/** Epoch seconds (fractional, so millisecond bounds stay exact) of an ISO timestamp, or null. */
export function epochSeconds(iso: string | null | undefined): number | null {
  if (iso == null || iso === '') return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : null;
}

export function toMeiliDoc(doc: IndexedDoc): MeiliDoc {
  if (!DOC_ID.test(doc.id)) throw new TypeError(`Document id ${JSON.stringify(doc.id.slice(0, 80))} is not a valid Meilisearch id`);
  return { ...doc, createdAtTs: epochSeconds(doc.createdAt), standsForAcu: doc.acuId !== null };
}

/**
 * A filter string literal: double-quoted, with `\` and `"` escaped. Meilisearch (≥ 1.2) reads `\"` as a
 * quote and `\\` as a backslash inside quotes; older versions keep `\\` doubled, so a value with a
 * backslash then matches nothing (never something else). An unescaped `"` can never appear inside the
 * literal, so a value cannot close it and inject filter syntax.
 */
export function quoteFilterValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function quoteList(values: readonly string[]): string {
  return `[${values.map(quoteFilterValue).join(', ')}]`;
}

function boundSeconds(name: 'from' | 'to', iso: string): string {
  const seconds = epochSeconds(iso);
  if (seconds === null) throw new TypeError(`Invalid ${name} date: ${JSON.stringify(iso.slice(0, 40))}`);
  return String(seconds);
}

/**
 * The Meilisearch filter for search filters: `ownerId = "…"` always first, then AND-ed conditions.
 * Empty arrays mean "no restriction", like the Postgres engine.
 */
export function buildFilter(filters: SearchFilters): string {
  if (typeof filters.ownerId !== 'string' || filters.ownerId === '') throw new TypeError('Search filters need an ownerId');
  const parts = [`ownerId = ${quoteFilterValue(filters.ownerId)}`];
  if (filters.kinds && filters.kinds.length > 0) {
    for (const kind of filters.kinds) if (!searchKinds.includes(kind)) throw new TypeError(`Unknown search kind ${JSON.stringify(kind)}`);
    // A message document with acuId also stands for that ACU (see IndexedDoc.acuId).
    parts.push(filters.kinds.includes('acu') ? `(kind IN ${quoteList(filters.kinds)} OR standsForAcu = true)` : `kind IN ${quoteList(filters.kinds)}`);
  }
  if (filters.providers && filters.providers.length > 0) parts.push(`provider IN ${quoteList(filters.providers)}`);
  if (filters.roles && filters.roles.length > 0) parts.push(`role IN ${quoteList(filters.roles)}`);
  if (filters.conversationId) parts.push(`conversationId = ${quoteFilterValue(filters.conversationId)}`);
  if (filters.from) parts.push(`createdAtTs >= ${boundSeconds('from', filters.from)}`);
  if (filters.to) parts.push(`createdAtTs <= ${boundSeconds('to', filters.to)}`);
  return parts.join(' AND ');
}

/** Words for `q`: Meilisearch's query syntax has no escapes, so quotes go and a leading `-` is not an operator. */
function cleanWords(text: string): string[] {
  return text
    .replace(/[\p{Cc}"]/gu, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^-+/, ''))
    .filter((w) => w !== '');
}

/**
 * The `q` string for a parsed query: terms, `"phrases"` and `-exclusions` (a `-"phrase"` for words
 * with separators such as `node.js`). Null when nothing positive is left to search for.
 */
export function buildQueryString(query: ParsedQuery): string | null {
  const terms = query.terms.flatMap(cleanWords);
  const phrases = query.phrases.map((p) => p.flatMap(cleanWords)).filter((p) => p.length > 0);
  if (terms.length === 0 && phrases.length === 0) return null;
  const excluded = query.excluded.flatMap((word) => {
    const words = cleanWords(word);
    if (words.length === 0) return [];
    const joined = words.join(' ');
    return [SIMPLE_WORD.test(joined) ? `-${joined}` : `-"${joined}"`];
  });
  return [...phrases.map((p) => `"${p.join(' ')}"`), ...terms, ...excluded].join(' ');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

/**
 * Turns a Meilisearch-formatted value (highlights between `pre`/`post` sentinels) into HTML:
 * everything escaped, sentinels become balanced `<mark>`/`</mark>`, whitespace collapsed.
 */
export function renderSnippet(formatted: string, pre: string, post: string): string {
  let out = '';
  let open = false;
  let i = 0;
  while (i < formatted.length) {
    const nextPre = formatted.indexOf(pre, i);
    const nextPost = formatted.indexOf(post, i);
    const candidates = [nextPre, nextPost].filter((n) => n >= 0);
    const next = candidates.length > 0 ? Math.min(...candidates) : -1;
    if (next < 0) {
      out += escapeHtml(formatted.slice(i));
      break;
    }
    out += escapeHtml(formatted.slice(i, next));
    if (next === nextPre) {
      if (!open) out += '<mark>';
      open = true;
      i = next + pre.length;
    } else {
      if (open) out += '</mark>';
      open = false;
      i = next + post.length;
    }
  }
  if (open) out += '</mark>';
  return out.replace(/\s+/g, ' ').trim().replace(/<mark><\/mark>/g, '');
}

/** Replaces the API key and any `user:password@` of a URL in a message. */
function redactor(apiKey: string | undefined): (text: string) => string {
  return (text) => {
    let out = text.replace(/\/\/[^/@\s]*@/g, '//***@');
    if (apiKey) out = out.split(apiKey).join('***');
    return out;
  };
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const parts = [err.message];
  let cause: unknown = err.cause;
  for (let depth = 0; cause instanceof Error && depth < 4; depth++) {
    const code = (cause as { code?: unknown }).code;
    parts.push(typeof code === 'string' ? `${cause.message} (${code})` : cause.message);
    cause = cause.cause;
  }
  return parts.join(': ');
}

interface SearchHitShape {
  id?: unknown;
  _rankingScore?: unknown;
  _formatted?: Record<string, unknown>;
}

export class MeiliEngine implements LexicalEngine {
  readonly name = 'meilisearch' as const;
  readonly indexUid: string;
  private readonly client: Meilisearch;
  private readonly log: Logger;
  private readonly redact: (text: string) => string;
  private readonly batchSize: number;
  private readonly maxBatchBytes: number;
  private readonly taskTimeoutMs: number;
  private readonly taskPollMs: number;
  private readonly matchingStrategy: MatchingStrategies;
  /** Highlight sentinels: private-use characters around a per-instance nonce, so document text can never forge them. */
  private readonly preTag: string;
  private readonly postTag: string;

  constructor(options: MeiliEngineOptions) {
    this.indexUid = options.indexUid ?? MEILI_DEFAULT_INDEX_UID;
    this.redact = redactor(options.apiKey);
    this.log = options.log.child({ engine: 'meilisearch', index: this.indexUid });
    this.batchSize = Math.max(1, options.batchSize ?? 1000);
    this.maxBatchBytes = Math.max(1, options.maxBatchBytes ?? 16 * 1024 * 1024);
    this.taskTimeoutMs = options.taskTimeoutMs ?? 60_000;
    this.taskPollMs = options.taskPollMs ?? 50;
    this.matchingStrategy = options.matchingStrategy ?? 'frequency';
    const nonce = randomBytes(8).toString('hex');
    this.preTag = `\uE000${nonce}\uE001`;
    this.postTag = `\uE002${nonce}\uE003`;
    // Checked here so that a bad URL fails with a message that cannot carry its credentials.
    if (!URL.canParse(/^https?:\/\//.test(options.url) ? options.url : `http://${options.url}`)) {
      throw new TypeError(`Invalid Meilisearch URL ${this.redact(options.url)}`);
    }
    this.client = new Meilisearch({
      host: options.url,
      apiKey: options.apiKey,
      timeout: options.requestTimeoutMs ?? 10_000,
      defaultWaitOptions: { timeout: this.taskTimeoutMs, interval: this.taskPollMs },
    });
  }

  async init(): Promise<void> {
    await this.call('create index', async () => {
      const created = await this.client.createIndex(this.indexUid, { primaryKey: 'id' });
      await this.waitTask(created, 'create index', ['index_already_exists']);
    });
    await this.call('update settings', async () => {
      await this.waitTask(await this.client.index(this.indexUid).updateSettings(meiliSettings), 'update settings');
    });
    this.log.debug('meilisearch index ready');
  }

  async upsert(docs: IndexedDoc[]): Promise<void> {
    if (docs.length === 0) return;
    const index = this.client.index<MeiliDoc>(this.indexUid);
    let batch: MeiliDoc[] = [];
    let bytes = 2;
    const flush = async () => {
      if (batch.length === 0) return;
      const payload = batch;
      batch = [];
      bytes = 2;
      await this.call('add documents', async () => {
        await this.waitTask(await index.addDocuments(payload, { primaryKey: 'id' }), 'add documents');
      });
      this.log.debug({ documents: payload.length }, 'meilisearch documents upserted');
    };
    for (const doc of docs) {
      const meiliDoc = toMeiliDoc(doc);
      const size = Buffer.byteLength(JSON.stringify(meiliDoc)) + 1;
      if (batch.length > 0 && (batch.length >= this.batchSize || bytes + size > this.maxBatchBytes)) await flush();
      batch.push(meiliDoc);
      bytes += size;
    }
    await flush();
  }

  async remove(docIds: string[]): Promise<void> {
    const index = this.client.index(this.indexUid);
    for (let i = 0; i < docIds.length; i += this.batchSize) {
      const ids = docIds.slice(i, i + this.batchSize);
      await this.call('delete documents', async () => {
        await this.waitTask(await index.deleteDocuments(ids), 'delete documents');
      });
    }
  }

  async removeOwner(ownerId: string): Promise<void> {
    if (typeof ownerId !== 'string' || ownerId === '') throw new TypeError('removeOwner needs an ownerId');
    await this.call('delete owner documents', async () => {
      const filter = `ownerId = ${quoteFilterValue(ownerId)}`;
      await this.waitTask(await this.client.index(this.indexUid).deleteDocuments({ filter }), 'delete owner documents');
    });
  }

  async search(query: ParsedQuery, filters: SearchFilters, limit: number): Promise<LexicalHit[]> {
    const filter = buildFilter(filters);
    const q = buildQueryString(query);
    if (q === null || limit <= 0) return [];
    const params: SearchParams = {
      filter,
      limit: Math.floor(limit),
      matchingStrategy: this.matchingStrategy,
      attributesToRetrieve: ['id'],
      attributesToHighlight: [...MEILI_SEARCHABLE_ATTRIBUTES],
      attributesToCrop: [`body:${CROP_BODY}`, `code:${CROP_OTHER}`, `context:${CROP_OTHER}`],
      highlightPreTag: this.preTag,
      highlightPostTag: this.postTag,
      showRankingScore: true,
    };
    const response = await this.call('search', () => this.client.index(this.indexUid).search(q, params));
    const hits: unknown = (response as { hits?: unknown } | undefined)?.hits;
    if (!Array.isArray(hits)) throw new MeiliEngineError('MEILI_BAD_RESPONSE', 'search: Meilisearch answered without a hits array');
    return hits.map((raw: SearchHitShape, i) => {
      const id = raw?.id;
      if (typeof id !== 'string' && typeof id !== 'number') throw new MeiliEngineError('MEILI_BAD_RESPONSE', 'search: a hit has no id');
      const score = typeof raw._rankingScore === 'number' && Number.isFinite(raw._rankingScore) ? raw._rankingScore : 1 / (i + 1);
      return { docId: String(id), score, snippet: this.snippet(raw._formatted) };
    });
  }

  async health(): Promise<{ ok: boolean; detail: string; documents?: number }> {
    try {
      const health = await this.client.health();
      if (health?.status !== 'available') return { ok: false, detail: `Meilisearch status: ${this.redact(String(health?.status))}` };
      const stats = await this.client.index(this.indexUid).getStats();
      const documents = stats?.numberOfDocuments;
      if (typeof documents !== 'number') return { ok: false, detail: 'Meilisearch index stats have no document count' };
      return { ok: true, detail: `Meilisearch, index ${this.indexUid}`, documents };
    } catch (err) {
      const mapped = this.mapError(err, 'health');
      this.log.debug({ code: mapped.code }, mapped.message);
      if (mapped.meiliCode === 'index_not_found') return { ok: false, detail: `Meilisearch index ${this.indexUid} does not exist yet (init not run)` };
      return { ok: false, detail: mapped.message };
    }
  }

  /** Deletes the whole index (tests, full re-index). A missing index is fine. */
  async dropIndex(): Promise<void> {
    await this.call('delete index', async () => {
      await this.waitTask(await this.client.deleteIndex(this.indexUid), 'delete index', ['index_not_found']);
    });
  }

  /** First field with a highlight (body, title, code, context), else the cropped body, else null. */
  private snippet(formatted: Record<string, unknown> | undefined): string | null {
    if (!formatted || typeof formatted !== 'object') return null;
    const field = (name: string) => (typeof formatted[name] === 'string' ? formatted[name] : '');
    for (const name of ['body', 'title', 'code', 'context']) {
      const value = field(name);
      if (value.includes(this.preTag)) return renderSnippet(value, this.preTag, this.postTag);
    }
    const body = renderSnippet(field('body'), this.preTag, this.postTag);
    return body === '' ? null : body;
  }

  /** Waits for a task; a failed/canceled task throws MEILI_TASK_FAILED unless its error code is in `tolerated`. */
  private async waitTask(enqueued: EnqueuedTask, op: string, tolerated: readonly string[] = []): Promise<Task> {
    const taskUid = (enqueued as { taskUid?: unknown } | undefined)?.taskUid;
    if (typeof taskUid !== 'number') throw new MeiliEngineError('MEILI_BAD_RESPONSE', `${op}: Meilisearch did not return a task uid`);
    const task = await this.client.tasks.waitForTask(taskUid, { timeout: this.taskTimeoutMs, interval: this.taskPollMs });
    if (task?.status === 'succeeded') return task;
    const errorCode = task?.error?.code;
    if (typeof errorCode === 'string' && tolerated.includes(errorCode)) return task;
    const reason = task?.error ? `${task.error.code}: ${task.error.message}` : `status ${String(task?.status)}`;
    throw new MeiliEngineError('MEILI_TASK_FAILED', this.redact(`${op}: task ${taskUid} ${reason}`), { meiliCode: task?.error?.code });
  }

  private async call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.mapError(err, op);
    }
  }

  private mapError(err: unknown, op: string): MeiliEngineError {
    if (err instanceof MeiliEngineError) return err;
    if (err instanceof MeilisearchRequestTimeOutError || err instanceof MeilisearchRequestError) {
      return new MeiliEngineError('MEILI_UNREACHABLE', this.redact(`${op}: Meilisearch unreachable (${errorText(err)})`));
    }
    if (err instanceof MeilisearchTaskTimeOutError) {
      return new MeiliEngineError('MEILI_TASK_FAILED', this.redact(`${op}: ${err.message}`));
    }
    if (err instanceof MeilisearchApiError) {
      const status = err.response.status;
      const meiliCode = typeof err.cause?.code === 'string' ? err.cause.code : undefined;
      const code: MeiliErrorCode = meiliCode === undefined && [502, 503, 504].includes(status) ? 'MEILI_UNREACHABLE' : 'MEILI_BAD_RESPONSE';
      return new MeiliEngineError(code, this.redact(`${op}: Meilisearch answered ${status}${meiliCode ? ` ${meiliCode}` : ''}: ${err.message}`), {
        status,
        meiliCode,
      });
    }
    if (err instanceof SyntaxError) return new MeiliEngineError('MEILI_BAD_RESPONSE', this.redact(`${op}: Meilisearch answered with invalid JSON`));
    return new MeiliEngineError('MEILI_BAD_RESPONSE', this.redact(`${op}: ${errorText(err)}`));
  }
}
