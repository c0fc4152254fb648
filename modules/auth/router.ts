import { z } from 'zod';
import { adminProcedure, protectedProcedure, publicProcedure, router } from '#server/trpc.ts';
import {
  apiKeyOutput,
  createApiKeyForInput,
  createApiKeyInput,
  createdApiKeyOutput,
  createUserInput,
  idInput,
  revokeByEmailInput,
  sessionOutput,
  signedInOutput,
  signInInput,
  signUpInput,
  userOutput,
} from './schemas.ts';

const apiKeysRouter = router({
  list: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/auth/api-keys', tags: ['auth'] } })
    .input(z.object({}).optional())
    .output(z.array(apiKeyOutput))
    .query(({ ctx }) => ctx.services.apiKeys.list(ctx.actor.userId)),
  create: protectedProcedure
    .meta({ openapi: { method: 'POST', path: '/v1/auth/api-keys', tags: ['auth'] } })
    .input(createApiKeyInput)
    .output(createdApiKeyOutput)
    .mutation(({ ctx, input }) => ctx.services.apiKeys.create(ctx.actor, input)),
  revoke: protectedProcedure
    .meta({ openapi: { method: 'DELETE', path: '/v1/auth/api-keys/{id}', tags: ['auth'] } })
    .input(idInput)
    .output(apiKeyOutput)
    .mutation(({ ctx, input }) => ctx.services.apiKeys.revoke(ctx.actor, input.id)),
  createFor: adminProcedure
    .meta({ openapi: { method: 'POST', path: '/admin/api-keys', tags: ['admin'] } })
    .input(createApiKeyForInput)
    .output(createdApiKeyOutput)
    .mutation(async ({ ctx, input }) => ctx.services.apiKeys.create(ctx.actor, input, (await ctx.services.auth.findByEmail(input.email)).id)),
  listFor: adminProcedure
    .meta({ openapi: { method: 'GET', path: '/admin/api-keys', tags: ['admin'] } })
    .input(z.object({ email: z.email() }))
    .output(z.array(apiKeyOutput))
    .query(async ({ ctx, input }) => ctx.services.apiKeys.list((await ctx.services.auth.findByEmail(input.email.toLowerCase())).id)),
  revokeFor: adminProcedure
    .meta({ openapi: { method: 'DELETE', path: '/admin/api-keys/{id}', tags: ['admin'] } })
    .input(revokeByEmailInput)
    .output(apiKeyOutput)
    .mutation(async ({ ctx, input }) => ctx.services.apiKeys.revoke(ctx.actor, input.id, (await ctx.services.auth.findByEmail(input.email)).id)),
});

export const authRouter = router({
  status: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/auth/status', tags: ['auth'], protect: false } })
    .input(z.object({}).optional())
    .output(z.object({ hasUsers: z.boolean(), google: z.boolean(), signedIn: z.boolean() }))
    .query(async ({ ctx }) => ({ hasUsers: await ctx.services.auth.hasUsers(), google: ctx.services.google !== undefined, signedIn: ctx.actor !== null })),
  signUp: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/v1/auth/sign-up', tags: ['auth'], protect: false }, rateLimit: 'auth' })
    .input(signUpInput)
    .output(signedInOutput)
    .mutation(async ({ ctx, input }) => {
      const session = await ctx.services.auth.signUp(input, { ip: ctx.ip, userAgent: ctx.userAgent });
      ctx.setSessionCookie(session);
      return { user: session.user, expiresAt: session.expiresAt };
    }),
  signIn: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/v1/auth/sign-in', tags: ['auth'], protect: false }, rateLimit: 'auth' })
    .input(signInInput)
    .output(signedInOutput)
    .mutation(async ({ ctx, input }) => {
      const session = await ctx.services.auth.signIn(input, { ip: ctx.ip, userAgent: ctx.userAgent });
      ctx.setSessionCookie(session);
      return { user: session.user, expiresAt: session.expiresAt };
    }),
  signOut: protectedProcedure
    .meta({ openapi: { method: 'POST', path: '/v1/auth/sign-out', tags: ['auth'] }, scope: 'read' })
    .input(z.object({}).optional())
    .output(z.object({ ok: z.boolean() }))
    .mutation(async ({ ctx }) => {
      await ctx.services.auth.signOut(ctx.actor);
      ctx.setSessionCookie(null);
      return { ok: true };
    }),
  signOutOthers: protectedProcedure
    .meta({ openapi: { method: 'POST', path: '/v1/auth/sign-out-others', tags: ['auth'] } })
    .input(z.object({}).optional())
    .output(z.object({ ended: z.number() }))
    .mutation(async ({ ctx }) => ({ ended: await ctx.services.auth.signOutOthers(ctx.actor) })),
  me: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/auth/me', tags: ['auth'] } })
    .input(z.object({}).optional())
    .output(userOutput)
    .query(({ ctx }) => ctx.services.auth.me(ctx.actor)),
  sessions: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/auth/sessions', tags: ['auth'] } })
    .input(z.object({}).optional())
    .output(z.array(sessionOutput))
    .query(({ ctx }) => ctx.services.auth.listSessions(ctx.actor)),
  apiKeys: apiKeysRouter,
  users: router({
    list: adminProcedure
      .meta({ openapi: { method: 'GET', path: '/admin/users', tags: ['admin'] } })
      .input(z.object({}).optional())
      .output(z.array(userOutput))
      .query(({ ctx }) => ctx.services.auth.listUsers()),
    create: adminProcedure
      .meta({ openapi: { method: 'POST', path: '/admin/users', tags: ['admin'] } })
      .input(createUserInput)
      .output(userOutput)
      .mutation(({ ctx, input }) => ctx.services.auth.createUser(input)),
  }),
});
