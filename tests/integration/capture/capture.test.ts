import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '#server/app-router.ts';
import { fileURLToPath } from 'node:url';
import { fakeNetwork, type RecordedPage } from '../../helpers/fake-network.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const examplePage = readFileSync(new URL('../../../plugins/providers/example/fixtures/two-turns.html', import.meta.url), 'utf8');
const scriptedPlugin = fileURLToPath(new URL('../../fixtures/plugins/scripted-chat.mjs', import.meta.url));
const SHARE = 'https://chat.example.com/share/abc123';
const SCRIPTED = 'https://chat.scripted.example/s/render-me';

const pages = new Map<string, RecordedPage>([
  [SHARE, { body: examplePage }],
  [
    SCRIPTED,
    {
      body: '<!doctype html><html><head><title>Rendered chat</title><script src="https://static.scripted.example/app.js"></script></head><body><main id="app">Loading…</main></body></html>',
    },
  ],
  [
    'https://static.scripted.example/app.js',
    {
      contentType: 'application/javascript',
      body: `addEventListener('DOMContentLoaded', () => {
        const turns = [['user', 'What is a monad?'], ['assistant', 'A monoid in the category of endofunctors.'], ['user', 'Thanks!']];
        document.getElementById('app').innerHTML = turns.map(([role, text]) => '<div class="turn" data-role="' + role + '">' + text + '</div>').join('');
        fetch('https://tracker.evil.example/beacon').catch(() => {});
      });`,
    },
  ],
]);
const network = fakeNetwork(pages);

let t: TestServer;
let alice: { cookie: string; userId: string };
let bob: { cookie: string; userId: string };
beforeAll(async () => {
  t = await startTestServer({ env: { VIVIM_PLUGINS: scriptedPlugin, AUTH_RATE_LIMIT_PER_MINUTE: '1000', CAPTURE_RATE_LIMIT_PER_MINUTE: '1000' }, overrides: { captureNetwork: network } });
  alice = await t.signUp('alice@example.com');
  bob = await t.signUp('bob@example.com');
});
afterAll(() => t?.dispose());

async function capture(url: string, cookie = alice.cookie) {
  const started = await t.call('POST', '/api/v1/capture', { cookie, body: { url } });
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  await t.server.runtime.jobs.waitFor(started.body.jobId, 45_000);
  return (await t.call('GET', `/api/v1/capture/${started.body.jobId}`, { cookie })).body;
}

