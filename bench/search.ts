// Search benchmark: a generated library (default 100k visible messages across many subjects, three
// export formats: ChatGPT, Claude, VIVIM JSON) imported through the real importer into a real server
// on a fresh embedded database; then the background indexing (full-text, ACUs, embeddings) is timed
// from the search status, and queries are timed through the real REST API
// (`GET /api/unified/search` with a Bearer API key), hybrid / lexical / vector, concurrency 1 and 8,
// with a cold (distinct queries) and a warm query-vector cache. Prints figures as JSON lines.
//
// Usage: npm run bench:search [-- --messages N]   (or BENCH_MESSAGES=20000 npm run bench:search)
//        BENCH_DATA_DIR=/tmp/dir keeps the data dir; run again with it to time queries only.
//        BENCH_QUERIES=N queries per concurrency-1 run (default 200; 2N at concurrency 8).
//        BENCH_MAX_INDEX_MINUTES=N stops waiting for the embeddings after N minutes (figures say so).
//        BENCH_EMBED_PENDING=1 with a kept data dir: first embeds the documents not embedded yet (e.g. a
//        library built with EMBEDDING_PROVIDER=off), timing the embedding throughput; EMBEDDING_THREADS applies.
// Queries are timed on the same data after a restart with the in-process worker off.
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/index.ts';
import { startServer } from '../server/main.ts';
import { createLocalCaller } from '../server/local-context.ts';
import { generateLibrary, rng, SUBJECT_NAMES, toChatgpt, toClaude, toGeneric, type Conversation } from './corpus.ts';

const argNumber = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : NaN;
};
const messages = argNumber('--messages') || Number(process.env.BENCH_MESSAGES) || 100_000;
const EMAIL = 'bench@example.com';
/** BENCH_MAX_INDEX_MINUTES: stop waiting for the embeddings after this long and time queries anyway (the report says so). */
const maxIndexSeconds = Number(process.env.BENCH_MAX_INDEX_MINUTES ?? 0) * 60;
let partial: string | null = null;

/** Which export a conversation goes to: mostly ChatGPT, some Claude, some VIVIM JSON (generic). */
const formatOf = (index: number) => (index % 20 < 15 ? 'chatgpt' : index % 20 < 18 ? 'claude' : 'generic');

