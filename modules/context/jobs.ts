import { z } from 'zod';
import { defineJob } from '#server/jobs.ts';

/** Context's tasks: thin wrappers over the context service. */
export const contextJobs = {
  'context.warmup': defineJob({
    payload: z.object({ ownerId: z.uuid() }),
    maxAttempts: 3,
    run: (payload, ctx) => ctx.services.context.runWarmupJob(payload),
  }),
};
