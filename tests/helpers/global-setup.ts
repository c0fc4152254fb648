import { rmSync } from 'node:fs';
import { loadConfig } from '#config';
import { createLogger } from '#server/logger.ts';
import { modules } from '#server/composition.ts';
import { startRuntime } from '#server/runtime.ts';
import { TEMPLATE_DIR } from './template.ts';

/** Builds the migrated template data dir the integration tests copy. */
export default async function setup(): Promise<() => void> {
  rmSync(TEMPLATE_DIR, { recursive: true, force: true });
  const config = loadConfig({ VIVIM_DATA_DIR: TEMPLATE_DIR, LOG_LEVEL: 'silent', NODE_ENV: 'test' });
  const runtime = await startRuntime({ config, log: createLogger(config), modules, worker: false });
  await runtime.stop();
  rmSync(`${TEMPLATE_DIR}/secret.key`, { force: true });
  return () => rmSync(TEMPLATE_DIR, { recursive: true, force: true });
}
