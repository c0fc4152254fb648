/**
 * PROTOCOL tests of MeiliEngine: no real Meilisearch. A local node:http server answers the routes the
 * official client calls (index creation, settings, documents, deletions, search, tasks, health,
 * stats) with the shapes Meilisearch uses, records every request, and the tests assert what was sent:
 * tenant filter, escaping, filter mapping, settings, batching, task waiting and error mapping.
 * Ranking, typo tolerance and real filtering are covered by contract.test.ts against a real server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IndexedDoc, ParsedQuery, SearchFilters } from '../engine.ts';
import { buildFilter, buildQueryString, MeiliEngine, MeiliEngineError, quoteFilterValue, renderSnippet, type MeiliEngineOptions } from './engine.ts';

const API_KEY = 'sk-test-5f1c0ffee-secret';
const log = pino({ level: 'silent' });

// ---------------------------------------------------------------------------------------------
// A fake Meilisearch speaking enough of the HTTP API for the client.
// ---------------------------------------------------------------------------------------------

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  auth: string | undefined;
  body: unknown;
}

interface TaskOutcome {
  status: 'succeeded' | 'failed' | 'canceled';
  error?: { message: string; code: string; type: string; link: string };
}

interface FakeTask {
  uid: number;
  indexUid: string | null;
  type: string;
  polls: number;
  outcome: TaskOutcome;
}

interface Reply {
  status: number;
  body?: unknown;
  /** Raw body (sent as is, e.g. invalid JSON). */
  raw?: string;
  /** Never answer (request timeout). */
  hang?: boolean;
}

class FakeMeili {
  url = '';
  requests: Recorded[] = [];
  /** GET /tasks/:uid answers `processing` this many times before the outcome. */
  pendingPolls = 0;
  taskOutcome: (type: string, body: unknown) => TaskOutcome = () => ({ status: 'succeeded' });
  /** Builds search hits from the request body. */
  searchHits: (body: Record<string, unknown>) => unknown[] = () => [];
  documents = 0;
  /** Answer instead of the normal route (errors, bad bodies, hangs). */
  override: ((req: Recorded) => Reply | undefined) | undefined;
  private tasks = new Map<number, FakeTask>();
  private nextTask = 0;
  private server: Server;

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests other than task polling. */
  calls(): Recorded[] {
    return this.requests.filter((r) => !r.path.startsWith('/tasks/'));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: Recorded = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      auth: req.headers.authorization,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
    this.requests.push(recorded);
    const reply = this.override?.(recorded) ?? this.route(recorded);
    if (reply.hang) return;
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)));
  }

  private enqueue(indexUid: string | null, type: string, body: unknown): Reply {
    const uid = this.nextTask++;
    this.tasks.set(uid, { uid, indexUid, type, polls: 0, outcome: this.taskOutcome(type, body) });
    return { status: 202, body: { taskUid: uid, indexUid, status: 'enqueued', type, enqueuedAt: new Date().toISOString() } };
  }

  private route(r: Recorded): Reply {
    const notFound = (message: string, code: string): Reply => ({
      status: 404,
      body: { message, code, type: 'invalid_request', link: `https://docs.meilisearch.com/errors#${code}` },
    });
    const { method, path } = r;
    if (method === 'GET' && path === '/health') return { status: 200, body: { status: 'available' } };
    if (method === 'POST' && path === '/indexes') return this.enqueue((r.body as { uid: string }).uid, 'indexCreation', r.body);
    const task = /^\/tasks\/(\d+)$/.exec(path);
    if (method === 'GET' && task) {
      const t = this.tasks.get(Number(task[1]));
      if (!t) return notFound('Task not found', 'task_not_found');
      const done = t.polls++ >= this.pendingPolls;
      const now = new Date().toISOString();
      return {
        status: 200,
        body: {
          uid: t.uid,
          batchUid: t.uid,
          indexUid: t.indexUid,
          status: done ? t.outcome.status : 'processing',
          type: t.type,
          canceledBy: null,
          details: {},
          error: done ? (t.outcome.error ?? null) : null,
          duration: done ? 'PT0.001S' : null,
          enqueuedAt: now,
          startedAt: now,
          finishedAt: done ? now : null,
        },
      };
    }
    const index = /^\/indexes\/([^/]+)(\/.*)?$/.exec(path);
    if (index) {
      const uid = decodeURIComponent(index[1] ?? '');
      const rest = index[2] ?? '';
      if (method === 'PATCH' && rest === '/settings') return this.enqueue(uid, 'settingsUpdate', r.body);
      if (method === 'POST' && rest === '/documents') return this.enqueue(uid, 'documentAdditionOrUpdate', r.body);
      if (method === 'POST' && rest === '/documents/delete') return this.enqueue(uid, 'documentDeletion', r.body);
      if (method === 'POST' && rest === '/documents/delete-batch') return this.enqueue(uid, 'documentDeletion', r.body);
      if (method === 'DELETE' && rest === '') return this.enqueue(uid, 'indexDeletion', r.body);
      if (method === 'GET' && rest === '/stats') {
        return { status: 200, body: { numberOfDocuments: this.documents, isIndexing: false, fieldDistribution: {} } };
      }
      if (method === 'POST' && rest === '/search') {
        const body = r.body as Record<string, unknown>;
        const hits = this.searchHits(body);
        return { status: 200, body: { hits, query: body.q, processingTimeMs: 1, limit: body.limit, offset: 0, estimatedTotalHits: hits.length } };
      }
    }
    return notFound(`Route ${method} ${path} not found`, 'not_found');
  }
}

