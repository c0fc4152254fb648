/**
 * Package entry for typed clients: `import type { AppRouter } from 'vivim'` then
 * `createTRPCClient<AppRouter>(…)`.
 */
export type { AppRouter } from './composition.ts';
