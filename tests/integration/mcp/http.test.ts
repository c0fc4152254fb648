import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { fakeNetwork } from '../../helpers/fake-network.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { libraryExport } from './library.ts';

/*
 * MCP over Streamable HTTP at /mcp, driven by the SDK's own client against the real server.
 * capture_url reads the real ChatGPT share page from the shared fixtures (../shared/fixtures),
 * served by a fake network.
 */

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'fixtures');
const CHATGPT_SHARE = 'https://chatgpt.com/share/6972e35f-2944-8006-a2ea-b005ff22c02c';
const GONE_SHARE = 'https://chatgpt.com/share/00000000-0000-0000-0000-000000000000';
/** /mcp requests per user and minute in this suite (alice's own calls stay well below it). */
const MCP_LIMIT = 200;

let t: TestServer;
let alice: { cookie: string; userId: string };
let bob: { cookie: string; userId: string };
const keys = { alice: '', aliceRead: '', bob: '' };
const clients: Client[] = [];

async function apiKey(cookie: string, scopes: string[]): Promise<string> {
  const created = await t.call('POST', '/api/v1/auth/api-keys', { cookie, body: { name: 'mcp', scopes } });
  expect(created.status).toBe(200);
  return created.body.key;
}

async function connect(key: string): Promise<Client> {
  const client = new Client({ name: 'vivim-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  clients.push(client);
  return client;
}

const textOf = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const call = async (client: Client, name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;

beforeAll(async () => {
  if (!existsSync(FIXTURES)) throw new Error(`the shared fixtures are missing at ${FIXTURES}`);
  const network = fakeNetwork(new Map([[CHATGPT_SHARE, { body: readFileSync(path.join(FIXTURES, 'share-pages/chatgpt/page.html'), 'utf8') }]]));
  t = await startTestServer({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000', CAPTURE_RATE_LIMIT_PER_MINUTE: '1000', MCP_RATE_LIMIT_PER_MINUTE: String(MCP_LIMIT) }, overrides: { captureNetwork: network } });
  alice = await t.signUp('alice@example.com');
  bob = await t.signUp('bob@example.com');
  await t.importAndWait(alice.cookie, libraryExport('a'));
  keys.alice = await apiKey(alice.cookie, ['read', 'write']);
  keys.aliceRead = await apiKey(alice.cookie, ['read']);
  keys.bob = await apiKey(bob.cookie, ['read', 'write']);
}, 180_000);

afterAll(async () => {
  for (const client of clients) await client.close();
  await t?.dispose();
});

describe('MCP over Streamable HTTP (/mcp)', () => {
  it('lists the tools with descriptions and input and output schemas', async () => {
    const client = await connect(keys.alice);
    expect(client.getServerVersion()?.name).toBe('vivim');
    expect(client.getInstructions()).toContain('search');
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect([...byName.keys()].sort()).toEqual(['add_memory', 'capture_url', 'forget_memory', 'get_context', 'get_conversation', 'list_memories', 'search']);
    for (const name of byName.keys()) {
      const tool = byName.get(name);
      expect(tool?.description?.length, name).toBeGreaterThan(60);
      expect(tool?.inputSchema.type).toBe('object');
      expect(tool?.outputSchema?.type).toBe('object');
    }
    expect(byName.get('search')?.inputSchema.required).toEqual(['query']);
    expect(byName.get('search')?.annotations?.readOnlyHint).toBe(true);
  });

  it('search finds the imported conversation and cites conversation, message and source ids', async () => {
    const client = await connect(keys.aliceRead);
    const result = await call(client, 'search', { query: 'readiness probe port', limit: 5 });
    expect(result.isError, textOf(result)).toBeFalsy();
    const structured = result.structuredContent as { results: { title: string; kind: string; conversationId: string; messageId: string; sourceConversationId: string; sourceMessageId: string; text: string }[] };
    const top = structured.results[0]!;
    expect(top).toMatchObject({ title: 'Kubernetes rollout stuck', sourceConversationId: 'a-k8s', kind: 'message' });
    expect(top.sourceMessageId).toMatch(/^a-k8s-\d$/);
    expect(top.text).toContain('**');
    expect(top.text).not.toContain('<mark>');
    expect(textOf(result)).toContain(`cite: conversation ${top.conversationId}, message ${top.messageId} (source a-k8s / ${top.sourceMessageId})`);
    const none = await call(client, 'search', { query: 'zebra crossing', kind: ['message'] });
    expect(none.structuredContent).toMatchObject({ results: [] });
    expect(textOf(none)).toContain('No results');
  });

  it('get_conversation returns the current branch in order with ids, in pages', async () => {
    const client = await connect(keys.aliceRead);
    const found = (await call(client, 'search', { query: 'sourdough starter fridge' })).structuredContent as { results: { conversationId: string }[] };
    const conversationId = found.results[0]!.conversationId;
    const whole = await call(client, 'get_conversation', { conversationId });
    expect(whole.isError, textOf(whole)).toBeFalsy();
    expect(whole.structuredContent).toMatchObject({ id: conversationId, title: 'Sourdough starter questions', provider: 'chatgpt', sourceConversationId: 'a-bread', messageCount: 2, nextOffset: null });
    const messages = (whole.structuredContent as { messages: { index: number; role: string; sourceMessageId: string; text: string }[] }).messages;
    expect(messages.map((m) => [m.index, m.role, m.sourceMessageId])).toEqual([
      [0, 'user', 'a-bread-0'],
      [1, 'assistant', 'a-bread-1'],
    ]);
    expect(messages[1]?.text).toContain('Once a week is enough');
    expect(textOf(whole)).toContain('(end of conversation)');

    const firstPage = await call(client, 'get_conversation', { conversationId, limit: 1, maxCharsPerMessage: 200 });
    expect(firstPage.structuredContent).toMatchObject({ nextOffset: 1, messages: [{ index: 0 }] });
    expect(textOf(firstPage)).toContain('call again with offset 1');
    const secondPage = await call(client, 'get_conversation', { conversationId, offset: 1 });
    expect(secondPage.structuredContent).toMatchObject({ nextOffset: null, messages: [{ index: 1, role: 'assistant' }] });
  });

  it('capture_url saves a recorded share page through the capture pipeline and returns the conversation', async () => {
    const client = await connect(keys.alice);
    const result = await call(client, 'capture_url', { url: CHATGPT_SHARE, waitSeconds: 60 });
    expect(result.isError, textOf(result)).toBeFalsy();
    const status = result.structuredContent as { state: string; conversationId: string; sourceConversationId: string; messages: number; changed: boolean; error: unknown };
    expect(status).toMatchObject({ state: 'done', sourceConversationId: '6972e35f-2944-8006-a2ea-b005ff22c02c', changed: true, error: null });
    expect(status.messages).toBeGreaterThan(0);
    expect(textOf(result)).toContain(`conversation ${status.conversationId}`);
    const read = await call(client, 'get_conversation', { conversationId: status.conversationId, limit: 2 });
    expect(read.structuredContent).toMatchObject({ id: status.conversationId, provider: 'chatgpt' });
  });

  it('capture_url reports a failed capture as an error result with the capture error code', async () => {
    const client = await connect(keys.alice);
    const gone = await call(client, 'capture_url', { url: GONE_SHARE, waitSeconds: 60 });
    expect(gone.isError).toBe(true);
    expect(textOf(gone)).toMatch(/^Error \[NOT_FOUND\]/);
    expect(gone.structuredContent).toMatchObject({ state: 'failed', error: { code: 'NOT_FOUND' } });
    const unsupported = await call(client, 'capture_url', { url: 'https://example.org/nothing' });
    expect(unsupported.isError).toBe(true);
    expect(textOf(unsupported)).toMatch(/^Error \[(UNSUPPORTED_PROVIDER|INVALID_URL)\]/);
  });

  it('returns invalid arguments as error results, not protocol failures', async () => {
    const client = await connect(keys.alice);
    const empty = await call(client, 'search', { query: '' });
    expect(empty.isError).toBe(true);
    expect(textOf(empty)).toContain('Invalid arguments');
    const notAnId = await call(client, 'get_conversation', { conversationId: 'nope' });
    expect(notAnId.isError).toBe(true);
    const tooMany = await call(client, 'search', { query: 'x', limit: 500 });
    expect(tooMany.isError).toBe(true);
  });

  it('reads a conversation as a resource (Markdown)', async () => {
    const client = await connect(keys.aliceRead);
    const found = (await call(client, 'search', { query: 'kubernetes replicas' })).structuredContent as { results: { conversationId: string }[] };
    const uri = `vivim://conversations/${found.results[0]!.conversationId}`;
    const resource = await client.readResource({ uri });
    const content = resource.contents[0] as { text: string; mimeType: string };
    expect(content.mimeType).toBe('text/markdown');
    expect(content.text).toContain('# Kubernetes rollout stuck');
  });
});

describe('MCP memory and context tools', () => {
  it('add_memory → list_memories → forget_memory, each citing the memory id', async () => {
    const client = await connect(keys.alice);
    const added = await call(client, 'add_memory', { content: 'Prefers dark roast coffee brewed in a moka pot', type: 'preference', pinned: true });
    expect(added.isError, textOf(added)).toBeFalsy();
    const memory = (added.structuredContent as { memory: { id: string; type: string; content: string; pinned: boolean; source: string } }).memory;
    expect(memory).toMatchObject({ type: 'preference', content: 'Prefers dark roast coffee brewed in a moka pot', pinned: true, source: 'manual' });
    expect(textOf(added)).toContain(`memory ${memory.id}`);

    const listed = await call(client, 'list_memories', { query: 'moka pot' });
    expect(listed.isError, textOf(listed)).toBeFalsy();
    expect((listed.structuredContent as { memories: { id: string }[] }).memories.map((m) => m.id)).toEqual([memory.id]);
    expect(textOf(listed)).toContain('[preference, pinned] Prefers dark roast coffee');

    const forgotten = await call(client, 'forget_memory', { memoryId: memory.id });
    expect(forgotten.structuredContent).toEqual({ id: memory.id, forgotten: true });
    expect((await call(client, 'list_memories', { query: 'moka pot' })).structuredContent).toMatchObject({ memories: [] });
    const again = await call(client, 'forget_memory', { memoryId: memory.id });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toContain('MEMORY_NOT_FOUND');
  });

  it('refuses to remember a secret, with the memory error code', async () => {
    const client = await connect(keys.alice);
    const refused = await call(client, 'add_memory', { content: 'My OpenAI key is sk-proj-4f9aB3cD5eF6gH7iJ8kL9mN0pQ1rS2tU3vW4xY5z', type: 'fact' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/^Error \[MEMORY_CONTAINS_SECRET\]/);
  });

  it('get_context compiles a cited bundle within the budget', async () => {
    const client = await connect(keys.aliceRead);
    const result = await call(client, 'get_context', { prompt: 'Why is my kubernetes rollout stuck on the readiness probe?', budget: 600 });
    expect(result.isError, textOf(result)).toBeFalsy();
    const bundle = result.structuredContent as { totalTokens: number; budget: number; text: string; sections: { layer: string; tokens: number; items: number; citations: { conversationId: string | null; sourceConversationId: string | null }[] }[] };
    expect(bundle.budget).toBe(600);
    expect(bundle.totalTokens).toBeGreaterThan(0);
    expect(bundle.totalTokens).toBeLessThanOrEqual(600);
    expect(result.content[0]).toEqual({ type: 'text', text: bundle.text });
    expect(textOf(result)).toContain(`${bundle.totalTokens} of 600 tokens`);
    const cited = bundle.sections.flatMap((s) => s.citations).map((c) => c.sourceConversationId);
    expect(cited).toContain('a-k8s');
    for (const section of bundle.sections) expect(section.citations).toHaveLength(section.items);

    const tiny = await call(client, 'get_context', { prompt: 'kubernetes', budget: 64, format: 'json' });
    expect((tiny.structuredContent as { totalTokens: number }).totalTokens).toBeLessThanOrEqual(64);
    expect(() => JSON.parse((tiny.content[0] as { text: string }).text)).not.toThrow();
    const tooSmall = await call(client, 'get_context', { prompt: 'kubernetes', budget: 10 });
    expect(tooSmall.isError).toBe(true);
  });
});

describe('MCP authorization and isolation', () => {
  it('answers 401 with WWW-Authenticate: Bearer without a key or with a bad one', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const anonymous = await fetch(`${t.url}/mcp`, { method: 'POST', headers, body });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await fetch(`${t.url}/mcp`, { method: 'POST', headers: { ...headers, authorization: 'Bearer vivim_not_a_key' }, body });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expect(connect('vivim_not_a_key')).rejects.toThrow();
  });

  it('refuses GET and DELETE (stateless) and browsers from other origins', async () => {
    const authorization = `Bearer ${keys.alice}`;
    expect((await fetch(`${t.url}/mcp`, { headers: { authorization, accept: 'text/event-stream' } })).status).toBe(405);
    expect((await fetch(`${t.url}/mcp`, { method: 'DELETE', headers: { authorization } })).status).toBe(405);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    const headers = { authorization, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const evil = await fetch(`${t.url}/mcp`, { method: 'POST', headers: { ...headers, origin: 'http://evil.example' }, body });
    expect(evil.status).toBe(403);
    const own = await fetch(`${t.url}/mcp`, { method: 'POST', headers: { ...headers, origin: 'http://localhost:3000' }, body });
    expect(own.status).toBe(200);
    expect(own.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
  });

  it('a read-only key may search and list memories but not add or forget them, nor capture', async () => {
    const client = await connect(keys.aliceRead);
    expect((await call(client, 'list_memories', {})).isError).toBeFalsy();
    const add = await call(client, 'add_memory', { content: 'Lives in Lisbon', type: 'identity' });
    expect(add.isError).toBe(true);
    expect(textOf(add)).toContain('AUTH_SCOPE_MISSING');
    expect(textOf(add)).toContain("'write'");
    const forget = await call(client, 'forget_memory', { memoryId: '00000000-0000-4000-8000-000000000000' });
    expect(textOf(forget)).toContain('AUTH_SCOPE_MISSING');
    const capture = await call(client, 'capture_url', { url: CHATGPT_SHARE });
    expect(capture.isError).toBe(true);
    expect(textOf(capture)).toContain("'capture:write'");
  });

  it("user B can neither read nor find user A's conversations", async () => {
    const aliceClient = await connect(keys.alice);
    const found = (await call(aliceClient, 'search', { query: 'kubernetes' })).structuredContent as { results: { conversationId: string }[] };
    const conversationId = found.results[0]!.conversationId;
    const bobClient = await connect(keys.bob);
    const stolen = await call(bobClient, 'get_conversation', { conversationId });
    expect(stolen.isError).toBe(true);
    expect(textOf(stolen)).toContain('CAPTURE_CONVERSATION_NOT_FOUND');
    expect((await call(bobClient, 'search', { query: 'kubernetes' })).structuredContent).toMatchObject({ results: [] });
    await expect(bobClient.readResource({ uri: `vivim://conversations/${conversationId}` })).rejects.toThrow();
  });

  it('limits /mcp requests per user (429 RATE_LIMITED), leaving other users alone', async () => {
    const carol = await t.signUp('carol@example.com');
    const key = await apiKey(carol.cookie, ['read']);
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    const statuses: number[] = [];
    for (let i = 0; i <= MCP_LIMIT; i++) {
      const response = await fetch(`${t.url}/mcp`, { method: 'POST', headers, body });
      statuses.push(response.status);
      if (response.status === 429) expect(((await response.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
      else await response.text();
    }
    expect(statuses.slice(0, MCP_LIMIT).every((status) => status === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect((await call(await connect(keys.bob), 'list_memories', {})).isError).toBeFalsy();
  });

  it('acts for a user named by X-Vivim-User only with the local CLI token, never with an API key', async () => {
    const token = readFileSync(path.join(t.dataDir, 'cli.token'), 'utf8').trim();
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_memories', arguments: { query: 'moka' } } });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const unnamed = await fetch(`${t.url}/mcp`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token}` }, body });
    expect(unnamed.status).toBe(400);
    expect(((await unnamed.json()) as { error: { code: string } }).error.code).toBe('MCP_USER_REQUIRED');

    const local = new Client({ name: 'vivim-relay', version: '1.0.0' });
    await local.connect(new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}`, 'x-vivim-user': 'bob@example.com' } } }));
    clients.push(local);
    await call(local, 'add_memory', { content: 'Plays the cello on weekends', type: 'fact' });
    expect((await call(await connect(keys.bob), 'list_memories', { query: 'cello' })).structuredContent).toMatchObject({ memories: [{ content: 'Plays the cello on weekends' }] });

    const spoof = new Client({ name: 'spoof', version: '1.0.0' });
    await spoof.connect(new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${keys.alice}`, 'x-vivim-user': 'bob@example.com' } } }));
    clients.push(spoof);
    expect((await call(spoof, 'list_memories', { query: 'cello' })).structuredContent).toMatchObject({ memories: [] });
  });

  it("user B can neither see nor forget user A's memories", async () => {
    const aliceClient = await connect(keys.alice);
    const memory = (await call(aliceClient, 'add_memory', { content: 'Is allergic to peanuts', type: 'fact' })).structuredContent as { memory: { id: string } };
    const bobClient = await connect(keys.bob);
    expect((await call(bobClient, 'list_memories', { query: 'peanuts' })).structuredContent).toMatchObject({ memories: [] });
    const stolen = await call(bobClient, 'forget_memory', { memoryId: memory.memory.id });
    expect(stolen.isError).toBe(true);
    expect(textOf(stolen)).toContain('MEMORY_NOT_FOUND');
    const context = (await call(bobClient, 'get_context', { prompt: 'peanuts and kubernetes' })).structuredContent as { text: string };
    expect(context.text).not.toContain('peanuts');
    expect(context.text).not.toContain('readiness');
    expect((await call(aliceClient, 'list_memories', { query: 'peanuts' })).structuredContent).toMatchObject({ memories: [{ id: memory.memory.id }] });
  });
});
