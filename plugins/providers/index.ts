import type { ProviderPlugin } from './sdk/index.ts';
import example from './example/index.ts';

/** Built-in providers, an explicit static list (no import-time registration). */
export const builtinProviders: readonly ProviderPlugin[] = [example];
