import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { exportJson, PAGES, postPage } from './library.ts';

interface Entity {
  id: string;
  name: string;
  type: string;
  aliases: string[];
  mentionCount: number;
  conversationCount: number;
  lastSeenAt: string | null;
  mentions: { conversationId: string; messageId: string | null; sourceConversationId: string | null; sourceMessageId: string | null }[];
}
interface Topic {
  id: string;
  label: string;
  keyphrases: string[];
  conversationCount: number;
  messageCount: number;
  conversations: { conversationId: string; sourceConversationId: string | null; title: string }[];
}

let t: TestServer;
let alice: { cookie: string; userId: string };
let bob: { cookie: string; userId: string };
let aliceKey: string;
let gemini: { conversationId: string; sourceConversationId: string };
let zai: { conversationId: string; sourceConversationId: string };
let chatgpt: { conversationId: string; sourceConversationId: string };

async function entities(params: Record<string, string> = {}, who: { cookie?: string; bearer?: string } = { bearer: aliceKey }): Promise<Entity[]> {
  const response = await t.call('GET', `/api/v1/entities?${new URLSearchParams({ limit: '200', ...params })}`, who);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.items;
}

async function topics(who: { cookie?: string; bearer?: string } = { bearer: aliceKey }): Promise<Topic[]> {
  const response = await t.call('GET', '/api/v1/topics?limit=200', who);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.items;
}

const named = (list: Entity[], name: string) => list.find((e) => e.name === name);
const conversationId = async (sourceId: string) => {
  const list = (await t.call('GET', '/api/v1/conversations?limit=200', { cookie: alice.cookie })).body.items as { id: string; sourceConversationId: string }[];
  return list.find((c) => c.sourceConversationId === sourceId)!.id;
};

beforeAll(async () => {
  t = await startTestServer({ env: { CAPTURE_RATE_LIMIT_PER_MINUTE: '1000' } });
  alice = await t.signUp('alice@example.com');
  bob = await t.signUp('bob@example.com');
  aliceKey = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { name: 'read', scopes: ['read'] } })).body.key;
  const captureKey = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { name: 'capture', scopes: ['capture:write'] } })).body.key;
  await t.importAndWait(alice.cookie, exportJson('a'));
  gemini = await postPage(t, captureKey, PAGES.gemini);
  zai = await postPage(t, captureKey, PAGES.zai);
  chatgpt = await postPage(t, captureKey, PAGES.chatgpt);
  await t.importAndWait(bob.cookie, exportJson('b', [{ id: 'secret', title: 'Bob private kubernetes notes', turns: ['kubernetes secret rotation plan for Bobcorp Labs in Oslo', 'Rotate every 90 days with kubectl.'] }]));
  await t.waitIdle();
}, 300_000);

afterAll(async () => {
  await t?.dispose();
});

