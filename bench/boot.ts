// Boot benchmark: cold first start (empty data dir: initdb, extensions, migrations) and warm
// restart, each timed from spawn to the first 200 of GET /ready, plus the idle RSS of the server
// process (which holds the embedded database). Usage: npm run bench:boot [-- --runs N]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/vivim.js', import.meta.url));
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(match?.[1] ?? 0) / 1024);
}

async function bootOnce(dataDir: string, idleMs: number): Promise<{ readyMs: number; rss: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'start'], { env: { ...process.env, VIVIM_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let url: string | undefined;
  while (!url) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${stderr}`);
    url = /"url":"(http:\/\/[^"]+)"/.exec(stderr)?.[1];
    if (!url) await sleep(10);
  }
  for (;;) {
    const response = await fetch(`${url}/ready`).catch(() => undefined);
    if (response?.status === 200) break;
    await sleep(10);
  }
  const readyMs = performance.now() - started;
  await sleep(idleMs);
  const rss = rssMb(child.pid ?? 0);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return { readyMs, rss };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const cold: number[] = [];
const warm: number[] = [];
const rss: number[] = [];
for (let i = 0; i < runs; i++) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vivim-bench-boot-'));
  try {
    cold.push((await bootOnce(dataDir, 0)).readyMs);
    const second = await bootOnce(dataDir, 5000);
    warm.push(second.readyMs);
    rss.push(second.rss);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`run ${i + 1}: cold ${cold.at(-1)?.toFixed(0)} ms, warm ${warm.at(-1)?.toFixed(0)} ms, idle RSS ${rss.at(-1)} MB`);
}
console.log(JSON.stringify({ runs, coldReadyMs: Math.round(median(cold)), warmReadyMs: Math.round(median(warm)), idleRssMb: median(rss), node: process.version }));
