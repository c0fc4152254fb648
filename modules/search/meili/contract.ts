/**
 * The engine-independent LexicalEngine contract, as a vitest suite any engine can run:
 *
 *   describeLexicalEngineContract('meilisearch', async () => new MeiliEngine({ … }));
 *
 * Every run uses fresh random owner and document ids, so it can share an index or database with other
 * data and with earlier runs; it removes its owners' documents at the end. `upsert` must make documents
 * searchable by the time it resolves (an engine whose writes happen elsewhere, like Postgres, needs a
 * test harness whose upsert/remove/removeOwner write and delete the rows).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexedDoc, LexicalEngine, LexicalHit, ParsedQuery, SearchFilters } from '../engine.ts';

export interface LexicalEngineContractOptions {
  /** The engine finds a word typed with one typo (`kubernets` → `kubernetes`). Default true. */
  typoTolerance?: boolean;
  /** Runs once after the suite, after the test owners were removed (drop a test index, close pools). */
  teardown?: (engine: LexicalEngine) => Promise<void>;
  /** Per-test and hook timeout in ms (default 30 s: a real server indexes asynchronously). */
  timeoutMs?: number;
}

/** A ParsedQuery from websearch-like text: `"a phrase"`, `-excluded`, terms (lower-cased). */
export function contractQuery(text: string): ParsedQuery {
  const phrases: string[][] = [];
  const excluded: string[] = [];
  const terms: string[] = [];
  const rest = text.replace(/"([^"]*)"/g, (_all, inner: string) => {
    const words = inner.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length > 0) phrases.push(words);
    return ' ';
  });
  for (const token of rest.toLowerCase().split(/\s+/).filter(Boolean)) {
    if (token.startsWith('-')) excluded.push(token.slice(1));
    else terms.push(token);
  }
  return { raw: text.trim(), terms, phrases, excluded };
}

type DocInput = Partial<IndexedDoc> & Pick<IndexedDoc, 'body'>;

function makeDoc(ownerId: string, input: DocInput): IndexedDoc {
  const id = randomUUID();
  return {
    id,
    ownerId,
    kind: 'message',
    refId: randomUUID(),
    conversationId: null,
    messageId: null,
    acuId: null,
    sourceConversationId: null,
    sourceMessageId: null,
    provider: null,
    role: null,
    title: '',
    code: '',
    context: '',
    createdAt: null,
    lang: 'english',
    ...input,
  };
}

/**
 * Realistic chat history of two owners (ids random per run). Wording matters: typo-tolerant prefix
 * matching lets `pasta` reach `paste…`/`pastr…` words, so the fixtures avoid them.
 */
