import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/index.ts';
import { startServer } from '../server/main.ts';
const dir = mkdtempSync(path.join(tmpdir(), 'mem-'));
const server = await startServer(loadConfig({ VIVIM_DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'warn', PUBLIC_URL: 'http://localhost:3000', EMBEDDING_PROVIDER: 'off' }));
await new Promise((r) => setTimeout(r, 3000));
(globalThis as any).gc?.();
const m = process.memoryUsage();
console.log(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v / 1e6)])), 'wasm', Math.round((server.runtime.databaseMemoryBytes() ?? 0) / 1e6));
const smaps = readFileSync('/proc/self/smaps', 'utf8').split('\n');
const agg = new Map<string, number>();
let cur = '';
for (const line of smaps) {
  const head = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/);
  if (head) { cur = head[1] || '[anon]'; continue; }
  const rss = line.match(/^Rss:\s+(\d+) kB/);
  if (rss) agg.set(cur, (agg.get(cur) ?? 0) + Number(rss[1]));
}
for (const [k, v] of [...agg.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(String(Math.round(v / 1024)).padStart(5), 'MB', k);
await server.stop();
