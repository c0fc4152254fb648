import { z } from 'zod';
import { adminProcedure, protectedProcedure, router } from '#server/trpc.ts';
import { addMemoryInput, editMemoryInput, extractInput, extractOutput, forgetOutput, listMemoriesInput, memoryDto, memoryHistory, memoryIdInput, memoryPage, pinMemoryInput } from './schemas.ts';

const byEmail = z.object({ email: z.email() });

/** Memories: REST under /api/v1/memory, tRPC under `memory`. */
export const memoryRouter = router({
  /** The caller's memories (current ones unless includeSuperseded), newest first. */
  list: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/memory', tags: ['memory'] } })
    .input(listMemoriesInput)
    .output(memoryPage)
    .query(({ ctx, input }) => ctx.services.memory.list(ctx.actor.userId, input)),
  /** One memory with its provenance. */
  get: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/memory/{id}', tags: ['memory'] } })
    .input(memoryIdInput)
    .output(memoryDto)
    .query(({ ctx, input }) => ctx.services.memory.get(ctx.actor.userId, input.id)),
  /** Adds a memory by hand (a duplicate returns the existing one; a new value of a slot supersedes the old). */
  add: protectedProcedure
    .meta({ openapi: { method: 'POST', path: '/v1/memory', tags: ['memory'] } })
    .input(addMemoryInput)
    .output(memoryDto)
    .mutation(({ ctx, input }) => ctx.services.memory.add(ctx.actor.userId, input)),
  /** Edits content, type, importance or pinned. */
  edit: protectedProcedure
    .meta({ openapi: { method: 'PATCH', path: '/v1/memory/{id}', tags: ['memory'] } })
    .input(editMemoryInput)
    .output(memoryDto)
    .mutation(({ ctx, input }) => ctx.services.memory.edit(ctx.actor.userId, input)),
  /** Pins (pinned: true, the default) or unpins a memory. */
  pin: protectedProcedure
    .meta({ openapi: { method: 'POST', path: '/v1/memory/{id}/pin', tags: ['memory'] } })
    .input(pinMemoryInput)
    .output(memoryDto)
    .mutation(({ ctx, input }) => ctx.services.memory.pin(ctx.actor.userId, input.id, input.pinned)),
  /** Forgets a memory: gone from lists, context and search, with its history; extraction will not bring it back. */
  forget: protectedProcedure
    .meta({ openapi: { method: 'DELETE', path: '/v1/memory/{id}', tags: ['memory'] } })
    .input(memoryIdInput)
    .output(forgetOutput)
    .mutation(({ ctx, input }) => ctx.services.memory.forget(ctx.actor.userId, input.id)),
  /** A memory's revisions, newest first. */
  history: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/memory/{id}/history', tags: ['memory'] } })
    .input(memoryIdInput)
    .output(memoryHistory)
    .query(({ ctx, input }) => ctx.services.memory.history(ctx.actor.userId, input.id)),
  /** Re-runs extraction of one of the caller's conversations (an admin may name another owner by email). */
  extract: protectedProcedure
    .meta({ openapi: { method: 'POST', path: '/v1/memory/extract', tags: ['memory'] }, scope: 'write' })
    .input(extractInput.extend({ email: z.email().optional() }))
    .output(extractOutput)
    .mutation(({ ctx, input }) => ctx.services.memory.requestExtract(ctx.actor, input.conversationId, input.email)),
  /** Admin (the CLI): a user's memories by email. */
  listFor: adminProcedure
    .meta({ openapi: { method: 'GET', path: '/admin/memory', tags: ['admin'] } })
    .input(listMemoriesInput.extend(byEmail.shape))
    .output(memoryPage)
    .query(async ({ ctx, input }) => ctx.services.memory.list((await ctx.services.auth.findByEmail(input.email.toLowerCase())).id, input)),
  /** Admin (the CLI): adds a memory for a user. */
  addFor: adminProcedure
    .meta({ openapi: { method: 'POST', path: '/admin/memory', tags: ['admin'] } })
    .input(addMemoryInput.extend(byEmail.shape))
    .output(memoryDto)
    .mutation(async ({ ctx, input }) => ctx.services.memory.add((await ctx.services.auth.findByEmail(input.email.toLowerCase())).id, input)),
  /** Admin (the CLI): forgets a user's memory. */
  forgetFor: adminProcedure
    .meta({ openapi: { method: 'DELETE', path: '/admin/memory/{id}', tags: ['admin'] } })
    .input(memoryIdInput.extend(byEmail.shape))
    .output(forgetOutput)
    .mutation(async ({ ctx, input }) => ctx.services.memory.forget((await ctx.services.auth.findByEmail(input.email.toLowerCase())).id, input.id)),
});
