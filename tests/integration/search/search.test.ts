import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { turnsExportJson } from '../../factories/chatgpt-export.ts';
import { SearchService } from '#modules/search/service.ts';
import type { LexicalEngine } from '#modules/search/engine.ts';
import { searchInput } from '#modules/search/schemas.ts';

/** A small library in ChatGPT's export format: realistic turns on distinct subjects. */
const LIBRARY: { id: string; title: string; turns: string[] }[] = [
  {
    id: 'k8s',
    title: 'Kubernetes rollout stuck',
    turns: [
      'My kubernetes deployment rollout is stuck at 2 of 3 replicas. What should I check first?',
      'Check the pod events with `kubectl describe pod`. A readiness probe that never passes keeps the rollout waiting.\n\n```bash\nkubectl rollout status deployment/web --timeout=120s\n```',
      'The readiness probe hits /healthz on port 8080 but the container listens on 3000.',
      'That mismatch is the cause: point the probe at port 3000 or make the app listen on 8080.',
    ],
  },
  {
    id: 'bread',
    title: 'Sourdough starter questions',
    turns: [
      'How often should I feed my sourdough starter if I keep it in the fridge?',
      'Once a week is enough in the fridge. Take it out the day before baking and feed it twice at room temperature.',
      'It smells like nail polish remover, is it ruined?',
      'No: an acetone smell means the starter is hungry. Feed it more often and it will recover.',
    ],
  },
  {
    id: 'trip',
    title: 'Planning a week in Lisbon',
    turns: [
      'I am planning a week in Lisbon in March. Which neighbourhoods are best to stay in?',
      'Alfama and Baixa are central and walkable; Príncipe Real is quieter. Take tram 28 early in the morning to avoid the crowds.',
    ],
  },
  {
    id: 'sql',
    title: 'Postgres slow query',
    turns: [
      'This query on the orders table takes 4 seconds: select * from orders where customer_email = $1 order by created_at desc limit 20',
      'Add a composite index so Postgres can read the newest rows directly:\n\n```sql\ncreate index orders_email_created on orders (customer_email, created_at desc);\n```\nThen run EXPLAIN ANALYZE again.',
    ],
  },
  {
    id: 'run',
    title: 'Training for a half marathon',
    turns: [
      'I want to run my first half marathon in twelve weeks. I can run 5 km now.',
      'Build up your long run by about one kilometre per week and keep most runs at an easy conversational pace.',
    ],
  },
];

const exportJson = (prefix: string, library = LIBRARY) => turnsExportJson(prefix, library);

let t: TestServer;
let alice: { cookie: string; userId: string };
let bob: { cookie: string; userId: string };
let aliceKey: string;

async function search(params: Record<string, string>, who: { cookie?: string; bearer?: string } = { cookie: alice.cookie }) {
  return t.call('GET', `/api/unified/search?${new URLSearchParams(params)}`, who);
}

beforeAll(async () => {
  t = await startTestServer({ env: { EMBEDDING_PROVIDER: 'local' } });
  alice = await t.signUp('alice@example.com');
  bob = await t.signUp('bob@example.com');
  await t.importAndWait(alice.cookie, exportJson('a'));
  await t.importAndWait(bob.cookie, exportJson('b', [{ id: 'secret', title: 'Bob private kubernetes notes', turns: ['kubernetes secret rotation plan for bob', 'Rotate every 90 days.'] }]));
  const key = await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { name: 'search', scopes: ['read'] } });
  aliceKey = key.body.key;
}, 180_000);

afterAll(async () => {
  await t?.dispose();
});