describe('entities (Librarian)', () => {
  it('merges Postgres, PostgreSQL, pg and psql into one technology with counts and the conversations that name it', async () => {
    const list = await entities({ type: 'technology' });
    const pg = named(list, 'PostgreSQL');
    expect(pg).toBeDefined();
    expect(list.filter((e) => /^(postgres|pg|psql)$/i.test(e.name))).toEqual([]);
    expect(pg!.aliases).toEqual(expect.arrayContaining(['Postgres', 'pg']));
    expect(pg!.conversationCount).toBe(2);
    expect(pg!.mentionCount).toBeGreaterThanOrEqual(5);
    const detail = (await t.call('GET', `/api/v1/entities/${pg!.id}`, { bearer: aliceKey })).body as Entity;
    expect(new Set(detail.mentions.map((m) => m.sourceConversationId))).toEqual(new Set(['a-pg1', 'a-pg2']));
    expect(detail.mentions.every((m) => m.messageId === null || /^a-pg[12]-\d$/.test(m.sourceMessageId ?? ''))).toBe(true);
  });

  it('merges JS and JavaScript, and names the language of code blocks (SQL)', async () => {
    const list = await entities({ type: 'technology' });
    const js = named(list, 'JavaScript');
    expect(js?.aliases).toContain('JS');
    expect(list.some((e) => e.name === 'JS')).toBe(false);
    expect(named(list, 'SQL')?.conversationCount).toBeGreaterThanOrEqual(1);
    const sources = async (name: string) => new Set(((await t.call('GET', `/api/v1/entities/${named(list, name)?.id}`, { bearer: aliceKey })).body as Entity).mentions.map((m) => m.sourceConversationId));
    expect(await sources('React')).toContain('a-js');
    expect(await sources('Kubernetes')).toEqual(new Set(['a-k8s1', 'a-k8s2']));
  });

  it('finds projects from "my app called X" and repository links, people, organizations and places', async () => {
    const list = await entities();
    expect(named(list, 'Tasklet')?.type).toBe('project');
    expect(named(list, 'Maria Santos')?.type).toBe('person');
    expect(named(list, 'Chad Robertson')?.type).toBe('person');
    expect(named(list, 'Lisbon')?.type).toBe('place');
    expect(named(list, 'Google')?.type).toBe('organization');
  });

  it('reads the real fixture pages: AI models and their makers, PowerShell tooling, a GitHub project', async () => {
    const list = await entities();
    const inConversation = (name: string, id: string) => named(list, name)?.mentions.some((m) => m.conversationId === id) ?? false;
    const geminiNames = ['Claude', 'ChatGPT', 'Anthropic', 'OpenAI'];
    const details = await Promise.all(geminiNames.map((n) => t.call('GET', `/api/v1/entities/${named(list, n)?.id}`, { bearer: aliceKey })));
    for (const [i, detail] of details.entries()) {
      expect([geminiNames[i], detail.status]).toEqual([geminiNames[i], 200]);
      expect(detail.body.mentions.some((m: Entity['mentions'][number]) => m.conversationId === gemini.conversationId && m.sourceConversationId === gemini.sourceConversationId && m.sourceMessageId)).toBe(true);
    }
    expect(named(list, 'Anthropic')?.type).toBe('organization');
    expect(named(list, 'Claude')?.type).toBe('technology');
    for (const tool of ['PowerShell', 'Pester', 'PSScriptAnalyzer']) expect([tool, inConversation(tool, zai.conversationId)]).toEqual([tool, true]);
    expect(named(list, 'PowerShell')!.mentionCount).toBeGreaterThan(10);
    const project = named(list, 'SingleFile-VIVIM');
    expect(project?.type).toBe('project');
    expect(project?.mentions.every((m) => m.conversationId === chatgpt.conversationId)).toBe(true);
  });

  it('keeps junk out: no pronouns, stop words or single letters', async () => {
    const list = await entities();
    expect(list.length).toBeGreaterThan(20);
    const junk = list.filter((e) => e.name.length < 2 || /^(i|we|you|the|this|it|they|he|she|my|our|here|what|how)$/i.test(e.name));
    expect(junk).toEqual([]);
  });

  it('filters by type and name prefix and pages with a cursor', async () => {
    const people = await entities({ type: 'person' });
    expect(people.length).toBeGreaterThan(0);
    expect(people.every((e) => e.type === 'person')).toBe(true);
    expect((await entities({ q: 'postg' })).map((e) => e.name)).toEqual(['PostgreSQL']);
    expect((await entities({ q: 'pg' })).map((e) => e.name)).toContain('PostgreSQL');
    const all = await entities();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await t.call('GET', `/api/v1/entities?limit=7${cursor ? `&cursor=${cursor}` : ''}`, { bearer: aliceKey })).body as { items: Entity[]; nextCursor: string | null };
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e) => e.id));
  });
});

describe('topics (Librarian)', () => {
  it('groups conversations that share keyphrases, with counts and titles', async () => {
    const list = await topics();
    const k8s = list.find((topic) => topic.conversations.some((c) => c.sourceConversationId === 'a-k8s1'));
    expect(k8s).toBeDefined();
    expect(new Set(k8s!.conversations.map((c) => c.sourceConversationId))).toEqual(new Set(['a-k8s1', 'a-k8s2']));
    expect(k8s!.conversationCount).toBe(2);
    expect(k8s!.messageCount).toBeGreaterThanOrEqual(3);
    expect(k8s!.label.toLowerCase()).toMatch(/readiness probe|kubernetes|probe/);
    const bread = list.find((topic) => topic.conversations.some((c) => c.sourceConversationId === 'a-bread1'));
    expect(bread?.conversations.map((c) => c.sourceConversationId).sort()).toEqual(['a-bread1', 'a-bread2']);
    expect(bread?.label.toLowerCase()).toContain('sourdough');
    const pg = list.find((topic) => topic.conversations.some((c) => c.sourceConversationId === 'a-pg1'));
    expect(pg?.conversations.some((c) => c.sourceConversationId === 'a-pg2')).toBe(true);
    const detail = (await t.call('GET', `/api/v1/topics/${k8s!.id}`, { bearer: aliceKey })).body as Topic;
    expect(detail.conversations.map((c) => c.title).sort()).toEqual(['Kubernetes rollout stuck', 'Readiness probe for a worker']);
  });

  it('every conversation of the library is in at least one topic', async () => {
    const list = await topics();
    const covered = new Set(list.flatMap((topic) => topic.conversations.map((c) => c.conversationId)));
    for (const id of [gemini.conversationId, zai.conversationId, chatgpt.conversationId, await conversationId('a-trip')]) expect(covered.has(id)).toBe(true);
  });
});

