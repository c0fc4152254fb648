// Dev/ops script (outside the app): makes sure Debian's Chromium is present for the
// browser-driven parts (capture fallback, end-to-end tests). Run by `npm install` and `npm test`.
// As root it installs the `chromium` package with apt; otherwise it prints how to. Never fatal:
// `vivim doctor` reports a missing browser too. Plain JS so it runs on any Node.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const say = (message) => process.stderr.write(`[ensure-chromium] ${message}\n`);

function version() {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

if (process.env.VIVIM_SKIP_CHROMIUM === '1') process.exit(0);
if (existsSync(path) && version()) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (!isRoot || !hasApt || process.platform !== 'linux') {
  say(`Chromium was not found at ${path}. Page capture and the browser tests need it.`);
  say(hasApt ? 'Install it with: sudo apt-get install -y chromium   (or set CHROMIUM_PATH)' : 'Install Chromium and set CHROMIUM_PATH to its binary.');
  process.exit(0);
}
say('installing Debian Chromium (apt-get install chromium)…');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env }) : update;
if (install.status === 0 && version()) say(`installed: ${version()}`);
else say('could not install Chromium with apt-get; capture will report BROWSER_UNAVAILABLE until it is installed.');