describe('unified search', () => {
  it('answers the documented REST shape with a read key, with source ids', async () => {
    const { status, body } = await search({ q: 'readiness probe', limit: '5' }, { bearer: aliceKey });
    expect(status).toBe(200);
    expect(typeof body.tookMs).toBe('number');
    const top = body.results[0];
    expect(top).toMatchObject({ kind: expect.any(String), title: 'Kubernetes rollout stuck', sourceConversationId: 'a-k8s' });
    expect(Object.keys(top)).toEqual(expect.arrayContaining(['kind', 'score', 'conversationId', 'messageId', 'sourceConversationId', 'sourceMessageId', 'role', 'title', 'snippet', 'createdAt']));
    const message = body.results.find((r: { kind: string }) => r.kind === 'message');
    expect(message.sourceMessageId).toMatch(/^a-k8s-\d$/);
    expect(message.snippet).toContain('<mark>');
    expect(body.semantic.used).toBe(true);
  });

  it('gives callers that read the text plain snippets: the start of each hit, escaped, unhighlighted', async () => {
    const actor = { userId: alice.userId, isAdmin: false, via: 'local' as const, scopes: undefined };
    const input = { q: 'nail polish remover', limit: 5, collapse: false, mode: 'lexical' as const };
    const highlighted = await t.server.runtime.services.search.query(actor, input);
    const plain = await t.server.runtime.services.search.query(actor, input, { snippets: 'plain' });
    expect(plain.results.map((r) => r.id)).toEqual(highlighted.results.map((r) => r.id));
    const message = plain.results.find((r) => r.sourceMessageId === 'a-bread-2');
    expect(message?.snippet).toBe('It smells like nail polish remover, is it ruined?');
    expect(plain.results.every((r) => !r.snippet.includes('<mark>'))).toBe(true);
  });

  it('ranks the message holding the exact phrase first', async () => {
    const { body } = await search({ q: '"nail polish remover"', kind: 'message' });
    expect(body.results[0].sourceMessageId).toBe('a-bread-2');
    expect(body.results.every((r: { sourceConversationId: string }) => r.sourceConversationId === 'a-bread')).toBe(true);
  });

  it('still finds a word typed with a typo', async () => {
    const { body } = await search({ q: 'kubernets rollout', mode: 'lexical' });
    expect(body.results[0]?.sourceConversationId).toBe('a-k8s');
  });

  it('finds a paraphrase that shares no words with the message (semantic half)', async () => {
    const { body } = await search({ q: 'bread yeast culture feeding schedule', kind: 'message', mode: 'vector', limit: '3' });
    expect(body.results.map((r: { sourceConversationId: string }) => r.sourceConversationId)).toContain('a-bread');
    const hybrid = await search({ q: 'where to sleep in Portugal capital', kind: 'message', limit: '3' });
    expect(hybrid.body.results[0]?.sourceConversationId).toBe('a-trip');
  });

  it('excludes words after a minus', async () => {
    const all = await search({ q: 'index', mode: 'lexical' });
    expect(all.body.results.some((r: { sourceConversationId: string }) => r.sourceConversationId === 'a-sql')).toBe(true);
    const { body } = await search({ q: 'index -postgres -orders', mode: 'lexical' });
    expect(body.results.some((r: { sourceConversationId: string }) => r.sourceConversationId === 'a-sql')).toBe(false);
  });

  it('filters by kind, role and provider, and counts facets', async () => {
    const { body } = await search({ q: 'kubernetes', role: 'assistant', kind: 'message' });
    expect(body.results.length).toBeGreaterThan(0);
    expect(body.results.every((r: { role: string; kind: string }) => r.role === 'assistant' && r.kind === 'message')).toBe(true);
    expect(body.facets.kind).toEqual({ message: body.results.length });
    expect((await search({ q: 'kubernetes', provider: 'claude' })).body.results).toEqual([]);
    const titles = await search({ q: 'lisbon', kind: 'conversation' });
    expect(titles.body.results.map((r: { title: string; score: number }) => r.title), JSON.stringify(titles.body.results)).toEqual(['Planning a week in Lisbon']);
  });

  it('finds an ACU that repeats its whole message through the message document, shown as that ACU', async () => {
    const asMessage = (await search({ q: '"nail polish remover"', kind: 'message', role: 'user', mode: 'lexical' })).body.results;
    expect(asMessage).toHaveLength(1);
    const { conversationId, messageId } = asMessage[0];
    const acus = (await t.call('GET', `/api/v1/acus?conversationId=${conversationId}`, { cookie: alice.cookie })).body.items as { id: string; messageIds: string[]; content: string }[];
    const own = acus.filter((a) => a.messageIds.length === 1 && a.messageIds[0] === messageId);
    expect(own.map((a) => a.content)).toEqual(['It smells like nail polish remover, is it ruined?']);
    const asAcu = (await search({ q: '"nail polish remover"', kind: 'acu', role: 'user', mode: 'lexical' })).body;
    expect(asAcu.results).toEqual([expect.objectContaining({ kind: 'acu', id: own[0]!.id, messageId, conversationId })]);
    expect(asAcu.facets.kind).toEqual({ acu: 1 });
    // Without a kind filter the message is the result (no twin ACU beside it).
    const all = (await search({ q: '"nail polish remover"', role: 'user', mode: 'lexical' })).body.results;
    expect(all.map((r: { kind: string; id: string }) => [r.kind, r.id])).toEqual([['message', messageId]]);
  });

  it('gives the same results from an engine whose hits carry only ids (Meilisearch): the service reads the columns', async () => {
    const { deps, services } = t.server.runtime;
    const postgres = services.search.engine;
    const idsOnly: LexicalEngine = Object.assign(Object.create(postgres) as LexicalEngine, {
      search: async (...args: Parameters<LexicalEngine['search']>) => (await postgres.search(...args)).map(({ docId, score, snippet }) => ({ docId, score, snippet })),
    });
    const plain = new SearchService(deps, { engine: idsOnly, embedder: services.search.embedder });
    const actor = { userId: alice.userId, isAdmin: false, via: 'session' as const, scopes: undefined };
    for (const params of [{ q: 'readiness probe' }, { q: '"nail polish remover"', kind: ['acu'], role: ['user'] }, { q: 'starter', collapse: true }, { q: 'kubernetes' }]) {
      const input = searchInput.parse({ limit: 10, ...params });
      const [expected, actual] = [await services.search.query(actor, input), await plain.query(actor, input)];
      expect(actual.results.length).toBeGreaterThan(0);
      expect(actual.results).toEqual(expected.results);
      expect(actual.facets).toEqual(expected.facets);
    }
    // Bob's documents never come back through the read either.
    const bobActor = { ...actor, userId: bob.userId };
    const bobs = await plain.query(bobActor, searchInput.parse({ q: 'kubernetes', limit: 10 }));
    expect(bobs.results.map((r) => r.title)).toEqual(expect.arrayContaining(['Bob private kubernetes notes']));
    expect(bobs.results.every((r) => r.title === 'Bob private kubernetes notes')).toBe(true);
  });

  it('pages with a stable cursor and can collapse to one hit per conversation', async () => {
    const full = (await search({ q: 'the run starter probe index', limit: '50', mode: 'lexical' })).body.results.map((r: { id: string }) => r.id);
    expect(full.length).toBeGreaterThan(4);
    const first = await search({ q: 'the run starter probe index', limit: '3', mode: 'lexical' });
    const second = await search({ q: 'the run starter probe index', limit: '3', mode: 'lexical', cursor: first.body.nextCursor });
    expect([...first.body.results, ...second.body.results].map((r: { id: string }) => r.id)).toEqual(full.slice(0, 6));
    const wrong = await search({ q: 'something else', cursor: first.body.nextCursor });
    expect(wrong.status).toBe(400);
    const collapsed = (await search({ q: 'the run starter probe index', limit: '50', collapse: 'true' })).body.results;
    const conversations = collapsed.map((r: { conversationId: string }) => r.conversationId);
    expect(new Set(conversations).size).toBe(conversations.length);
  });

  it("never shows one user another user's documents", async () => {
    const mine = await search({ q: 'kubernetes secret rotation' }, { cookie: bob.cookie });
    expect(mine.body.results[0].sourceConversationId).toBe('b-secret');
    const theirs = await search({ q: 'kubernetes secret rotation' });
    expect(theirs.body.results.some((r: { sourceConversationId: string }) => r.sourceConversationId.startsWith('b-'))).toBe(false);
    const forged = await search({ q: 'rotation', conversationId: mine.body.results[0].conversationId });
    expect(forged.body.results).toEqual([]);
    expect((await t.call('GET', '/api/unified/search?q=kubernetes')).status).toBe(401);
  });

  it('gives clear errors or nothing for bad queries', async () => {
    const empty = await search({ q: '   ' });
    expect(empty.status).toBe(400);
    const long = await search({ q: 'x'.repeat(10_000) });
    expect(long.status).toBe(400);
    expect(JSON.stringify(long.body)).toContain('1000');
    const operators = await search({ q: '-"" - "" or' });
    expect(operators.status).toBe(200);
    expect(operators.body.results).toEqual([]);
    const hostile = await search({ q: "'); drop table search_doc; -- \\ % _ <script>" });
    expect(hostile.status).toBe(200);
    expect((await search({ q: 'kubernetes' })).body.results.length).toBeGreaterThan(0);
  });

  it('suggests titles and words by prefix', async () => {
    const { status, body } = await t.call('GET', '/api/unified/search/suggest?prefix=sour', { cookie: alice.cookie });
    expect(status).toBe(200);
    expect(body.suggestions[0]).toMatchObject({ kind: 'conversation', text: 'Sourdough starter questions' });
    expect(body.suggestions.some((s: { kind: string; text: string }) => s.kind === 'term' && s.text === 'sourdough')).toBe(true);
  });

  it('follows renames and deletions in every document', async () => {
    const list = await t.call('GET', '/api/v1/conversations?limit=50', { cookie: alice.cookie });
    const run = list.body.items.find((c: { title: string }) => c.title === 'Training for a half marathon');
    expect((await t.call('PATCH', `/api/v1/conversations/${run.id}/title`, { cookie: alice.cookie, body: { title: 'Zanzibar marathon plan' } })).status).toBe(200);
    await t.waitIdle();
    const renamed = await search({ q: 'zanzibar' });
    expect(renamed.body.results[0]).toMatchObject({ conversationId: run.id, title: 'Zanzibar marathon plan' });
    const removed = await t.call('DELETE', `/api/v1/conversations/${run.id}`, { cookie: alice.cookie });
    expect(removed.status).toBe(200);
    await t.waitIdle();
    const after = (await search({ q: 'marathon' })).body.results;
    expect(after, JSON.stringify(after)).toEqual([]);
    expect((await search({ q: 'conversational pace', mode: 'vector' })).body.results.some((r: { conversationId: string }) => r.conversationId === run.id)).toBe(false);
  });

  it('reports index coverage and the embedder', async () => {
    const { body } = await t.call('GET', '/api/unified/search/status', { cookie: alice.cookie });
    expect(body.engine).toMatchObject({ name: 'postgres', ok: true });
    expect(body.embedder).toMatchObject({ id: 'use-lite-512', ok: true });
    expect(body.pendingEmbeddings).toBe(0);
    expect(body.embedded).toBe(body.documents);
  });
});
