import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { loadConfig } from '../config/index.ts';
import { modules } from '../server/composition.ts';
import { createLogger } from '../server/logger.ts';
import { startRuntime } from '../server/runtime.ts';
const file = process.argv[2]!;
const threshold = Number(process.argv[3] ?? 350) * 1e6;
const dir = mkdtempSync(path.join(tmpdir(), 'heapimp-'));
const config = loadConfig({ VIVIM_DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn', EMBEDDING_PROVIDER: 'off', VIVIM_JOB_POLL_MS: '100' });
const runtime = await startRuntime({ config, log: createLogger(config), modules, worker: true });
const owner = await runtime.services.auth.createUser({ email: 'bench@example.com', password: 'correct horse battery', isAdmin: true });
const { importId } = await runtime.services.capture.importer.create(owner.id, { path: file, fileName: 'conversations.json', copy: true }, false);
const s = new Session(); s.connect();
await s.post('HeapProfiler.enable'); await s.post('HeapProfiler.startSampling', { samplingInterval: 65536 });
const t0 = performance.now();
let done = false;
const watch = (async () => {
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const m = process.memoryUsage();
    if (m.heapUsed > threshold || done) {
      const jobs = await runtime.deps.em().execute<any[]>(`select task_identifier t, count(*)::int n, count(locked_at)::int running from graphile_worker.jobs group by 1`);
      const { profile } = await s.post('HeapProfiler.getSamplingProfile');
      writeFileSync('/tmp/prof/heap.json', JSON.stringify(profile));
      console.log('heap', Math.round(m.heapUsed / 1e6), 'at', ((performance.now() - t0) / 1000).toFixed(1), 's', JSON.stringify(jobs));
      return;
    }
  }
})();
await runtime.services.capture.importer.run(importId, { log: runtime.log });
console.log('stored at', ((performance.now() - t0) / 1000).toFixed(1));
while (!(await Promise.race([watch.then(() => true), new Promise((r) => setTimeout(() => r(false), 1000))]))) {
  if ((await runtime.jobs.pendingCount()) === 0) { done = true; }
}
await runtime.stop();
