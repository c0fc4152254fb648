import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, openAsBlob, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chatgptConversation, chatgptExportJson } from '../../factories/chatgpt-export.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vivim-import-'));
let t: TestServer;
let alice: { cookie: string; userId: string };
let bob: { cookie: string; userId: string };
beforeAll(async () => {
  t = await startTestServer({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000', CAPTURE_RATE_LIMIT_PER_MINUTE: '1000' } });
  alice = await t.signUp('alice@example.com');
  bob = await t.signUp('bob@example.com');
});
afterAll(async () => {
  await t?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string): string {
  const target = path.join(dir, name);
  writeFileSync(target, content);
  return target;
}

async function upload(target: string, cookie: string) {
  const form = new FormData();
  form.append('file', await openAsBlob(target), path.basename(target));
  const response = await fetch(`${t.url}/api/v1/import`, { method: 'POST', headers: { cookie, origin: 'http://localhost:3000' }, body: form });
  return { status: response.status, body: (await response.json()) as { importId: string; jobId: string; error?: { code: string } } };
}

async function importFile(target: string, cookie = alice.cookie) {
  const started = await upload(target, cookie);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const job = await t.server.runtime.jobs.waitFor(started.body.jobId, 60_000);
  const report = (await t.call('GET', `/api/v1/imports/${started.body.importId}`, { cookie })).body;
  return { job, report };
}

const count = async (sql: string, params: unknown[] = []) => (await t.server.runtime.orm.em.fork().execute<{ n: number }[]>(sql, params))[0]?.n;

describe('official export import', () => {
  it('imports a ChatGPT conversations.json: every conversation, branches kept, hidden system nodes not counted', async () => {
    const target = file('conversations.json', chatgptExportJson({ conversations: 30, messagesPer: 6, branchEvery: 10 }));
    const { job, report } = await importFile(target);
    expect(job.state).toBe('done');
    expect(report).toMatchObject({ status: 'done', provider: 'chatgpt', conversations: 30, messages: 30 * 6 + 3, unchanged: 0, errors: [] });
    // The ACU jobs parked while the import stored were released when it ended: none waits for later.
    expect(await count("select count(*)::int as n from graphile_worker.jobs where task_identifier = 'capture.acus' and run_at > now() + interval '5 seconds'")).toBe(0);
    expect(await count('select count(*)::int as n from capture_conversation where owner_id = ?', [alice.userId])).toBe(30);
    const list = (await t.call('GET', '/api/v1/conversations?provider=chatgpt&limit=200', { cookie: alice.cookie })).body.items;
    const branched = list.find((c: { sourceConversationId: string }) => c.sourceConversationId === 'conv-0');
    const detail = (await t.call('GET', `/api/v1/conversations/${branched.id}?allBranches=true`, { cookie: alice.cookie })).body;
    const firstTurns = detail.messages.filter((m: { sourceMessageId: string }) => m.sourceMessageId.startsWith('conv-0-m0'));
    expect(firstTurns.map((m: { sourceMessageId: string; branchIndex: number; siblingCount: number }) => [m.sourceMessageId, m.branchIndex, m.siblingCount])).toEqual([
      ['conv-0-m0', 0, 2],
      ['conv-0-m0-edit', 1, 2],
    ]);
    const code = detail.messages.find((m: { role: string }) => m.role === 'assistant').parts.find((p: { type: string }) => p.type === 'code');
    expect(code).toMatchObject({ language: 'python', code: 'def answer_0_1():\n    return 1' });
  });

  it('re-imports the same export without duplicating anything', async () => {
    const target = file('conversations-again.json', chatgptExportJson({ conversations: 30, messagesPer: 6, branchEvery: 10 }));
    const before = await count('select count(*)::int as n from capture_message where owner_id = ?', [alice.userId]);
    const { report } = await importFile(target);
    expect(report).toMatchObject({ status: 'done', conversations: 0, unchanged: 30 });
    expect(await count('select count(*)::int as n from capture_message where owner_id = ?', [alice.userId])).toBe(before);
  });

  it('cuts the ACUs of a whole batch of conversations; re-cutting after one changed touches only that one', async () => {
    const deadline = Date.now() + 60_000;
    while ((await t.server.runtime.jobs.pendingCount()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const em = () => t.server.runtime.orm.em.fork();
    const acus = () => em().execute<{ id: string; conversation_id: string; content: string; message_ids: string[] }[]>('select id, conversation_id, content, message_ids from capture_acu where owner_id = ? order by id', [alice.userId]);
    const before = await acus();
    const conversations = (await em().execute<{ id: string }[]>('select id from capture_conversation where owner_id = ? order by id', [alice.userId])).map((r) => r.id);
    expect(new Set(before.map((a) => a.conversation_id))).toEqual(new Set(conversations));
    // Every ACU points at messages of its own conversation.
    const owners = new Map((await em().execute<{ id: string; conversation_id: string }[]>('select id, conversation_id from capture_message where owner_id = ?', [alice.userId])).map((m) => [m.id, m.conversation_id]));
    for (const acu of before) for (const id of acu.message_ids) expect(owners.get(id)).toBe(acu.conversation_id);

    const [changed] = await em().execute<{ id: string; conversation_id: string }[]>("select id, conversation_id from capture_message where owner_id = ? and role = 'assistant' order by id limit 1", [alice.userId]);
    await em().execute('update capture_message set parts = ?::jsonb where id = ?', [JSON.stringify([{ type: 'text', text: 'Sourdough wants a warm kitchen and a patient baker.' }]), changed!.id]);
    const capture = t.server.runtime.services.capture;
    const { acus: cut } = await capture.runAcusBatch({ ownerId: alice.userId, conversationIds: conversations });
    const after = await acus();
    expect(cut).toBe(after.length);
    const untouched = (list: typeof before) => list.filter((a) => a.conversation_id !== changed!.conversation_id);
    expect(untouched(after)).toEqual(untouched(before));
    const recut = after.filter((a) => a.conversation_id === changed!.conversation_id);
    expect(recut.filter((a) => a.message_ids.includes(changed!.id)).map((a) => a.content)).toEqual(['Sourdough wants a warm kitchen and a patient baker.']);
    // The conversation's other ACUs keep their rows; those of the old answer are gone.
    const others = (list: typeof before) => list.filter((a) => a.conversation_id === changed!.conversation_id && !a.message_ids.includes(changed!.id));
    expect(others(after)).toEqual(others(before));
    expect(before.filter((a) => a.message_ids.includes(changed!.id)).every((old) => !after.some((a) => a.id === old.id))).toBe(true);
    // Running it again changes nothing; Bob's conversations are not Alice's to cut.
    await capture.runAcusBatch({ ownerId: alice.userId, conversationIds: conversations });
    expect(await acus()).toEqual(after);
    expect((await capture.runAcusBatch({ ownerId: bob.userId, conversationIds: conversations })).acus).toBe(0);
    expect(await acus()).toEqual(after);
  });

  it('reports the conversations it cannot read and imports the rest, leaving no partial rows', async () => {
    const good = [0, 1, 2].map((i) => chatgptConversation(i, { conversations: 3, messagesPer: 2, idPrefix: 'mixed' }));
    const broken = { ...chatgptConversation(9, { conversations: 1, messagesPer: 2, idPrefix: 'mixed' }), mapping: { x: { id: 'x', parent: null, children: [], message: { author: { role: 'hacker' }, content: 42 } } } };
    const target = file('mixed.json', JSON.stringify([good[0], broken, good[1], good[2]]));
    const { report } = await importFile(target);
    expect(report.conversations).toBe(3);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0].code).toMatch(/INVALID_CONTENT|EXTRACTION_FAILED/);
    expect(await count("select count(*)::int as n from capture_conversation where source_id = 'mixed-9'")).toBe(0);
  });

  it('never reports success when nothing was imported: unknown files, truncated JSON, empty exports', async () => {
    for (const [name, content] of [
      ['notes.txt', 'just some notes, not an export'],
      ['truncated.json', chatgptExportJson({ conversations: 2, messagesPer: 2, idPrefix: 'cut' }).slice(0, 200)],
      ['empty.json', '[]'],
    ] as const) {
      const { job, report } = await importFile(file(name, content));
      expect([name, job.state, job.errorCode]).toEqual([name, 'failed', 'INVALID_CONTENT']);
      expect(report.status).toBe('failed');
      expect(report.conversations).toBe(0);
    }
  });

  it("keeps users apart: Bob cannot see Alice's import report", async () => {
    const reports = (await t.call('GET', '/api/v1/imports', { cookie: alice.cookie })).body;
    expect(reports.length).toBeGreaterThan(0);
    expect((await t.call('GET', `/api/v1/imports/${reports[0].id}`, { cookie: bob.cookie })).status).toBe(404);
    expect((await t.call('GET', '/api/v1/imports', { cookie: bob.cookie })).body).toEqual([]);
  });

  it('refuses an upload without a session or key, and a read-only key', async () => {
    const form = new FormData();
    form.append('file', new Blob(['[]']), 'x.json');
    expect((await fetch(`${t.url}/api/v1/import`, { method: 'POST', body: form })).status).toBe(401);
    const readKey = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { scopes: ['read'] } })).body.key;
    expect((await fetch(`${t.url}/api/v1/import`, { method: 'POST', headers: { authorization: `Bearer ${readKey}` }, body: form })).status).toBe(403);
  });
});
