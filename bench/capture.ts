// Capture benchmark: real saved share pages (../shared/fixtures) captured end to end through the
// capture pipeline (fetch → [render in Chromium] → extract → store) with the network replaced by
// the recorded pages. Prints p50/p95 per path, then a batch of 20 browser-path links through the
// job queue (total seconds, peak memory). Usage: npm run bench:capture [-- --runs N]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/index.ts';
import { modules } from '../server/composition.ts';
import { createLogger } from '../server/logger.ts';
import { startRuntime } from '../server/runtime.ts';
import { fakeNetwork } from '../tests/helpers/fake-network.ts';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 15;
const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'fixtures', 'share-pages');
const cases = [
  { name: 'embedded data (ChatGPT, 1.2 MB page)', url: 'https://chatgpt.com/share/6972e35f-2944-8006-a2ea-b005ff22c02c', file: 'chatgpt/page.html' },
  { name: 'embedded data (Kimi, 2.6 MB page)', url: 'https://www.kimi.com/share/19be85a5-0c42-8bc7-8000-0000f26198c2', file: 'kimi/page.html' },
  { name: 'browser (Claude, 1.3 MB page, Chromium)', url: 'https://claude.ai/share/ca5ad573-749e-40a2-93f1-dc0473215fa5', file: 'claude/page.html' },
  { name: 'browser (Grok, 1.1 MB page, Chromium)', url: 'https://grok.com/share/bGVnYWN5LWNvcHk_32845a54-452d-4563-b9ca-8d9871b40595', file: 'grok/page.html' },
];
if (!process.argv.includes('--batch-only')) {
  const pages = new Map(cases.map((c) => [c.url, { body: readFileSync(path.join(fixtures, c.file), 'utf8') }]));
  const dir = mkdtempSync(path.join(tmpdir(), 'vivim-bench-capture-'));
  const config = loadConfig({ VIVIM_DATA_DIR: dir, LOG_LEVEL: 'warn' });
  const runtime = await startRuntime({ config, log: createLogger(config), modules, worker: false, overrides: { captureNetwork: fakeNetwork(pages) } });
  const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? 0;
  try {
    const owner = await runtime.services.auth.createUser({ email: 'bench@example.com', password: 'correct horse battery', isAdmin: true });
    const ctx = { jobId: 'bench', attempt: 1, maxAttempts: 1, log: runtime.log, progress: async () => undefined, signal: new AbortController().signal, services: runtime.services };
    const results = [];
    for (const c of cases) {
      const times: number[] = [];
      let messages = 0;
      for (let i = 0; i <= runs; i++) {
        const started = performance.now();
        const stored = await runtime.services.capture.runCaptureJob({ url: c.url, ownerId: owner.id }, ctx);
        if (i > 0) times.push(performance.now() - started); // the first run warms up (and launches Chromium)
        messages = stored.messages;
      }
      results.push({ case: c.name, messages, p50Ms: Math.round(percentile(times, 50)), p95Ms: Math.round(percentile(times, 95)) });
      console.log(JSON.stringify(results.at(-1)));
    }
    // Pages posted by the user's browser ({url, html}): extraction from the given HTML + store, per provider.
    const posted = [
      ['chatgpt', 'share-pages/chatgpt/page.html', 'https://chatgpt.com/share/6972e35f-2944-8006-a2ea-b005ff22c02c'],
      ['claude', 'share-pages/claude/page.html', 'https://claude.ai/share/ca5ad573-749e-40a2-93f1-dc0473215fa5'],
      ['deepseek', 'share-pages/deepseek/page.html', 'https://chat.deepseek.com/share/4ymfwectd144n9rq28'],
      ['gemini', 'share-pages/gemini-2026/page.html', 'https://gemini.google.com/share/61e1c5a8d372'],
      ['grok', 'share-pages/grok/page.html', 'https://grok.com/share/bGVnYWN5LWNvcHk_32845a54-452d-4563-b9ca-8d9871b40595'],
      ['kimi', 'share-pages/kimi/page.html', 'https://www.kimi.com/share/19be85a5-0c42-8bc7-8000-0000f26198c2'],
      ['zai', 'share-pages/zai/page.html', 'https://chat.z.ai/s/e6b0a2c9-8439-4869-94aa-e46bed7e8040'],
      ['mistral', 'app-pages/mistral/page.html', 'https://chat.mistral.ai/chat/5e3f0b8a-2c4d-4e6f-8a9b-1c2d3e4f5a6b'],
      ['qwen', 'app-pages/qwen/page.html', 'https://chat.qwen.ai/c/5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d'],
      ['perplexity', 'app-pages/perplexity/page.html', 'https://www.perplexity.ai/search/please-write-a-short-response-GPCo4Y.WSeeeFKYf3m.wYw'],
    ] as const;
    for (const [provider, file, url] of posted) {
      const html = readFileSync(path.join(fixtures, '..', file), 'utf8');
      const times: number[] = [];
      for (let i = 0; i <= runs; i++) {
        const started = performance.now();
        await runtime.services.capture.runUploadJob({ url, ownerId: owner.id, htmlPath: runtime.services.capture.savePostedPage(url, html) }, ctx);
        if (i > 0) times.push(performance.now() - started);
      }
      console.log(JSON.stringify({ case: `posted HTML (${provider}, ${(html.length / 1e6).toFixed(1)} MB)`, p50Ms: Math.round(percentile(times, 50)), p95Ms: Math.round(percentile(times, 95)) }));
    }
  } finally {
    await runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  // The batch runs in a process of its own: its peak memory is not the one left by the runs above.
  execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--batch-only'], { stdio: 'inherit' });
}

/** Memory of this process and of the Chromium processes under it (PSS: summed RSS counts shared pages many times). */
function memoryNow(): { nodeRssMb: number; chromiumPssMb: number } {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended meanwhile
    }
  }
  let pssKb = 0;
  const queue = [...(children.get(process.pid) ?? [])];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    queue.push(...(children.get(pid) ?? []));
    try {
      pssKb += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // the process ended meanwhile
    }
  }
  return { nodeRssMb: Math.round(process.memoryUsage().rss / 1e6), chromiumPssMb: Math.round(pssKb / 1024) };
}

