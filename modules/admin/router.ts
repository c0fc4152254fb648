import { z } from 'zod';
import { jobStatus } from '#server/jobs.ts';
import { adminProcedure, router } from '#server/trpc.ts';
import { auditOutput, selfTestInput, systemOutput } from './schemas.ts';

export const adminRouter = router({
  system: adminProcedure
    .meta({ openapi: { method: 'GET', path: '/admin/system', tags: ['admin'] } })
    .input(z.object({}).optional())
    .output(systemOutput)
    .query(({ ctx }) => ctx.services.admin.system()),
  audit: adminProcedure
    .meta({ openapi: { method: 'GET', path: '/admin/audit', tags: ['admin'] } })
    .input(z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }))
    .output(auditOutput)
    .query(({ ctx, input }) => ctx.services.admin.audit(input.limit)),
  jobs: adminProcedure
    .meta({ openapi: { method: 'GET', path: '/admin/jobs', tags: ['admin'] } })
    .input(z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }))
    .output(z.array(jobStatus))
    .query(({ ctx, input }) => ctx.jobs.list(input.limit)),
  selfTest: adminProcedure
    .meta({ openapi: { method: 'POST', path: '/admin/self-test', tags: ['admin'] } })
    .input(selfTestInput)
    .output(z.object({ jobId: z.string() }))
    .mutation(({ ctx, input }) => ctx.services.admin.selfTest(ctx.actor, input)),
});
