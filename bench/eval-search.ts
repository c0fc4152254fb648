// Search retrieval eval: a labelled set run through the real search service, and the fit of the
// fusion defaults (DEFAULT_FUSION in modules/search/fusion.ts).
//
// Library (imported through the real importer into a real server on a fresh embedded database, then
// indexed and embedded by the real background jobs):
//   - hand-written conversations with known content (bench/eval-set.ts), ChatGPT export format;
//   - generated distractor conversations on the same subjects (bench/corpus.ts), same file;
//   - the real captured conversations under ../shared/fixtures/captured, read in place and handed
//     to the generic importer as VIVIM JSON (a temp file outside the project).
// Queries, each labelled with the one message that answers it:
//   (a) keyword: the 3 rarest words of the target message (facts' answers and fixture messages);
//   (b) paraphrase: hand-written questions sharing few words with the answer (2 per fact);
//   (c) context: a question about a short reply that only makes sense with the turn before it.
// Messages are the retrieval unit (kind=message), as in the notes' experiment.
//
// Measured: recall@5, recall@10, MRR for mode lexical, vector and hybrid through
// SearchService.query. Fit: the two halves are computed with the same calls query() makes
// (engine.search and nearestDocs with a 500-hit pool, same filters), re-fused with `fuse` under each
// grid setting; the grid is searched on half of the queries (alternating within each category) and
// the other half is reported. The grid maximises the mean of recall@5, recall@10 and MRR on the
// fit half, with minSimilarity >= 0.3 (below it, unrelated one-word queries get vector hits). The script checks that re-fusing with DEFAULT_FUSION reproduces the
// service's hybrid ranking.
//
// Usage: npm run eval:search   (EVAL_DISTRACTORS=N generated distractor messages, default 1200)
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/index.ts';
import { startServer } from '../server/main.ts';
import { createLocalCaller } from '../server/local-context.ts';
import type { Actor } from '../server/actor.ts';
import { searchInput } from '../modules/search/schemas.ts';
import { parseQuery, semanticText } from '../modules/search/query.ts';
import { nearestDocs } from '../modules/search/vectors.ts';
import { docId } from '../modules/search/indexer.ts';
import { DEFAULT_FUSION, fuse, type FusionOptions, type Ranked } from '../modules/search/fusion.ts';
import type { SearchFilters } from '../modules/search/engine.ts';
import { generateLibrary, toChatgpt, type Conversation } from './corpus.ts';
import { FACTS } from './eval-set.ts';

