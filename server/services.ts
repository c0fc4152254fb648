import type { Authenticator } from './actor.ts';

/**
 * The services modules export, keyed by name. Each module adds its own entries by declaration
 * merging in its index.ts (`declare module '#server/services.ts'`), so the kernel stays
 * ignorant of modules while `ctx.services` is fully typed. `authenticator` is the one service
 * the kernel itself needs; the boot fails if no module provides it.
 */
export interface AppServices {
  authenticator: Authenticator;
}
