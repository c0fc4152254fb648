import { z } from 'zod';
import { defineJob } from '#server/jobs.ts';

/** The Librarian's tasks: thin wrappers over the knowledge service. */
export const knowledgeJobs = {
  'knowledge.librarian': defineJob({
    payload: z.object({ ownerId: z.uuid(), conversationIds: z.array(z.uuid()).min(1).max(500) }),
    maxAttempts: 5,
    run: (payload, ctx) => ctx.services.knowledge.runLibrarianJob(payload),
  }),
  'knowledge.sweep': defineJob({
    payload: z.object({}),
    maxAttempts: 3,
    run: (_payload, ctx) => ctx.services.knowledge.runSweepJob(),
  }),
};
