import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAsBlob } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '#server/composition.ts';
import { memoryEvents, type MemoryChangedEvent } from '#modules/memory/index.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/memory/', import.meta.url));

let t: TestServer;
let alice: { cookie: string; userId: string };
let bob: { cookie: string; userId: string };
let aliceRead: string;
let aliceWrite: string;
const changes: MemoryChangedEvent[] = [];

function trpcAs(bearer: string) {
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${t.url}/trpc`, headers: { authorization: `Bearer ${bearer}` } })] });
}

async function waitIdle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 700));
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    if ((await t.call('GET', '/ready?idle=1')).status === 200) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error('jobs never finished');
}

beforeAll(async () => {
  t = await startTestServer();
  t.server.runtime.deps.events.on<MemoryChangedEvent>(memoryEvents.changed, (event) => changes.push(event));
  alice = await t.signUp('alice@example.com');
  bob = await t.signUp('bob@example.com');
  aliceRead = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { name: 'read', scopes: ['read'] } })).body.key;
  aliceWrite = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { name: 'write', scopes: ['read', 'write'] } })).body.key;
}, 120_000);

afterAll(async () => {
  await t?.dispose();
});

describe('memory API', () => {
  it('adds, lists, filters, edits, pins and shows history over REST', async () => {
    const added = await t.call('POST', '/api/v1/memory', { bearer: aliceWrite, body: { type: 'preference', content: 'Prefers dark mode in every editor' } });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body).toMatchObject({ type: 'preference', source: 'manual', pinned: false, confidence: 1, supersededBy: null, provenance: [] });
    expect(changes.at(-1)).toEqual({ ownerId: alice.userId, memoryIds: [added.body.id] });
    await t.call('POST', '/api/v1/memory', { bearer: aliceWrite, body: { type: 'goal', content: 'Wants to learn Japanese' } });

    const filtered = await t.call('GET', '/api/v1/memory?type=goal', { bearer: aliceRead });
    expect(filtered.body.items.map((m: { content: string }) => m.content)).toEqual(['Wants to learn Japanese']);
    const found = await t.call('GET', '/api/v1/memory?q=dark', { bearer: aliceRead });
    expect(found.body.items.map((m: { id: string }) => m.id)).toEqual([added.body.id]);

    const edited = await t.call('PATCH', `/api/v1/memory/${added.body.id}`, { bearer: aliceWrite, body: { content: 'Prefers dark mode in every editor and terminal', importance: 0.9 } });
    expect(edited.body).toMatchObject({ content: 'Prefers dark mode in every editor and terminal', importance: 0.9 });
    const pinned = await t.call('POST', `/api/v1/memory/${added.body.id}/pin`, { bearer: aliceWrite, body: { pinned: true } });
    expect(pinned.body.pinned).toBe(true);
    expect((await t.call('GET', '/api/v1/memory?pinned=true', { bearer: aliceRead })).body.items.map((m: { id: string }) => m.id)).toEqual([added.body.id]);

    const history = await t.call('GET', `/api/v1/memory/${added.body.id}/history`, { bearer: aliceRead });
    expect(history.body.revisions.map((r: { action: string }) => r.action)).toEqual(['PIN', 'EDIT', 'EDIT', 'ADD']);
    expect(history.body.revisions[2]).toMatchObject({ previousContent: 'Prefers dark mode in every editor', content: 'Prefers dark mode in every editor and terminal', actor: 'user' });
  });

  it('pages with a cursor and rejects a forged one', async () => {
    for (let i = 0; i < 3; i++) await t.call('POST', '/api/v1/memory', { bearer: aliceWrite, body: { type: 'fact', content: `Owns a bicycle number ${i}` } });
    const first = await t.call('GET', '/api/v1/memory?type=fact&limit=2', { bearer: aliceRead });
    expect(first.body.items).toHaveLength(2);
    const second = await t.call('GET', `/api/v1/memory?type=fact&limit=2&cursor=${first.body.nextCursor}`, { bearer: aliceRead });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    expect(new Set([...first.body.items, ...second.body.items].map((m: { id: string }) => m.id)).size).toBe(3);
    const bad = await t.call('GET', '/api/v1/memory?cursor=nonsense', { bearer: aliceRead });
    expect(bad.status).toBe(400);
  });

  it('a manual new value of a slot supersedes the old one; a duplicate returns the existing memory', async () => {
    const tabs = (await t.call('POST', '/api/v1/memory', { bearer: aliceWrite, body: { type: 'preference', content: 'I prefer tabs for indentation' } })).body;
    const again = (await t.call('POST', '/api/v1/memory', { bearer: aliceWrite, body: { type: 'preference', content: 'I prefer tabs for indentation.' } })).body;
    expect(again.id).toBe(tabs.id);
    const spaces = (await t.call('POST', '/api/v1/memory', { bearer: aliceWrite, body: { type: 'preference', content: 'Prefers spaces over tabs' } })).body;
    const old = (await t.call('GET', `/api/v1/memory/${tabs.id}`, { bearer: aliceRead })).body;
    expect(old.supersededBy).toBe(spaces.id);
    expect(old.validTo).not.toBeNull();
    const context = await t.server.runtime.services.memory.forContext(alice.userId, { types: ['preference'], limit: 10 });
    expect(context.map((m) => m.content)).toContain('Prefers spaces over tabs');
    expect(context.map((m) => m.content)).not.toContain('I prefer tabs for indentation');
    expect(context[0]!.pinned).toBe(true);
  });

  it('refuses a memory holding a secret with a clear error', async () => {
    const refused = await t.call('POST', '/api/v1/memory', { bearer: aliceWrite, body: { type: 'fact', content: 'My OpenAI key is sk-proj-Ab12Cd34Ef56Gh78Ij90KlMn' } });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/cannot hold a secret \(api-key/);
    const rows = await t.server.runtime.deps.em().execute<{ n: number }[]>("select count(*)::int as n from memory_item where content like '%sk-proj%'");
    expect(rows[0]!.n).toBe(0);
  });

  it('forgets: gone from lists, context, search and history; extraction does not bring it back', async () => {
    const bob2 = await t.signUp('carol@example.com');
    const form = new FormData();
    form.append('file', await openAsBlob(path.join(FIXTURES, 'first.json')), 'first.json');
    expect((await fetch(`${t.url}/api/v1/import`, { method: 'POST', headers: { cookie: bob2.cookie, origin: 'http://localhost:3000' }, body: form })).status).toBe(202);
    await waitIdle();
    const items = (await t.call('GET', '/api/v1/memory', { cookie: bob2.cookie })).body.items as { id: string; content: string }[];
    const name = items.find((m) => m.content === 'Name is Maya Lopez')!;
    const search = () => t.call('GET', `/api/unified/search?q=Maya&kind=memory`, { cookie: bob2.cookie });
    expect((await search()).body.results).toHaveLength(1);

    const forgot = await t.call('DELETE', `/api/v1/memory/${name.id}`, { cookie: bob2.cookie });
    expect(forgot.body).toEqual({ id: name.id, forgotten: true });
    expect((await t.call('GET', `/api/v1/memory/${name.id}`, { cookie: bob2.cookie })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/memory/${name.id}/history`, { cookie: bob2.cookie })).status).toBe(404);
    expect((await search()).body.results).toEqual([]);
    const em = t.server.runtime.deps.em();
    const leftovers = await em.execute<{ n: number }[]>(
      `select (select count(*) from memory_item where content like '%Maya%') + (select count(*) from memory_revision where coalesce(content, '') || coalesce(previous_content, '') like '%Maya%')
            + (select count(*) from search_doc where kind = 'memory' and body like '%Maya%') as n`,
    );
    expect(Number(leftovers[0]!.n)).toBe(0);

    const [conversation] = (await t.call('GET', '/api/v1/conversations', { cookie: bob2.cookie })).body.items as { id: string }[];
    const rerun = await t.server.runtime.services.memory.runExtractJob({ ownerId: bob2.userId, conversationId: conversation!.id, force: true });
    expect(rerun.added).toBe(0);
    const after = (await t.call('GET', '/api/v1/memory', { cookie: bob2.cookie })).body.items as { content: string }[];
    expect(after.map((m) => m.content)).not.toContain('Name is Maya Lopez');
  });

  it('re-runs extraction through the API for the owner only', async () => {
    const carol = await t.call('POST', '/api/v1/auth/sign-in', { body: { email: 'carol@example.com', password: 'correct horse battery staple' } });
    const cookie = (carol.headers.get('set-cookie') ?? '').split(';')[0]!;
    const [conversation] = (await t.call('GET', '/api/v1/conversations', { cookie })).body.items as { id: string }[];
    const queued = await t.call('POST', '/api/v1/memory/extract', { cookie, body: { conversationId: conversation!.id } });
    expect(queued.status, JSON.stringify(queued.body)).toBe(200);
    const job = await t.server.runtime.jobs.waitFor(queued.body.jobId);
    expect(job).toMatchObject({ state: 'done', result: { skipped: false, added: 0 } });
    expect((await t.call('POST', '/api/v1/memory/extract', { cookie: bob.cookie, body: { conversationId: conversation!.id } })).status).toBe(404);
    expect((await t.call('POST', '/api/v1/memory/extract', { cookie: bob.cookie, body: { conversationId: conversation!.id, email: 'carol@example.com' } })).status).toBe(403);
  });
});

