#!/usr/bin/env node
// Entry of the `vivim` command. VIVIM needs Node 22 (the project brings it in node_modules/node):
// when started by an older Node, re-run the same command with the project's Node 22.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  const bundled = path.join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(bundled)) {
    process.stderr.write(`vivim: Node ${process.version} is too old and the project's Node 22 is missing: run npm install\n`);
    process.exit(1);
  }
  const result = spawnSync(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
const { buildCli } = await import('../server/cli/main.ts');
await buildCli().parseAsync(process.argv);
