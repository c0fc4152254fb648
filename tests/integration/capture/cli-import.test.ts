import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, openAsBlob, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chatgptExportJson } from '../../factories/chatgpt-export.ts';
import { runCli, spawnServer } from '../../helpers/cli.ts';
import { modules } from '#server/composition.ts';
import { createLogger } from '#server/logger.ts';
import { startRuntime } from '#server/runtime.ts';
import { freshDataDir, testConfig } from '../../helpers/server.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'vivim-cli-import-'));
const dirs: string[] = [scratch];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function exportFile(name: string, conversations: number, messagesPer = 4): string {
  const target = path.join(scratch, name);
  writeFileSync(target, chatgptExportJson({ conversations, messagesPer }));
  return target;
}

describe('vivim capture', () => {
  it('captures a saved page with --html and refuses an unsupported link with its code (shared fixture)', async () => {
    const dataDir = freshDataDir();
    dirs.push(dataDir);
    await runCli(['user', 'create', '--email', 'me@example.com', '--password', 'correct horse battery'], { VIVIM_DATA_DIR: dataDir });
    const page = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'fixtures', 'share-pages', 'kimi', 'page.html');
    const captured = await runCli(['capture', 'https://www.kimi.com/share/19be85a5-0c42-8bc7-8000-0000f26198c2', '--html', page, '--json'], { VIVIM_DATA_DIR: dataDir });
    expect(captured.code, captured.stderr).toBe(0);
    const result = JSON.parse(captured.stdout);
    expect(Object.keys(result).sort()).toEqual(['conversationId', 'messages', 'sourceConversationId']);
    expect(result).toMatchObject({ sourceConversationId: '19be85a5-0c42-8bc7-8000-0000f26198c2', messages: 2 });
    const refused = await runCli(['capture', 'https://example.org/not-a-chat', '--json'], { VIVIM_DATA_DIR: dataDir });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error.code).toBe('UNSUPPORTED_PROVIDER');
  });
});

describe('vivim import', () => {
  it('imports on the data dir itself and prints the report as one JSON document', async () => {
    const dataDir = freshDataDir();
    dirs.push(dataDir);
    await runCli(['user', 'create', '--email', 'me@example.com', '--password', 'correct horse battery'], { VIVIM_DATA_DIR: dataDir });
    const file = exportFile('local.json', 12);
    const first = await runCli(['import', file, '--json'], { VIVIM_DATA_DIR: dataDir });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ conversations: 12, messages: 48, unchanged: 0, errors: [] });
    const again = await runCli(['import', file, '--json'], { VIVIM_DATA_DIR: dataDir });
    expect(JSON.parse(again.stdout)).toEqual({ conversations: 0, messages: 0, unchanged: 12, errors: [] });
    const list = await runCli(['conversations', 'list', '--json', '--limit', '5'], { VIVIM_DATA_DIR: dataDir });
    expect(JSON.parse(list.stdout)).toHaveLength(5);
    const bad = await runCli(['import', path.join(scratch, 'missing.json'), '--json'], { VIVIM_DATA_DIR: dataDir });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).error.message).toMatch(/ENOENT|no such file/);
  });

  it('resumes an import after the server is killed mid-way: nothing lost, nothing doubled', async () => {
    const dataDir = freshDataDir();
    dirs.push(dataDir);
    await runCli(['user', 'create', '--email', 'me@example.com', '--password', 'correct horse battery'], { VIVIM_DATA_DIR: dataDir });
    const key = JSON.parse((await runCli(['apikey', 'create', '--email', 'me@example.com', '--json'], { VIVIM_DATA_DIR: dataDir })).stdout).key as string;
    const file = exportFile('big.json', 1500, 6);
    const first = await spawnServer({ VIVIM_DATA_DIR: dataDir, PORT: '0' });
    const form = new FormData();
    form.append('file', await openAsBlob(file), 'conversations.json');
    const started = (await (await fetch(`${first.url}/api/v1/import`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form })).json()) as { importId: string; jobId: string };
    let processed = 0;
    for (const deadline = Date.now() + 60_000; processed < 100 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 100));
      const report = (await (await fetch(`${first.url}/api/v1/imports/${started.importId}`, { headers: { authorization: `Bearer ${key}` } })).json()) as { conversations: number; status: string };
      processed = report.conversations;
      expect(report.status).not.toBe('done');
    }
    expect(processed).toBeGreaterThanOrEqual(100);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.on('exit', resolve));
    const second = await spawnServer({ VIVIM_DATA_DIR: dataDir, PORT: '0' });
    try {
      let report: { status: string; conversations: number; unchanged: number; messages: number; errors: unknown[] } = { status: 'queued', conversations: 0, unchanged: 0, messages: 0, errors: [] };
      for (const deadline = Date.now() + 120_000; report.status !== 'done' && report.status !== 'failed' && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 250));
        report = (await (await fetch(`${second.url}/api/v1/imports/${started.importId}`, { headers: { authorization: `Bearer ${key}` } })).json()) as typeof report;
      }
      expect(report.status).toBe('done');
      expect(report.conversations + report.unchanged).toBe(1500);
      expect(report.errors).toEqual([]);
      const list = (await (await fetch(`${second.url}/api/v1/conversations?limit=200`, { headers: { authorization: `Bearer ${key}` } })).json()) as { items: unknown[] };
      expect(list.items).toHaveLength(200);
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((resolve) => second.child.on('exit', resolve));
    }
    // Count every stored row once the server is down: exactly 1500 conversations and 9000 messages.
    const config = testConfig(dataDir);
    const runtime = await startRuntime({ config, log: createLogger(config), modules, worker: false });
    try {
      const rows = await runtime.orm.em.fork().execute<{ conversations: number; messages: number; distinct_sources: number }[]>(
        `select (select count(*)::int from capture_conversation) as conversations,
                (select count(*)::int from capture_message where not hidden) as messages,
                (select count(distinct source_id)::int from capture_conversation) as distinct_sources`,
      );
      expect(rows[0]).toEqual({ conversations: 1500, messages: 9000, distinct_sources: 1500 });
      // The ACU jobs the killed run had parked were released by the resumed run: none waits for later.
      const parked = await runtime.orm.em.fork().execute<{ n: number }[]>(
        "select count(*)::int as n from graphile_worker.jobs where task_identifier = 'capture.acus' and run_at > now() + interval '1 minute'",
      );
      expect(parked[0]?.n).toBe(0);
    } finally {
      await runtime.stop();
    }
  }, 240_000);
});
