import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chatgptExportJson } from '../../factories/chatgpt-export.ts';
import { runCli } from '../../helpers/cli.ts';
import { freshDataDir, startTestServer } from '../../helpers/server.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'vivim-cli-search-'));
const dirs: string[] = [scratch];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function waitIdle(url: string): Promise<void> {
  for (const deadline = Date.now() + 90_000; Date.now() < deadline; ) {
    if ((await fetch(`${url}/ready?idle=1`)).status === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('jobs never finished');
}

describe('vivim search', () => {
  it('searches the data dir itself and prints the documented JSON (fields + tookMs)', async () => {
    const dataDir = freshDataDir();
    dirs.push(dataDir);
    const env = { VIVIM_DATA_DIR: dataDir, EMBEDDING_PROVIDER: 'off' };
    await runCli(['user', 'create', '--email', 'me@example.com', '--password-stdin'], env, 60_000, 'correct horse battery\n');
    const file = path.join(scratch, 'export.json');
    writeFileSync(file, chatgptExportJson({ conversations: 12, messagesPer: 4 }));
    expect((await runCli(['import', file, '--json'], env)).code).toBe(0);
    const found = await runCli(['search', 'Question', '7.2:', '--limit', '3', '--json'], env);
    expect(found.code, found.stderr).toBe(0);
    const doc = JSON.parse(found.stdout);
    expect(Object.keys(doc).sort()).toEqual(['results', 'tookMs']);
    expect(doc.results.length).toBeGreaterThan(0);
    expect(doc.results[0]).toMatchObject({ kind: 'message', role: 'user', sourceConversationId: 'conv-7', sourceMessageId: 'conv-7-m2', title: 'Conversation 7' });
    for (const key of ['kind', 'score', 'conversationId', 'messageId', 'sourceConversationId', 'sourceMessageId', 'role', 'title', 'snippet', 'createdAt']) expect(doc.results[0]).toHaveProperty(key);
    const human = await runCli(['search', 'def answer_3_1', '--kind', 'message'], env);
    expect(human.stdout).toContain('Conversation 3');
    expect(human.stdout).toMatch(/results in [\d.]+ ms/);
    const bad = await runCli(['search', '--kind', 'nope', 'x', '--json'], env);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).error).toBeTruthy();
  });

  it('catches up after documents were lost (crash between commit and indexing): the sweep at start re-indexes', async () => {
    const dataDir = freshDataDir();
    dirs.push(dataDir);
    const env = { EMBEDDING_PROVIDER: 'off' };
    let t = await startTestServer({ dataDir, env });
    const { cookie } = await t.signUp('me@example.com');
    const file = path.join(scratch, 'catchup.json');
    writeFileSync(file, chatgptExportJson({ conversations: 5, messagesPer: 4, idPrefix: 'lost' }));
    const form = new FormData();
    form.append('file', new Blob([chatgptExportJson({ conversations: 5, messagesPer: 4, idPrefix: 'lost' })]), 'conversations.json');
    expect((await fetch(`${t.url}/api/v1/import`, { method: 'POST', headers: { cookie, origin: 'http://localhost:3000' }, body: form })).status).toBe(202);
    await waitIdle(t.url);
    const query = `/api/unified/search?q=${encodeURIComponent('"Question 2.2"')}`;
    const before = await t.call('GET', query, { cookie });
    expect(before.body.results?.[0]?.sourceConversationId, JSON.stringify(before.body)).toBe('lost-2');
    const em = t.server.runtime.deps.em;
    await em().execute("delete from search_doc where source_conversation_id = 'lost-2'");
    await em().execute('delete from search_source');
    expect((await t.call('GET', query, { cookie })).body.results).toEqual([]);
    await t.stop();
    t = await startTestServer({ dataDir, env });
    await new Promise((r) => setTimeout(r, 2500));
    await waitIdle(t.url);
    const relogin = await t.call('POST', '/api/v1/auth/sign-in', { body: { email: 'me@example.com', password: 'correct horse battery staple' } });
    const again = relogin.headers.get('set-cookie')?.split(';')[0] ?? cookie;
    expect((await t.call('GET', query, { cookie: again })).body.results[0].sourceConversationId).toBe('lost-2');
    await t.dispose();
  });
});