describe('capture a share link', () => {
  it('fetches, extracts, stores and reports progress, through the real job queue', async () => {
    const started = await t.call('POST', '/api/v1/capture', { cookie: alice.cookie, body: { url: SHARE } });
    const steps: string[] = [];
    for await (const status of t.server.runtime.services.capture.watch({ userId: alice.userId, isAdmin: false, via: 'session', scopes: undefined }, started.body.jobId)) steps.push(status.step);
    expect(steps.at(-1)).toBe('done');
    const status = (await t.call('GET', `/api/v1/capture/${started.body.jobId}`, { cookie: alice.cookie })).body;
    expect(status).toMatchObject({ state: 'done', step: 'done', percent: 100, sourceConversationId: 'abc123', messages: 2, changed: true, error: null });
    const conversation = (await t.call('GET', `/api/v1/conversations/${status.conversationId}`, { cookie: alice.cookie })).body;
    expect(conversation).toMatchObject({ provider: 'example', sourceConversationId: 'abc123', sourceUrl: SHARE, title: 'Greeting', messageCount: 2, origin: 'capture' });
    expect(conversation.messages.map((m: { role: string; sourceMessageId: string; parts: { text: string }[] }) => [m.role, m.sourceMessageId, m.parts[0]?.text])).toEqual([
      ['user', 'm1', 'Hello there'],
      ['assistant', 'm2', 'Hi! **How** can I help?'],
    ]);
    expect(conversation.messages[1].parentId).toBe(conversation.messages[0].id);
  });

  it('is idempotent: capturing the same link again changes nothing and duplicates nothing', async () => {
    const again = await capture(SHARE);
    expect(again).toMatchObject({ state: 'done', changed: false, messages: 2 });
    const rows = await t.server.runtime.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from capture_message where owner_id = ?', [alice.userId]);
    expect(rows[0]?.n).toBe(2);
  });

  it('updates in place when the conversation grew: new messages added, same conversation', async () => {
    const first = (await t.call('GET', '/api/v1/conversations', { cookie: alice.cookie })).body.items[0];
    pages.set(SHARE, { body: examplePage.replace('"text":"Hi! **How** can I help?"}', '"text":"Hi! **How** can I help?"},{"id":"m3","role":"user","text":"Tell me a joke"}') });
    const grown = await capture(SHARE);
    expect(grown).toMatchObject({ changed: true, messages: 3, conversationId: first.id });
    pages.set(SHARE, { body: examplePage });
    // The provider now shows fewer messages: nothing stored is dropped.
    const shrunk = await capture(SHARE);
    expect(shrunk).toMatchObject({ changed: true, messages: 3, conversationId: first.id });
  });

  it('renders script-built pages in Chromium, where only the provider’s hosts load', async () => {
    const status = await capture(SCRIPTED);
    expect(status.error).toBeNull();
    const conversation = (await t.call('GET', `/api/v1/conversations/${status.conversationId}`, { cookie: alice.cookie })).body;
    expect(conversation.title).toBe('Rendered chat');
    expect(conversation.messages.map((m: { role: string; parts: { text: string }[] }) => `${m.role}: ${m.parts[0]?.text}`)).toEqual([
      'user: What is a monad?',
      'assistant: A monoid in the category of endofunctors.',
      'user: Thanks!',
    ]);
    expect(network.requests).toContain('route https://tracker.evil.example/beacon');
  });

  it('captures a real saved Claude share page through Chromium, the routes serving the recording (shared fixture)', async () => {
    const claudeUrl = 'https://claude.ai/share/ca5ad573-749e-40a2-93f1-dc0473215fa5';
    const saved = new URL('../../../../shared/fixtures/share-pages/claude/page.html', import.meta.url);
    pages.set(claudeUrl, { body: readFileSync(saved, 'utf8') });
    const status = await capture(claudeUrl);
    expect(status).toMatchObject({ state: 'done', messages: 4, sourceConversationId: 'ca5ad573-749e-40a2-93f1-dc0473215fa5', error: null });
    expect(network.requests).toContain(`route ${claudeUrl}`);
  });

  it('cuts ACUs from the stored conversation', async () => {
    const list = (await t.call('GET', '/api/v1/conversations?provider=scripted', { cookie: alice.cookie })).body.items;
    const conversationId = list[0].id;
    const deadline = Date.now() + 20_000;
    let acus: { type: string; content: string }[] = [];
    while (Date.now() < deadline && acus.length === 0) {
      acus = (await t.call('GET', `/api/v1/acus?conversationId=${conversationId}`, { cookie: alice.cookie })).body.items;
      if (!acus.length) await new Promise((r) => setTimeout(r, 200));
    }
    expect(acus.map((a) => [a.type, a.content])).toEqual(expect.arrayContaining([['question', 'What is a monad?'], ['answer', 'A monoid in the category of endofunctors.']]));
  });
});

