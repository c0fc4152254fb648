import { z } from 'zod';
import { defineJob } from '#server/jobs.ts';

/** Search's tasks: thin wrappers over the search service. */
export const searchJobs = {
  'search.index': defineJob({
    payload: z.object({ ownerId: z.uuid(), conversationIds: z.array(z.uuid()).min(1).max(500) }),
    maxAttempts: 8,
    run: (payload, ctx) => ctx.services.search.runIndexBatchJob(payload),
  }),
  'search.remove': defineJob({
    payload: z.object({ conversationId: z.uuid(), ownerId: z.uuid() }),
    maxAttempts: 8,
    run: async (payload, ctx) => ({ removed: await ctx.services.search.removeConversation(payload.ownerId, payload.conversationId) }),
  }),
  'search.embed': defineJob({
    payload: z.object({}),
    maxAttempts: 10,
    run: (_payload, ctx) => ctx.services.search.runEmbedJob(ctx),
  }),
  'search.sweep': defineJob({
    payload: z.object({}),
    maxAttempts: 3,
    run: (_payload, ctx) => ctx.services.search.runSweepJob(),
  }),
};
