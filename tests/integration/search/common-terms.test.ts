import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexedDoc } from '#modules/search/engine.ts';
import { contractQuery } from '#modules/search/meili/contract.ts';
import { PostgresEngine, termStats } from '#modules/search/postgres-engine.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

// A large library where one query word is in nearly every document: the candidates ranked are
// bounded (the embedded database has no top-k full-text index), so without care they are all
// documents holding only that common word, and the few documents with the distinctive word
// are never ranked. The planner's statistics (kept by the database upkeep) say which words are common.
let t: TestServer;
let engine: PostgresEngine;
const owner = randomUUID();
const doc = (body: string): IndexedDoc => ({
  id: randomUUID(), ownerId: owner, kind: 'message', refId: randomUUID(), conversationId: null, messageId: null, acuId: null, sourceConversationId: null,
  sourceMessageId: null, provider: null, role: 'user', title: '', body, code: '', context: '', createdAt: null, lang: 'english',
});
const routine = Array.from({ length: 4200 }, (_, i) => doc(`Weekly routine status update number ${i} for the platform team`));
const distinctive = Array.from({ length: 8 }, (_, i) => doc(`Notes from the Zanzibar ferry trip, day ${i}`));

beforeAll(async () => {
  t = await startTestServer({ env: { EMBEDDING_PROVIDER: 'off', VIVIM_WORKER: '0' } });
  engine = new PostgresEngine(t.server.runtime.deps.em);
  // The common documents first: a scan in physical order meets them before the distinctive ones.
  await engine.upsert(routine);
  await engine.upsert(distinctive);
  await t.server.runtime.maintenance!.runOnce();
}, 60_000);
afterAll(async () => {
  await t?.dispose();
});

describe('full-text candidates when a query word is common', () => {
  it('reads which words are common from the planner statistics', async () => {
    const stats = await termStats(t.server.runtime.deps.em(), ['routine', 'zanzibar']);
    expect(stats.documents).toBeGreaterThanOrEqual(routine.length + distinctive.length);
    expect(stats.shares.get('routine')).toBeGreaterThan(0.9);
    expect(stats.shares.get('zanzibar')).toBeLessThan(0.05);
  });

  it('ranks the documents with the distinctive word although 4,200 documents hold the common one', async () => {
    const hits = await engine.search(contractQuery('routine zanzibar'), { ownerId: owner }, 500);
    const ids = new Set(hits.map((h) => h.docId));
    for (const d of distinctive) expect(ids.has(d.id), d.body).toBe(true);
    // Documents with only the common word still come, after them (the loose tier is filled in).
    expect(hits.length).toBeGreaterThan(distinctive.length);
  });

  it('falls back to the common word when nothing else matches', async () => {
    const hits = await engine.search(contractQuery('routine qqxyzzy'), { ownerId: owner }, 20);
    expect(hits).toHaveLength(20);
    const routineIds = new Set(routine.map((d) => d.id));
    for (const hit of hits) expect(routineIds.has(hit.docId)).toBe(true);
  });

  it('keeps every match of a small library', async () => {
    const other = randomUUID();
    const mine = (body: string) => ({ ...doc(body), ownerId: other });
    const few = [mine('routine check of the boiler'), mine('routine dentist visit'), mine('zanzibar spice market')];
    await engine.upsert(few);
    const hits = await engine.search(contractQuery('routine zanzibar'), { ownerId: other }, 50);
    expect(new Set(hits.map((h) => h.docId))).toEqual(new Set(few.map((d) => d.id)));
  });
});
