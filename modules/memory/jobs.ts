import { z } from 'zod';
import { defineJob } from '#server/jobs.ts';

/** Memory's tasks: thin wrappers over the memory service. */
export const memoryJobs = {
  'memory.extract': defineJob({
    // `conversationId` alone: a job queued before extraction was batched.
    payload: z
      .object({ ownerId: z.uuid(), conversationIds: z.array(z.uuid()).min(1).max(500).optional(), conversationId: z.uuid().optional(), force: z.boolean().default(false) })
      .refine((p) => p.conversationIds !== undefined || p.conversationId !== undefined, 'conversationIds is required'),
    maxAttempts: 4,
    run: (payload, ctx) => ctx.services.memory.runExtractBatchJob({ ownerId: payload.ownerId, conversationIds: payload.conversationIds ?? [payload.conversationId!], force: payload.force }, ctx.signal),
  }),
  'memory.sweep': defineJob({
    payload: z.object({}),
    maxAttempts: 3,
    run: (_payload, ctx) => ctx.services.memory.runSweepJob(),
  }),
};