function fixtures() {
  const A = randomUUID();
  const B = randomUUID();
  const convK = randomUUID();
  const convP = randomUUID();
  const convT = randomUUID();
  const convD = randomUUID();
  const convB = randomUUID();
  const k1Body =
    'My Kubernetes deployment keeps restarting with CrashLoopBackOff since I added a readiness probe to the api container. How do I find out why the pod dies?';
  const a = {
    k1: makeDoc(A, {
      kind: 'message',
      provider: 'chatgpt',
      role: 'user',
      conversationId: convK,
      title: 'Kubernetes pod in CrashLoopBackOff',
      body: k1Body,
      code: 'readinessProbe:\n  httpGet:\n    path: /healthz\n    port: 8080\n  timeoutSeconds: 1',
      createdAt: '2024-03-04T09:15:00.000Z',
    }),
    k2: makeDoc(A, {
      kind: 'message',
      provider: 'chatgpt',
      role: 'assistant',
      conversationId: convK,
      title: 'Kubernetes pod in CrashLoopBackOff',
      body: 'A failing liveness probe makes the kubelet restart the container, while a failing readiness probe only takes the pod out of the service endpoints. Run kubectl logs with --previous to read the output of the container that exited, and check whether /healthz answers within one second.',
      code: 'kubectl logs deploy/api --previous\nkubectl describe pod -l app=api',
      context: k1Body,
      createdAt: '2024-03-04T09:15:30.000Z',
    }),
    p1: makeDoc(A, {
      kind: 'message',
      provider: 'claude',
      role: 'user',
      conversationId: convP,
      title: 'Silky carbonara',
      body: 'What is the secret to a silky carbonara? My eggs always scramble when I toss them with the hot pasta.',
      createdAt: '2024-06-15T18:30:00.000Z',
    }),
    p2: makeDoc(A, {
      kind: 'message',
      provider: 'claude',
      role: 'assistant',
      conversationId: convP,
      title: 'Silky carbonara',
      body: 'Take the pan off the heat before adding the egg and pecorino mixture, and loosen it with a splash of starchy pasta water. Use guanciale rather than bacon; the traditional recipe has no garlic and no cream.',
      createdAt: '2024-06-15T18:31:00.000Z',
    }),
    p3: makeDoc(A, {
      kind: 'memory',
      body: 'Prefers whole wheat pasta and cooks almost everything with plenty of garlic and chili flakes.',
      createdAt: '2024-11-02T08:00:00.000Z',
    }),
    t1: makeDoc(A, {
      kind: 'acu',
      provider: 'gemini',
      conversationId: convT,
      title: 'Three days in Lisbon',
      body: 'Day one: ride tram 28 through Alfama. Day two: custard tarts in Belém and the Jerónimos monastery. Day three: take the train to Sintra for Pena Palace.',
      createdAt: '2024-09-20T14:00:00.000Z',
    }),
    t3: makeDoc(A, {
      kind: 'message',
      // A one-paragraph question whose single ACU has no document of its own: an ACU filter finds it here.
      acuId: randomUUID(),
      provider: 'mistral',
      role: 'user',
      conversationId: convT,
      title: 'Three days in Lisbon',
      body: 'Is a Lisbon day ticket for the funiculars worth buying?',
      createdAt: '2024-09-20T13:58:00.000Z',
    }),
    t2: makeDoc(A, {
      kind: 'conversation',
      provider: 'gemini',
      conversationId: convT,
      title: 'Trip planning: Lisbon and Porto',
      body: 'A week in Portugal by train, splitting the time between Lisbon and Porto.',
      createdAt: '2024-09-20T13:55:00.000Z',
    }),
    d1: makeDoc(A, {
      kind: 'message',
      provider: 'chatgpt',
      role: 'user',
      conversationId: convD,
      title: 'Staging release problem',
      body: 'The deploy script fails on the staging server with permission denied when it copies the build into /srv/app.',
      code: './scripts/deploy.sh staging',
      createdAt: '2025-01-10T11:00:00.000Z',
    }),
    d2: makeDoc(A, {
      kind: 'message',
      provider: 'chatgpt',
      role: 'assistant',
      conversationId: convD,
      title: 'Database backups',
      body: 'I wrote a script for the nightly database backup; we deploy it tomorrow after review, then deploy the monitoring script too.',
      createdAt: '2025-01-10T11:02:00.000Z',
    }),
    x1: makeDoc(A, {
      kind: 'message',
      provider: 'chatgpt',
      role: 'assistant',
      conversationId: convD,
      title: 'Markdown preview security',
      body: 'The markdown preview runs <script>alert("pwned")</script> from copied text & attributes; the sanitizer must strip it before rendering.',
      createdAt: '2025-01-11T08:00:00.000Z',
    }),
  };
  const b = {
    b1: makeDoc(B, {
      kind: 'message',
      provider: 'chatgpt',
      role: 'user',
      conversationId: convB,
      title: 'Cluster autoscaler',
      body: 'Our Kubernetes cluster autoscaler ignores the GPU node pool even when pods are pending.',
      createdAt: '2024-03-05T10:00:00.000Z',
    }),
    b2: makeDoc(B, {
      kind: 'message',
      provider: 'claude',
      role: 'user',
      conversationId: convB,
      body: 'The best carbonara in Rome was at a tiny trattoria in Trastevere, with pasta made fresh every morning.',
      createdAt: '2024-06-16T20:00:00.000Z',
    }),
    b3: makeDoc(B, {
      kind: 'memory',
      body: 'Planning a snorkeling trip to Zanzibar in February; wants a reef near Mnemba island.',
      createdAt: '2024-12-01T09:00:00.000Z',
    }),
  };
  return { A, B, convK, convP, convT, convB, a, b };
}

const ids = (hits: LexicalHit[]) => hits.map((h) => h.docId);
const sorted = (values: string[]) => [...values].sort();

/**
 * Registers `describe('LexicalEngine contract: <name>')` with the behaviour every lexical engine must
 * have: tenant isolation, filters, phrases, exclusions, removal, replacement, typo tolerance, empty
 * results, safe snippets and score order.
 */
