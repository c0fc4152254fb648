import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { tokenCounter } from '#modules/context/tokenizer.ts';
import { turnsExportJson } from '../../factories/chatgpt-export.ts';

/** Conversations in ChatGPT's export format: realistic turns on distinct subjects. */
interface Conv {
  id: string;
  title: string;
  turns: string[];
}

const ALICE: Conv[] = [
  {
    id: 'k8s',
    title: 'Kubernetes rollout stuck',
    turns: [
      'My kubernetes deployment rollout is stuck at 2 of 3 replicas. What should I check first?',
      'Check the pod events with `kubectl describe pod`. A readiness probe that never passes keeps the rollout waiting.\n\n```bash\nkubectl rollout status deployment/web --timeout=120s\n```',
      'The readiness probe hits /healthz on port 8080 but the container listens on 3000.',
      'That mismatch is the cause: point the probe at port 3000 or make the app listen on 8080.',
    ],
  },
  {
    id: 'bread',
    title: 'Sourdough starter questions',
    turns: [
      'How often should I feed my sourdough starter if I keep it in the fridge?',
      'Once a week is enough in the fridge. Take it out the day before baking and feed it twice at room temperature.',
      'It smells like nail polish remover, is it ruined?',
      'No: an acetone smell means the starter is hungry. Feed it more often and it will recover.',
    ],
  },
  {
    id: 'trip',
    title: 'Planning a week in Lisbon',
    turns: [
      'I am planning a week in Lisbon in March with my partner Ana. Which neighbourhoods are best to stay in?',
      'Alfama and Baixa are central and walkable; Príncipe Real is quieter. Take tram 28 early in the morning to avoid the crowds.',
    ],
  },
];

const BOB: Conv[] = [{ id: 'vault', title: 'Bob private kubernetes notes', turns: ['kubernetes secret rotation plan for the zebra cluster', 'Rotate the zebra cluster secrets every 90 days with sealed secrets.'] }];

const exportJson = turnsExportJson;

let t: TestServer;
let alice: { cookie: string; userId: string };
let bob: { cookie: string; userId: string };
let aliceKey: string;

function compile(body: Record<string, unknown>, who: { cookie?: string; bearer?: string } = { bearer: aliceKey }) {
  return t.call('POST', '/api/v1/context', { body, ...who });
}

interface Item {
  kind: string;
  id: string | null;
  conversationId: string | null;
  messageId: string | null;
  sourceConversationId: string | null;
  sourceMessageId: string | null;
  text: string;
  tokens: number;
  score: number;
}
interface Bundle {
  totalTokens: number;
  budget: number;
  intent: string;
  tokenizer: string;
  cached: boolean;
  sections: { layer: string; title: string; tokens: number; items: Item[] }[];
  text: string;
}
const itemsOf = (bundle: Bundle) => bundle.sections.flatMap((s) => s.items);

/**
 * Every item cites a real row of the owner (checked through the services): memories, topics and
 * entities by id, and every message id (of messages, ACUs, memory provenance) with the provider's ids.
 */
async function expectRealRows(ownerId: string, bundle: Bundle): Promise<void> {
  const { capture, memory, knowledge } = t.server.runtime.services;
  for (const item of itemsOf(bundle)) {
    if (item.kind === 'memory') expect((await memory.get(ownerId, item.id!)).id).toBe(item.id);
    if (item.kind === 'topic') expect((await knowledge.getTopic(ownerId, item.id!)).id).toBe(item.id);
    if (item.kind === 'entity') expect((await knowledge.getEntity(ownerId, item.id!)).id).toBe(item.id);
  }
  const messageItems = itemsOf(bundle).filter((i) => i.messageId !== null);
  const rows = new Map((await capture.messageTexts(ownerId, messageItems.map((i) => i.messageId!))).map((m) => [m.id, m]));
  for (const item of messageItems) {
    const row = rows.get(item.messageId!);
    expect(row, `message ${item.messageId} of ${item.kind} item`).toBeDefined();
    expect(item.conversationId).toBe(row!.conversationId);
    expect(item.sourceConversationId).toBe(row!.sourceConversationId);
    expect(item.sourceMessageId).toBe(row!.sourceMessageId);
  }
}