describe('capture errors', () => {
  it('refuses bad links before queuing anything, with typed codes', async () => {
    const cases: [string, number, string][] = [
      ['not a url', 400, 'INVALID_URL'],
      ['ftp://chat.example.com/share/abc123', 400, 'INVALID_URL'],
      ['https://example.org/share/abc', 400, 'UNSUPPORTED_PROVIDER'],
      ['https://chat.example.com/settings', 400, 'UNSUPPORTED_PROVIDER'],
      ['http://chat.example.com/share/abc123', 403, 'BLOCKED_HOST'],
    ];
    for (const [url, status, code] of cases) {
      const response = await t.call('POST', '/trpc/capture.create', { cookie: alice.cookie, body: { url } });
      expect([url, response.status, response.body.error.data.vivimCode]).toEqual([url, status, code]);
    }
  });

  it('reports a deleted share as NOT_FOUND without retrying', async () => {
    const status = await capture('https://chat.example.com/share/deleted1');
    expect(status).toMatchObject({ state: 'failed', step: 'failed', error: { code: 'NOT_FOUND' }, conversationId: null });
  });

  it('reports a page the provider cannot read as EXTRACTION_FAILED with the provider and step', async () => {
    pages.set('https://chat.example.com/share/broken1', { body: '<html><body>Something else entirely</body></html>' });
    const status = await capture('https://chat.example.com/share/broken1');
    expect(status.error.code).toBe('EXTRACTION_FAILED');
    expect(status.error.message).toContain('Example Chat');
    const rows = await t.server.runtime.orm.em.fork().execute<{ n: number }[]>("select count(*)::int as n from capture_conversation where source_id = 'broken1'");
    expect(rows[0]?.n).toBe(0);
  });
});

describe('library', () => {
  it('lists with filters and cursor pagination, renames, tags and exports', async () => {
    const all = (await t.call('GET', '/api/v1/conversations?limit=1', { cookie: alice.cookie })).body;
    expect(all.items).toHaveLength(1);
    const next = (await t.call('GET', `/api/v1/conversations?limit=1&cursor=${all.nextCursor}`, { cookie: alice.cookie })).body;
    expect(next.items).toHaveLength(1);
    expect(next.items[0].id).not.toBe(all.items[0].id);
    const id = (await t.call('GET', '/api/v1/conversations?q=greet', { cookie: alice.cookie })).body.items[0].id;
    expect((await t.call('PATCH', `/api/v1/conversations/${id}/title`, { cookie: alice.cookie, body: { title: 'Hello, renamed' } })).body.title).toBe('Hello, renamed');
    expect((await t.call('PUT', `/api/v1/conversations/${id}/tags`, { cookie: alice.cookie, body: { tags: ['Work', 'work', 'ideas'] } })).body.tags).toEqual(['work', 'ideas']);
    expect((await t.call('GET', '/api/v1/conversations?tag=ideas', { cookie: alice.cookie })).body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    const markdown = (await t.call('GET', `/api/v1/conversations/${id}/export?format=markdown`, { cookie: alice.cookie })).body;
    expect(markdown.content).toContain('# Hello, renamed');
    expect(markdown.content).toContain('## You\n\nHello there');
    const json = JSON.parse((await t.call('GET', `/api/v1/conversations/${id}/export?format=json`, { cookie: alice.cookie })).body.content);
    // The message that vanished from the page on the last re-capture is kept (nothing is lost), off the current branch.
    expect(json.messages.map((m: { sourceMessageId: string; isOnCurrentBranch: boolean }) => [m.sourceMessageId, m.isOnCurrentBranch])).toEqual([['m1', true], ['m2', true], ['m3', false]]);
    expect(markdown.content).not.toContain('Tell me a joke');
  });

  it("keeps users apart: Bob gets NOT_FOUND for Alice's conversation, capture and ACUs", async () => {
    const aliceConversation = (await t.call('GET', '/api/v1/conversations', { cookie: alice.cookie })).body.items[0];
    expect((await t.call('GET', `/api/v1/conversations/${aliceConversation.id}`, { cookie: bob.cookie })).status).toBe(404);
    expect((await t.call('DELETE', `/api/v1/conversations/${aliceConversation.id}`, { cookie: bob.cookie })).status).toBe(404);
    expect((await t.call('PATCH', `/api/v1/conversations/${aliceConversation.id}/title`, { cookie: bob.cookie, body: { title: 'mine' } })).status).toBe(404);
    expect((await t.call('GET', '/api/v1/conversations', { cookie: bob.cookie })).body.items).toEqual([]);
    expect((await t.call('GET', `/api/v1/acus?conversationId=${aliceConversation.id}`, { cookie: bob.cookie })).body.items).toEqual([]);
    const job = (await t.server.runtime.jobs.list(50)).find((j) => j.task === 'capture.url');
    expect((await t.call('GET', `/api/v1/capture/${job?.id}`, { cookie: bob.cookie })).status).toBe(404);
  });

  it('lets a capture-only key capture but not read the library', async () => {
    const key = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { scopes: ['capture:write'] } })).body.key;
    expect((await t.call('POST', '/api/v1/capture', { bearer: key, body: { url: SHARE } })).status).toBe(200);
    expect((await t.call('GET', '/api/v1/conversations', { bearer: key })).status).toBe(403);
  });

  it('deletes a conversation with its messages, parts and ACUs', async () => {
    const id = (await t.call('GET', '/api/v1/conversations?provider=scripted', { cookie: alice.cookie })).body.items[0].id;
    expect((await t.call('DELETE', `/api/v1/conversations/${id}`, { cookie: alice.cookie })).status).toBe(200);
    const em = t.server.runtime.orm.em.fork();
    for (const table of ['capture_message', 'capture_acu']) {
      const rows = await em.execute<{ n: number }[]>(`select count(*)::int as n from ${table} where conversation_id = ?`, [id]);
      expect(rows[0]?.n, table).toBe(0);
    }
    expect((await t.call('GET', `/api/v1/conversations/${id}`, { cookie: alice.cookie })).status).toBe(404);
  });
});

