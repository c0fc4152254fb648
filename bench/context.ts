// Context benchmark: the search bench's generated library (default 100k visible messages, ChatGPT,
// Claude and VIVIM JSON exports) imported through the real importer into a real server, plus 5k
// memories added through the memory service (when that module is loaded); then `POST /api/v1/context`
// is timed through the real REST API with a Bearer key at budgets 2k and 8k: cold (the bundle cache
// cleared before every call, distinct prompts) and warm (the same prompts again, served from the cache).
// Embeddings are off (EMBEDDING_PROVIDER=off): embedding 195k documents takes hours on 2 cores, so L6
// runs the full-text half of hybrid search only. Prints figures as JSON lines.
//
// Usage: npm run bench:context [-- --messages N]   BENCH_DATA_DIR=/tmp/dir keeps (and reuses) the data dir.
//        BENCH_PROMPTS=N prompts per run (default 200). BENCH_MEMORIES=N (default 5000).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/index.ts';
import { startServer } from '../server/main.ts';
import { createLocalCaller } from '../server/local-context.ts';
import { rng } from './corpus.ts';

const argNumber = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : NaN;
};
const messages = argNumber('--messages') || Number(process.env.BENCH_MESSAGES) || 100_000;
const memoriesWanted = Number(process.env.BENCH_MEMORIES ?? 5000);
const promptCount = Number(process.env.BENCH_PROMPTS) || 200;
const EMAIL = 'bench@example.com';

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? 0;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const log = (value: unknown) => console.log(JSON.stringify(value));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const keep = process.env.BENCH_DATA_DIR;
const dir = keep ?? mkdtempSync(path.join(tmpdir(), 'vivim-bench-context-'));
const dataDir = path.join(dir, 'data');
const reuse = Boolean(keep && existsSync(path.join(dataDir, 'pgdata')));
const env = { VIVIM_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', PUBLIC_URL: 'http://localhost:3000', EMBEDDING_PROVIDER: 'off' };

let conversationCount = 0;
if (!reuse) {
  for (const sub of ['chatgpt', 'claude', 'generic']) mkdirSync(path.join(dir, sub), { recursive: true });
  // The search bench writes the same exports (in a child process, off this process's heap).
  const out = execFileSync(process.execPath, [fileURLToPath(new URL('./search.ts', import.meta.url)), '--write-exports', dir, String(messages)], { encoding: 'utf8' });
  conversationCount = (JSON.parse(out.trim().split('\n').at(-1)!) as { conversations: number }).conversations;
  log({ step: 'export', messages, conversations: conversationCount });
}

let server = await startServer(loadConfig(reuse ? { ...env, VIVIM_WORKER: 'false' } : env));
try {
  const caller = createLocalCaller(server.runtime);
  if (!reuse) {
    await caller.auth.users.create({ email: EMAIL, password: 'correct horse battery staple', isAdmin: true });
    const owner = await server.runtime.services.auth.findByEmail(EMAIL);
    const started = performance.now();
    for (const file of ['chatgpt/conversations.json', 'claude/conversations.json', 'generic/library.json']) {
      const importer = server.runtime.services.capture.importer;
      const { importId } = await importer.create(owner.id, { path: path.join(dir, file), fileName: path.basename(file), copy: true }, false);
      const report = await importer.run(importId, { log: server.runtime.log });
      log({ step: 'import', file, conversations: report.conversations, messages: report.messages, seconds: round((performance.now() - started) / 1000) });
    }
    // Full-text indexing is done when no capture/search job is left and every conversation is indexed.
    for (;;) {
      const [status, [jobs]] = await Promise.all([
        server.runtime.services.search.status(),
        server.runtime.deps.em().execute<{ n: number }[]>("select count(*)::int as n from graphile_worker.jobs where (task_identifier like 'search.%' or task_identifier like 'capture.%') and task_identifier <> 'search.embed' and attempts < max_attempts"),
      ]);
      if ((jobs?.n ?? 0) === 0 && status.conversationsIndexed >= conversationCount) {
        log({ step: 'full-text index done', seconds: round((performance.now() - started) / 1000), documents: status.documents });
        break;
      }
      await sleep(3000);
    }
    // Time on a server without the in-process worker (memory extraction and the Librarian may still have work queued).
    await server.stop();
    server = await startServer(loadConfig({ ...env, VIVIM_WORKER: 'false' }));
  }
  const runtime = server.runtime;
  const owner = await runtime.services.auth.findByEmail(EMAIL);
  const memoryNote = await addMemories(runtime, owner.id);
  // What a running server does within half a minute of new data (PGlite has no autovacuum): done before timing.
  const upkeep = await runtime.maintenance?.runOnce();
  if (upkeep && upkeep.tables.length > 0) log({ step: 'database upkeep', tables: upkeep.tables.length, seconds: round(upkeep.ms / 1000) });
  const { key } = await createLocalCaller(runtime).auth.apiKeys.createFor({ email: EMAIL, name: `bench-${Date.now()}`, scopes: ['read'] });
  const [sizes] = await runtime.deps.em().execute<{ messages: number; docs: number }[]>(
    "select (select count(*)::int from capture_message where owner_id = ?) as messages, (select count(*)::int from search_doc where owner_id = ?) as docs",
    [owner.id, owner.id],
  );
  log({ step: 'library', ...sizes, memories: memoryNote, embeddings: 'off' });

  const context = runtime.services.context;
  async function one(prompt: string, budget: number): Promise<{ ms: number; tookMs: number; tokens: number; cached: boolean; sections: number }> {
    const t0 = performance.now();
    const response = await fetch(`${server.url}/api/v1/context`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ prompt, budget }) });
    const body = (await response.json()) as { totalTokens: number; tookMs: number; cached: boolean; sections: unknown[] };
    const ms = performance.now() - t0;
    if (!response.ok) throw new Error(`compile failed: ${response.status} ${JSON.stringify(body)}`);
    if (body.totalTokens > budget) throw new Error(`over budget: ${body.totalTokens} > ${budget}`);
    return { ms, tookMs: body.tookMs, tokens: body.totalTokens, cached: body.cached, sections: body.sections.length };
  }
  const prompts = benchPrompts(promptCount * 2 + 20);
  for (const p of prompts.slice(0, 20)) await one(p, 2000); // warm-up: connections, plans, tokenizer
  let offset = 20;
  for (const budget of [2000, 8000]) {
    const list = prompts.slice(offset, (offset += promptCount));
    for (const mode of ['cold', 'warm'] as const) {
      // Warm: every prompt compiled once (cached), then timed.
      if (mode === 'warm') for (const prompt of list) await one(prompt, budget);
      const times: number[] = [];
      const server: number[] = [];
      let tokens = 0;
      let cachedHits = 0;
      for (const prompt of list) {
        if (mode === 'cold') context.clearCache();
        const r = await one(prompt, budget);
        times.push(r.ms);
        server.push(r.tookMs);
        tokens += r.tokens;
        if (r.cached) cachedHits += 1;
      }
      log({ step: 'compile', budget, mode, prompts: list.length, p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), p99Ms: round(percentile(times, 99)), serverP50Ms: round(percentile(server, 50)), serverP95Ms: round(percentile(server, 95)), avgTokens: Math.round(tokens / list.length), cachedShare: round(cachedHits / list.length, 2) });
    }
  }
  log({ step: 'done', rssMb: Math.round(process.memoryUsage().rss / 1e6) });
} finally {
  await server.stop();
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

/** Adds deterministic memories through the memory service until the owner has `memoriesWanted`; says what it did. */
async function addMemories(runtime: typeof server.runtime, ownerId: string): Promise<string | number> {
  const services = runtime.services as typeof runtime.services & { memory?: { add(ownerId: string, input: { type: 'fact' | 'preference' | 'identity' | 'goal' | 'skill' | 'relationship' | 'event' | 'instruction'; content: string; importance: number; pinned: boolean }): Promise<unknown> } };
  if (!services.memory) return 'none: the memory module is not loaded in this build';
  const [row] = await runtime.deps.em().execute<{ n: number }[]>('select count(*)::int as n from memory_item where owner_id = ?', [ownerId]);
  const have = row?.n ?? 0;
  const r = rng(5);
  const types = ['fact', 'preference', 'identity', 'goal', 'skill', 'relationship', 'event', 'instruction'] as const;
  const things = ['dark roast coffee', 'Rust for side projects', 'trail running', 'a standing desk', 'sourdough baking', 'Kubernetes at work', 'Portuguese lessons', 'index funds', 'vim keybindings', 'short answers', 'metric units', 'tomato plants', 'jazz piano', 'a cat called Miso', 'the Lisbon office', 'a half marathon in May'];
  const frames = ['The user likes {x} (note {i}).', 'The user is learning {x}, session {i}.', 'Prefers {x} when possible ({i}).', 'Mentioned {x} in conversation {i}.', 'Goal {i}: get better at {x}.', 'Always answer about {x} with examples ({i}).'];
  const started = performance.now();
  for (let i = have; i < memoriesWanted; i++) {
    const x = things[Math.floor(r() * things.length)]!;
    const content = frames[Math.floor(r() * frames.length)]!.replace('{x}', x).replace('{i}', String(i));
    await services.memory.add(ownerId, { type: types[i % types.length]!, content, importance: round(0.3 + r() * 0.7, 2), pinned: i % 500 === 0 });
  }
  if (have < memoriesWanted) log({ step: 'memories added', count: memoriesWanted - have, seconds: round((performance.now() - started) / 1000) });
  return memoriesWanted;
}

/** Distinct prompts a person might send an assistant, over the corpus' subjects (and some misses). */
function benchPrompts(count: number): string[] {
  const subjects = ['my kubernetes rollout', 'the readiness probe', 'docker multi-stage builds', 'python asyncio tasks', 'pandas groupby', 'typescript generics', 'rust lifetimes', 'go worker pools', 'a slow postgres query', 'bash log rotation', 'sourdough bread', 'risotto', 'chicken curry', 'a week in Lisbon', 'Japan by train', 'half marathon training', 'lower back pain', 'an emergency fund', 'index funds', 'a cover letter', 'a wedding speech', 'Bayes theorem', 'tomato plants', 'learning Spanish', 'a salary negotiation', 'a leaking tap'];
  const frames = [
    'What did we decide about {s} last time?',
    'Can you help me with {s}? I keep running into the same problem.',
    'Remind me what I said about {s}.',
    'Write a short plan for {s} for next week.',
    'I get an error when working on {s}: TypeError: cannot read properties of undefined',
    'Summarise what I know about {s} and {t}.',
    'Is it better to start with {s} or {t}?',
    'Draft an email to my manager about {s}.',
  ];
  const out = new Set<string>();
  const r = rng(17);
  while (out.size < count) {
    const s = subjects[Math.floor(r() * subjects.length)]!;
    const t = subjects[Math.floor(r() * subjects.length)]!;
    out.add(frames[Math.floor(r() * frames.length)]!.replace('{s}', s).replace('{t}', t));
  }
  return [...out];
}