beforeAll(async () => {
  t = await startTestServer();
  alice = await t.signUp('alice@example.com');
  bob = await t.signUp('bob@example.com');
  await t.importAndWait(alice.cookie, exportJson('a', ALICE));
  await t.importAndWait(bob.cookie, exportJson('b', BOB));
  aliceKey = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: alice.cookie, body: { name: 'context', scopes: ['read'] } })).body.key;
}, 180_000);

afterAll(async () => {
  await t?.dispose();
});

describe('POST /api/v1/context', () => {
  it('answers the documented shape with a read key: sections by layer with cited items, and the rendered text', async () => {
    const { status, body } = await compile({ prompt: 'My readiness probe keeps failing during the kubernetes rollout, what was the fix?', budget: 600, format: 'markdown' });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['budget', 'cached', 'intent', 'model', 'sections', 'text', 'tokenizer', 'tookMs', 'totalTokens']);
    expect(body.totalTokens).toBeLessThanOrEqual(600);
    expect(body.tokenizer).toBe('o200k_base');
    expect(body.sections[0]).toMatchObject({ layer: 'L0', items: [{ kind: 'instruction' }] });
    const items = itemsOf(body);
    for (const item of items) expect(Object.keys(item).sort()).toEqual(['conversationId', 'id', 'kind', 'messageId', 'score', 'sourceConversationId', 'sourceMessageId', 'text', 'tokens']);
    const cited = items.filter((i) => i.kind === 'message');
    expect(cited.length).toBeGreaterThan(0);
    expect(cited.some((i) => i.sourceMessageId === 'a-k8s-3' || i.sourceMessageId === 'a-k8s-2')).toBe(true);
    expect(cited.every((i) => i.sourceConversationId?.startsWith('a-'))).toBe(true);
    expect(body.text).toContain('## Relevant excerpts');
    expect(body.text).toMatch(/\[msg:[0-9a-f]{8}\]/);
    await expectRealRows(alice.userId, body);
  });

  it('never exceeds the budget, and totalTokens is the tokenizer count of text (random prompts, budgets 64..32768, formats, layers, models)', async () => {
    const words = ['kubernetes', 'readiness', 'probe', 'sourdough', 'starter', 'fridge', 'Lisbon', 'tram', 'Ana', 'remember', 'what', 'did', 'I', 'say', 'plan', 'write', '```ts\nconst x = 1;\n```', 'error:', 'the', '東京', '🙂', 'port 3000'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 64, max: 32_768 }),
        fc.constantFrom('markdown', 'xml', 'json'),
        fc.option(fc.subarray(['L0', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6'], { minLength: 1 }), { nil: undefined }),
        fc.constantFrom(undefined, 'gpt-4o', 'gpt-4', 'claude-sonnet-4', 'gemini-2.5-pro'),
        async (prompt, budget, format, layers, model) => {
          const { status, body } = await compile({ prompt: prompt.join(' '), budget, format, layers, model });
          expect(status, JSON.stringify(body)).toBe(200);
          expect(body.totalTokens).toBeLessThanOrEqual(budget);
          expect(body.totalTokens).toBe((await tokenCounter(model)).count(body.text));
          if (format === 'json' && body.text) expect(() => JSON.parse(body.text)).not.toThrow();
          if (layers) expect(body.sections.every((s: { layer: string }) => layers.includes(s.layer))).toBe(true);
          await expectRealRows(alice.userId, body);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("puts the given conversation's current branch in L5, in order, and refuses another user's conversation", async () => {
    const [row] = await t.server.runtime.deps.em().execute<{ id: string }[]>('select id from capture_conversation where source_id = ?', ['a-bread']);
    const { body } = await compile({ prompt: 'so what should I do now?', conversationId: row!.id, budget: 2000 });
    const l5 = body.sections.find((s: { layer: string }) => s.layer === 'L5');
    expect(l5.items.map((i: Item) => i.sourceMessageId)).toEqual(['a-bread-0', 'a-bread-1', 'a-bread-2', 'a-bread-3']);
    await expectRealRows(alice.userId, body);
    const forged = await compile({ prompt: 'so what should I do now?', conversationId: row!.id }, { cookie: bob.cookie });
    expect(forged.status).toBe(404);
  });

  it("never gives one user another user's data", async () => {
    const { body } = await compile({ prompt: 'kubernetes secret rotation zebra cluster readiness probe', budget: 4000 }, { cookie: bob.cookie });
    const items = itemsOf(body);
    expect(items.some((i) => i.sourceConversationId === 'b-vault')).toBe(true);
    expect(items.every((i) => i.sourceConversationId === null || i.sourceConversationId.startsWith('b-'))).toBe(true);
    expect(body.text).not.toContain('readiness probe');
    await expectRealRows(bob.userId, body);
    const aliceView = await compile({ prompt: 'zebra cluster secrets', budget: 4000 });
    expect(aliceView.body.text).not.toContain('zebra');
  });

  it('serves a repeated prompt from the cache, and recompiles once new data lands', async () => {
    const once = { prompt: 'what do I know about rye flour for my starter?', budget: 1500 };
    const hot = { prompt: 'tell me about my sourdough starter feeding', budget: 1500 };
    expect((await compile(once)).body.cached).toBe(false);
    const first = (await compile(hot)).body;
    expect(first.cached).toBe(false);
    expect((await compile(hot)).body.cached).toBe(true);
    await t.importAndWait(alice.cookie, exportJson('a', [{ id: 'rye', title: 'Rye starter', turns: ['Can I feed my sourdough starter with rye flour instead of wheat?', 'Yes: rye flour ferments faster, so feed the starter a little more often.'] }], 10));
    const again = (await compile(once)).body;
    expect(again.cached).toBe(false);
    expect(itemsOf(again).some((i) => i.sourceConversationId === 'a-rye')).toBe(true);
    // The hot prompt was recompiled by the warm-up after the import: cached, with the new data.
    const warmed = (await compile(hot)).body;
    expect(warmed.cached).toBe(true);
    expect(itemsOf(warmed).some((i) => i.sourceConversationId === 'a-rye')).toBe(true);
  });

  it("puts the user's memories in L1 and L2 (pinned first) and recompiles when a memory changes", async () => {
    const prompt = { prompt: 'how should you format your answers for me?', budget: 1500 };
    expect((await compile(prompt)).body.cached).toBe(false);
    expect((await compile(prompt)).body.cached).toBe(true);
    const memory = t.server.runtime.services.memory;
    const preference = await memory.add(alice.userId, { type: 'preference', content: 'Prefers answers as short bullet points without an introduction', importance: 0.9, pinned: true });
    const identity = await memory.add(alice.userId, { type: 'identity', content: 'Works as a site reliability engineer in Lisbon', importance: 0.8, pinned: false });
    const { body } = await compile(prompt);
    expect(body.cached).toBe(false);
    const layer = (name: string) => body.sections.find((s: { layer: string }) => s.layer === name)?.items ?? [];
    expect(layer('L2')[0]).toMatchObject({ kind: 'memory', id: preference.id, text: preference.content });
    expect(layer('L1').map((i: Item) => i.id)).toContain(identity.id);
    expect(body.text).toContain(`[mem:${preference.id.replace(/-/g, '').slice(0, 8)}]`);
    await expectRealRows(alice.userId, body);
    const bobView = await compile(prompt, { cookie: bob.cookie });
    expect(itemsOf(bobView.body).some((i) => i.id === preference.id || i.id === identity.id)).toBe(false);
  });

  it('rejects bad input with clear errors', async () => {
    const empty = await compile({ prompt: '   ' });
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.body)).toContain('The prompt is empty');
    const small = await compile({ prompt: 'hello', budget: 10 });
    expect(small.status).toBe(400);
    expect(JSON.stringify(small.body)).toContain('at least 64');
    const layer = await compile({ prompt: 'hello', layers: ['L9'] });
    expect(layer.status).toBe(400);
    expect(JSON.stringify(layer.body)).toContain('L0, L1');
    const format = await compile({ prompt: 'hello', format: 'yaml' });
    expect(format.status).toBe(400);
    expect((await t.call('POST', '/api/v1/context', { body: { prompt: 'hello' } })).status).toBe(401);
  });
});
