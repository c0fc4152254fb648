import { z } from 'zod';
import { defineJob } from '#server/jobs.ts';

/** Memory's tasks: thin wrappers over the memory service. */
export const memoryJobs = {
  'memory.extract': defineJob({
    payload: z.object({ ownerId: z.uuid(), conversationId: z.uuid(), force: z.boolean().default(false) }),
    maxAttempts: 4,
    run: (payload, ctx) => ctx.services.memory.runExtractJob(payload, ctx.signal),
  }),
  'memory.sweep': defineJob({
    payload: z.object({}),
    maxAttempts: 3,
    run: (_payload, ctx) => ctx.services.memory.runSweepJob(),
  }),
};
