import { z } from 'zod';

export const systemOutput = z.object({
  version: z.string(),
  node: z.string(),
  uptimeSeconds: z.number(),
  rssMb: z.number(),
  database: z.enum(['embedded', 'external']),
  databaseReady: z.boolean(),
  workerRunning: z.boolean(),
  modules: z.array(z.string()),
  jobTasks: z.array(z.string()),
  providers: z.array(z.object({ id: z.string().optional(), source: z.string(), loaded: z.boolean(), error: z.string().optional() })),
});
export type SystemOutput = z.infer<typeof systemOutput>;

export const selfTestInput = z.object({
  /** How long the job works, in ms (progress every 10%). */
  durationMs: z.number().int().min(0).max(60_000).default(0),
  /** Fail this many first attempts (to exercise retries). */
  failTimes: z.number().int().min(0).max(10).default(0),
  maxAttempts: z.number().int().min(1).max(10).default(3),
});
export type SelfTestInput = z.infer<typeof selfTestInput>;

export const auditOutput = z.array(
  z.object({ id: z.string(), actorId: z.string().nullable(), action: z.string(), targetId: z.string().nullable(), ip: z.string().nullable(), details: z.unknown(), createdAt: z.date() }),
);
