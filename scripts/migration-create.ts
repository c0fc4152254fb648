// Dev script: writes a new migration with the SQL that brings the migrated schema to the current
// entities (MikroORM's schema diff), on a scratch embedded database. Usage:
//   npm run migration:create -- <name>
// Then add the class to database/migrations/index.ts and commit both with the entity change.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/index.ts';
import { modules } from '../server/composition.ts';
import { createLogger } from '../server/logger.ts';
import { startRuntime } from '../server/runtime.ts';

const name = (process.argv[2] ?? '').replace(/[^A-Za-z0-9_]/g, '');
if (!name) {
  console.error('usage: npm run migration:create -- <name>');
  process.exit(2);
}
const dir = mkdtempSync(path.join(tmpdir(), 'vivim-migration-'));
const config = loadConfig({ VIVIM_DATA_DIR: dir, LOG_LEVEL: 'warn' });
const runtime = await startRuntime({ config, log: createLogger(config), modules, worker: false });
try {
  const sql = (await runtime.orm.schema.getUpdateSchemaSQL({ wrap: false, dropTables: false })).trim();
  if (!sql) {
    console.log('The entities match the migrations: nothing to write.');
  } else {
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const className = `Migration${stamp}${name[0]?.toUpperCase()}${name.slice(1)}`;
    const statements = sql.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean);
    const body = statements.map((s) => `    this.addSql(${JSON.stringify(s.endsWith(';') ? s : `${s};`)});`).join('\n');
    const file = path.join('database', 'migrations', `Migration${stamp}_${name}.ts`);
    writeFileSync(file, `import { Migration } from '@mikro-orm/migrations';\n\nexport class ${className} extends Migration {\n  override name = 'Migration${stamp}_${name}';\n\n  override up(): void {\n${body}\n  }\n}\n`);
    console.log(`Wrote ${file}: add { name: 'Migration${stamp}_${name}', class: ${className} } to database/migrations/index.ts`);
  }
} finally {
  await runtime.stop();
  rmSync(dir, { recursive: true, force: true });
}