describe('for the context engine', () => {
  it('topicsFor ranks the topic a prompt is about first; without a prompt, recent topics', async () => {
    const knowledge = t.server.runtime.services.knowledge;
    const started = performance.now();
    const found = await knowledge.topicsFor(alice.userId, { prompt: 'my readiness probe fails again after the deploy', limit: 3 });
    const tookMs = performance.now() - started;
    expect(found[0]?.conversations.map((c) => c.sourceConversationId).sort()).toEqual(['a-k8s1', 'a-k8s2']);
    expect(found[0]!.score).toBeGreaterThan(found[1]?.score ?? 0);
    expect(tookMs).toBeLessThan(150);
    const recent = await knowledge.topicsFor(alice.userId, { limit: 2 });
    expect(recent).toHaveLength(2);
  });

  it('entitiesFor puts entities named in the prompt (by alias too) first', async () => {
    const knowledge = t.server.runtime.services.knowledge;
    const found = await knowledge.entitiesFor(alice.userId, { prompt: 'why is my pg query slow again?', limit: 5 });
    expect(found[0]?.name).toBe('PostgreSQL');
    expect(found).toHaveLength(5);
    const js = await knowledge.entitiesFor(alice.userId, { prompt: 'JS bundle for Tasklet', limit: 3 });
    expect(js.slice(0, 2).map((e) => e.name).sort()).toEqual(['JavaScript', 'Tasklet']);
  });
});

describe('search suggestions', () => {
  it('offers entity names (by alias too) to their owner only', async () => {
    const mine = await t.call('GET', '/api/unified/search/suggest?prefix=postg', { bearer: aliceKey });
    expect(mine.body.suggestions).toContainEqual({ kind: 'entity', text: 'PostgreSQL', conversationId: null });
    const alias = await t.call('GET', '/api/unified/search/suggest?prefix=psq', { bearer: aliceKey });
    expect(alias.body.suggestions.map((s: { text: string }) => s.text)).toContain('PostgreSQL');
    const bobs = await t.call('GET', '/api/unified/search/suggest?prefix=postg', { cookie: bob.cookie });
    expect(bobs.body.suggestions.some((s: { kind: string }) => s.kind === 'entity')).toBe(false);
  });
});

describe('idempotency and deletion', () => {
  it('running the Librarian again on unchanged conversations writes nothing', async () => {
    const em = t.server.runtime.orm.em.fork();
    const snapshot = () =>
      em.execute(`select (select coalesce(json_agg(x order by x), '[]') from (select id::text || ':' || mention_count || ':' || array_to_string(aliases, ',') from knowledge_entity where owner_id = ?) s(x)) as entities,
                   (select coalesce(json_agg(x order by x), '[]') from (select id::text from knowledge_mention where owner_id = ?) s(x)) as mentions,
                   (select coalesce(json_agg(x order by x), '[]') from (select id::text || ':' || updated_at from knowledge_topic where owner_id = ?) s(x)) as topics,
                   (select coalesce(json_agg(x order by x), '[]') from (select conversation_id::text || ':' || processed_at from knowledge_conversation where owner_id = ?) s(x)) as conversations`, [alice.userId, alice.userId, alice.userId, alice.userId]);
    const before = await snapshot();
    const ids = (await em.execute<{ conversation_id: string }[]>('select conversation_id from knowledge_conversation where owner_id = ?', [alice.userId])).map((r) => r.conversation_id);
    expect(ids.length).toBe(11);
    const result = await t.server.runtime.services.knowledge.runLibrarianJob({ ownerId: alice.userId, conversationIds: ids });
    expect(result).toEqual({ unchanged: 11, updated: 0, removed: 0, topicsWritten: 0 });
    expect(await snapshot()).toEqual(before);
  });

  it('deleting a conversation removes its mentions and links, recounts, and drops what is left empty', async () => {
    const before = await entities();
    expect(named(before, 'Chad Robertson')).toBeDefined();
    const updates: { ownerId: string }[] = [];
    const unsubscribe = t.server.runtime.deps.events.on<{ ownerId: string }>('knowledge.updated', (event) => updates.push(event));
    const removed = await t.call('DELETE', `/api/v1/conversations/${await conversationId('a-pg2')}`, { cookie: alice.cookie });
    expect(removed.status).toBe(200);
    await t.call('DELETE', `/api/v1/conversations/${await conversationId('a-bread2')}`, { cookie: alice.cookie });
    await t.waitIdle();
    const after = await entities();
    const pg = named(after, 'PostgreSQL')!;
    expect(pg.conversationCount).toBe(1);
    expect(pg.mentionCount).toBeLessThan(named(before, 'PostgreSQL')!.mentionCount);
    expect(pg.mentions.every((m) => m.sourceConversationId === 'a-pg1')).toBe(true);
    expect(named(after, 'Chad Robertson')).toBeUndefined();
    const list = await topics();
    const linked = list.flatMap((topic) => topic.conversations.map((c) => c.sourceConversationId));
    expect(linked).not.toContain('a-pg2');
    expect(linked).not.toContain('a-bread2');
    for (const topic of list) expect(topic.conversationCount).toBeGreaterThan(0);
    unsubscribe();
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.every((u) => u.ownerId === alice.userId)).toBe(true);
  });
});