describe('authorization and isolation', () => {
  it('needs a credential, and the write scope for writes', async () => {
    expect((await t.call('GET', '/api/v1/memory')).status).toBe(401);
    const denied = await t.call('POST', '/api/v1/memory', { bearer: aliceRead, body: { type: 'fact', content: 'Has a read-only key' } });
    expect(denied.status).toBe(403);
    const list = (await t.call('GET', '/api/v1/memory', { bearer: aliceRead })).body.items as { id: string }[];
    expect((await t.call('DELETE', `/api/v1/memory/${list[0]!.id}`, { bearer: aliceRead })).status).toBe(403);
    expect((await t.call('POST', `/api/v1/memory/${list[0]!.id}/pin`, { bearer: aliceRead, body: {} })).status).toBe(403);
  });

  it("never shows, changes or finds one user's memories for another (REST, tRPC, search)", async () => {
    const aliceItems = (await t.call('GET', '/api/v1/memory?includeSuperseded=true', { bearer: aliceRead })).body.items as { id: string }[];
    expect(aliceItems.length).toBeGreaterThan(3);
    const target = aliceItems[0]!.id;
    expect((await t.call('GET', '/api/v1/memory?includeSuperseded=true', { cookie: bob.cookie })).body.items).toEqual([]);
    for (const [method, route, body] of [
      ['GET', `/api/v1/memory/${target}`, undefined],
      ['GET', `/api/v1/memory/${target}/history`, undefined],
      ['PATCH', `/api/v1/memory/${target}`, { content: 'Hijacked by bob' }],
      ['POST', `/api/v1/memory/${target}/pin`, {}],
      ['DELETE', `/api/v1/memory/${target}`, undefined],
    ] as const) {
      expect((await t.call(method, route, { cookie: bob.cookie, body })).status, `${method} ${route}`).toBe(404);
    }
    const bobKey = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: bob.cookie, body: { name: 'bob', scopes: ['read', 'write'] } })).body.key as string;
    const bobClient = trpcAs(bobKey);
    expect((await bobClient.memory.list.query({})).items).toEqual([]);
    await expect(bobClient.memory.get.query({ id: target })).rejects.toBeInstanceOf(TRPCClientError);
    await expect(bobClient.memory.forget.mutate({ id: target })).rejects.toThrow(/No such memory/);
    await expect(bobClient.memory.listFor.query({ email: 'alice@example.com' })).rejects.toThrow(/Administrators only/);
    expect((await trpcAs(aliceRead).memory.get.query({ id: target })).id).toBe(target);
    const bobSearch = await t.call('GET', '/api/unified/search?q=dark%20mode&kind=memory', { cookie: bob.cookie });
    expect(bobSearch.body.results).toEqual([]);
    const aliceSearch = await t.call('GET', '/api/unified/search?q=dark%20mode&kind=memory', { bearer: aliceRead });
    expect(aliceSearch.body.results.length).toBe(1);
  });
});
