// Import benchmark: a generated ChatGPT-format export (default 200k visible messages, with branches
// and code) imported through the real importer into a fresh embedded database, in this process.
// Prints messages/s stored, then the time until ACUs and the full-text index have caught up (the
// worker runs in this process; embeddings are off here: bench:search measures them), and peak RSS.
// Usage: npm run bench:import [-- --messages N] [--until-full-text] [--probe-search]
// (--until-full-text: stop once full text is in place, without waiting for memory extraction and the Librarian;
//  --probe-search: a person searches all along, one query every 250 ms: latency while storing, while indexing, after)
import { mkdtempSync, rmSync, statSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/index.ts';
import { modules } from '../server/composition.ts';
import { createLogger } from '../server/logger.ts';
import { startRuntime } from '../server/runtime.ts';
import type { Actor } from '../server/actor.ts';
import { searchInput } from '../modules/search/schemas.ts';
import { chatgptConversation } from '../tests/factories/chatgpt-export.ts';

const arg = (name: string, fallback: number) => Number(process.argv[process.argv.indexOf(name) + 1]) || fallback;
const messages = arg('--messages', 200_000);
const messagesPer = 20;
const conversations = Math.ceil(messages / messagesPer);
const dir = mkdtempSync(path.join(tmpdir(), 'vivim-bench-import-'));
const file = path.join(dir, 'conversations.json');

// The export is written by a child process, so its garbage does not count against the import's memory.
if (process.argv[2] === '--write-export') {
  const target = process.argv[3] as string;
  const count = Number(process.argv[4]);
  const out = createWriteStream(target);
  out.write('[');
  for (let i = 0; i < count; i++) {
    if (!out.write(`${i ? ',' : ''}${JSON.stringify(chatgptConversation(i, { conversations: count, messagesPer, branchEvery: 10 }))}`)) await once(out, 'drain');
  }
  out.end(']');
  await once(out, 'finish');
  process.exit(0);
}
execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--write-export', file, String(conversations)], { stdio: 'inherit' });
console.log(`export: ${conversations} conversations, ${messages} messages (+ branches), ${(statSync(file).size / 1e6).toFixed(1)} MB`);

// VIVIM_WORKER_CONCURRENCY passes through (how many jobs share the one database thread).
const passed = Object.fromEntries(['VIVIM_WORKER_CONCURRENCY'].flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
const config = loadConfig({ VIVIM_DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn', EMBEDDING_PROVIDER: 'off', VIVIM_JOB_POLL_MS: '100', ...passed });
const runtime = await startRuntime({ config, log: createLogger(config), modules, worker: true });
try {
  const owner = await runtime.services.auth.createUser({ email: 'bench@example.com', password: 'correct horse battery', isAdmin: true });
  // A person imports into a running server: the start-up catch-up sweeps (search, memory, knowledge; due 2–3 s after
  // start) have run by then. Without this wait they would index the first conversations in the middle of the import.
  const sweepsPending = async () =>
    (await runtime.deps.em().execute<{ n: number }[]>("select count(*)::int as n from graphile_worker.jobs where task_identifier like '%.sweep'"))[0]?.n ?? 0;
  for (const until = Date.now() + 30_000; (await sweepsPending()) > 0 && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 100));
  const { importId } = await runtime.services.capture.importer.create(owner.id, { path: file, fileName: 'conversations.json', copy: true }, false);
  const baseline = process.memoryUsage();
  const wasm = () => runtime.databaseMemoryBytes() ?? 0;
  const baselineWasm = wasm();
  let peak = baseline.rss;
  let peakAt = baseline;
  let peakWasm = baselineWasm;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    if (now.rss > peak) [peak, peakAt, peakWasm] = [now.rss, now, wasm()];
  }, 100);
  // --probe-search: one search at a time, 250 ms apart, each latency filed under the phase it started in. The
  // generated text draws on 100 common words, any of which matches ~half the documents: the probe looks for
  // a question's number ("Question 4711.6" → "4711.6"), which one message holds.
  type Phase = 'storing' | 'indexing' | 'after';
  let phase = 'storing' as Phase;
  const probes: Record<Phase, number[]> = { storing: [], indexing: [], after: [] };
  const actor: Actor = { userId: owner.id, isAdmin: true, via: 'local', scopes: undefined };
  let probing = process.argv.includes('--probe-search');
  let found = 0;
  const prober = (async () => {
    for (let i = 0; probing; i++) {
      const at = phase;
      const t0 = performance.now();
      // As the HTTP layer marks an API request.
      const leave = runtime.jobs.foreground.enter();
      const { results } = await runtime.services.search.query(actor, searchInput.parse({ q: `${(i * 7919) % conversations}.${2 * (i % (messagesPer / 2))}`, limit: 10 }));
      leave();
      probes[at].push(performance.now() - t0);
      if (results.length > 0) found++;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  const started = performance.now();
  const report = await runtime.services.capture.importer.run(importId, { log: runtime.log });
  phase = 'indexing';
  const seconds = (performance.now() - started) / 1000;
  const storedPeakMb = Math.round(peak / 1e6);
  const progress = (step: string, at: number) => console.log(JSON.stringify({ step, seconds: Math.round(at * 10) / 10, messagesPerSecond: Math.round(report.messages / at), peakRssMb: Math.round(peak / 1e6) }));
  progress('stored', seconds);
  // Full text is in place when no capture/search job is left (ACUs cut, every conversation indexed);
  // memory extraction, the Librarian and the context warm-up go on after it.
  const em = runtime.deps.em();
  const pendingOf = async (like: string) =>
    (await em.execute<{ n: number }[]>(`select count(*)::int as n from graphile_worker.jobs where task_identifier similar to ? and attempts < max_attempts`, [like]))[0]?.n ?? 0;
  // Index requests are gathered for 300 ms before they are enqueued: zero twice, 500 ms apart.
  for (let zeros = 0; zeros < 2; ) {
    zeros = (await pendingOf('(capture|search).%')) > 0 ? 0 : zeros + 1;
    await new Promise((resolve) => setTimeout(resolve, zeros === 1 ? 500 : 250));
  }
  const indexedSeconds = (performance.now() - started) / 1000;
  phase = 'after';
  if (probing) {
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    probing = false;
    await prober;
    const pct = (xs: number[], p: number) => Math.round([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN);
    console.log(JSON.stringify({ probeQueries: Object.values(probes).flat().length, withResults: found }));
    for (const [name, xs] of Object.entries(probes)) console.log(JSON.stringify({ searchWhile: name, queries: xs.length, p50Ms: pct(xs, 50), p95Ms: pct(xs, 95), maxMs: pct(xs, 100) }));
  }
  const indexedPeakMb = Math.round(peak / 1e6);
  progress('full text in place', indexedSeconds);
  const untilFullText = process.argv.includes('--until-full-text');
  while (!untilFullText && (await runtime.jobs.pendingCount()) > 0) await new Promise((resolve) => setTimeout(resolve, 250));
  const allJobsSeconds = (performance.now() - started) / 1000;
  const [docs] = await em.execute<{ n: number }[]>('select count(*)::int as n from search_doc');
  clearInterval(sampler);
  console.log(
    JSON.stringify({
      conversations: report.conversations,
      messages: report.messages,
      errors: report.errors.length,
      seconds: Math.round(seconds * 10) / 10,
      messagesPerSecond: Math.round(report.messages / seconds),
      storedPeakRssMb: storedPeakMb,
      fullTextIndexedSeconds: Math.round(indexedSeconds * 10) / 10,
      messagesPerSecondIndexed: Math.round(report.messages / indexedSeconds),
      indexedPeakRssMb: indexedPeakMb,
      allJobsSeconds: untilFullText ? 'not waited for (--until-full-text)' : Math.round(allJobsSeconds * 10) / 10,
      searchDocuments: docs?.n ?? 0,
      peakRssMb: Math.round(Math.max(peak, process.resourceUsage().maxRSS * 1024) / 1e6),
      baselineRssMb: Math.round(baseline.rss / 1e6),
      atPeakMb: { heapUsed: Math.round(peakAt.heapUsed / 1e6), heapTotal: Math.round(peakAt.heapTotal / 1e6), external: Math.round(peakAt.external / 1e6), arrayBuffers: Math.round(peakAt.arrayBuffers / 1e6), databaseWasm: Math.round(peakWasm / 1e6) },
      databaseWasmMb: { baseline: Math.round(baselineWasm / 1e6), end: Math.round(wasm() / 1e6) },
    }),
  );
} finally {
  await runtime.stop();
  rmSync(dir, { recursive: true, force: true });
}
