import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, openAsBlob, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { DEFAULT_EXPORT_LIMITS, type ExportLimits } from '#plugins/providers/sdk/export-file.ts';
import { zipBytes } from '#plugins/providers/sdk/testing/zip.ts';
import { chatgptConversation, chatgptExportJson } from '../../factories/chatgpt-export.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

/*
 * Import budgets, cancelling, and exact counts across a failed-then-resumed run. The server runs
 * without its in-process worker (VIVIM_WORKER=0): jobs stay queued, and each test runs the real
 * importer itself when it wants the import to proceed.
 */

const log = pino({ level: 'silent' });
const dir = mkdtempSync(path.join(tmpdir(), 'vivim-import-limits-'));
let t: TestServer;
let alice: { cookie: string; userId: string };
beforeAll(async () => {
  t = await startTestServer({ env: { VIVIM_WORKER: '0', AUTH_RATE_LIMIT_PER_MINUTE: '1000', CAPTURE_RATE_LIMIT_PER_MINUTE: '1000' } });
  alice = await t.signUp('alice@example.com');
});
afterAll(async () => {
  await t?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const importer = () => t.server.runtime.services.capture.importer;
const count = async (sql: string, params: unknown[] = []) => (await t.server.runtime.orm.em.fork().execute<{ n: number }[]>(sql, params))[0]?.n;

function file(name: string, content: string | Buffer): string {
  const target = path.join(dir, name);
  writeFileSync(target, content);
  return target;
}

/** Records an import of `target` (copied into the uploads) without queueing it, then runs it with `limits`. */
async function runImport(target: string, limits?: Partial<ExportLimits>) {
  const { importId } = await importer().create(alice.userId, { path: target, fileName: path.basename(target), copy: true }, false);
  const upload = (await t.server.runtime.orm.em.fork().execute<{ path: string }[]>('select path from capture_import where id = ?', [importId]))[0]?.path as string;
  const error = await importer()
    .run(importId, { log, limits: { ...DEFAULT_EXPORT_LIMITS, ...limits } })
    .then(() => undefined, (e: unknown) => e as { code?: string; message: string });
  return { importId, upload, error, report: await importer().report(alice.userId, importId) };
}

const conversations = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => chatgptConversation(i, { conversations: n, messagesPer: 2, idPrefix: prefix }));
const stored = (prefix: string) => count('select count(*)::int as n from capture_conversation where owner_id = ? and source_id like ?', [alice.userId, `${prefix}-%`]);

describe('import budgets', () => {
  it('refuses a zip bomb over HTTP from its central directory, before inflating anything', async () => {
    // Five entries each declaring ~4 GB uncompressed: 20 GB, over the 16 GB an export may expand to.
    const zip = zipBytes(Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`part-${i}.json`, '[]'])));
    for (let at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); at !== -1; at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)) zip.writeUInt32LE(0xfffffff0, at + 24);
    const form = new FormData();
    form.append('file', await openAsBlob(file('bomb.zip', zip)), 'bomb.zip');
    const response = await fetch(`${t.url}/api/v1/import`, { method: 'POST', headers: { cookie: alice.cookie, origin: 'http://localhost:3000' }, body: form });
    const started = (await response.json()) as { importId: string; jobId: string };
    expect(response.status).toBe(202);
    const upload = (await t.server.runtime.orm.em.fork().execute<{ path: string }[]>('select path from capture_import where id = ?', [started.importId]))[0]?.path as string;
    await expect(importer().run(started.importId, { log })).rejects.toMatchObject({ code: 'TOO_LARGE', message: expect.stringContaining('16 GB') });
    expect(await importer().report(alice.userId, started.importId)).toMatchObject({ status: 'failed', conversations: 0, errors: [{ code: 'TOO_LARGE' }] });
    expect(existsSync(upload)).toBe(false);
  });

  it('refuses a zip of too many files, a file inflating past its limit, and a zip expanding past the total', async () => {
    const many = await runImport(file('many.zip', zipBytes(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}.txt`, 'x'])))), { maxEntries: 10 });
    expect(many.error).toMatchObject({ code: 'TOO_LARGE', message: 'The zip holds 11 files; an export may hold at most 10' });
    // A real (miniature) bomb: 3 MB of zeros deflate to ~3 KB.
    const zeros = Buffer.alloc(3 * 1024 * 1024, 0x20);
    const big = await runImport(file('big-entry.zip', zipBytes({ 'conversations.json': zeros })), { maxEntryBytes: 2 * 1024 * 1024 });
    expect(big.error).toMatchObject({ code: 'TOO_LARGE', message: expect.stringMatching(/conversations\.json is 3 MB uncompressed; one file of an export may be at most 2 MB/) });
    const total = await runImport(file('total.zip', zipBytes({ 'a.json': zeros, 'b.json': zeros })), { maxTotalBytes: 5 * 1024 * 1024 });
    expect(total.error).toMatchObject({ code: 'TOO_LARGE', message: expect.stringContaining("limit for an export's total uncompressed size") });
    for (const outcome of [many, big, total]) {
      expect(outcome.report).toMatchObject({ status: 'failed', conversations: 0 });
      expect(existsSync(outcome.upload)).toBe(false);
    }
  });

  it('stops at a conversation over the size limit: it is never stored, the import fails TOO_LARGE naming the limit', async () => {
    const items = conversations('huge', 4);
    const huge = chatgptConversation(9, { conversations: 1, messagesPer: 2, idPrefix: 'huge' });
    (huge as { padding?: string[] }).padding = Array.from({ length: 40 }, () => 'y'.repeat(1000));
    const outcome = await runImport(file('huge.json', JSON.stringify([...items, huge])), { maxJsonElementBytes: 20 * 1024 });
    expect(outcome.error).toMatchObject({ code: 'TOO_LARGE', message: 'huge.json holds a conversation larger than 20480 bytes (the limit for one conversation)' });
    expect(outcome.report.status).toBe('failed');
    expect(outcome.report.errors.at(-1)).toMatchObject({ code: 'TOO_LARGE' });
    expect(await count("select count(*)::int as n from capture_conversation where source_id = 'huge-9'")).toBe(0);
    expect(existsSync(outcome.upload)).toBe(false);
  });

  it('stops at a JSON string over its limit, inside a zip too', async () => {
    const long = chatgptConversation(0, { conversations: 1, messagesPer: 2, idPrefix: 'longstr' });
    const json = JSON.stringify([long]).replace('"conversation_id"', `"note":"${'z'.repeat(5000)}","conversation_id"`);
    const outcome = await runImport(file('long.zip', zipBytes({ 'conversations.json': json })), { maxJsonStringBytes: 4096 });
    expect(outcome.error).toMatchObject({ code: 'TOO_LARGE', message: expect.stringContaining('the limit for one JSON string') });
    expect(await stored('longstr')).toBe(0);
  });

  it('imports within the limits unchanged (strings with brackets, quotes and escapes do not confuse the budget)', async () => {
    const items = conversations('tricky', 3);
    (items[1] as { title: string }).title = 'a "quoted" [bracket] {brace} \\ back\\"slash ]]]}}}';
    const outcome = await runImport(file('tricky.json', JSON.stringify(items)), { maxJsonElementBytes: 64 * 1024, maxJsonStringBytes: 1024 });
    expect(outcome.error).toBeUndefined();
    expect(outcome.report).toMatchObject({ status: 'done', conversations: 3, errors: [] });
  });
});

describe('cancelling an import', () => {
  it('removes the upload of a queued import and marks it cancelled; its job never imports', async () => {
    const form = new FormData();
    form.append('file', await openAsBlob(file('queued.json', chatgptExportJson({ conversations: 3, messagesPer: 2, idPrefix: 'queued' }))), 'queued.json');
    const response = await fetch(`${t.url}/api/v1/import`, { method: 'POST', headers: { cookie: alice.cookie, origin: 'http://localhost:3000' }, body: form });
    const started = (await response.json()) as { importId: string; jobId: string };
    const upload = (await t.server.runtime.orm.em.fork().execute<{ path: string }[]>('select path from capture_import where id = ?', [started.importId]))[0]?.path as string;
    expect(existsSync(upload)).toBe(true);
    const cancelled = await t.call('POST', `/api/v1/imports/${started.importId}/cancel`, { cookie: alice.cookie, body: {} });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', conversations: 0 });
    expect(cancelled.body.finishedAt).not.toBeNull();
    expect(existsSync(upload)).toBe(false);
    expect(await t.server.runtime.jobs.get(started.jobId, alice.userId)).toMatchObject({ state: 'failed', errorCode: 'CANCELLED' });
    await expect(importer().run(started.importId, { log })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await stored('queued')).toBe(0);
    // Cancelling again, or someone else's import, changes nothing.
    expect((await t.call('POST', `/api/v1/imports/${started.importId}/cancel`, { cookie: alice.cookie, body: {} })).body.status).toBe('cancelled');
    const bob = await t.signUp('bob@example.com');
    expect((await t.call('POST', `/api/v1/imports/${started.importId}/cancel`, { cookie: bob.cookie, body: {} })).status).toBe(404);
  });
});

describe('an upload cut off on its way', () => {
  it('records no import and leaves no file when the connection closes in the middle of the body (a cancelled browser upload)', async () => {
    const uploads = path.dirname(importer().uploadPath());
    const filesBefore = readdirSync(uploads).length;
    const importsBefore = await count('select count(*)::int as n from capture_import where owner_id = ?', [alice.userId]);
    const boundary = 'vivim-cut-off';
    const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="cut.json"\r\ncontent-type: application/json\r\n\r\n`;
    const url = new URL(t.url);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    // The request announces 2 MB and sends 300 KB of it, as a browser does before its upload is cancelled.
    socket.write(
      [`POST /api/v1/import HTTP/1.1`, `host: ${url.host}`, `cookie: ${alice.cookie}`, 'origin: http://localhost:3000', `content-type: multipart/form-data; boundary=${boundary}`, `content-length: ${2 * 1024 * 1024}`, '', ''].join('\r\n'),
    );
    socket.write(head + '['.padEnd(300 * 1024, ' '));
    // The server is writing the upload to disk when the connection goes; the request counts as one a
    // person waits for (background jobs let it through first) until it ends.
    await expect.poll(() => readdirSync(uploads).length).toBe(filesBefore + 1);
    expect(t.server.runtime.jobs.foreground.inFlight()).toBe(1);
    socket.destroy();
    await expect.poll(() => t.server.runtime.jobs.foreground.inFlight()).toBe(0);
    await expect.poll(() => readdirSync(uploads).length).toBe(filesBefore);
    expect(await count('select count(*)::int as n from capture_import where owner_id = ?', [alice.userId])).toBe(importsBefore);
    // The server goes on answering.
    expect((await t.call('GET', '/api/v1/imports', { cookie: alice.cookie })).status).toBe(200);
  });
});

