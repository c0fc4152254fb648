// Creates a new embedded database cluster (PGlite's initdb) and exits. Run as a child process by
// startEmbeddedDatabase: initdb's memory (~400 MB of WebAssembly heap) goes back to the OS with
// the child instead of staying in the server's resident set for its whole life.
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';

const pgdata = process.argv[2];
if (!pgdata) {
  process.stderr.write('usage: initdb.ts <pgdata>\n');
  process.exit(2);
}
const db = await PGlite.create({ dataDir: pgdata, extensions: { vector, pg_trgm } });
await db.exec('CREATE EXTENSION IF NOT EXISTS vector; CREATE EXTENSION IF NOT EXISTS pg_trgm;');
await db.close();
