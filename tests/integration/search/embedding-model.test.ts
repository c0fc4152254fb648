import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chatgptExportJson, turnsExportJson } from '../../factories/chatgpt-export.ts';
import { freshDataDir, startTestServer, type TestServer } from '../../helpers/server.ts';

/**
 * A local server that speaks OpenAI's /v1/embeddings protocol (the remote API we cannot reach):
 * deterministic 64-d bag-of-words vectors, or 500s when told to fail.
 */
let fake: Server;
let fakeUrl: string;
let failing = false;
let requests = 0;
/** Every text the fake endpoint was asked to embed, in order. */
const inputs: string[] = [];
function embed(text: string): number[] {
  const v = new Array<number>(64).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) v[createHash('sha1').update(word).digest()[0]! % 64]! += 1;
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}
beforeAll(async () => {
  fake = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests += 1;
      if (failing) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'model overloaded' } }));
        return;
      }
      const input = (JSON.parse(body) as { input: string[] }).input;
      inputs.push(...input);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', model: 'fake-embed', data: input.map((text, index) => ({ object: 'embedding', index, embedding: embed(text) })), usage: { prompt_tokens: 1, total_tokens: 1 } }));
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => fake.close(() => resolve())));

async function waitIdle(t: TestServer): Promise<void> {
  for (const deadline = Date.now() + 90_000; Date.now() < deadline; ) {
    if ((await t.call('GET', '/ready?idle=1')).status === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('jobs never finished');
}

const openai = () => ({ EMBEDDING_PROVIDER: 'openai', EMBEDDING_URL: fakeUrl, EMBEDDING_MODEL: 'fake-embed', EMBEDDING_DIMENSIONS: '64', EMBEDDING_RETRIES: '0', EMBEDDING_TIMEOUT_MS: '2000' });

describe('embedding models', () => {
  it('embeds with the configured endpoint, says so when it fails (full-text keeps working), and re-embeds in the background when the model changes', async () => {
    const dataDir = freshDataDir();
    let t = await startTestServer({ dataDir, env: openai() });
    const signed = await t.signUp('me@example.com');
    let cookie = signed.cookie;
    const form = new FormData();
    form.append('file', new Blob([chatgptExportJson({ conversations: 4, messagesPer: 4, idPrefix: 'm' })]), 'conversations.json');
    expect((await fetch(`${t.url}/api/v1/import`, { method: 'POST', headers: { cookie, origin: 'http://localhost:3000' }, body: form })).status).toBe(202);
    await waitIdle(t);
    let status = (await t.call('GET', '/api/unified/search/status', { cookie })).body;
    expect(status.embedder).toMatchObject({ id: 'openai:fake-embed@64', ok: true });
    expect(status.embedded).toBe(status.documents);
    const semantic = (await t.call('GET', '/api/unified/search?q=question&mode=vector', { cookie })).body;
    expect(semantic.semantic).toEqual({ used: true, model: 'openai:fake-embed@64', reason: null });
    expect(semantic.results.length).toBeGreaterThan(0);

    // The endpoint breaks: search answers from full text and says why, status reports it.
    failing = true;
    const degraded = (await t.call('GET', '/api/unified/search?q=question+conversation+two', { cookie })).body;
    expect(degraded.results.length).toBeGreaterThan(0);
    expect(degraded.semantic.used).toBe(false);
    expect(degraded.semantic.reason).toMatch(/Semantic search is unavailable/);
    status = (await t.call('GET', '/api/unified/search/status', { cookie })).body;
    expect(status.embedder.ok).toBe(false);
    failing = false;
    await t.stop();

    // Switch to the offline model: everything is re-embedded in the background, old vectors go.
    const before = requests;
    t = await startTestServer({ dataDir, env: { EMBEDDING_PROVIDER: 'local' } });
    const signIn = await t.call('POST', '/api/v1/auth/sign-in', { body: { email: 'me@example.com', password: 'correct horse battery staple' } });
    cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    expect((await t.call('GET', '/api/unified/search?q=question', { cookie })).body.results.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2500));
    await waitIdle(t);
    status = (await t.call('GET', '/api/unified/search/status', { cookie })).body;
    expect(status.embedder).toMatchObject({ id: 'use-lite-512', ok: true });
    expect(status.embedded).toBe(status.documents);
    const models = await t.server.runtime.deps.em().execute<{ model: string }[]>('select distinct model from search_embedding');
    expect(models).toEqual([{ model: 'use-lite-512' }]);
    expect(requests).toBe(before);
    await t.dispose();
  }, 180_000);

  it('re-embeds only the documents whose text changed when a conversation is imported again', async () => {
    const t = await startTestServer({ env: openai() });
    try {
      const { cookie } = await t.signUp('edit@example.com');
      const turns = [
        'Which houseplants survive a dark north-facing flat?',
        'Snake plants, ZZ plants and pothos cope with low light; water them sparingly.',
        'Would a monstera manage there too?',
        'It would survive but grow slowly; put it closest to the window.',
      ];
      const upload = async (library: string) => {
        const form = new FormData();
        form.append('file', new Blob([library]), 'conversations.json');
        expect((await fetch(`${t.url}/api/v1/import`, { method: 'POST', headers: { cookie, origin: 'http://localhost:3000' }, body: form })).status).toBe(202);
        await waitIdle(t);
      };
      await upload(turnsExportJson('e', [{ id: 'plants', title: 'Plants for a dark flat', turns }]));
      const first = inputs.length;
      expect(inputs.slice(first - 20).some((text) => text.includes('monstera'))).toBe(true);
      const edited = [...turns];
      edited[3] = 'It would survive but grow slowly; a grow light on a timer helps a lot.';
      await upload(turnsExportJson('e', [{ id: 'plants', title: 'Plants for a dark flat', turns: edited }]));
      const again = inputs.slice(first);
      // The edited answer (and what was cut from it) is embedded again; its neighbours, whose indexed
      // context changed, and the untouched turns keep their vectors.
      expect(again.length).toBeGreaterThan(0);
      expect(again.every((text) => text.includes('grow light')), JSON.stringify(again)).toBe(true);
      const status = (await t.call('GET', '/api/unified/search/status', { cookie })).body;
      expect(status.embedded).toBe(status.documents);
    } finally {
      await t.dispose();
    }
  }, 120_000);
});
