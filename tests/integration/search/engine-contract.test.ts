import { afterAll, beforeAll } from 'vitest';
import { describeLexicalEngineContract } from '#modules/search/meili/contract.ts';
import { PostgresEngine } from '#modules/search/postgres-engine.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

// The same engine contract Meilisearch runs (modules/search/meili/contract.test.ts, with MEILI_URL),
// here against the default engine on the real embedded database. No worker: the contract's documents
// belong to no conversation, and the start-up sweep would rightly remove them as orphans.
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { EMBEDDING_PROVIDER: 'off', VIVIM_WORKER: '0' } });
}, 60_000);
afterAll(async () => {
  await t?.dispose();
});

describeLexicalEngineContract('postgres', async () => new PostgresEngine(t.server.runtime.deps.em));
