import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '#config';
import { createLogger } from '#server/logger.ts';
import { modules } from '#server/composition.ts';
import { startRuntime } from '#server/runtime.ts';

/** Builds the migrated template data dir this run's tests copy (unique per run: parallel runs don't collide). */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vivim-test-template-'));
  const config = loadConfig({ VIVIM_DATA_DIR: dir, LOG_LEVEL: 'silent', NODE_ENV: 'test' });
  const runtime = await startRuntime({ config, log: createLogger(config), modules, worker: false });
  await runtime.stop();
  rmSync(path.join(dir, 'secret.key'), { force: true });
  project.provide('templateDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
