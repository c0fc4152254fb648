// The embedded database's own thread: PGlite (PostgreSQL compiled to WebAssembly) and its socket
// server run here, so SQL executes on another core than the application's JavaScript (parsing,
// building documents, HTTP). The main thread connects over 127.0.0.1 like to any PostgreSQL.
// Messages: in `{ type: 'stop' }`; out `{ type: 'ready', port }`, `{ type: 'stopped' }`, `{ type: 'failed', message }`.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { patchSocketServer } from './pglite-socket-patch.ts';

interface ThreadInput {
  pgdata: string;
  maxConnections: number;
  sharedBuffersMb: number;
}

const input = workerData as ThreadInput;
const port = parentPort!;
try {
  // A start parameter, not `postgresqlconf` (which replaces the data dir's whole postgresql.conf).
  const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${input.sharedBuffersMb}MB`];
  const db = await PGlite.create({ dataDir: input.pgdata, extensions: { vector, pg_trgm }, startParams });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector; CREATE EXTENSION IF NOT EXISTS pg_trgm;');
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: input.maxConnections });
  patchSocketServer(server);
  await server.start();
  port.on('message', (message: { type: string }) => {
    if (message.type !== 'stop') return;
    void (async () => {
      try {
        await server.stop();
        await db.close();
        port.postMessage({ type: 'stopped' });
      } catch (error) {
        port.postMessage({ type: 'failed', message: `stopping the embedded database failed: ${(error as Error).message}` });
      }
    })();
  });
  port.postMessage({ type: 'ready', port: Number(server.getServerConn().split(':')[1]) });
} catch (error) {
  port.postMessage({ type: 'failed', message: (error as Error).message });
}
