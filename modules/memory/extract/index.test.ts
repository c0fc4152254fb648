import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { ConfigError, loadConfig } from '#config';
import { createExtractor } from './index.ts';

const log = pino({ level: 'silent' });

describe('createExtractor', () => {
  it('uses the offline rules by default, with no key', () => {
    expect(createExtractor(loadConfig({}), log).id).toBe('offline@1');
  });

  it('uses the configured LLM when MEMORY_EXTRACTOR=llm', () => {
    const config = loadConfig({ MEMORY_EXTRACTOR: 'llm', LLM_PROVIDER: 'anthropic', LLM_MODEL: 'claude-haiku-4-5' });
    expect(createExtractor(config, log).id).toBe('llm:anthropic:claude-haiku-4-5@1');
  });

  it('refuses MEMORY_EXTRACTOR=llm without a provider at config time', () => {
    expect(() => loadConfig({ MEMORY_EXTRACTOR: 'llm' })).toThrow(ConfigError);
  });
});