// ---------------------------------------------------------------------------------------------
// A reader of Meilisearch filter strings, after the server's filter-parser: `\` skips the next
// character inside quotes, `\"` becomes `"`, then `\\` becomes `\`. Used to prove that hostile values
// come back exactly and cannot add conditions.
// ---------------------------------------------------------------------------------------------

interface Condition {
  field: string;
  op: string;
  values: string[];
}

function tokenize(filter: string): { t: 'word' | 'str' | 'op' | 'punct'; v: string }[] {
  const tokens: { t: 'word' | 'str' | 'op' | 'punct'; v: string }[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      let escapedQuote = false;
      for (;;) {
        if (j >= filter.length) throw new Error('unterminated string');
        const d = filter[j];
        if (d === '"') break;
        if (d === '\\') {
          if (j + 1 >= filter.length) throw new Error('dangling backslash');
          if (filter[j + 1] === '"') escapedQuote = true;
          j += 2;
        } else j++;
      }
      let value = filter.slice(i + 1, j);
      if (escapedQuote) value = value.split('\\"').join('"');
      value = value.replace(/\\(.)/gsu, (_m, ch: string) => {
        if (ch === '\\' || ch === '"') return ch;
        throw new Error(`unknown escape \\${ch}`);
      });
      tokens.push({ t: 'str', v: value });
      i = j + 1;
    } else if (/[<>!=]/.test(c)) {
      const op = /^(>=|<=|!=|=|>|<)/.exec(filter.slice(i))?.[0];
      if (!op) throw new Error(`bad operator at ${i}`);
      tokens.push({ t: 'op', v: op });
      i += op.length;
    } else if ('[](),'.includes(c)) {
      tokens.push({ t: 'punct', v: c });
      i++;
    } else {
      const word = /^[\p{L}\p{N}_.-]+/u.exec(filter.slice(i))?.[0];
      if (!word) throw new Error(`unexpected ${c} at ${i}`);
      tokens.push({ t: 'word', v: word });
      i += word.length;
    }
  }
  return tokens;
}

