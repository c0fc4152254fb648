import { z } from 'zod';
import { defineJob } from '#server/jobs.ts';

/** Capture's tasks: thin wrappers that validate the payload and call the capture service. */
export const captureJobs = {
  'capture.url': defineJob({
    payload: z.object({ url: z.url(), ownerId: z.uuid() }),
    maxAttempts: 3,
    run: (payload, ctx) => ctx.services.capture.runCaptureJob(payload, ctx),
  }),
  'capture.upload': defineJob({
    payload: z.object({ url: z.url(), ownerId: z.uuid(), htmlPath: z.string().min(1) }),
    maxAttempts: 2,
    run: (payload, ctx) => ctx.services.capture.runUploadJob(payload, ctx),
  }),
  'capture.import': defineJob({
    payload: z.object({ importId: z.uuid() }),
    maxAttempts: 5,
    run: (payload, ctx) => ctx.services.capture.runImportJob(payload, ctx),
  }),
  'capture.acus': defineJob({
    payload: z.object({ conversationIds: z.array(z.uuid()).min(1).max(1000), ownerId: z.uuid() }),
    maxAttempts: 5,
    run: (payload, ctx) => ctx.services.capture.runAcusBatch(payload),
  }),
};