const EMAIL = 'eval@example.com';
const distractors = Number(process.env.EVAL_DISTRACTORS ?? 1200);
const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'fixtures', 'captured');
const dir = mkdtempSync(path.join(tmpdir(), 'vivim-eval-search-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r3 = (n: number) => Math.round(n * 1000) / 1000;
const STOP_WORDS = `about above after again against all also and any are because been before being below between both but can cannot could did does doing down during each even every from further get gets had has have having her here hers him his how into its itself just let like make more most much must need only other ought our ours out over own same she should some such than that the their them then there these they this those through too under until very was way were what when where which while who whom why will with would you your yours yourself first once still into than instead then well back used using use one two three`;
const STOP = new Set(STOP_WORDS.split(/\s+/));

// ------------------------------------------------------------------ the library
const factConversations: Conversation[] = FACTS.map((f, i) => ({
  id: `fact-${i}`,
  title: f.title,
  subject: 'fact',
  createdAt: 1_700_000_000 + i * 86_400 * 7,
  model: 'gpt-4o',
  turns: [
    { role: 'user', text: f.question },
    { role: 'assistant', text: f.answer },
    { role: 'user', text: f.followUp },
    { role: 'assistant', text: f.reply },
  ],
}));
const noise = [...generateLibrary(distractors, { seed: 11, idPrefix: 'noise' })];
// Facts spread among the distractors, as in a real library.
const all = [...noise];
factConversations.forEach((c, i) => all.splice(Math.floor(((i + 0.5) / factConversations.length) * all.length) + i, 0, c));
writeFileSync(path.join(dir, 'conversations.json'), JSON.stringify(all.map(toChatgpt)));

interface FixtureMessage {
  sourceId: string;
  role: string;
  text: string;
}
const fixtureMessages: FixtureMessage[] = [];
if (!existsSync(fixturesDir)) throw new Error(`eval:search needs the shared fixtures at ${fixturesDir} (see its README)`);
const fixtureConversations = readdirSync(fixturesDir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => {
    type Part = { type: string; content?: unknown; metadata?: { language?: string } };
    const raw = JSON.parse(readFileSync(path.join(fixturesDir, file), 'utf8')) as { title?: string; createdAt?: string; messages: { role: string; parts?: Part[]; content?: string | Part[] }[] };
    const base = `fx-${file.replace(/\.json$/, '')}`;
    /** The prototype's parts (in `parts`, or in `content` for some providers) as markdown. */
    const partText = (p: Part) => {
      if (typeof p.content !== 'string' || p.type === 'image') return '';
      if (p.type === 'code' || p.type === 'mermaid') return `\`\`\`${p.type === 'mermaid' ? 'mermaid' : (p.metadata?.language ?? '')}\n${p.content}\n\`\`\``;
      if (p.type === 'latex') return `$$${p.content}$$`;
      return p.content;
    };
    const messages = raw.messages.map((m, i) => {
      const parts = m.parts ?? (Array.isArray(m.content) ? m.content : null);
      const text = parts ? parts.map(partText).filter(Boolean).join('\n\n') : typeof m.content === 'string' ? m.content : '';
      const sourceId = `${base}-${i}`;
      fixtureMessages.push({ sourceId, role: m.role, text });
      return { id: sourceId, parentId: i === 0 ? null : `${base}-${i - 1}`, role: m.role === 'user' ? 'user' : 'assistant', content: text || '(empty)' };
    });
    return { id: base, title: raw.title ?? file, createdAt: raw.createdAt, messages };
  });
writeFileSync(path.join(dir, 'fixtures.json'), JSON.stringify({ conversations: fixtureConversations }));

// ------------------------------------------------------------------ server, import, index
const config = loadConfig({ VIVIM_DATA_DIR: path.join(dir, 'data'), PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', PUBLIC_URL: 'http://localhost:3000' });
const server = await startServer(config);
const runtime = server.runtime;
const em = () => runtime.deps.em();
const search = runtime.services.search;

try {
  const caller = createLocalCaller(runtime);
  await caller.auth.users.create({ email: EMAIL, password: 'correct horse battery staple' });
  const owner = await runtime.services.auth.findByEmail(EMAIL);
  const actor: Actor = { userId: owner.id, isAdmin: false, via: 'session', scopes: undefined };
  const started = performance.now();
  for (const file of ['conversations.json', 'fixtures.json']) {
    const { importId } = await runtime.services.capture.importer.create(owner.id, { path: path.join(dir, file), fileName: file, copy: true }, false);
    const report = await runtime.services.capture.importer.run(importId, { log: runtime.log });
    console.log(JSON.stringify({ step: 'import', file, conversations: report.conversations, messages: report.messages, errors: report.errors }));
  }
  let lastLog = 0;
  for (;;) {
    const [status, jobs] = await Promise.all([search.status(), runtime.jobs.pendingCount()]);
    const t = (performance.now() - started) / 1000;
    if (jobs === 0 && status.pendingEmbeddings === 0 && status.documents > 0) {
      console.log(JSON.stringify({ step: 'indexed', seconds: Math.round(t), documents: status.documents, embedded: status.embedded }));
      // What a running server does within half a minute of new data (PGlite has no autovacuum).
      await runtime.maintenance?.runOnce();
      break;
    }
    if (t - lastLog > 30) {
      lastLog = t;
      console.log(JSON.stringify({ step: 'indexing', seconds: Math.round(t), documents: status.documents, embedded: status.embedded, jobs }));
    }
    await sleep(1000);
  }

  // ---------------------------------------------------------------- labelled queries
  const rows = await em().execute<{ message_id: string; source_message_id: string; body: string; code: string }[]>(
    "select message_id, source_message_id, body, code from search_doc where owner_id = ? and kind = 'message'",
    [owner.id],
  );
  const bySource = new Map(rows.map((r) => [r.source_message_id, r.message_id]));
  const df = new Map<string, number>();
  const tokens = (text: string) => [...new Set(text.toLowerCase().match(/[a-z][a-z']{3,}/g) ?? [])].filter((w) => !STOP.has(w));
  for (const r of rows) for (const w of tokens(`${r.body} ${r.code}`)) df.set(w, (df.get(w) ?? 0) + 1);
  /** The 3 rarest words of a text (ties: first seen), as a keyword query. */
  const keywords = (text: string) =>
    tokens(text)
      .map((w, i) => ({ w, i, n: df.get(w) ?? 1 }))
      .sort((a, b) => a.n - b.n || a.i - b.i)
      .slice(0, 3)
      .sort((a, b) => a.i - b.i)
      .map((x) => x.w)
      .join(' ');

  interface Query {
    q: string;
    category: 'keyword' | 'paraphrase' | 'context';
    target: string;
    fit: boolean;
  }
  const queries: Query[] = [];
  const target = (source: string) => {
    const id = bySource.get(source);
    if (!id) throw new Error(`message ${source} was not indexed`);
    return id;
  };
  FACTS.forEach((f, i) => {
    queries.push({ q: keywords(f.answer), category: 'keyword', target: target(`fact-${i}-m1`), fit: false });
    for (const p of f.paraphrases) queries.push({ q: p, category: 'paraphrase', target: target(`fact-${i}-m1`), fit: false });
    queries.push({ q: f.context, category: 'context', target: target(`fact-${i}-m3`), fit: false });
  });
  // Keyword queries over the real fixtures: every message with some prose (at most 40, spread evenly).
  const usable = fixtureMessages.filter((m) => m.text.length > 150 && bySource.has(m.sourceId));
  const step = Math.max(1, usable.length / 40);
  for (let i = 0, n = 0; i < usable.length && n < 40; i += step, n++) {
    const m = usable[Math.floor(i)]!;
    queries.push({ q: keywords(m.text), category: 'keyword', target: target(m.sourceId), fit: false });
  }
  const seen: Record<string, number> = {};
  for (const q of queries) q.fit = (seen[q.category] = (seen[q.category] ?? 0) + 1) % 2 === 1;
  const count = (c: string) => queries.filter((q) => q.category === c).length;
  console.log(JSON.stringify({ step: 'queries', total: queries.length, keyword: count('keyword'), paraphrase: count('paraphrase'), context: count('context'), fixtureTargets: usable.length, library: { messages: rows.length, conversations: all.length + fixtureConversations.length } }));

  // ---------------------------------------------------------------- metrics
  interface Ranks {
    /** 1-based rank of the target message, or null when not in the list. */
    rank: number | null;
  }
  const metrics = (ranks: (number | null)[]) => ({
    n: ranks.length,
    r5: r3(ranks.filter((r) => r !== null && r <= 5).length / ranks.length),
    r10: r3(ranks.filter((r) => r !== null && r <= 10).length / ranks.length),
    mrr: r3(ranks.reduce<number>((s, r) => s + (r === null ? 0 : 1 / r), 0) / ranks.length),
  });

  // Through the service (the product path), per mode.
  const serviceRanks: Record<string, Ranks[]> = { lexical: [], vector: [], hybrid: [] };
  const serviceTop10: string[][] = [];
  for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
    for (const q of queries) {
      const out = await search.query(actor, searchInput.parse({ q: q.q, limit: 100, mode, kind: 'message' }));
      const ids = out.results.map((r) => r.messageId);
      const i = ids.indexOf(q.target);
      serviceRanks[mode]!.push({ rank: i < 0 ? null : i + 1 });
      if (mode === 'hybrid') serviceTop10.push(out.results.slice(0, 10).map((r) => r.id));
    }
  }

  // The two halves, as query() computes them, for re-fusion.
  const embedder = search.embedder;
  if (!embedder) throw new Error('eval:search needs embeddings on (EMBEDDING_PROVIDER=local)');
  const halves: { lexical: Ranked[]; vector: Ranked[] }[] = [];
  for (const q of queries) {
    const parsed = parseQuery(q.q);
    const filters: SearchFilters = { ownerId: owner.id, kinds: ['message'] };
    const [vector] = await embedder.embed([semanticText(parsed)]);
    const [lexical, nearest] = await Promise.all([
      search.engine.search(parsed, filters, 500).then((hits) => hits.map((h) => ({ id: h.docId, score: h.score }))),
      nearestDocs(em(), { model: embedder.id, dims: embedder.dims, vector: vector!, filters, limit: 500 }),
    ]);
    halves.push({ lexical, vector: nearest });
  }
  const targetDoc = queries.map((q) => docId('message', q.target));
  const rankWith = (options: FusionOptions, i: number) => {
    const idx = fuse(halves[i]!.lexical, halves[i]!.vector, options).findIndex((f) => f.id === targetDoc[i]);
    return idx < 0 ? null : idx + 1;
  };
  // The seam reproduces the service: same top-10 under DEFAULT_FUSION.
  let same = 0;
  queries.forEach((_q, i) => {
    const mine = fuse(halves[i]!.lexical, halves[i]!.vector, DEFAULT_FUSION)
      .slice(0, 10)
      .map((f) => f.id);
    const theirs = serviceTop10[i]!.map((ref) => docId('message', ref));
    if (mine.join() === theirs.join()) same += 1;
  });
  console.log(JSON.stringify({ step: 'seam check', sameTop10AsService: `${same}/${queries.length}` }));

  const subset = (fit: boolean | null, category?: string) => queries.map((q, i) => ({ q, i })).filter(({ q }) => (fit === null || q.fit === fit) && (!category || q.category === category));
  const evaluate = (options: FusionOptions, fit: boolean | null, category?: string) => metrics(subset(fit, category).map(({ i }) => rankWith(options, i)));

  // ---------------------------------------------------------------- grid search on the fit half
  const grid: FusionOptions[] = [];
  const weights = [0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9];
  const sims = [0, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5];
  for (const w of weights) for (const s of sims) grid.push({ method: 'score', lexicalWeight: w, vectorWeight: r3(1 - w), k: 60, minSimilarity: s });
  for (const k of [5, 10, 20, 30, 60]) for (const w of weights) for (const s of sims) grid.push({ method: 'rrf', lexicalWeight: w, vectorWeight: r3(1 - w), k, minSimilarity: s });
  const scored = grid.map((options) => ({ options, fit: evaluate(options, true) }));
  // Objective: the mean of recall@5, recall@10 and MRR on the fit half. Recall@10 alone let settings
  // win that rank the answer lower than full-text alone does (fit-half ties are broken by noise).
  const objective = (m: ReturnType<typeof metrics>) => (m.r5 + m.r10 + m.mrr) / 3;
  const better = (a: (typeof scored)[number], b: (typeof scored)[number]) => objective(b.fit) - objective(a.fit) || b.fit.r10 - a.fit.r10;
  scored.sort(better);
  // minSimilarity below 0.3 lets the vector half return unrelated documents for one-word keyword
  // queries (tests/integration/search: 'lisbon', a deleted conversation's words): the product floor.
  const MIN_SIMILARITY_FLOOR = 0.3;
  const bestAny = scored[0]!;
  const best = scored.find((s) => s.options.minSimilarity >= MIN_SIMILARITY_FLOOR)!;
  const bestRrf = scored.find((s) => s.options.method === 'rrf')!;
  const label = (o: FusionOptions) => (o.method === 'rrf' ? `rrf k=${o.k} ${o.lexicalWeight}/${o.vectorWeight} min=${o.minSimilarity}` : `score ${o.lexicalWeight}/${o.vectorWeight} min=${o.minSimilarity}`);
  console.log(JSON.stringify({ step: 'grid', settings: grid.length, top5: scored.slice(0, 5).map((s) => ({ setting: label(s.options), fit: s.fit })) }));

  // ---------------------------------------------------------------- tables
  const lexicalOnly: FusionOptions = { ...DEFAULT_FUSION, lexicalWeight: 1, vectorWeight: 0 };
  const vectorOnly: FusionOptions = { ...DEFAULT_FUSION, lexicalWeight: 0, vectorWeight: 1, minSimilarity: 0 };
  const rows2: [string, (fit: boolean | null, c?: string) => ReturnType<typeof metrics>][] = [
    ['service: lexical', (fit, c) => metrics(subset(fit, c).map(({ i }) => serviceRanks.lexical![i]!.rank))],
    ['service: vector', (fit, c) => metrics(subset(fit, c).map(({ i }) => serviceRanks.vector![i]!.rank))],
    [`service: hybrid (current DEFAULT_FUSION: ${label(DEFAULT_FUSION)})`, (fit, c) => metrics(subset(fit, c).map(({ i }) => serviceRanks.hybrid![i]!.rank))],
    ['re-fused: lexical only', (fit, c) => evaluate(lexicalOnly, fit, c)],
    ['re-fused: vector only', (fit, c) => evaluate(vectorOnly, fit, c)],
    ['re-fused: the first hand-set default (score 0.7/0.3 min=0.3)', (fit, c) => evaluate({ method: 'score', lexicalWeight: 0.7, vectorWeight: 0.3, k: 60, minSimilarity: 0.3 }, fit, c)],
    ['re-fused: plain RRF k=60 0.5/0.5 min=0', (fit, c) => evaluate({ method: 'rrf', lexicalWeight: 0.5, vectorWeight: 0.5, k: 60, minSimilarity: 0 }, fit, c)],
    [`re-fused: best RRF on fit half (${label(bestRrf.options)})`, (fit, c) => evaluate(bestRrf.options, fit, c)],
    [`re-fused: best on fit half, any minSimilarity (${label(bestAny.options)})`, (fit, c) => evaluate(bestAny.options, fit, c)],
    [`re-fused: best on fit half, minSimilarity >= ${MIN_SIMILARITY_FLOOR} (${label(best.options)}): chosen`, (fit, c) => evaluate(best.options, fit, c)],
  ];
  const fmt = (m: ReturnType<typeof metrics>) => `${m.r5.toFixed(3)}  ${m.r10.toFixed(3)}  ${m.mrr.toFixed(3)}`;
  for (const [title, fit] of [['ALL QUERIES', null], ['HELD-OUT HALF', false]] as const) {
    console.log(`\n${title} (${subset(fit).length} queries)            recall@5 recall@10 MRR`);
    for (const [name, fn] of rows2) {
      console.log(`  ${name}`);
      console.log(`      all        ${fmt(fn(fit))}`);
      for (const c of ['keyword', 'paraphrase', 'context']) console.log(`      ${c.padEnd(10)} ${fmt(fn(fit, c))}   (n=${subset(fit, c).length})`);
    }
  }
  const heldOut = evaluate(best.options, false);
  console.log(`\nchosen: ${JSON.stringify({ ...best.options })}  (fit half: ${JSON.stringify(best.fit)})`);
  console.log(JSON.stringify({ step: 'chosen', options: best.options, heldOut, heldOutLexical: evaluate(lexicalOnly, false), heldOutVector: evaluate(vectorOnly, false) }));
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

