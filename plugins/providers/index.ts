import type { ProviderPlugin } from './sdk/index.ts';
import chatgpt from './chatgpt/index.ts';
import claude from './claude/index.ts';
import deepseek from './deepseek/index.ts';
import example from './example/index.ts';
import gemini from './gemini/index.ts';
import generic from './generic/index.ts';
import grok from './grok/index.ts';
import kimi from './kimi/index.ts';
import mistral from './mistral/index.ts';
import perplexity from './perplexity/index.ts';
import qwen from './qwen/index.ts';
import zai from './zai/index.ts';

/**
 * Built-in providers, an explicit static list (no import-time registration). Order matters for
 * export detection: providers with their own export formats come before `generic`.
 */
export const builtinProviders: readonly ProviderPlugin[] = [chatgpt, claude, gemini, deepseek, grok, kimi, mistral, perplexity, qwen, zai, generic, example];