/** Parses `cond AND cond …` with `field op value` / `field IN [v, …]`; throws on anything else (OR, NOT, parentheses…). */
function parseAndFilter(filter: string): Condition[] {
  const tokens = tokenize(filter);
  const out: Condition[] = [];
  let i = 0;
  const next = () => {
    const tok = tokens[i++];
    if (!tok) throw new Error('unexpected end');
    return tok;
  };
  for (;;) {
    const field = next();
    if (field.t !== 'word' || ['AND', 'OR', 'NOT', 'IN'].includes(field.v)) throw new Error(`expected field, got ${field.v}`);
    const op = next();
    if (op.t === 'op') {
      const value = next();
      if (value.t !== 'str' && value.t !== 'word') throw new Error('expected value');
      out.push({ field: field.v, op: op.v, values: [value.v] });
    } else if (op.t === 'word' && op.v === 'IN') {
      if (next().v !== '[') throw new Error('expected [');
      const values: string[] = [];
      for (;;) {
        const value = next();
        if (value.t !== 'str') throw new Error('expected string in list');
        values.push(value.v);
        const sep = next();
        if (sep.v === ']') break;
        if (sep.v !== ',') throw new Error('expected , or ]');
      }
      out.push({ field: field.v, op: 'IN', values });
    } else throw new Error(`unexpected ${op.v}`);
    if (i === tokens.length) return out;
    const and = next();
    if (and.t !== 'word' || and.v !== 'AND') throw new Error(`expected AND, got ${and.v}`);
  }
}

// ---------------------------------------------------------------------------------------------

function doc(n: number, over: Partial<IndexedDoc> = {}): IndexedDoc {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    ownerId: 'owner-a',
    kind: 'message',
    refId: `ref-${n}`,
    conversationId: 'conv-1',
    messageId: `msg-${n}`,
    acuId: null,
    sourceConversationId: null,
    sourceMessageId: null,
    provider: 'chatgpt',
    role: 'user',
    title: `Message ${n}`,
    body: `How do I restart a kubernetes deployment without downtime? (${n})`,
    code: 'kubectl rollout restart deployment/api',
    context: '',
    createdAt: '2024-05-01T12:00:00.250Z',
    lang: 'english',
    ...over,
  };
}

const query = (over: Partial<ParsedQuery>): ParsedQuery => ({ raw: '', terms: [], phrases: [], excluded: [], ...over });

