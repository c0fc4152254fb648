import { z } from 'zod';
import { adminProcedure, protectedProcedure, router } from '#server/trpc.ts';
import { compileInput, compileOutput } from './schemas.ts';

export const contextRouter = router({
  /** The cited context bundle for a prompt, within a token budget (read scope: it only reads the library). */
  compile: protectedProcedure
    .meta({ openapi: { method: 'POST', path: '/v1/context', tags: ['context'] }, scope: 'read' })
    .input(compileInput)
    .output(compileOutput)
    .mutation(({ ctx, input }) => ctx.services.context.compile(ctx.actor.userId, input)),
  /** Admin (the CLI): the bundle for a user by email. */
  compileFor: adminProcedure
    .meta({ openapi: { method: 'POST', path: '/admin/context', tags: ['admin'] } })
    .input(compileInput.extend({ email: z.email() }))
    .output(compileOutput)
    .mutation(async ({ ctx, input }) => {
      const owner = await ctx.services.auth.findByEmail(input.email.toLowerCase());
      return ctx.services.context.compile(owner.id, input);
    }),
});
