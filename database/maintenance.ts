import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';

/**
 * PGlite runs no autovacuum: without it the planner never has statistics (a never-analyzed table
 * is planned from defaults: at 100k messages the context compile took twice as long, because
 * full-text candidates were read through a 100k-row bitmap instead of the first matching rows)
 * and dead rows from updates and finished jobs pile up. This does autovacuum's job for the
 * embedded database, with autovacuum's default thresholds, one table per statement so other
 * queries interleave. The planner statistics persist in the data dir; the activity counters
 * (`pg_stat_*`) do not survive a restart, so growth since the last analyze is also read from
 * the table's size on disk.
 */

/** What one table needs, and why. */
export interface TableUpkeep {
  table: string;
  vacuum: boolean;
  analyze: boolean;
  reason: string;
}

export interface MaintenanceReport {
  tables: (TableUpkeep & { ms: number })[];
  ms: number;
}

interface TableRow {
  schema: string;
  name: string;
  tuples: number;
  analyzedPages: number;
  pages: number;
  dead: number;
  modified: number;
}

/** autovacuum_vacuum_threshold / _scale_factor and the analyze pair (PostgreSQL's defaults). */
const VACUUM_BASE = 50;
const VACUUM_SCALE = 0.2;
const ANALYZE_BASE = 50;
const ANALYZE_SCALE = 0.1;
/** A table this much bigger on disk than at its last analyze is analyzed again (statistics are stale). */
const GROWTH = 1.2;
const GROWTH_PAGES = 8;

/** The tables of `public` and `graphile_worker` that need a vacuum and/or an analyze now. */
export async function tablesNeedingUpkeep(em: EntityManager): Promise<TableUpkeep[]> {
  const rows = await em.execute<TableRow[]>(
    `select n.nspname as schema, c.relname as name, c.reltuples::float8 as tuples, c.relpages as "analyzedPages",
       (pg_relation_size(c.oid) / current_setting('block_size')::int)::int as pages,
       coalesce(s.n_dead_tup, 0)::int as dead, coalesce(s.n_mod_since_analyze, 0)::int as modified
     from pg_class c join pg_namespace n on n.oid = c.relnamespace left join pg_stat_all_tables s on s.relid = c.oid
     where c.relkind = 'r' and n.nspname in ('public', 'graphile_worker')
     order by n.nspname, c.relname`,
  );
  return rows.flatMap((row): TableUpkeep[] => {
    const tuples = Math.max(0, Number(row.tuples));
    const reasons: string[] = [];
    let analyze = false;
    if (Number(row.tuples) < 0 && row.pages > 0) {
      analyze = true;
      reasons.push('never analyzed');
    } else if (row.modified > ANALYZE_BASE + ANALYZE_SCALE * tuples) {
      analyze = true;
      reasons.push(`${row.modified} rows changed`);
    } else if (row.pages > row.analyzedPages * GROWTH + GROWTH_PAGES) {
      analyze = true;
      reasons.push(`grew from ${row.analyzedPages} to ${row.pages} pages`);
    }
    const vacuum = row.dead > VACUUM_BASE + VACUUM_SCALE * tuples;
    if (vacuum) reasons.push(`${row.dead} dead rows`);
    if (!vacuum && !analyze) return [];
    return [{ table: `"${row.schema.replace(/"/g, '""')}"."${row.name.replace(/"/g, '""')}"`, vacuum, analyze, reason: reasons.join(', ') }];
  });
}

/** Vacuums and/or analyzes every table that needs it, one statement per table. */
export async function runUpkeep(em: EntityManager): Promise<MaintenanceReport> {
  const started = performance.now();
  const tables: MaintenanceReport['tables'] = [];
  for (const upkeep of await tablesNeedingUpkeep(em)) {
    const t0 = performance.now();
    const command = upkeep.vacuum ? (upkeep.analyze ? 'vacuum (analyze)' : 'vacuum') : 'analyze';
    await em.execute(`${command} ${upkeep.table}`);
    tables.push({ ...upkeep, ms: Math.round(performance.now() - t0) });
  }
  return { tables, ms: Math.round(performance.now() - started) };
}

export interface Maintenance {
  /** Checks now and does what is needed (waits for a run already going). */
  runOnce(): Promise<MaintenanceReport>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Checks every `intervalMs` (first after `firstDelayMs`) and vacuums/analyzes what needs it; never throws. */
export function startMaintenance(options: { em: () => EntityManager; log: Logger; intervalMs?: number; firstDelayMs?: number }): Maintenance {
  const { em, log } = options;
  const intervalMs = options.intervalMs ?? 30_000;
  let running: Promise<MaintenanceReport> | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  const runOnce = (): Promise<MaintenanceReport> => {
    running ??= runUpkeep(em())
      .then((report) => {
        if (report.tables.length > 0) log.info({ tables: report.tables.map((t) => `${t.table} (${t.reason}: ${t.ms} ms)`), ms: report.ms }, 'database upkeep done');
        return report;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((err: unknown) => log.warn({ err }, 'database upkeep failed; trying again later'))
        .finally(() => schedule(intervalMs));
    }, delay);
    timer.unref();
  };
  schedule(options.firstDelayMs ?? 5_000);

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