describe('cancelling a running import', () => {
  it('stops at the next batch: the batches stored stay, the upload goes, the status says cancelled', async () => {
    const { importId } = await importer().create(alice.userId, { path: file('running.json', JSON.stringify(conversations('running', 120))), fileName: 'running.json', copy: true }, false);
    const upload = (await t.server.runtime.orm.em.fork().execute<{ path: string }[]>('select path from capture_import where id = ?', [importId]))[0]?.path as string;
    const run = importer().run(importId, {
      log,
      progress: async (done) => {
        if (done === 50) expect((await importer().cancel(alice.userId, importId)).status).toBe('cancelled');
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await importer().report(alice.userId, importId)).toMatchObject({ status: 'cancelled', conversations: 50 });
    expect(await stored('running')).toBe(50);
    expect(existsSync(upload)).toBe(false);
  });
});

describe('import counters across a failed run and its resume', () => {
  it('counts exactly once when the run dies right after a batch is written', async () => {
    const items = conversations('resume', 120);
    const broken = { ...chatgptConversation(200, { conversations: 1, messagesPer: 2, idPrefix: 'resume' }), mapping: 'not a tree' };
    items.splice(60, 0, broken as unknown as (typeof items)[number]);
    const { importId } = await importer().create(alice.userId, { path: file('resume.json', JSON.stringify(items)), fileName: 'resume.json', copy: true }, false);
    const em = t.server.runtime.orm.em.fork();
    // The database fails the progress write of the first batch (the process dying there would do the same).
    await em.execute(`create or replace function test_fail_progress() returns trigger language plpgsql as $$
      begin if new.processed = 50 then raise exception 'injected failure after the first batch'; end if; return new; end $$`);
    await em.execute('create trigger test_fail_progress before update on capture_import for each row execute function test_fail_progress()');
    try {
      await expect(importer().run(importId, { log })).rejects.toThrow('injected failure');
    } finally {
      await em.execute('drop trigger test_fail_progress on capture_import');
      await em.execute('drop function test_fail_progress()');
    }
    const report = await importer().run(importId, { log });
    expect(report).toMatchObject({ status: 'done', conversations: 120, messages: 240, unchanged: 0 });
    expect(report.errors).toHaveLength(1);
    expect(await stored('resume')).toBe(120);
  });
});