// The exports are written by a child process, so generating them does not count against the server's memory.
if (process.argv[2] === '--write-exports') {
  const dir = process.argv[3] as string;
  const count = Number(process.argv[4]);
  const files = {
    chatgpt: createWriteStream(path.join(dir, 'chatgpt', 'conversations.json')),
    claude: createWriteStream(path.join(dir, 'claude', 'conversations.json')),
    generic: createWriteStream(path.join(dir, 'generic', 'library.json')),
  };
  const first = { chatgpt: true, claude: true, generic: true };
  for (const out of Object.values(files)) out.write('[');
  let i = 0;
  let conversations = 0;
  for (const c of generateLibrary(count, { seed: 42, idPrefix: 'bench' }) as Generator<Conversation>) {
    const format = formatOf(i++);
    const json = JSON.stringify(format === 'chatgpt' ? toChatgpt(c) : format === 'claude' ? toClaude(c) : toGeneric(c));
    const out = files[format];
    if (!out.write(`${first[format] ? '' : ','}${json}`)) await once(out, 'drain');
    first[format] = false;
    conversations += 1;
  }
  for (const out of Object.values(files)) {
    out.end(']');
    await once(out, 'finish');
  }
  console.log(JSON.stringify({ conversations }));
  process.exit(0);
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? 0;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const mb = (bytes: number) => Math.round(bytes / 1e6);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (value: unknown) => console.log(JSON.stringify(value));

const keep = process.env.BENCH_DATA_DIR;
const dir = keep ?? mkdtempSync(path.join(tmpdir(), 'vivim-bench-search-'));
const dataDir = path.join(dir, 'data');
const reuse = Boolean(keep && existsSync(path.join(dataDir, 'pgdata')));
let conversationCount = 0;
if (!reuse) {
  for (const sub of ['chatgpt', 'claude', 'generic']) mkdirSync(path.join(dir, sub), { recursive: true });
  const t0 = performance.now();
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--write-exports', dir, String(messages)], { encoding: 'utf8' });
  conversationCount = (JSON.parse(out.trim().split('\n').at(-1)!) as { conversations: number }).conversations;
  const sizes = ['chatgpt/conversations.json', 'claude/conversations.json', 'generic/library.json'].map((f) => statSync(path.join(dir, f)).size);
  log({ step: 'export', messages, conversations: conversationCount, subjects: SUBJECT_NAMES.length, mb: round(sizes.reduce((a, b) => a + b, 0) / 1e6), seconds: round((performance.now() - t0) / 1000) });
}

const env = { VIVIM_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', PUBLIC_URL: 'http://localhost:3000', ...(process.env.EMBEDDING_THREADS ? { EMBEDDING_THREADS: process.env.EMBEDDING_THREADS } : {}) };
const embedPending = reuse && process.env.BENCH_EMBED_PENDING === '1';
let server = await startServer(loadConfig(reuse && !embedPending ? { ...env, VIVIM_WORKER: 'false' } : env));
let runtime = server.runtime;
const em = () => runtime.deps.em();
let peakRss = process.memoryUsage().rss;
const rssSampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 500);

async function pendingJobs(): Promise<Record<string, number>> {
  const rows = await em().execute<{ task: string; n: number }[]>(
    'select task_identifier as task, count(*)::int as n from graphile_worker.jobs where attempts < max_attempts or locked_at is not null group by 1',
  );
  return Object.fromEntries(rows.map((r) => [r.task, r.n]));
}

try {
  const caller = createLocalCaller(runtime);
  if (!reuse) await caller.auth.users.create({ email: EMAIL, password: 'correct horse battery staple', isAdmin: true });
  const owner = await runtime.services.auth.findByEmail(EMAIL);
  const { key } = await caller.auth.apiKeys.createFor({ email: EMAIL, name: `bench-${Date.now()}`, scopes: ['read'] });

  if (!reuse) {
    // ------------------------------------------------------------ import + index build
    const importer = runtime.services.capture.importer;
    const started = performance.now();
    let imported = 0;
    const files = ['chatgpt/conversations.json', 'claude/conversations.json', 'generic/library.json'];
    for (const file of files) {
      const { importId } = await importer.create(owner.id, { path: path.join(dir, file), fileName: path.basename(file), copy: true }, false);
      const report = await importer.run(importId, { log: runtime.log });
      imported += report.messages;
      log({ step: 'import', file, conversations: report.conversations, messages: report.messages, errors: report.errors.length, seconds: round((performance.now() - started) / 1000) });
    }
    const importSeconds = (performance.now() - started) / 1000;
    log({ step: 'import done', messages: imported, seconds: round(importSeconds), messagesPerSecond: Math.round(imported / importSeconds) });

    // Poll the status and the queue: full-text is done when no index/ACU job is left; embeddings when none is pending.
    let fullTextSeconds: number | null = null;
    const samples: { t: number; embedded: number }[] = [];
    let last = 0;
    for (;;) {
      const [status, jobs] = await Promise.all([runtime.services.search.status(), pendingJobs()]);
      const t = (performance.now() - started) / 1000;
      samples.push({ t, embedded: status.embedded });
      const textJobs = Object.entries(jobs).filter(([task]) => task !== 'search.embed').reduce((n, [, c]) => n + c, 0);
      if (fullTextSeconds === null && textJobs === 0 && status.conversationsIndexed >= conversationCount) {
        fullTextSeconds = t;
        log({ step: 'full-text index done', secondsSinceImportStart: round(t), documents: status.documents, conversationsIndexed: status.conversationsIndexed, embeddedSoFar: status.embedded });
      }
      if (t - last >= 30) {
        last = t;
        const recent = samples.filter((s) => s.t >= t - 60);
        const rate = recent.length > 1 ? (recent.at(-1)!.embedded - recent[0]!.embedded) / (recent.at(-1)!.t - recent[0]!.t) : 0;
        log({ step: 'progress', seconds: round(t), documents: status.documents, embedded: status.embedded, pending: status.pendingEmbeddings, jobs, embedPerSecondLastMinute: round(rate), rssMb: mb(process.memoryUsage().rss) });
      }
      if (fullTextSeconds !== null && status.pendingEmbeddings === 0 && Object.keys(jobs).length === 0) {
        const firstEmbedded = samples.find((s) => s.embedded > 0) ?? samples[0]!;
        const embedSeconds = t - (samples[samples.indexOf(firstEmbedded) - 1]?.t ?? firstEmbedded.t);
        log({
          step: 'index build done',
          totalSeconds: round(t),
          importSeconds: round(importSeconds),
          importAndFullTextSeconds: round(fullTextSeconds),
          documents: status.documents,
          embeddedDocuments: status.embedded,
          embedSeconds: round(embedSeconds),
          embeddedDocsPerSecond: round(status.embedded / embedSeconds),
          messagesPerSecondEquivalent: round(imported / embedSeconds),
          peakRssMb: mb(peakRss),
        });
        break;
      }
      if (maxIndexSeconds > 0 && t > maxIndexSeconds) {
        const recent = samples.filter((s) => s.t >= t - 120);
        const rate = (recent.at(-1)!.embedded - recent[0]!.embedded) / Math.max(1, recent.at(-1)!.t - recent[0]!.t);
        partial = `stopped waiting after ${round(t)} s with ${status.pendingEmbeddings} of ${status.documents} documents not embedded yet (${round(rate)} docs/s over the last 2 min: ~${Math.round(status.pendingEmbeddings / Math.max(rate, 0.01) / 60)} more minutes); vector figures below are over the ${status.embedded} embedded documents`;
        log({ step: 'index build incomplete', note: partial, documents: status.documents, embedded: status.embedded, importAndFullTextSeconds: fullTextSeconds === null ? null : round(fullTextSeconds), peakRssMb: mb(peakRss) });
        break;
      }
      await sleep(2000);
    }
  }
  if (embedPending) {
    // ------------------------------------------------------------ embedding catch-up of a kept library
    const started = performance.now();
    const before = await runtime.services.search.status();
    log({ step: 'embedding pending', documents: before.documents, embedded: before.embedded, pending: before.pendingEmbeddings, threads: runtime.deps.config.embeddings.threads });
    await runtime.services.search.scheduleEmbed();
    const samples: { t: number; embedded: number }[] = [];
    let last = 0;
    for (;;) {
      await sleep(5000);
      const status = await runtime.services.search.status();
      const t = (performance.now() - started) / 1000;
      samples.push({ t, embedded: status.embedded });
      const recent = samples.filter((x) => x.t >= t - 120);
      const rate = recent.length > 1 ? (recent.at(-1)!.embedded - recent[0]!.embedded) / (recent.at(-1)!.t - recent[0]!.t) : 0;
      if (status.pendingEmbeddings === 0) {
        log({ step: 'embedding done', seconds: round(t), embeddedDocuments: status.embedded - before.embedded, docsPerSecond: round((status.embedded - before.embedded) / t), peakRssMb: mb(peakRss) });
        break;
      }
      if (t - last >= 60) {
        last = t;
        log({ step: 'progress', seconds: round(t), embedded: status.embedded, pending: status.pendingEmbeddings, docsPerSecondLast2Min: round(rate), rssMb: mb(process.memoryUsage().rss) });
      }
      if (maxIndexSeconds > 0 && t > maxIndexSeconds) {
        partial = `stopped waiting after ${round(t)} s with ${status.pendingEmbeddings} of ${status.documents} documents not embedded yet (${round(rate)} docs/s over the last 2 min); vector figures below are over the ${status.embedded} embedded documents`;
        log({ step: 'embedding incomplete', note: partial });
        break;
      }
    }
  }
  // Queries are timed on a restarted server without the in-process worker, so an unfinished
  // embedding chain (see BENCH_MAX_INDEX_MINUTES) does not compete with them for the CPU and the embedder.
  if (!reuse || embedPending) {
    await server.stop();
    server = await startServer(loadConfig({ ...env, VIVIM_WORKER: 'false' }));
    runtime = server.runtime;
  }
  const coverage = await runtime.services.search.status();
  if (coverage.pendingEmbeddings > 0) partial ??= `${coverage.embedded} of ${coverage.documents} documents embedded`;
  const [sizes] = await em().execute<{ docs: number; messages: number; chunks: number; db: string }[]>(
    "select (select count(*)::int from search_doc) as docs, (select count(*)::int from search_doc where kind = 'message') as messages, (select count(*)::int from search_embedding) as chunks, pg_size_pretty(pg_database_size(current_database())) as db",
  );
  log({ step: 'index', ...sizes, rssMb: mb(process.memoryUsage().rss) });

  // ------------------------------------------------------------ queries through the REST API
  const queries = benchQueries(1400);
  let cursor = 0;
  const take = (n: number) => queries.slice(cursor, (cursor += n));
  async function one(q: string, mode: string): Promise<{ ms: number; tookMs: number; hits: number }> {
    const t0 = performance.now();
    const response = await fetch(`${server.url}/api/unified/search?${new URLSearchParams({ q, mode, limit: '20' })}`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await response.json()) as { results: unknown[]; tookMs: number; semantic: { used: boolean; reason: string | null } };
    const ms = performance.now() - t0;
    if (!response.ok) throw new Error(`search failed: ${response.status} ${JSON.stringify(body)}`);
    if (mode !== 'lexical' && !body.semantic.used) throw new Error(`vector half did not run: ${body.semantic.reason}`);
    return { ms, tookMs: body.tookMs, hits: body.results.length };
  }
  async function run(label: string, mode: string, list: string[], concurrency: number) {
    const times: number[] = [];
    const server: number[] = [];
    let hits = 0;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < list.length) {
          const q = list[next++]!;
          const r = await one(q, mode);
          times.push(r.ms);
          server.push(r.tookMs);
          hits += r.hits;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    log({ step: 'query', label: partial ? `${label} (partial embeddings)` : label, mode, concurrency, queries: list.length, p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), p99Ms: round(percentile(times, 99)), serverP50Ms: round(percentile(server, 50)), qps: round(list.length / seconds), avgHits: round(hits / list.length), rssMb: mb(process.memoryUsage().rss) });
  }
  for (const q of take(20)) await one(q, 'hybrid'); // warm-up: connections, plans, the embedder's worker
  const n = Number(process.env.BENCH_QUERIES) || 200;
  const c1 = take(n);
  await run('hybrid, cold query vectors', 'hybrid', c1, 1);
  await run('hybrid, warm query vectors', 'hybrid', c1, 1);
  const c8 = take(2 * n);
  await run('hybrid, cold query vectors', 'hybrid', c8, 8);
  await run('hybrid, warm query vectors', 'hybrid', c8, 8);
  await run('lexical only', 'lexical', take(n), 1);
  const v = take(n);
  await run('vector only, cold query vectors', 'vector', v, 1);
  await run('vector only, warm query vectors', 'vector', v, 1);
  await run('lexical only', 'lexical', take(2 * n), 8);
  log({ step: 'done', rssMb: mb(process.memoryUsage().rss), peakRssMb: mb(peakRss), note: 'RSS of the whole server process: HTTP, embedded PostgreSQL (PGlite), embedder worker' });
} finally {
  clearInterval(rssSampler);
  await server.stop();
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

/** Distinct, realistic search-box queries: keywords, short phrases and questions over the corpus' subjects (and some misses). */
function benchQueries(count: number): string[] {
  const words = [
    'kubernetes rollout', 'readiness probe', 'docker multi-stage build', 'terraform modules', 'nginx reverse proxy', 'prometheus alert', 'tls certificate renew',
    'python asyncio', 'pandas groupby', 'typescript generics', 'discriminated unions', 'rust borrow checker', 'lifetimes', 'tokio async', 'go goroutines', 'context cancellation',
    'worker pool', 'slow query', 'composite index', 'window functions', 'deadlock', 'explain analyze', 'bash cron', 'log rotation', 'awk', 'rsync backup', 'jq',
    'sourdough', 'risotto', 'chicken curry', 'lasagna', 'pancakes', 'ramen broth', 'pizza dough', 'lemon tart', 'chocolate cake', 'brown butter', 'cast iron',
    'lisbon', 'japan rail pass', 'patagonia hiking', 'rome weekend', 'iceland ring road', 'vietnam backpacking', 'paris kids', 'scottish highlands', 'travel insurance',
    'half marathon', 'lower back pain', 'sleep schedule', 'knee pain running', 'blood pressure', 'foam roller', 'protein intake', 'heart rate zones',
    'emergency fund', 'index funds', 'mortgage early', 'monthly budget', 'retirement', 'credit card debt', 'freelance taxes', 'rent or buy',
    'cover letter', 'wedding speech', 'short story', 'grant proposal', 'thesis introduction', 'email to manager',
    'derivatives', 'eigenvalues', 'bayes theorem', 'integration by parts', 'standard deviation', 'linear regression', 'dice probability',
    'tomato yellow leaves', 'compost', 'aphids', 'roses pruning', 'balcony herbs', 'fruit trees', 'spanish conversation', 'kanji', 'german grammar', 'mandarin tones',
    'salary negotiation', 'job interview', 'promotion', 'performance review', 'leaking tap', 'mould bathroom', 'slow drain', 'hanging shelves', 'attic insulation',
  ];
  const modifiers = ['', 'how to', 'why', 'best way', 'fix', 'example', 'error', 'beginner', 'tips', 'too slow', 'vs', 'step by step', 'checklist', 'mistakes', 'advice'];
  const questions = [
    'what did we say about {w}', 'how do I deal with {w}', 'that conversation about {w} last year', 'recommendation for {w}', '{w} problem again', 'notes on {w} and {v}',
    'is {w} worth it', 'compare {w} with {v}', 'when should I start {w}', 'help me with {w}',
  ];
  const out = new Set<string>();
  const rand = rng(99);
  while (out.size < count) {
    const w = words[Math.floor(rand() * words.length)]!;
    const v = words[Math.floor(rand() * words.length)]!;
    const kind = rand();
    const q = kind < 0.45 ? `${modifiers[Math.floor(rand() * modifiers.length)]} ${w}`.trim() : kind < 0.9 ? questions[Math.floor(rand() * questions.length)]!.replace('{w}', w).replace('{v}', v) : `${w} ${v}`;
    out.add(q);
  }
  return [...out];
}
