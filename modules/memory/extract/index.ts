import type { Logger } from 'pino';
import type { Config } from '#config';
import { LlmExtractor, llmSettings } from './llm.ts';
import { OfflineExtractor } from './offline.ts';
import type { MemoryExtractor } from './types.ts';

/** The extractor config asks for: offline rules (default) or the configured LLM. */
export function createExtractor(config: Config, log: Logger): MemoryExtractor {
  return config.memory.extractor === 'llm' ? new LlmExtractor(llmSettings(config), log.child({ extractor: 'llm' })) : new OfflineExtractor();
}
