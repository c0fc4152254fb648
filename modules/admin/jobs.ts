import { setTimeout as sleep } from 'node:timers/promises';
import { defineJob } from '#server/jobs.ts';
import { selfTestInput } from './schemas.ts';

/** Worker self-test: sleeps in ten steps with progress, optionally failing its first attempts. */
export const adminJobs = {
  'admin.selfTest': defineJob({
    payload: selfTestInput,
    maxAttempts: 3,
    async run(input, ctx) {
      if (ctx.attempt <= input.failTimes) throw new Error(`self-test failing on purpose (attempt ${ctx.attempt})`);
      for (let step = 1; step <= 10; step++) {
        await sleep(input.durationMs / 10, undefined, { signal: ctx.signal });
        await ctx.progress('working', step * 10);
      }
      return { attempts: ctx.attempt };
    },
  }),
};
