import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { loadConfig } from '../config/index.ts';
import { modules } from '../server/composition.ts';
import { createLogger } from '../server/logger.ts';
import { startRuntime } from '../server/runtime.ts';
import { PGlite } from '@electric-sql/pglite';
const file = process.argv[2]!;
const stats = new Map<string, { n: number; ms: number }>();
const lastSql = { v: '' };
const origExec = (PGlite.prototype as any).execProtocolRawStream;
(PGlite.prototype as any).execProtocolRawStream = async function (this: any, message: Uint8Array, opts: any) {
  const type = String.fromCharCode(message[0]!);
  if (type === 'Q') lastSql.v = Buffer.from(message.subarray(5, Math.min(message.length, 400))).toString('utf8');
  if (type === 'P') { const b = Buffer.from(message.subarray(5, Math.min(message.length, 400))); const z = b.indexOf(0); lastSql.v = b.subarray(z + 1).toString('utf8'); }
  const t = performance.now();
  try { return await origExec.call(this, message, opts); } finally {
    if (type === 'Q' || type === 'E') { const key = lastSql.v.replace(/\s+/g, ' ').slice(0, 100); const e = stats.get(key) ?? { n: 0, ms: 0 }; e.n++; e.ms += performance.now() - t; stats.set(key, e); }
  }
};
const dir = mkdtempSync(path.join(tmpdir(), 'proffts-'));
const config = loadConfig({ VIVIM_DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn', EMBEDDING_PROVIDER: 'off', VIVIM_JOB_POLL_MS: '100' });
const runtime = await startRuntime({ config, log: createLogger(config), modules, worker: true });
const owner = await runtime.services.auth.createUser({ email: 'bench@example.com', password: 'correct horse battery', isAdmin: true });
const { importId } = await runtime.services.capture.importer.create(owner.id, { path: file, fileName: 'conversations.json', copy: true }, false);
const s = new Session(); s.connect();
await s.post('Profiler.enable'); await s.post('Profiler.setSamplingInterval', { interval: 1000 }); await s.post('Profiler.start');
const t0 = performance.now();
await runtime.services.capture.importer.run(importId, { log: runtime.log });
const em = runtime.deps.em();
const pendingOf = async (like: string) => (await em.execute<{ n: number }[]>(`select count(*)::int as n from graphile_worker.jobs where task_identifier similar to ? and attempts < max_attempts`, [like]))[0]?.n ?? 0;
for (let zeros = 0; zeros < 2; ) { zeros = (await pendingOf('(capture|search).%')) > 0 ? 0 : zeros + 1; await new Promise((r) => setTimeout(r, zeros === 1 ? 500 : 250)); }
const { profile } = await s.post('Profiler.stop');
console.log('fts at', ((performance.now() - t0) / 1000).toFixed(1));
writeFileSync('/tmp/prof/fts.cpuprofile', JSON.stringify(profile));
for (const [k, v] of [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) console.log(v.ms.toFixed(0).padStart(7), String(v.n).padStart(6), k);
const ids = JSON.stringify((await em.execute<any[]>('select id from capture_conversation order by random() limit 25')).map((r) => r.id));
for (const q of [
  `select conversation_id, id, type, content, language, message_ids, created_at from capture_acu where owner_id = '${owner.id}' and conversation_id = any(array(select (jsonb_array_elements_text('${ids}'::jsonb))::uuid)) order by conversation_id, id`,
  `select conversation_id, id, source_id, role, created_at, position, is_on_current_branch, hidden, parts from capture_message where owner_id = '${owner.id}' and conversation_id = any(array(select (jsonb_array_elements_text('${ids}'::jsonb))::uuid)) order by conversation_id, position`,
  `select id, content_hash from search_doc where owner_id = '${owner.id}' and conversation_id = any(array(select (jsonb_array_elements_text('${ids}'::jsonb))::uuid)) and kind <> 'memory'`,
]) {
  const rows = await em.execute<any[]>('explain (analyze, buffers) ' + q);
  console.log(rows.map((r) => r['QUERY PLAN']).join('\n'));
}
await runtime.stop();
