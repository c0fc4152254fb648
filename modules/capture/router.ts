import { z } from 'zod';
import { adminProcedure, protectedProcedure, router } from '#server/trpc.ts';
import {
  acuOutput,
  acuPage,
  captureBatchInput,
  captureBatchOutput,
  captureInput,
  captureStatus,
  conversationDetail,
  conversationIdInput,
  conversationPage,
  conversationSummary,
  exportInput,
  exportOutput,
  getConversationInput,
  importIdInput,
  importReport,
  jobIdInput,
  listAcusInput,
  listConversationsInput,
  renameInput,
  tagInput,
} from './schemas.ts';

const captureProcedures = {
  create: protectedProcedure
    .meta({ openapi: { method: 'POST', path: '/v1/capture', tags: ['capture'] }, scope: 'capture:write', rateLimit: 'capture' })
    .input(captureInput)
    .output(z.object({ jobId: z.string() }))
    .mutation(({ ctx, input }) => ctx.services.capture.capture(ctx.actor, input.url, input.html)),
  batch: protectedProcedure
    .meta({ openapi: { method: 'POST', path: '/v1/capture/batch', tags: ['capture'] }, scope: 'capture:write', rateLimit: 'capture' })
    .input(captureBatchInput)
    .output(captureBatchOutput)
    .mutation(({ ctx, input }) => ctx.services.capture.captureBatch(ctx.actor, input.urls)),
  byId: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/capture/{jobId}', tags: ['capture'] }, scope: 'capture:write' })
    .input(jobIdInput)
    .output(captureStatus)
    .query(({ ctx, input }) => ctx.services.capture.status(ctx.actor, input.jobId)),
  cancel: protectedProcedure
    .meta({ openapi: { method: 'POST', path: '/v1/capture/{jobId}/cancel', tags: ['capture'] }, scope: 'capture:write' })
    .input(jobIdInput)
    .output(captureStatus)
    .mutation(({ ctx, input }) => ctx.services.capture.cancel(ctx.actor, input.jobId)),
  /** Progress (queued, fetching, rendering, extracting, storing, indexing, done/failed) over SSE. */
  progress: protectedProcedure
    .meta({ scope: 'capture:write' })
    .input(jobIdInput)
    .subscription(async function* ({ ctx, input, signal }) {
      yield* ctx.services.capture.watch(ctx.actor, input.jobId, signal);
    }),
};

const conversations = router({
  list: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/conversations', tags: ['conversations'] } })
    .input(listConversationsInput)
    .output(conversationPage)
    .query(({ ctx, input }) => ctx.services.capture.list(ctx.actor, input)),
  byId: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/conversations/{id}', tags: ['conversations'] } })
    .input(getConversationInput)
    .output(conversationDetail)
    .query(({ ctx, input }) => ctx.services.capture.get(ctx.actor, input.id, input)),
  rename: protectedProcedure
    .meta({ openapi: { method: 'PATCH', path: '/v1/conversations/{id}/title', tags: ['conversations'] } })
    .input(renameInput)
    .output(conversationSummary)
    .mutation(({ ctx, input }) => ctx.services.capture.rename(ctx.actor, input.id, input.title)),
  tag: protectedProcedure
    .meta({ openapi: { method: 'PUT', path: '/v1/conversations/{id}/tags', tags: ['conversations'] } })
    .input(tagInput)
    .output(conversationSummary)
    .mutation(({ ctx, input }) => ctx.services.capture.setTags(ctx.actor, input.id, input.tags)),
  remove: protectedProcedure
    .meta({ openapi: { method: 'DELETE', path: '/v1/conversations/{id}', tags: ['conversations'] } })
    .input(conversationIdInput)
    .output(z.object({ id: z.string(), blobsRemoved: z.number() }))
    .mutation(({ ctx, input }) => ctx.services.capture.remove(ctx.actor, input.id)),
  export: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/conversations/{id}/export', tags: ['conversations'] } })
    .input(exportInput)
    .output(exportOutput)
    .query(({ ctx, input }) => ctx.services.capture.export(ctx.actor, input.id, input.format)),
});

const imports = router({
  list: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/imports', tags: ['imports'] } })
    .input(z.object({}).optional())
    .output(z.array(importReport))
    .query(({ ctx }) => ctx.services.capture.importer.list(ctx.actor.userId)),
  byId: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/imports/{id}', tags: ['imports'] } })
    .input(importIdInput)
    .output(importReport)
    .query(({ ctx, input }) => ctx.services.capture.importer.report(ctx.actor.userId, input.id)),
  /** Cancels a queued or running import: its upload is removed, conversations already stored stay. */
  cancel: protectedProcedure
    .meta({ openapi: { method: 'POST', path: '/v1/imports/{id}/cancel', tags: ['imports'] } })
    .input(importIdInput)
    .output(importReport)
    .mutation(({ ctx, input }) => ctx.services.capture.importer.cancel(ctx.actor.userId, input.id)),
});

const acus = router({
  list: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/acus', tags: ['acus'] } })
    .input(listAcusInput)
    .output(acuPage)
    .query(({ ctx, input }) => ctx.services.capture.listAcus(ctx.actor, input)),
  byId: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/acus/{id}', tags: ['acus'] } })
    .input(z.object({ id: z.uuid() }))
    .output(acuOutput)
    .query(({ ctx, input }) => ctx.services.capture.getAcu(ctx.actor, input.id)),
});

/** The operator's view (CLI, admin): act for a user named by email. */
const admin = router({
  captureFor: adminProcedure
    .meta({ openapi: { method: 'POST', path: '/admin/capture', tags: ['admin'] } })
    .input(captureInput.extend({ email: z.email() }))
    .output(z.object({ jobId: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const owner = await ctx.services.auth.findByEmail(input.email.toLowerCase());
      return ctx.services.capture.capture({ ...ctx.actor, userId: owner.id }, input.url, input.html);
    }),
  conversationsFor: adminProcedure
    .meta({ openapi: { method: 'GET', path: '/admin/conversations', tags: ['admin'] } })
    .input(listConversationsInput.extend({ email: z.email() }))
    .output(conversationPage)
    .query(async ({ ctx, input }) => {
      const owner = await ctx.services.auth.findByEmail(input.email.toLowerCase());
      return ctx.services.capture.list({ ...ctx.actor, userId: owner.id }, input);
    }),
});

export const captureRouter = router({ ...captureProcedures, conversations, acus, imports, admin });
