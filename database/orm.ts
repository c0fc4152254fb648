import { MikroORM, type EntitySchema, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Logger } from 'pino';
import { migrationsList } from './migrations/index.ts';

/** MikroORM options for VIVIM's database (shared by the server, the CLI and the migration script). */
export function ormOptions(options: { url: string; entities: readonly EntitySchema[]; poolMax: number; log?: Logger }): Options {
  return {
    clientUrl: options.url,
    entities: [...options.entities],
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: options.poolMax },
    migrations: {
      migrationsList: [...migrationsList],
      path: 'database/migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
      emit: 'ts',
    },
    debug: false,
    // Our own logger carries query errors; MikroORM's console logger stays quiet.
    logger: (message) => options.log?.debug({ orm: message }, 'orm'),
    allowGlobalContext: false,
  };
}

/** Opens MikroORM on the given PostgreSQL URL. */
export function openOrm(options: Parameters<typeof ormOptions>[0]): Promise<MikroORM> {
  return MikroORM.init(ormOptions(options));
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((migration) => migration.name);
}
