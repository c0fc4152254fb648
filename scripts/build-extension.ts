// Build script (`npm run build:extension`, chained after `nuxi generate` in `npm run build`): zips
// the browser extension in extension/ into .output/public/vivim-extension.zip, which the server
// serves and /settings/capture offers for download. The files sit at the zip's root, so the
// unzipped folder is what chrome://extensions → Load unpacked expects. No dependency: the SDK's
// small zip writer (node:zlib deflate + a central directory), with valid entry dates.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipBytes } from '../plugins/providers/sdk/testing/zip.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = path.join(ROOT, 'extension');
const TARGET = path.join(ROOT, '.output', 'public', 'vivim-extension.zip');

/** DOS date 1980-01-01 (day 1, month 1, year 0): a valid, fixed date, so the zip is reproducible. */
const DOS_DATE = (1 << 5) | 1;

/**
 * The SDK writer leaves every entry's date at 0 (month 0, day 0), which some unzip tools show as
 * invalid: stamp each local and central header with DOS_DATE (time stays 00:00).
 */
function withDates(zip: Buffer): Buffer {
  const entries = zip.readUInt16LE(zip.length - 22 + 10);
  let local = 0;
  for (let i = 0; i < entries; i++) {
    zip.writeUInt16LE(DOS_DATE, local + 12);
    local += 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28) + zip.readUInt32LE(local + 18);
  }
  let central = zip.readUInt32LE(zip.length - 22 + 16);
  for (let i = 0; i < entries; i++) {
    zip.writeUInt16LE(DOS_DATE, central + 14);
    central += 46 + zip.readUInt16LE(central + 28) + zip.readUInt16LE(central + 30) + zip.readUInt16LE(central + 32);
  }
  return zip;
}

/** Every file under `dir` as zip entry names (forward slashes), skipping dotfiles; sorted for a stable zip. */
function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.'))
    .flatMap((entry) => (entry.isDirectory() ? files(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]))
    .sort();
}

const names = files(SOURCE);
if (!names.includes('manifest.json')) {
  console.error(`[build-extension] ${path.relative(ROOT, SOURCE)}/manifest.json is missing`);
  process.exit(1);
}
// Fail here rather than in the browser: the manifest must at least be JSON.
JSON.parse(readFileSync(path.join(SOURCE, 'manifest.json'), 'utf8'));
const entries = Object.fromEntries(names.map((name) => [name, readFileSync(path.join(SOURCE, ...name.split('/')))]));
mkdirSync(path.dirname(TARGET), { recursive: true });
writeFileSync(TARGET, withDates(zipBytes(entries)));
console.log(`[build-extension] ${path.relative(ROOT, TARGET)}: ${names.length} files, ${statSync(TARGET).size} bytes`);
