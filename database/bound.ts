import type { EntityManager } from '@mikro-orm/postgresql';
import { CompiledQuery } from 'kysely';

interface QueryExecutor {
  executeQuery(query: CompiledQuery): Promise<{ rows: unknown[] }>;
}

/**
 * Runs SQL whose `$1, $2…` parameters the driver sends beside the statement, in the entity
 * manager's transaction when it has one. `em.execute` inlines every parameter as an escaped
 * literal: for a statement carrying megabytes of JSON (bulk inserts) that is an escaping pass, one
 * more copy of the text and the server lexing it again; bound, the JSON travels as it is.
 */
export async function executeBound<T>(em: EntityManager, sql: string, params: readonly unknown[]): Promise<T[]> {
  const executor = (em.getTransactionContext() ?? em.getConnection().getClient()) as unknown as QueryExecutor;
  const result = await executor.executeQuery(CompiledQuery.raw(sql, [...params]));
  return result.rows as T[];
}