describe('capture progress, cancel and limits', () => {
  it('streams progress over the tRPC subscription (SSE) to the owner', async () => {
    const key = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { scopes: ['read', 'write'] } })).body.key as string;
    const auth = (input: string | URL | Request, init?: RequestInit) => fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${key}` } });
    const client = createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({ url: `${t.url}/trpc`, EventSource, eventSourceOptions: () => ({ fetch: auth }) }),
          false: httpBatchLink({ url: `${t.url}/trpc`, headers: { authorization: `Bearer ${key}` } }),
        }),
      ],
    });
    const { jobId } = await client.capture.create.mutate({ url: SCRIPTED });
    const steps = await new Promise<string[]>((resolve, reject) => {
      const seen: string[] = [];
      const subscription = client.capture.progress.subscribe(
        { jobId },
        {
          onData: (status) => {
            seen.push(status.step);
            if (status.step === 'done' || status.step === 'failed') {
              subscription.unsubscribe();
              resolve(seen);
            }
          },
          onError: reject,
        },
      );
    });
    expect(steps.at(-1)).toBe('done');
    expect(steps).toContain('rendering');
  });

  it('cancels a queued capture, and only for its owner', async () => {
    const started = await t.call('POST', '/api/v1/capture', { cookie: alice.cookie, body: { url: 'https://chat.example.com/share/later1' } });
    expect((await t.call('POST', `/api/v1/capture/${started.body.jobId}/cancel`, { cookie: bob.cookie, body: {} })).status).toBe(404);
    const cancelled = await t.call('POST', `/api/v1/capture/${started.body.jobId}/cancel`, { cookie: alice.cookie, body: {} });
    expect(cancelled.status).toBe(200);
    if (cancelled.body.state === 'failed') expect(cancelled.body.error.code).toMatch(/CANCELLED|NOT_FOUND/);
    const acu = (await t.server.runtime.orm.em.fork().execute<{ id: string }[]>('select id from capture_acu where owner_id = ? limit 1', [alice.userId]))[0];
    if (acu) expect((await t.call('GET', `/api/v1/acus/${acu.id}`, { cookie: bob.cookie })).status).toBe(404);
  });

  it('rate-limits captures per user', async () => {
    const limited = await startTestServer({ env: { CAPTURE_RATE_LIMIT_PER_MINUTE: '2' }, overrides: { captureNetwork: network } });
    try {
      const carol = await limited.signUp('carol@example.com');
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await limited.call('POST', '/api/v1/capture', { cookie: carol.cookie, body: { url: SHARE } })).status);
      expect(statuses).toEqual([200, 200, 429]);
      const dave = await limited.signUp('dave@example.com');
      expect((await limited.call('POST', '/api/v1/capture', { cookie: dave.cookie, body: { url: SHARE } })).status).toBe(200);
    } finally {
      await limited.dispose();
    }
  });
});
