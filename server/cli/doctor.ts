import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '#config';
import { PUBLIC_DIR } from '../static.ts';
import { openCliApi } from './api.ts';

/** One doctor check: ok, or what is wrong and how to fix it. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

/** Runs every check; never throws (a failing check is a result). */
export async function runDoctor(config: Config, log: Logger): Promise<Check[]> {
  const checks: Check[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  checks.push({
    name: 'node',
    ok: major >= 22,
    detail: `Node ${process.version} at ${process.execPath}`,
    fix: major >= 22 ? undefined : 'Run VIVIM through npm (npm start / npx vivim): the project brings Node 22 in node_modules/node.',
  });
  try {
    const version = execFileSync(config.browser.chromiumPath, ['--version'], { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    checks.push({ name: 'chromium', ok: true, detail: `${version} (${config.browser.chromiumPath})` });
  } catch {
    checks.push({
      name: 'chromium',
      ok: false,
      detail: `not found at ${config.browser.chromiumPath} (needed to capture pages rendered by scripts)`,
      fix: 'As root: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH)',
    });
  }
  try {
    mkdirSync(config.dataDir, { recursive: true });
    accessSync(config.dataDir, constants.W_OK);
    checks.push({ name: 'data dir', ok: true, detail: config.dataDir });
  } catch (error) {
    checks.push({ name: 'data dir', ok: false, detail: `${config.dataDir}: ${(error as Error).message}`, fix: 'Set VIVIM_DATA_DIR to a writable folder' });
  }
  let api: Awaited<ReturnType<typeof openCliApi>> | undefined;
  try {
    api = await openCliApi(config, log);
    const system = await api.system();
    checks.push({
      name: 'database',
      ok: system.databaseReady,
      detail: `${system.database}${api.mode === 'server' ? ` (through the server at ${api.url})` : ''}, migrations current`,
      fix: system.databaseReady ? undefined : 'See the server log',
    });
    for (const provider of system.providers) {
      checks.push({ name: `plugin ${provider.id ?? provider.source}`, ok: provider.loaded, detail: provider.loaded ? `loaded (${provider.source})` : (provider.error ?? 'not loaded'), fix: provider.loaded ? undefined : 'Fix or remove it from VIVIM_PLUGINS' });
    }
  } catch (error) {
    checks.push({ name: 'database', ok: false, detail: (error as Error).message, fix: config.database.url ? 'Check DATABASE_URL' : 'Check the data dir (is it copied from another machine half-way?)' });
  } finally {
    await api?.close();
  }
  const built = existsSync(path.join(PUBLIC_DIR, 'index.html'));
  checks.push({ name: 'web app', ok: built, detail: built ? `built (${PUBLIC_DIR})` : 'not built', fix: built ? undefined : 'npm run build' });
  return checks;
}
