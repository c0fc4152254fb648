import type { ProviderPlugin } from './sdk/index.ts';
import chatgpt from './chatgpt/index.ts';
import claude from './claude/index.ts';
import example from './example/index.ts';
import gemini from './gemini/index.ts';

/** Built-in providers, an explicit static list (no import-time registration). */
export const builtinProviders: readonly ProviderPlugin[] = [chatgpt, claude, gemini, example];
