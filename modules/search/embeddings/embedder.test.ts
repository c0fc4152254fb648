import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '#config';
import { createEmbedder } from './embedder.ts';
import { OpenAiEmbedder } from './openai.ts';
import { UseLiteEmbedder } from './use-lite.ts';

const log = pino({ level: 'silent' });

describe('createEmbedder', () => {
  it('builds the embedder the config names, without loading or connecting', async () => {
    const local = createEmbedder(loadConfig({}).embeddings, log);
    expect(local).toBeInstanceOf(UseLiteEmbedder);
    expect(local).toMatchObject({ id: 'use-lite-512', dims: 512 });
    await local?.close();

    const remote = createEmbedder(
      loadConfig({ EMBEDDING_PROVIDER: 'openai', EMBEDDING_URL: 'https://api.openai.com/v1', EMBEDDING_MODEL: 'text-embedding-3-small', EMBEDDING_DIMENSIONS: '512' }).embeddings,
      log,
    );
    expect(remote).toBeInstanceOf(OpenAiEmbedder);
    expect(remote).toMatchObject({ id: 'openai:text-embedding-3-small@512', dims: 512, maxTokens: 8191 });
  });

  it('returns null when embeddings are off', () => {
    expect(createEmbedder(loadConfig({ EMBEDDING_PROVIDER: 'off' }).embeddings, log)).toBeNull();
  });
});