describe('isolation and errors', () => {
  it('Bob sees only his own topics and entities, over REST and tRPC', async () => {
    const mine = await entities({}, { cookie: bob.cookie });
    expect(mine.map((e) => e.name)).toEqual(expect.arrayContaining(['Kubernetes', 'Bobcorp Labs']));
    expect(mine.some((e) => e.name === 'PostgreSQL' || e.name === 'Tasklet')).toBe(false);
    const aliceEntities = await entities();
    expect(aliceEntities.some((e) => e.name === 'Bobcorp Labs')).toBe(false);
    const theirs = named(aliceEntities, 'PostgreSQL')!;
    expect((await t.call('GET', `/api/v1/entities/${theirs.id}`, { cookie: bob.cookie })).status).toBe(404);
    const trpc = await t.call('GET', `/trpc/knowledge.entity?input=${encodeURIComponent(JSON.stringify({ id: theirs.id }))}`, { cookie: bob.cookie });
    expect(trpc.status).toBe(404);
    expect(trpc.body.error.data.vivimCode).toBe('KNOWLEDGE_ENTITY_NOT_FOUND');
    const aliceTopic = (await topics())[0]!;
    expect((await t.call('GET', `/api/v1/topics/${aliceTopic.id}`, { cookie: bob.cookie })).status).toBe(404);
    const bobTopics = await topics({ cookie: bob.cookie });
    expect(bobTopics.length).toBeGreaterThan(0);
    expect(bobTopics.flatMap((topic) => topic.conversations.map((c) => c.sourceConversationId))).toEqual(['b-secret']);
    const tRpcTopics = await t.call('GET', `/trpc/knowledge.topics?input=${encodeURIComponent(JSON.stringify({}))}`, { cookie: bob.cookie });
    expect(tRpcTopics.body.result.data.items.map((topic: Topic) => topic.id)).toEqual(bobTopics.map((topic) => topic.id));
  });

  it('answers bad input with clear errors', async () => {
    const badType = await t.call('GET', '/api/v1/entities?type=alien', { bearer: aliceKey });
    expect(badType.status).toBe(400);
    expect(JSON.stringify(badType.body)).toContain('type');
    expect((await t.call('GET', '/api/v1/topics/not-a-uuid', { bearer: aliceKey })).status).toBe(400);
    const cursor = await t.call('GET', '/api/v1/entities?cursor=bm9wZQ', { bearer: aliceKey });
    expect(cursor.status).toBe(400);
    expect(cursor.body.message).toMatch(/cursor/);
    expect((await t.call('GET', '/api/v1/entities?limit=0', { bearer: aliceKey })).status).toBe(400);
  });

  it('needs a signed-in caller with the read scope', async () => {
    expect((await t.call('GET', '/api/v1/topics')).status).toBe(401);
    const captureOnly = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { name: 'capture-only', scopes: ['capture:write'] } })).body.key;
    expect((await t.call('GET', '/api/v1/entities', { bearer: captureOnly })).status).toBe(403);
  });
});
