import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ProviderError, type ProviderLog } from '../index.ts';

/*
 * Test support for provider tests: the shared real-world fixtures, a silent logger, and the
 * ProviderError an extraction throws. Never imported by a plugin itself.
 */

/** Where the shared real-world fixtures are: `shared/fixtures/` beside the project's root folder. */
export const sharedFixturesDir = fileURLToPath(new URL('../../../../../shared/fixtures/', import.meta.url));

/** A file of the shared real-world fixtures, as text (read in place, never copied into the repo). */
export function sharedFixture(relative: string): string {
  const file = fileURLToPath(new URL(relative, `file://${sharedFixturesDir}`));
  if (!existsSync(file)) throw new Error(`shared fixture missing: ${file} (the shared/ folder must sit beside the project, see shared/fixtures/README.md)`);
  return readFileSync(file, 'utf8');
}

/** A logger that drops everything. */
export const silentLog: ProviderLog = { info: () => undefined, warn: () => undefined, debug: () => undefined };

/** The ProviderError `run` throws; any other error is rethrown, and returning normally fails the test. */
export function providerError(run: () => unknown): ProviderError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('expected a ProviderError');
}