// Batch: 20 browser-path links through capture.batch and the real job queue (per-URL jobs, one crawler
// rendering 2 pages at once), first in a fresh process (crawlee and Chromium start), then warm.
// Only the auth and capture modules run: the figure is capture (fetch, render, extract, store, ACUs).
if (process.argv.includes('--batch-only')) {
  const batchDir = mkdtempSync(path.join(tmpdir(), 'vivim-bench-batch-'));
  const claude = readFileSync(path.join(fixtures, 'claude/page.html'), 'utf8');
  const shareUrl = (round: number, i: number) => `https://claude.ai/share/ca5ad573-749e-40a2-93f1-${String(round * 100 + i).padStart(12, '0')}`;
  const batchPages = new Map(Array.from({ length: 2 }, (_, round) => Array.from({ length: 20 }, (_, i) => [shareUrl(round, i), { body: claude }] as const)).flat());
  const batchConfig = loadConfig({ VIVIM_DATA_DIR: batchDir, LOG_LEVEL: 'warn' });
  // Capture alone: the memory/knowledge/search jobs a stored conversation triggers would share the two worker slots.
  const captureOnly = modules.filter((m) => m.name === 'auth' || m.name === 'capture');
  const batchRuntime = await startRuntime({ config: batchConfig, log: createLogger(batchConfig), modules: captureOnly, worker: true, overrides: { captureNetwork: fakeNetwork(batchPages) } });
  try {
    const owner = await batchRuntime.services.auth.createUser({ email: 'batch@example.com', password: 'correct horse battery', isAdmin: false });
    const actor = { userId: owner.id, isAdmin: false, via: 'session' as const, scopes: undefined };
    const idle = memoryNow();
    console.log(JSON.stringify({ case: 'batch process before the batch (embedded database, capture module, no crawlee)', nodeRssMb: idle.nodeRssMb, chromiumPssMb: idle.chromiumPssMb }));
    for (const round of [0, 1]) {
      const peak = { nodeRssMb: 0, chromiumPssMb: 0, totalMb: 0 };
      const sampler = setInterval(() => {
        const now = memoryNow();
        peak.nodeRssMb = Math.max(peak.nodeRssMb, now.nodeRssMb);
        peak.chromiumPssMb = Math.max(peak.chromiumPssMb, now.chromiumPssMb);
        peak.totalMb = Math.max(peak.totalMb, now.nodeRssMb + now.chromiumPssMb);
      }, 200);
      const started = performance.now();
      const queued = await batchRuntime.services.capture.captureBatch(actor, Array.from({ length: 20 }, (_, i) => shareUrl(round, i)));
      const outcomes = await Promise.all(queued.map((q) => batchRuntime.jobs.waitFor(q.jobId ?? '', 300_000)));
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const done = outcomes.filter((o) => o.state === 'done').length;
      console.log(JSON.stringify({ case: `batch of 20 browser-path links (Claude, ${round === 0 ? 'cold: crawlee + Chromium start' : 'warm'})`, done, seconds: Number(seconds.toFixed(1)), perLinkMs: Math.round((seconds * 1000) / 20), peakNodeRssMb: peak.nodeRssMb, peakChromiumPssMb: peak.chromiumPssMb, peakTotalMb: peak.totalMb }));
    }
  } finally {
    await batchRuntime.stop();
    rmSync(batchDir, { recursive: true, force: true });
  }
}