describe('MeiliEngine — protocol test against a fake Meilisearch HTTP server (no real server)', () => {
  let fake: FakeMeili;
  let engine: MeiliEngine;
  const make = (over: Partial<MeiliEngineOptions> = {}) => new MeiliEngine({ url: fake.url, apiKey: API_KEY, log, taskPollMs: 1, ...over });

  beforeEach(async () => {
    fake = await new FakeMeili().start();
    engine = make();
  });
  afterEach(async () => {
    await fake.close();
  });

  describe('init', () => {
    it('creates the index with primary key id, then sends the settings, waiting for both tasks', async () => {
      await engine.init();
      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /indexes',
        'GET /tasks/0',
        'PATCH /indexes/vivim_docs/settings',
        'GET /tasks/1',
      ]);
      expect(fake.requests[0]?.body).toEqual({ uid: 'vivim_docs', primaryKey: 'id' });
      expect(fake.requests[2]?.body).toEqual({
        searchableAttributes: ['title', 'body', 'code', 'context'],
        filterableAttributes: ['ownerId', 'kind', 'standsForAcu', 'provider', 'role', 'conversationId', 'createdAtTs'],
        sortableAttributes: ['createdAtTs'],
        rankingRules: null,
        typoTolerance: { enabled: true },
      });
      for (const r of fake.requests) expect(r.auth).toBe(`Bearer ${API_KEY}`);
    });

    it('uses the configured index uid and sends no Authorization header without a key', async () => {
      engine = new MeiliEngine({ url: fake.url, indexUid: 'test_idx', log, taskPollMs: 1 });
      await engine.init();
      expect(fake.requests[0]?.body).toEqual({ uid: 'test_idx', primaryKey: 'id' });
      expect(fake.requests[2]?.path).toBe('/indexes/test_idx/settings');
      for (const r of fake.requests) expect(r.auth).toBeUndefined();
    });

    it('is idempotent: an index_already_exists task failure is accepted and the settings are still applied', async () => {
      fake.taskOutcome = (type) =>
        type === 'indexCreation'
          ? { status: 'failed', error: { message: 'Index `vivim_docs` already exists.', code: 'index_already_exists', type: 'invalid_request', link: '' } }
          : { status: 'succeeded' };
      await engine.init();
      await engine.init();
      expect(fake.calls().filter((r) => r.method === 'PATCH')).toHaveLength(2);
    });

    it('polls a processing task until it is done', async () => {
      fake.pendingPolls = 3;
      await engine.init();
      expect(fake.requests.filter((r) => r.path === '/tasks/0')).toHaveLength(4);
      expect(fake.requests.filter((r) => r.path === '/tasks/1')).toHaveLength(4);
    });

    it('throws MEILI_TASK_FAILED when the settings task fails', async () => {
      fake.taskOutcome = (type) =>
        type === 'settingsUpdate'
          ? { status: 'failed', error: { message: 'Attribute `x` is not filterable', code: 'invalid_settings_filterable_attributes', type: 'invalid_request', link: '' } }
          : { status: 'succeeded' };
      const err = await engine.init().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MeiliEngineError);
      expect(err).toMatchObject({ code: 'MEILI_TASK_FAILED', meiliCode: 'invalid_settings_filterable_attributes' });
    });

    it('throws MEILI_TASK_FAILED when a task does not finish in time', async () => {
      fake.pendingPolls = Number.POSITIVE_INFINITY;
      engine = make({ taskTimeoutMs: 150 });
      await expect(engine.init()).rejects.toMatchObject({ name: 'MeiliEngineError', code: 'MEILI_TASK_FAILED' });
    });
  });

  describe('upsert', () => {
    it('sends documents in batches of 1000, each batch waited for before the next', async () => {
      const docs = Array.from({ length: 2500 }, (_, i) => doc(i));
      await engine.upsert(docs);
      const sequence = fake.requests.map((r) => `${r.method} ${r.path}`);
      expect(sequence).toEqual([
        'POST /indexes/vivim_docs/documents',
        'GET /tasks/0',
        'POST /indexes/vivim_docs/documents',
        'GET /tasks/1',
        'POST /indexes/vivim_docs/documents',
        'GET /tasks/2',
      ]);
      const batches = fake.calls().map((r) => r.body as { id: string }[]);
      expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
      expect(batches.flat().map((d) => d.id)).toEqual(docs.map((d) => d.id));
      for (const r of fake.calls()) expect(r.query.get('primaryKey')).toBe('id');
    });

    it('honours batchSize and a byte cap on a batch', async () => {
      engine = make({ batchSize: 2 });
      await engine.upsert([doc(1), doc(2), doc(3)]);
      expect(fake.calls().map((r) => (r.body as unknown[]).length)).toEqual([2, 1]);

      fake.requests = [];
      const big = (n: number) => doc(n, { body: 'b'.repeat(900) });
      const size = (d: IndexedDoc) => JSON.stringify({ ...d, createdAtTs: 1714564800.25, standsForAcu: false }).length;
      // Room for one big document and one small one, not for two big ones.
      engine = make({ maxBatchBytes: size(big(2)) + size(doc(3)) + 10 });
      await engine.upsert([big(1), big(2), doc(3)]);
      expect(fake.calls().map((r) => (r.body as unknown[]).length)).toEqual([1, 2]);
    });

    it('stores every field plus createdAtTs in epoch seconds (null when there is no date)', async () => {
      await engine.upsert([doc(1), doc(2, { createdAt: null, provider: null, role: null, conversationId: null })]);
      const [first, second] = fake.calls()[0]?.body as Record<string, unknown>[];
      expect(first).toEqual({ ...doc(1), createdAtTs: Date.parse('2024-05-01T12:00:00.250Z') / 1000, standsForAcu: false });
      expect(first?.createdAtTs).toBe(1714564800.25);
      expect(second).toMatchObject({ createdAt: null, createdAtTs: null, provider: null, role: null, conversationId: null });
    });

    it('does nothing for an empty list', async () => {
      await engine.upsert([]);
      expect(fake.requests).toEqual([]);
    });

    it('refuses an id Meilisearch would reject before sending anything', async () => {
      await expect(engine.upsert([doc(1), doc(2, { id: 'bad id/with slash' })])).rejects.toThrow(TypeError);
      expect(fake.requests).toEqual([]);
    });

    it('throws MEILI_TASK_FAILED with the Meilisearch code when a document task fails', async () => {
      fake.taskOutcome = () => ({ status: 'failed', error: { message: 'The `id` field is missing', code: 'missing_document_id', type: 'invalid_request', link: '' } });
      await expect(engine.upsert([doc(1)])).rejects.toMatchObject({ code: 'MEILI_TASK_FAILED', meiliCode: 'missing_document_id' });
    });

    it('stops at the first failed batch', async () => {
      engine = make({ batchSize: 1 });
      fake.taskOutcome = (_type, body) =>
        (body as { id: string }[])[0]?.id === doc(2).id ? { status: 'canceled' } : { status: 'succeeded' };
      await expect(engine.upsert([doc(1), doc(2), doc(3)])).rejects.toMatchObject({ code: 'MEILI_TASK_FAILED' });
      expect(fake.calls()).toHaveLength(2);
    });
  });

  describe('remove and removeOwner', () => {
    it('remove deletes by ids in batches and skips an empty list', async () => {
      engine = make({ batchSize: 2 });
      await engine.remove([]);
      expect(fake.requests).toEqual([]);
      await engine.remove(['a', 'b', 'c']);
      expect(fake.calls().map((r) => [r.method, r.path, r.body])).toEqual([
        ['POST', '/indexes/vivim_docs/documents/delete-batch', ['a', 'b']],
        ['POST', '/indexes/vivim_docs/documents/delete-batch', ['c']],
      ]);
      expect(fake.requests.filter((r) => r.path.startsWith('/tasks/'))).toHaveLength(2);
    });

    it('removeOwner deletes by an escaped ownerId filter and waits for the task', async () => {
      await engine.removeOwner('owner "x" \\ y');
      expect(fake.calls()).toHaveLength(1);
      const call = fake.calls()[0];
      expect(call?.path).toBe('/indexes/vivim_docs/documents/delete');
      const filter = (call?.body as { filter: string }).filter;
      expect(filter).toBe('ownerId = "owner \\"x\\" \\\\ y"');
      expect(parseAndFilter(filter)).toEqual([{ field: 'ownerId', op: '=', values: ['owner "x" \\ y'] }]);
      expect(fake.requests.some((r) => r.path === '/tasks/0')).toBe(true);
    });

    it('removeOwner refuses an empty owner (it would not be a tenant filter)', async () => {
      await expect(engine.removeOwner('')).rejects.toThrow(TypeError);
      expect(fake.requests).toEqual([]);
    });
  });

  describe('search request', () => {
    const searchBody = () => fake.calls().find((r) => r.path === '/indexes/vivim_docs/search')?.body as Record<string, unknown>;

    it('always filters by owner, even with no other filter', async () => {
      await engine.search(query({ terms: ['kubernetes'] }), { ownerId: 'owner-a' }, 10);
      expect(searchBody().filter).toBe('ownerId = "owner-a"');
    });

    it('maps kinds, providers, roles, conversation and inclusive dates', async () => {
      const filters: SearchFilters = {
        ownerId: 'owner-a',
        kinds: ['message', 'memory'],
        providers: ['chatgpt', 'claude'],
        roles: ['assistant'],
        conversationId: 'conv-9',
        from: '2024-01-01T00:00:00.000Z',
        to: '2024-12-31T23:59:59.999Z',
      };
      await engine.search(query({ terms: ['pasta'] }), filters, 5);
      const filter = searchBody().filter as string;
      expect(filter).toBe(
        'ownerId = "owner-a" AND kind IN ["message", "memory"] AND provider IN ["chatgpt", "claude"] AND role IN ["assistant"]' +
          ' AND conversationId = "conv-9" AND createdAtTs >= 1704067200 AND createdAtTs <= 1735689599.999',
      );
      expect(parseAndFilter(filter)).toEqual([
        { field: 'ownerId', op: '=', values: ['owner-a'] },
        { field: 'kind', op: 'IN', values: ['message', 'memory'] },
        { field: 'provider', op: 'IN', values: ['chatgpt', 'claude'] },
        { field: 'role', op: 'IN', values: ['assistant'] },
        { field: 'conversationId', op: '=', values: ['conv-9'] },
        { field: 'createdAtTs', op: '>=', values: ['1704067200'] },
        { field: 'createdAtTs', op: '<=', values: ['1735689599.999'] },
      ]);
    });

    it('lets an ACU filter match the message documents that stand for their one ACU', async () => {
      await engine.search(query({ terms: ['pasta'] }), { ownerId: 'owner-a', kinds: ['acu'] }, 5);
      expect(searchBody().filter).toBe('ownerId = "owner-a" AND (kind IN ["acu"] OR standsForAcu = true)');
    });

    it('treats empty filter lists as no restriction (like the Postgres engine)', async () => {
      await engine.search(query({ terms: ['pasta'] }), { ownerId: 'o', kinds: [], providers: [], roles: [] }, 5);
      expect(searchBody().filter).toBe('ownerId = "o"');
    });

    it('escapes quotes and backslashes so hostile values come back exactly and add no condition', async () => {
      const hostile = {
        ownerId: 'a" OR ownerId != "b',
        providers: ['x\\', '\\" OR kind = "acu', 'plain'],
        roles: ['"', '\\\\"\\'],
        conversationId: 'c\\"] OR role EXISTS AND ownerId = ["d',
      };
      await engine.search(query({ terms: ['pasta'] }), hostile, 5);
      const filter = searchBody().filter as string;
      expect(parseAndFilter(filter)).toEqual([
        { field: 'ownerId', op: '=', values: [hostile.ownerId] },
        { field: 'provider', op: 'IN', values: hostile.providers },
        { field: 'role', op: 'IN', values: hostile.roles },
        { field: 'conversationId', op: '=', values: [hostile.conversationId] },
      ]);
    });

    it('rejects a search without owner, an unknown kind or an invalid date before any request', async () => {
      await expect(engine.search(query({ terms: ['x'] }), { ownerId: '' }, 5)).rejects.toThrow(TypeError);
      await expect(engine.search(query({ terms: ['x'] }), { ownerId: 'o', kinds: ['message', 'evil" OR 1' as never] }, 5)).rejects.toThrow(TypeError);
      await expect(engine.search(query({ terms: ['x'] }), { ownerId: 'o', from: 'yesterday' }, 5)).rejects.toThrow(TypeError);
      expect(fake.requests).toEqual([]);
    });

    it('sends phrases in quotes, exclusions with the negative operator, and the highlight/crop/score options', async () => {
      const q = query({ raw: '"deploy script" staging -windows -node.js', terms: ['staging'], phrases: [['deploy', 'script']], excluded: ['windows', 'node.js'] });
      await engine.search(q, { ownerId: 'owner-a' }, 7);
      const body = searchBody();
      expect(body.q).toBe('"deploy script" staging -windows -"node.js"');
      expect(body).toMatchObject({
        limit: 7,
        matchingStrategy: 'frequency',
        attributesToRetrieve: ['id'],
        attributesToHighlight: ['title', 'body', 'code', 'context'],
        attributesToCrop: ['body:30', 'code:20', 'context:20'],
        showRankingScore: true,
      });
      // Sentinel tags (private-use characters and a nonce) instead of literal <mark>: see renderSnippet.
      expect(body.highlightPreTag).toMatch(/^\uE000[0-9a-f]{16}\uE001$/);
      expect(body.highlightPostTag).toMatch(/^\uE002[0-9a-f]{16}\uE003$/);
    });

    it('strips quotes and leading dashes from words so user text cannot change the query syntax', () => {
      expect(buildQueryString(query({ terms: ['-rm', 'a"b'], phrases: [['say', '"hi"']], excluded: ['"x'] }))).toBe('"say hi" rm a b -x');
    });

    it('returns [] without a request when nothing positive is searched', async () => {
      expect(await engine.search(query({ excluded: ['garlic'] }), { ownerId: 'o' }, 5)).toEqual([]);
      expect(await engine.search(query({ terms: ['pasta'] }), { ownerId: 'o' }, 0)).toEqual([]);
      expect(fake.requests).toEqual([]);
    });
  });

  describe('search response', () => {
    it('maps ids, ranking scores and HTML-escaped snippets with <mark> tags', async () => {
      fake.searchHits = (body) => {
        const [pre, post] = [body.highlightPreTag as string, body.highlightPostTag as string];
        return [
          {
            id: 'doc-1',
            _rankingScore: 0.93,
            _formatted: { id: 'doc-1', title: 'Deploy', body: `…use <script>alert("x")</script> & ${pre}kubernetes${post} <mark>not a tag</mark>…`, code: '', context: '' },
          },
          { id: 'doc-2', _rankingScore: 0.41, _formatted: { id: 'doc-2', title: `${pre}Kubernetes${post} notes`, body: 'nothing highlighted here', code: null, context: '' } },
          { id: 'doc-3', _rankingScore: 0.2, _formatted: { id: 'doc-3', title: '', body: '', code: '', context: '' } },
        ];
      };
      const hits = await engine.search(query({ terms: ['kubernetes'] }), { ownerId: 'o' }, 10);
      expect(hits).toEqual([
        {
          docId: 'doc-1',
          score: 0.93,
          snippet: '…use &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; <mark>kubernetes</mark> &lt;mark&gt;not a tag&lt;/mark&gt;…',
        },
        { docId: 'doc-2', score: 0.41, snippet: '<mark>Kubernetes</mark> notes' },
        { docId: 'doc-3', score: 0.2, snippet: null },
      ]);
    });

    it('falls back to rank-based scores when the server sends no _rankingScore', async () => {
      fake.searchHits = () => [{ id: 'a' }, { id: 'b' }];
      const hits = await engine.search(query({ terms: ['x'] }), { ownerId: 'o' }, 10);
      expect(hits.map((h) => [h.docId, h.score, h.snippet])).toEqual([
        ['a', 1, null],
        ['b', 0.5, null],
      ]);
    });
  });

  describe('errors', () => {
    it('maps a refused connection to MEILI_UNREACHABLE without leaking the key', async () => {
      await fake.close();
      const err = (await engine.search(query({ terms: ['x'] }), { ownerId: 'o' }, 5).catch((e: unknown) => e)) as MeiliEngineError;
      expect(err).toBeInstanceOf(MeiliEngineError);
      expect(err.code).toBe('MEILI_UNREACHABLE');
      expect(err.message).toContain('ECONNREFUSED');
      expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toContain(API_KEY);
      await expect(engine.upsert([doc(1)])).rejects.toMatchObject({ code: 'MEILI_UNREACHABLE' });
      fake = await new FakeMeili().start();
    });

    it('maps a request timeout to MEILI_UNREACHABLE', async () => {
      engine = make({ requestTimeoutMs: 100 });
      fake.override = () => ({ status: 200, hang: true });
      await expect(engine.search(query({ terms: ['x'] }), { ownerId: 'o' }, 5)).rejects.toMatchObject({ code: 'MEILI_UNREACHABLE' });
    });

    it('maps error answers to MEILI_BAD_RESPONSE with status and Meilisearch code', async () => {
      fake.override = () => ({
        status: 401,
        body: { message: 'The provided API key is invalid.', code: 'invalid_api_key', type: 'auth', link: '' },
      });
      const err = (await engine.search(query({ terms: ['x'] }), { ownerId: 'o' }, 5).catch((e: unknown) => e)) as MeiliEngineError;
      expect(err).toMatchObject({ code: 'MEILI_BAD_RESPONSE', status: 401, meiliCode: 'invalid_api_key' });
      expect(err.message).not.toContain(API_KEY);

      fake.override = () => ({ status: 400, body: { message: 'Attribute `x` is not filterable.', code: 'invalid_search_filter', type: 'invalid_request', link: '' } });
      await expect(engine.search(query({ terms: ['x'] }), { ownerId: 'o' }, 5)).rejects.toMatchObject({ status: 400, meiliCode: 'invalid_search_filter' });
      await expect(engine.upsert([doc(1)])).rejects.toMatchObject({ code: 'MEILI_BAD_RESPONSE', status: 400 });
    });

    it('maps a gateway error without a Meilisearch body to MEILI_UNREACHABLE', async () => {
      fake.override = () => ({ status: 503, raw: '' });
      await expect(engine.search(query({ terms: ['x'] }), { ownerId: 'o' }, 5)).rejects.toMatchObject({ code: 'MEILI_UNREACHABLE', status: 503 });
    });

    it('maps invalid JSON and wrong shapes to MEILI_BAD_RESPONSE', async () => {
      fake.override = () => ({ status: 200, raw: '<html>proxy login</html>' });
      await expect(engine.search(query({ terms: ['x'] }), { ownerId: 'o' }, 5)).rejects.toMatchObject({ code: 'MEILI_BAD_RESPONSE' });

      fake.override = (r) => (r.path.endsWith('/search') ? { status: 200, body: { results: [] } } : undefined);
      await expect(engine.search(query({ terms: ['x'] }), { ownerId: 'o' }, 5)).rejects.toMatchObject({ code: 'MEILI_BAD_RESPONSE' });

      fake.override = (r) => (r.path.endsWith('/search') ? { status: 200, body: { hits: [{ title: 'no id' }] } } : undefined);
      await expect(engine.search(query({ terms: ['x'] }), { ownerId: 'o' }, 5)).rejects.toMatchObject({ code: 'MEILI_BAD_RESPONSE' });

      fake.override = (r) => (r.path.endsWith('/documents') ? { status: 202, body: { status: 'enqueued' } } : undefined);
      await expect(engine.upsert([doc(1)])).rejects.toMatchObject({ code: 'MEILI_BAD_RESPONSE' });
    });
  });

  describe('health', () => {
    it('reports availability and the document count', async () => {
      fake.documents = 42;
      expect(await engine.health()).toEqual({ ok: true, detail: 'Meilisearch, index vivim_docs', documents: 42 });
      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /health', 'GET /indexes/vivim_docs/stats']);
    });

    it('reports a missing index without throwing', async () => {
      fake.override = (r) =>
        r.path.endsWith('/stats') ? { status: 404, body: { message: 'Index `vivim_docs` not found.', code: 'index_not_found', type: 'invalid_request', link: '' } } : undefined;
      expect(await engine.health()).toMatchObject({ ok: false, detail: expect.stringContaining('does not exist') as unknown });
    });

    it('reports an unreachable server without throwing and without the key or URL credentials', async () => {
      const port = new URL(fake.url).port;
      await fake.close();
      const withCreds = new MeiliEngine({ url: `http://admin:${API_KEY}@127.0.0.1:${port}`, apiKey: API_KEY, log, taskPollMs: 1 });
      const health = await withCreds.health();
      expect(health.ok).toBe(false);
      expect(health.detail).toContain('unreachable');
      expect(health.detail).not.toContain(API_KEY);
      expect(health.detail).not.toContain('admin:');
      const bad = await make().health();
      expect(bad.ok).toBe(false);
      expect(bad.detail).not.toContain(API_KEY);
      fake = await new FakeMeili().start();
    });

    it('reports a rejected key as not ok', async () => {
      fake.override = () => ({ status: 403, body: { message: 'The provided API key is invalid.', code: 'invalid_api_key', type: 'auth', link: '' } });
      const health = await engine.health();
      expect(health).toMatchObject({ ok: false });
      expect(health.detail).toContain('invalid_api_key');
      expect(health.detail).not.toContain(API_KEY);
    });
  });
});

describe('meili helpers (pure)', () => {
  it('quoteFilterValue escapes backslashes before quotes', () => {
    expect(quoteFilterValue('plain')).toBe('"plain"');
    expect(quoteFilterValue('a"b')).toBe('"a\\"b"');
    expect(quoteFilterValue('a\\')).toBe('"a\\\\"');
    expect(quoteFilterValue('a\\"')).toBe('"a\\\\\\""');
  });

  it('buildFilter round-trips random hostile owner ids exactly as one condition', () => {
    const alphabet = ['"', '\\', ' ', 'OR', 'AND', '=', '[', ']', '(', ')', "'", 'é', '\n', 'x', '!'];
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 300; n++) {
      const owner = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      expect(parseAndFilter(buildFilter({ ownerId: owner }))).toEqual([{ field: 'ownerId', op: '=', values: [owner] }]);
    }
  });

  it('renderSnippet balances marks and escapes the rest', () => {
    expect(renderSnippet('a [x] b [x', '[', ']')).toBe('a <mark>x</mark> b <mark>x</mark>');
    expect(renderSnippet('] <b>  \n bold', '[', ']')).toBe('&lt;b&gt; bold');
  });
});
