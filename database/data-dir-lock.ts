import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** What the lock file says about the process that holds the data dir. */
export const lockInfoSchema = z.object({
  pid: z.number().int(),
  startedAt: z.string(),
  /** Base URL of the HTTP server, once it listens. */
  url: z.string().optional(),
});
export type LockInfo = z.infer<typeof lockInfoSchema>;

/** Raised when another live process holds the data dir. */
export class DataDirLockedError extends Error {
  readonly holder: LockInfo;
  constructor(dataDir: string, holder: LockInfo) {
    super(
      `The data dir ${dataDir} is in use by another VIVIM process (pid ${holder.pid}` +
        `${holder.url ? `, serving ${holder.url}` : ''}). Stop it first, or set VIVIM_DATA_DIR to another folder.`,
    );
    this.name = 'DataDirLockedError';
    this.holder = holder;
  }
}

const lockFile = (dataDir: string) => path.join(dataDir, 'vivim.lock');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads the lock of a data dir; undefined when nobody alive holds it. */
export function readLock(dataDir: string): LockInfo | undefined {
  try {
    const info = lockInfoSchema.parse(JSON.parse(readFileSync(lockFile(dataDir), 'utf8')));
    return isAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/** An exclusive hold on a data dir for this process. */
export interface DataDirLock {
  /** Records the server URL in the lock so CLI commands can reach the server. */
  setUrl(url: string): void;
  release(): void;
}

/**
 * Takes the data dir for this process. A lock left by a dead process is taken over;
 * a live holder raises DataDirLockedError.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = lockFile(dataDir);
  const info: LockInfo = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      let released = false;
      return {
        setUrl(url) {
          info.url = url;
          writeFileSync(file, JSON.stringify(info), { mode: 0o600 });
        },
        release() {
          if (released) return;
          released = true;
          rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(dataDir);
      if (holder && holder.pid !== process.pid) throw new DataDirLockedError(dataDir, holder);
      if (holder && holder.pid === process.pid) {
        throw new DataDirLockedError(dataDir, holder);
      }
      // Stale lock (its process is gone): remove it and try again.
      rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not lock the data dir ${dataDir}`);
}
