// Librarian benchmark: the search bench's generated library (default 20k visible messages) imported
// into a real server; times the Librarian (entities + keyphrases per conversation, topic clustering
// per owner) until it has read every conversation, one full topic re-clustering of the owner, and
// `topicsFor` / `entitiesFor` (what the context engine calls) over 200 prompts. Then clusters a
// synthetic 10k-conversation corpus in memory to show how clustering scales. Embeddings off.
// Prints figures as JSON lines.
//
// Usage: npm run bench:knowledge [-- --messages N]   (timings after the import run on a server without a worker)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/index.ts';
import { startServer } from '../server/main.ts';
import { createLocalCaller } from '../server/local-context.ts';
import { clusterTopics, type ConversationTerms } from '../modules/knowledge/topics.ts';
import { rng } from './corpus.ts';

const argNumber = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : NaN;
};
const messages = argNumber('--messages') || 20_000;
const EMAIL = 'bench@example.com';
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? 0;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const log = (value: unknown) => console.log(JSON.stringify(value));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(path.join(tmpdir(), 'vivim-bench-knowledge-'));
for (const sub of ['chatgpt', 'claude', 'generic']) mkdirSync(path.join(dir, sub), { recursive: true });
const out = execFileSync(process.execPath, [fileURLToPath(new URL('./search.ts', import.meta.url)), '--write-exports', dir, String(messages)], { encoding: 'utf8' });
const conversations = (JSON.parse(out.trim().split('\n').at(-1)!) as { conversations: number }).conversations;
log({ step: 'export', messages, conversations });

const env = { VIVIM_DATA_DIR: path.join(dir, 'data'), PORT: '0', LOG_LEVEL: 'warn', PUBLIC_URL: 'http://localhost:3000', EMBEDDING_PROVIDER: 'off' };
let server = await startServer(loadConfig(env));
try {
  let runtime = server.runtime;
  const em = () => runtime.deps.em();
  await createLocalCaller(runtime).auth.users.create({ email: EMAIL, password: 'correct horse battery staple', isAdmin: true });
  const owner = await runtime.services.auth.findByEmail(EMAIL);
  const started = performance.now();
  for (const file of ['chatgpt/conversations.json', 'claude/conversations.json', 'generic/library.json']) {
    const importer = runtime.services.capture.importer;
    const { importId } = await importer.create(owner.id, { path: path.join(dir, file), fileName: path.basename(file), copy: true }, false);
    await importer.run(importId, { log: runtime.log });
  }
  log({ step: 'import', seconds: round((performance.now() - started) / 1000) });
  for (;;) {
    const [row] = await em().execute<{ read: number; jobs: number }[]>(
      "select (select count(*)::int from knowledge_conversation where owner_id = ?) as read, (select count(*)::int from graphile_worker.jobs where task_identifier like 'knowledge.%' and attempts < max_attempts) as jobs",
      [owner.id],
    );
    if ((row?.read ?? 0) >= conversations && (row?.jobs ?? 1) === 0) break;
    await sleep(2000);
  }
  const librarianSeconds = (performance.now() - started) / 1000;
  const [sizes] = await em().execute<{ topics: number; entities: number; mentions: number }[]>(
    'select (select count(*)::int from knowledge_topic where owner_id = ?) as topics, (select count(*)::int from knowledge_entity where owner_id = ?) as entities, (select count(*)::int from knowledge_mention where owner_id = ?) as mentions',
    [owner.id, owner.id, owner.id],
  );
  log({ step: 'librarian done (import + indexing + librarian, shared CPU)', seconds: round(librarianSeconds), conversationsPerSecond: round(conversations / librarianSeconds), ...sizes });
  // Time on a server without the in-process worker: other modules' jobs (memory extraction) share the one embedded connection.
  await server.stop();
  server = await startServer(loadConfig({ ...env, VIVIM_WORKER: 'false' }));
  runtime = server.runtime;

  const knowledge = runtime.services.knowledge;
  const ids = (await em().execute<{ conversation_id: string }[]>('select conversation_id from knowledge_conversation where owner_id = ? limit 100', [owner.id])).map((r) => r.conversation_id);
  let t0 = performance.now();
  const again = await knowledge.runLibrarianJob({ ownerId: owner.id, conversationIds: ids });
  log({ step: 'librarian on 100 unchanged conversations', ms: round(performance.now() - t0), ...again });
  await em().execute('update knowledge_conversation set version = \'stale\' where conversation_id in (select (jsonb_array_elements_text(?::jsonb))::uuid)', [JSON.stringify(ids)]);
  t0 = performance.now();
  const reread = await knowledge.runLibrarianJob({ ownerId: owner.id, conversationIds: ids });
  log({ step: 'librarian re-reads 100 conversations (+ one re-clustering)', ms: round(performance.now() - t0), ...reread });

  const words = ['kubernetes', 'sourdough', 'python', 'docker', 'budget', 'tomato', 'marathon', 'lisbon', 'postgres', 'react', 'mortgage', 'essay', 'garden', 'spanish', 'interview', 'drywall', 'integral'];
  const r = rng(11);
  const prompts = Array.from({ length: 220 }, (_, i) => `help me with ${words[Math.floor(r() * words.length)]} and ${words[Math.floor(r() * words.length)]}, question ${i}`);
  for (const kind of ['topicsFor', 'entitiesFor'] as const) {
    const times: number[] = [];
    for (const [i, prompt] of prompts.entries()) {
      const t = performance.now();
      await knowledge[kind](owner.id, { prompt, limit: kind === 'topicsFor' ? 8 : 10 });
      if (i >= 20) times.push(performance.now() - t);
    }
    log({ step: kind, prompts: times.length, p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), p99Ms: round(percentile(times, 99)) });
  }
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

// Clustering alone at 10k conversations (40 candidate terms each, a 3k-term vocabulary).
const vocabulary = Array.from({ length: 3000 }, (_, i) => `term${i}`);
const r = rng(3);
const corpus: ConversationTerms[] = Array.from({ length: 10_000 }, (_, i) => {
  const theme = Math.floor(r() * 150) * 20;
  return {
    conversationId: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    terms: Array.from({ length: 40 }, (_, j) => ({ t: vocabulary[j < 10 ? theme + j : Math.floor(r() * 3000)]!, l: 'x', w: 1 + Math.floor(r() * 5), m: 1 })),
    lastSeenAt: null,
    messageCount: 10,
  };
});
const t1 = performance.now();
const topics = clusterTopics(corpus);
log({ step: 'clusterTopics in memory', conversations: corpus.length, topics: topics.length, ms: round(performance.now() - t1) });
