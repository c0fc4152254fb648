import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { readLock } from '#database/data-dir-lock.ts';
import { VIVIM_BIN } from '../../helpers/cli.ts';
import { freshDataDir, startTestServer } from '../../helpers/server.ts';
import { libraryExport } from './library.ts';

/*
 * `vivim mcp` spawned the way an MCP client (Claude Desktop, an IDE) spawns it, driven by the
 * SDK's own client over stdio: first on its own data dir, then relaying to a server that took it.
 */

const dataDir = freshDataDir();
const env = { VIVIM_DATA_DIR: dataDir, EMBEDDING_PROVIDER: 'off', LOG_LEVEL: 'warn', NODE_ENV: 'test' };
const clients: Client[] = [];
const stderr: string[] = [];
/** Lines on stdout that are not MCP messages would show up here. */
const protocolErrors: Error[] = [];

async function spawnMcp(extra: Record<string, string> = {}): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [VIVIM_BIN, 'mcp'],
    env: { ...(process.env as Record<string, string>), ...env, ...extra },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const client = new Client({ name: 'vivim-stdio-test', version: '1.0.0' });
  client.onerror = (error) => protocolErrors.push(error);
  await client.connect(transport);
  clients.push(client);
  return client;
}

const textOf = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const call = async (client: Client, name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;

/** Search until the background indexing of the import has caught up. */
async function searchUntilFound(client: Client, query: string): Promise<{ conversationId: string; sourceConversationId: string; title: string }[]> {
  let results: { conversationId: string; sourceConversationId: string; title: string }[] = [];
  await expect
    .poll(
      async () => {
        const result = await call(client, 'search', { query });
        results = (result.structuredContent as { results: typeof results } | undefined)?.results ?? [];
        return results.length;
      },
      { timeout: 60_000, interval: 300 },
    )
    .toBeGreaterThan(0);
  return results;
}

let readKey = '';

beforeAll(async () => {
  // The library is made through a server that then stops (quicker than three CLI runs).
  const setup = await startTestServer({ dataDir });
  try {
    const { cookie } = await setup.signUp('me@example.com');
    const form = new FormData();
    form.append('file', new Blob([libraryExport('s')]), 'conversations.json');
    const imported = await fetch(`${setup.url}/api/v1/import`, { method: 'POST', headers: { cookie, origin: 'http://localhost:3000' }, body: form });
    expect(imported.status).toBe(202);
    await setup.server.runtime.jobs.waitFor(((await imported.json()) as { jobId: string }).jobId, 60_000);
    readKey = (await setup.call('POST', '/api/v1/auth/api-keys', { cookie, body: { name: 'mcp', scopes: ['read'] } })).body.key;
  } finally {
    await setup.stop();
  }
}, 120_000);

/** Each test's `vivim mcp` ends before the next starts (one process may hold the data dir). */
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => undefined);
  await expect.poll(() => readLock(dataDir), { timeout: 60_000, interval: 100 }).toBeUndefined();
}, 90_000);

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
});

// Each test spawns processes that open an embedded database: minutes, not seconds, on a busy machine.
describe('vivim mcp (stdio)', { timeout: 180_000 }, () => {
  it('serves the tools on its own data dir as the only user, and logs nothing to stdout', async () => {
    const client = await spawnMcp();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['add_memory', 'capture_url', 'forget_memory', 'get_context', 'get_conversation', 'list_memories', 'search']);
    const results = await searchUntilFound(client, 'readiness probe');
    expect(results[0]).toMatchObject({ title: 'Kubernetes rollout stuck', sourceConversationId: 's-k8s' });
    const conversation = await call(client, 'get_conversation', { conversationId: results[0]!.conversationId });
    expect(conversation.structuredContent).toMatchObject({ sourceConversationId: 's-k8s', messageCount: 4 });
    expect(textOf(conversation)).toContain('point the probe at port 3000');
    const invalid = await call(client, 'get_conversation', { conversationId: 'not-an-id' });
    expect(invalid.isError).toBe(true);
    const added = (await call(client, 'add_memory', { content: 'Works on the payments team at Acme', type: 'identity' })).structuredContent as { memory: { id: string } };
    expect((await call(client, 'list_memories', { query: 'payments team' })).structuredContent).toMatchObject({ memories: [{ id: added.memory.id }] });
    expect((await call(client, 'forget_memory', { memoryId: added.memory.id })).structuredContent).toEqual({ id: added.memory.id, forgotten: true });
    const context = await call(client, 'get_context', { prompt: 'kubernetes readiness probe', budget: 300 });
    expect((context.structuredContent as { totalTokens: number }).totalTokens).toBeLessThanOrEqual(300);
    expect((context.structuredContent as { text: string }).text).toContain('readiness');
    // The spawned process holds the data dir itself (no server URL in the lock).
    expect(readLock(dataDir)?.pid).toBeGreaterThan(0);
    expect(readLock(dataDir)?.url).toBeUndefined();
    expect(protocolErrors).toEqual([]);
  });

  it('acts with the scopes of VIVIM_API_KEY: a read-only key may search but not capture', async () => {
    const client = await spawnMcp({ VIVIM_API_KEY: readKey });
    expect((await searchUntilFound(client, 'sourdough'))[0]?.sourceConversationId).toBe('s-bread');
    const refused = await call(client, 'capture_url', { url: 'https://chatgpt.com/share/6972e35f-2944-8006-a2ea-b005ff22c02c' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('AUTH_SCOPE_MISSING');
  });

  it('exits with a clear error when VIVIM_API_KEY is not a key', async () => {
    await expect(spawnMcp({ VIVIM_API_KEY: 'vivim_nonsense' })).rejects.toThrow();
    expect(stderr.join('')).toContain('AUTH_INVALID_API_KEY');
  });

  it('lets go of an idle data dir, then relays to the server that took it', async () => {
    const client = await spawnMcp({ MCP_STDIO_IDLE_SECONDS: '1' });
    const before = await searchUntilFound(client, 'kubernetes replicas');
    await expect.poll(() => readLock(dataDir), { timeout: 60_000, interval: 200 }).toBeUndefined();
    const server = await startTestServer({ dataDir });
    try {
      const after = await call(client, 'search', { query: 'kubernetes replicas' });
      expect(after.isError, textOf(after)).toBeFalsy();
      expect((after.structuredContent as { results: { conversationId: string }[] }).results[0]?.conversationId).toBe(before[0]?.conversationId);
      // The server holds the data dir: the answer came through its /mcp.
      expect(readLock(dataDir)?.pid).toBe(process.pid);
    } finally {
      await server.stop();
    }
  });
});
