import { z } from 'zod';
import { adminProcedure, protectedProcedure, router } from '#server/trpc.ts';
import { searchInput, searchOutput, searchStatus, suggestInput, suggestOutput } from './schemas.ts';

export const searchRouter = router({
  /** Hybrid search over the caller's library. */
  query: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/unified/search', tags: ['search'] } })
    .input(searchInput)
    .output(searchOutput)
    .query(({ ctx, input }) => ctx.services.search.query(ctx.actor, input)),
  /** Title and word completions for the search box. */
  suggest: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/unified/search/suggest', tags: ['search'] } })
    .input(suggestInput)
    .output(suggestOutput)
    .query(({ ctx, input }) => ctx.services.search.suggest(ctx.actor, input)),
  /** Engine, embedder and index coverage. */
  status: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/unified/search/status', tags: ['search'] } })
    .input(z.object({}).optional())
    .output(searchStatus)
    .query(({ ctx }) => ctx.services.search.status()),
  /** Rebuilds the caller's index from their library (runs in the background). */
  reindex: protectedProcedure
    .meta({ openapi: { method: 'POST', path: '/unified/search/reindex', tags: ['search'] }, scope: 'write' })
    .input(z.object({}).optional())
    .output(z.object({ queued: z.number() }))
    .mutation(({ ctx }) => ctx.services.search.reindex(ctx.actor.userId)),
  /** Admin (the CLI): search a user's library by email. */
  queryFor: adminProcedure
    .meta({ openapi: { method: 'GET', path: '/admin/search', tags: ['admin'] } })
    .input(searchInput.extend({ email: z.email() }))
    .output(searchOutput)
    .query(async ({ ctx, input }) => {
      const owner = await ctx.services.auth.findByEmail(input.email.toLowerCase());
      return ctx.services.search.query({ ...ctx.actor, userId: owner.id }, input);
    }),
  /** Admin: rebuilds everyone's index. */
  reindexAll: adminProcedure
    .meta({ openapi: { method: 'POST', path: '/admin/search/reindex', tags: ['admin'] } })
    .input(z.object({}).optional())
    .output(z.object({ queued: z.number() }))
    .mutation(({ ctx }) => ctx.services.search.reindex(null)),
});
