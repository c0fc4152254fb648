import type { Actor } from './actor.ts';
import { createCallerFactory, type Context } from './trpc.ts';
import { appRouter } from './composition.ts';
import { RateLimiter } from './rate-limit.ts';
import type { Runtime } from './runtime.ts';

/** The local operator: the CLI, either in-process or through `<dataDir>/cli.token`. */
export const LOCAL_ACTOR: Actor = { userId: '00000000-0000-0000-0000-000000000000', isAdmin: true, via: 'local', scopes: undefined };

/** A tRPC caller acting as the local operator on a runtime in this process (no HTTP). */
export function createLocalCaller(runtime: Runtime) {
  const context: Context = {
    actor: LOCAL_ACTOR,
    services: runtime.services,
    jobs: runtime.jobs,
    log: runtime.log,
    requestId: 'cli',
    ip: '127.0.0.1',
    userAgent: 'vivim-cli',
    setSessionCookie: () => undefined,
    limiter: new RateLimiter(),
    rateLimits: { auth: Number.MAX_SAFE_INTEGER, capture: Number.MAX_SAFE_INTEGER },
    isDev: runtime.config.env !== 'production',
  };
  return createCallerFactory(appRouter)(context);
}
