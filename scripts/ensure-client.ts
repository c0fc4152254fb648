// Dev/ops script run by `npm start`, outside the app: it may read process.env directly.
// Builds the web app (`npm run build` → `nuxi generate` + the extension zip) when
// .output/public/index.html or vivim-extension.zip is missing, or index.html is older than any source
// under client/, public/, extension/ or nuxt.config.ts; otherwise says it is up to date.
// VIVIM_SKIP_CLIENT_BUILD=1 skips the check (e.g. when the build is shipped prebuilt).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = path.join(ROOT, '.output', 'public', 'index.html');
const EXTENSION_ZIP = path.join(ROOT, '.output', 'public', 'vivim-extension.zip');
const SOURCES = ['client', 'public', 'nuxt.config.ts', 'extension'];
const SKIP_DIRS = new Set(['node_modules', '.nuxt', '.output', '.git']);

/** The newest source file at or under `entry`, or undefined when there is none. */
function newest(entry: string): { file: string; mtimeMs: number } | undefined {
  if (!existsSync(entry)) return undefined;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return { file: entry, mtimeMs: stat.mtimeMs };
  let best: { file: string; mtimeMs: number } | undefined;
  for (const dirent of readdirSync(entry, { withFileTypes: true })) {
    if (dirent.isDirectory() && SKIP_DIRS.has(dirent.name)) continue;
    if (dirent.isFile() && dirent.name.endsWith('.test.ts')) continue; // tests are not part of the build
    const found = newest(path.join(entry, dirent.name));
    if (found && (!best || found.mtimeMs > best.mtimeMs)) best = found;
  }
  return best;
}

/** Why a build is needed, or undefined when the built app is current. */
function staleReason(): string | undefined {
  if (!existsSync(TARGET)) return `${path.relative(ROOT, TARGET)} is missing`;
  if (!existsSync(EXTENSION_ZIP)) return `${path.relative(ROOT, EXTENSION_ZIP)} is missing`;
  const builtAt = statSync(TARGET).mtimeMs;
  for (const source of SOURCES) {
    const found = newest(path.join(ROOT, source));
    if (found && found.mtimeMs > builtAt) return `${path.relative(ROOT, found.file)} changed since the last build`;
  }
  return undefined;
}

function build(): number {
  // Under `npm start`, npm_execpath is npm's own CLI: run it with this Node (22) without a shell.
  const npmCli = process.env.npm_execpath;
  const result = npmCli
    ? spawnSync(process.execPath, [npmCli, 'run', 'build'], { cwd: ROOT, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.error) {
    console.error(`[ensure-client] could not start the build: ${result.error.message}`);
    return 1;
  }
  if (result.signal) {
    console.error(`[ensure-client] the build was stopped by ${result.signal}`);
    return 1;
  }
  return result.status ?? 1;
}

function main(): number {
  if (process.env.VIVIM_SKIP_CLIENT_BUILD === '1') {
    console.log('[ensure-client] VIVIM_SKIP_CLIENT_BUILD=1: not checking the web app build');
    return 0;
  }
  const reason = staleReason();
  if (!reason) {
    console.log(`[ensure-client] web app is up to date (${path.relative(ROOT, TARGET)})`);
    return 0;
  }
  console.log(`[ensure-client] building the web app: ${reason}`);
  const status = build();
  if (status !== 0 || !existsSync(TARGET)) {
    console.error(
      `[ensure-client] the web app build failed (exit ${status}); fix the error above and run \`npm run build\`,` +
        ' or set VIVIM_SKIP_CLIENT_BUILD=1 to start the server without it',
    );
    return status === 0 ? 1 : status;
  }
  console.log('[ensure-client] web app built');
  return 0;
}

process.exitCode = main();