export function describeLexicalEngineContract(
  name: string,
  makeEngine: () => Promise<LexicalEngine>,
  options: LexicalEngineContractOptions = {},
): void {
  const timeout = options.timeoutMs ?? 30_000;

  describe(`LexicalEngine contract: ${name}`, () => {
    let engine: LexicalEngine;
    const f = fixtures();
    const extraOwners: string[] = [];
    const search = (text: string, filters: Omit<SearchFilters, 'ownerId'> & { ownerId?: string } = {}, limit = 20) =>
      engine.search(contractQuery(text), { ownerId: f.A, ...filters }, limit);
    const newOwner = () => {
      const owner = randomUUID();
      extraOwners.push(owner);
      return owner;
    };

    beforeAll(async () => {
      engine = await makeEngine();
      await engine.init();
      await engine.upsert([...Object.values(f.a), ...Object.values(f.b)]);
    }, timeout * 2);

    afterAll(async () => {
      if (!engine) return;
      for (const owner of [f.A, f.B, ...extraOwners]) await engine.removeOwner(owner);
      await options.teardown?.(engine);
    }, timeout * 2);

    it('init is idempotent', async () => {
      await engine.init();
      expect(ids(await search('carbonara', { kinds: ['message'] }))).toContain(f.a.p1.id);
    }, timeout);

    describe('tenant isolation', () => {
      it("an owner never sees another owner's documents", async () => {
        const aIds = new Set(Object.values(f.a).map((d) => d.id));
        const bIds = new Set(Object.values(f.b).map((d) => d.id));
        for (const text of ['kubernetes', 'carbonara', 'pasta', 'kubernetes pod pending gpu', 'trip']) {
          for (const hit of await search(text, {}, 50)) expect(aIds.has(hit.docId), `${text}: ${hit.docId}`).toBe(true);
          for (const hit of await search(text, { ownerId: f.B }, 50)) expect(bIds.has(hit.docId), `${text}: ${hit.docId}`).toBe(true);
        }
        expect(ids(await search('kubernetes'))).toContain(f.a.k1.id);
        expect(ids(await search('kubernetes', { ownerId: f.B }))).toEqual([f.b.b1.id]);
      }, timeout);

      it("words only in another owner's documents find nothing", async () => {
        expect(await search('zanzibar')).toEqual([]);
        expect(await search('trastevere')).toEqual([]);
        expect(await search('autoscaler')).toEqual([]);
      }, timeout);

      it("filtering on another owner's conversation finds nothing", async () => {
        expect(await search('carbonara', { conversationId: f.convB })).toEqual([]);
      }, timeout);

      it('an unknown owner finds nothing', async () => {
        expect(await search('kubernetes', { ownerId: randomUUID() })).toEqual([]);
      }, timeout);
    });

    describe('filters', () => {
      it('kinds', async () => {
        expect(ids(await search('pasta', { kinds: ['memory'] }))).toEqual([f.a.p3.id]);
        expect(sorted(ids(await search('lisbon', { kinds: ['acu', 'conversation'] })))).toEqual(sorted([f.a.t1.id, f.a.t2.id, f.a.t3.id]));
        expect(sorted(ids(await search('lisbon', { kinds: ['acu'] })))).toEqual(sorted([f.a.t1.id, f.a.t3.id]));
        expect(ids(await search('lisbon', { kinds: ['message'] }))).toEqual([f.a.t3.id]);
        expect(ids(await search('lisbon', { kinds: ['memory'] }))).toEqual([]);
      }, timeout);

      it('providers', async () => {
        expect(sorted(ids(await search('lisbon', { providers: ['gemini'] })))).toEqual(sorted([f.a.t1.id, f.a.t2.id]));
        expect(await search('lisbon', { providers: ['chatgpt'] })).toEqual([]);
        expect(sorted(ids(await search('carbonara', { providers: ['claude', 'chatgpt'] })))).toEqual(sorted([f.a.p1.id, f.a.p2.id]));
      }, timeout);

      it('roles', async () => {
        expect(ids(await search('kubectl', { roles: ['assistant'] }))).toEqual([f.a.k2.id]);
        expect(await search('kubectl', { roles: ['user'] })).toEqual([]);
        expect(ids(await search('readiness', { roles: ['user'] }))).toEqual([f.a.k1.id]);
      }, timeout);

      it('conversation', async () => {
        expect(sorted(ids(await search('pasta', { conversationId: f.convP })))).toEqual(sorted([f.a.p1.id, f.a.p2.id]));
        expect(await search('pasta', { conversationId: f.convK })).toEqual([]);
      }, timeout);

      it('dates, with inclusive bounds', async () => {
        expect(ids(await search('pasta', { from: f.a.p3.createdAt ?? undefined }))).toEqual([f.a.p3.id]);
        expect(ids(await search('pasta', { to: f.a.p1.createdAt ?? undefined }))).toEqual([f.a.p1.id]);
        expect(sorted(ids(await search('pasta', { from: f.a.p1.createdAt ?? undefined, to: f.a.p2.createdAt ?? undefined })))).toEqual(
          sorted([f.a.p1.id, f.a.p2.id]),
        );
        expect(await search('pasta', { from: '2030-01-01T00:00:00.000Z' })).toEqual([]);
      }, timeout);

      it('combined filters are AND-ed', async () => {
        expect(ids(await search('pasta', { kinds: ['message'], roles: ['assistant'], providers: ['claude'], conversationId: f.convP }))).toEqual([f.a.p2.id]);
      }, timeout);
    });

    describe('query syntax', () => {
      it('an exact phrase ranks the document with the phrase first', async () => {
        const hits = await search('"deploy script"');
        expect(hits[0]?.docId).toBe(f.a.d1.id);
      }, timeout);

      it('-word removes documents containing the word', async () => {
        const hits = ids(await search('pasta -garlic'));
        expect(hits).toContain(f.a.p1.id);
        expect(hits).not.toContain(f.a.p2.id);
        expect(hits).not.toContain(f.a.p3.id);
        expect(ids(await search('pasta'))).toEqual(expect.arrayContaining([f.a.p1.id, f.a.p2.id, f.a.p3.id]));
      }, timeout);

      it('a query with only exclusions finds nothing', async () => {
        expect(await search('-garlic')).toEqual([]);
      }, timeout);

      it('a nonsense word finds nothing', async () => {
        expect(await search('qzxvbnmwplk')).toEqual([]);
        expect(await search('flurbotronic')).toEqual([]);
      }, timeout);

      it.runIf(options.typoTolerance ?? true)('a typo still finds the word (kubernets → kubernetes)', async () => {
        expect(ids(await search('kubernets'))).toContain(f.a.k1.id);
      }, timeout);
    });

    describe('results', () => {
      it('respects the limit, orders by descending score, never repeats a document', async () => {
        const all = await search('pasta');
        expect(all.length).toBeGreaterThanOrEqual(3);
        const scores = all.map((h) => h.score);
        for (const score of scores) expect(Number.isFinite(score)).toBe(true);
        expect([...scores].sort((x, y) => y - x)).toEqual(scores);
        expect(new Set(ids(all)).size).toBe(all.length);
        expect(await search('pasta', {}, 2)).toHaveLength(2);
        expect(await search('pasta', {}, 1)).toHaveLength(1);
      }, timeout);

      it('snippets, when given, mark matches and escape everything else', async () => {
        const hit = (await search('sanitizer')).find((h) => h.docId === f.a.x1.id);
        expect(hit).toBeDefined();
        if (hit?.snippet == null) return;
        expect(hit.snippet).toContain('<mark>');
        expect(hit.snippet).not.toContain('<script');
        const unmarked = hit.snippet.replace(/<\/?mark>/g, '');
        expect(unmarked).not.toMatch(/[<>]/);
        expect(unmarked).not.toMatch(/&(?!(amp|lt|gt|quot|#39|#x27);)/);
      }, timeout);
    });

    describe('writes', () => {
      it('upsert replaces a document with the same id', async () => {
        const owner = newOwner();
        const original = makeDoc(owner, { body: 'Feeding the sourdough starter twice a day with rye flour.', createdAt: '2024-02-01T07:00:00.000Z' });
        await engine.upsert([original]);
        expect(ids(await search('sourdough', { ownerId: owner }))).toEqual([original.id]);
        await engine.upsert([{ ...original, body: 'Focaccia needs a long cold proof and lots of olive oil.' }]);
        expect(await search('sourdough', { ownerId: owner })).toEqual([]);
        expect(ids(await search('focaccia', { ownerId: owner }))).toEqual([original.id]);
      }, timeout);

      it('remove() makes documents disappear', async () => {
        const owner = newOwner();
        const keep = makeDoc(owner, { body: 'Renew the passport before the Japan trip in April.' });
        const drop = makeDoc(owner, { body: 'Book the Japan rail pass and the ryokan in Kyoto.' });
        await engine.upsert([keep, drop]);
        expect(sorted(ids(await search('japan', { ownerId: owner })))).toEqual(sorted([keep.id, drop.id]));
        await engine.remove([drop.id]);
        expect(ids(await search('japan', { ownerId: owner }))).toEqual([keep.id]);
        await engine.remove([]);
      }, timeout);

      it('removeOwner() removes every document of that owner and only those', async () => {
        const gone = newOwner();
        const stays = newOwner();
        const body = 'Rust borrow checker complains that the vector is borrowed mutably twice.';
        const goneDocs = [makeDoc(gone, { body }), makeDoc(gone, { body: `${body} Again.`, kind: 'memory' })];
        const staysDoc = makeDoc(stays, { body });
        await engine.upsert([...goneDocs, staysDoc]);
        expect(await search('borrow', { ownerId: gone })).toHaveLength(2);
        await engine.removeOwner(gone);
        expect(await search('borrow', { ownerId: gone })).toEqual([]);
        expect(ids(await search('borrow', { ownerId: stays }))).toEqual([staysDoc.id]);
      }, timeout);
    });

    it('health reports ok', async () => {
      const health = await engine.health();
      expect(health.ok).toBe(true);
      if (health.documents !== undefined) expect(health.documents).toBeGreaterThanOrEqual(Object.keys(f.a).length + Object.keys(f.b).length);
    }, timeout);
  });
}
