import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { patchSocketServer } from './pglite-socket-patch.ts';

/** A running embedded PostgreSQL served on 127.0.0.1 over the wire protocol. */
export interface EmbeddedDatabase {
  /** postgres:// URL for ordinary `pg` clients (MikroORM, graphile-worker). */
  url: string;
  db: PGlite;
  /** Stops the socket server and closes PGlite, flushing everything to disk. */
  stop(): Promise<void>;
}

/**
 * Starts PGlite with pgvector and pg_trgm on `<dataDir>/pgdata` and serves it on a random free
 * port of 127.0.0.1 (the socket server has no authentication: never bind elsewhere).
 */
export async function startEmbeddedDatabase(options: {
  dataDir: string;
  maxConnections: number;
}): Promise<EmbeddedDatabase> {
  const pgdata = path.join(options.dataDir, 'pgdata');
  mkdirSync(pgdata, { recursive: true });
  const db = await PGlite.create({ dataDir: pgdata, extensions: { vector, pg_trgm } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector; CREATE EXTENSION IF NOT EXISTS pg_trgm;');
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: 0,
    maxConnections: options.maxConnections,
  });
  patchSocketServer(server);
  await server.start();
  const [, port] = server.getServerConn().split(':');
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    db,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
    },
  };
}
