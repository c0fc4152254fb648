import { initTRPC, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { FastifyBaseLogger } from 'fastify';
import { ZodError } from 'zod';
import type { ApiKeyScope } from '#common/auth.ts';
import { actsAsAdmin, hasScope, type Actor } from './actor.ts';
import { DomainError, toTRPCError, ForbiddenError, UnauthenticatedError } from './errors.ts';
import type { AppServices } from './services.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { JobQueue } from './jobs.ts';

/** Per-call context of every tRPC procedure (HTTP, REST, SSE, createCaller). */
export interface Context {
  actor: Actor | null;
  services: AppServices;
  log: FastifyBaseLogger;
  requestId: string;
  /** Client address, for rate limits and audit. */
  ip: string;
  userAgent: string | undefined;
  /** Sets (token) or clears (null) the session cookie; a no-op outside HTTP. */
  setSessionCookie: (session: { token: string; expiresAt: Date } | null) => void;
  limiter: RateLimiter;
  /** Per-minute limit of each bucket. */
  rateLimits: Record<RateLimitBucket, number>;
  jobs: JobQueue;
  /** True outside production: error bodies may carry stacks. */
  isDev: boolean;
}

/** Procedure metadata: REST exposure, required API-key scope, rate-limit bucket. */
export type Meta = OpenApiMeta<{ scope?: ApiKeyScope; rateLimit?: RateLimitBucket }>;

/** Named rate-limit buckets; their per-minute limits come from config. */
export type RateLimitBucket = 'auth' | 'capture';

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    errorFormatter({ shape, error, ctx }) {
      const cause = error.cause;
      return {
        ...shape,
        message: error.code === 'INTERNAL_SERVER_ERROR' ? 'Internal server error' : shape.message,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          vivimCode: cause instanceof DomainError ? cause.code : undefined,
          details: cause instanceof DomainError ? cause.details : undefined,
          issues: cause instanceof ZodError ? cause.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) : undefined,
          ...(ctx?.isDev ? { stack: shape.data.stack } : {}),
        },
      };
    },
  });

/** Maps domain errors thrown below to TRPCErrors, and logs unknown errors once. */
const errorMapping = t.middleware(async ({ next, ctx, path }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof DomainError) throw toTRPCError(cause);
    if (result.error.code === 'INTERNAL_SERVER_ERROR') {
      ctx.log.error({ err: cause ?? result.error, path }, 'procedure failed');
    }
  }
  return result;
});

/** Enforces the `rateLimit` meta of a procedure: per user when signed in, per client address otherwise. */
const rateLimit = t.middleware(async ({ next, ctx, meta, getRawInput }) => {
  if (meta?.rateLimit) {
    const who = ctx.actor && ctx.actor.via !== 'local' ? `user:${ctx.actor.userId}` : `ip:${ctx.ip}`;
    // A batch counts once per item (e.g. capture.batch's urls), so batching cannot multiply the limit.
    const raw = (await getRawInput().catch(() => undefined)) as { urls?: unknown } | undefined;
    const weight = Array.isArray(raw?.urls) ? Math.max(1, raw.urls.length) : 1;
    for (let i = 0; i < weight; i++) ctx.limiter.hit(`${meta.rateLimit}:${who}`, ctx.rateLimits[meta.rateLimit]);
  }
  return next();
});

export const router = t.router;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;

/** Anyone, signed in or not. */
export const publicProcedure = t.procedure.use(errorMapping).use(rateLimit);

/** A signed-in user whose credential carries the procedure's scope (read for queries, write for mutations). */
export const protectedProcedure = publicProcedure.use(({ ctx, next, meta, type }) => {
  if (!ctx.actor) throw toTRPCError(new UnauthenticatedError('AUTH_REQUIRED'));
  const scope = meta?.scope ?? (type === 'mutation' ? 'write' : 'read');
  if (!hasScope(ctx.actor, scope)) {
    throw toTRPCError(new ForbiddenError('AUTH_SCOPE_MISSING', `This API key lacks the '${scope}' scope`, { scope }));
  }
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});

/** An administrator (the first user, or one promoted); API keys need the 'admin' scope. */
export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (!actsAsAdmin(ctx.actor)) {
    throw toTRPCError(new ForbiddenError('AUTH_ADMIN_REQUIRED', 'Administrators only'));
  }
  return next();
});

export { TRPCError };
