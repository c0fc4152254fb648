import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, ensureSecretKey, loadConfig } from './index.ts';

describe('loadConfig', () => {
  it('applies defaults when the environment is empty', () => {
    const config = loadConfig({}, { cwd: '/srv/vivim' });
    expect(config.server.port).toBe(3000);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe('/srv/vivim/.vivim-data');
    expect(config.database.url).toBeUndefined();
    expect(config.server.publicUrl).toBe('http://localhost:3000');
    expect(config.worker.inProcess).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('lists every invalid variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', GOOGLE_CLIENT_ID: 'id', VIVIM_WORKER: 'maybe' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.map((i) => i.variable).sort();
    expect(issues).toEqual(['DATABASE_URL', 'GOOGLE_CLIENT_SECRET', 'LOG_LEVEL', 'PORT', 'VIVIM_WORKER']);
    expect((error as ConfigError).message).toContain('PORT: must be a whole number');
    expect((error as ConfigError).message).toContain('GOOGLE_CLIENT_SECRET: set both GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET, or neither');
  });

  it('parses lists and flags', () => {
    const config = loadConfig({ VIVIM_PLUGINS: ' a, @scope/b ,,', VIVIM_WORKER: 'off', CORS_ORIGINS: 'https://x.example' });
    expect(config.plugins.packages).toEqual(['a', '@scope/b']);
    expect(config.worker.inProcess).toBe(false);
    expect(config.server.corsOrigins).toEqual(['http://localhost:3000', 'https://x.example']);
  });
});

describe('ensureSecretKey', () => {
  it('generates a key once, keeps it private and returns it again', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vivim-key-'));
    const config = loadConfig({ VIVIM_DATA_DIR: dir });
    const first = ensureSecretKey(config);
    expect(first).toHaveLength(32);
    expect(ensureSecretKey(config).equals(first)).toBe(true);
    expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, 'secret.key'), 'utf8').trim()).toBe(first.toString('hex'));
  });

  it('prefers VIVIM_SECRET_KEY', () => {
    const key = 'ab'.repeat(32);
    expect(ensureSecretKey(loadConfig({ VIVIM_SECRET_KEY: key })).toString('hex')).toBe(key);
  });
});

describe('loadConfig embeddings', () => {
  it('defaults to the offline model with 512 dimensions', () => {
    expect(loadConfig({}).embeddings).toEqual({
      provider: 'local',
      model: 'use-lite-512',
      url: undefined,
      apiKey: undefined,
      dimensions: 512,
      batchSize: 64,
      timeoutMs: 30000,
      retries: 3,
      threads: 1,
    });
    expect(loadConfig({ EMBEDDING_THREADS: '2' }).embeddings.threads).toBe(2);
    expect(() => loadConfig({ EMBEDDING_THREADS: '0' })).toThrow('EMBEDDING_THREADS');
  });

  it('reads an OpenAI-compatible endpoint, leaving dimensions to the model unless set', () => {
    const env = { EMBEDDING_PROVIDER: 'openai', EMBEDDING_URL: 'http://localhost:11434/v1', EMBEDDING_MODEL: 'nomic-embed-text', EMBEDDING_BATCH: '16' };
    expect(loadConfig(env).embeddings).toMatchObject({ provider: 'openai', model: 'nomic-embed-text', url: 'http://localhost:11434/v1', dimensions: undefined, batchSize: 16 });
    expect(loadConfig({ ...env, EMBEDDING_DIMENSIONS: '256', EMBEDDING_API_KEY: 'sk-x' }).embeddings).toMatchObject({ dimensions: 256, apiKey: 'sk-x' });
  });

  it('requires a URL and a model for openai', () => {
    const error = (() => {
      try {
        loadConfig({ EMBEDDING_PROVIDER: 'openai', EMBEDDING_TIMEOUT_MS: '5' });
      } catch (caught) {
        return caught as ConfigError;
      }
    })();
    expect(error?.issues.map((issue) => issue.variable).sort()).toEqual(['EMBEDDING_MODEL', 'EMBEDDING_TIMEOUT_MS', 'EMBEDDING_URL']);
  });

  it('refuses another model or size for the local provider, and accepts off', () => {
    expect(() => loadConfig({ EMBEDDING_MODEL: 'text-embedding-3-small' })).toThrow('EMBEDDING_MODEL: the local provider has one model');
    expect(() => loadConfig({ EMBEDDING_DIMENSIONS: '768' })).toThrow('EMBEDDING_DIMENSIONS: the local model always gives 512 dimensions');
    expect(() => loadConfig({ EMBEDDING_DIMENSIONS: 'wide', EMBEDDING_PROVIDER: 'openai', EMBEDDING_URL: 'http://x/v1', EMBEDDING_MODEL: 'm' })).toThrow('EMBEDDING_DIMENSIONS: must be a whole number');
    expect(loadConfig({ EMBEDDING_PROVIDER: 'off' }).embeddings.provider).toBe('off');
  });
});
