import { z } from 'zod';
import { actsAsAdmin } from './actor.ts';
import { jobStatus } from './jobs.ts';
import { protectedProcedure, router } from './trpc.ts';

const jobIdInput = z.object({ id: z.string().regex(/^\d{1,19}$/, 'must be a job id') });

/** Job status for callers that got a job id back: their own jobs only (admins: all). */
export const jobsRouter = router({
  byId: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/jobs/{id}', tags: ['jobs'] } })
    .input(jobIdInput)
    .output(jobStatus)
    .query(({ ctx, input }) => ctx.jobs.get(input.id, actsAsAdmin(ctx.actor) ? null : ctx.actor.userId)),
  /** Streams the job's status (SSE) until it is done or failed. */
  watch: protectedProcedure.input(jobIdInput).subscription(async function* ({ ctx, input, signal }) {
    yield* ctx.jobs.watch(input.id, actsAsAdmin(ctx.actor) ? null : ctx.actor.userId, signal);
  }),
});
