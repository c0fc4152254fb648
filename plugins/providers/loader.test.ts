import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { readFileSync } from 'node:fs';
import example from './example/index.ts';
import { loadProviders } from './loader.ts';

const log = pino({ level: 'silent' });

describe('loadProviders', () => {
  it('loads valid plugins and skips broken ones with a reason', async () => {
    const registry = await loadProviders(
      [
        { kind: 'builtin', plugin: example },
        { kind: 'builtin', plugin: { ...example, id: 'Bad Id', apiVersion: 2, hosts: ['not a host'] } },
        { kind: 'builtin', plugin: { ...example } },
        { kind: 'package', name: 'vivim-provider-that-does-not-exist' },
      ],
      { log },
    );
    expect(registry.list().map((p) => p.id)).toEqual(['example']);
    const status = registry.status();
    expect(status[0]).toEqual({ id: 'example', source: 'builtin', loaded: true });
    expect(status[1]?.loaded).toBe(false);
    expect(status[1]?.error).toMatch(/invalid manifest: id must be lowercase.*apiVersion must be 1.*hosts\.0 must be a hostname/);
    expect(status[2]).toMatchObject({ loaded: false, error: "duplicate id 'example' (already loaded)" });
    expect(status[3]).toMatchObject({ source: 'package:vivim-provider-that-does-not-exist', loaded: false });
    expect(status[3]?.error).toMatch(/^cannot be imported: /);
  });

  it('finds the provider of a share URL and ignores other hosts', async () => {
    const registry = await loadProviders([{ kind: 'builtin', plugin: example }], { log });
    expect(registry.forUrl(new URL('https://chat.example.com/share/abc123'))).toMatchObject({ provider: { id: 'example' }, sourceId: 'abc123' });
    expect(registry.forUrl(new URL('https://evil.example.net/share/abc123'))).toBeUndefined();
  });
});

describe('example provider', () => {
  it('extracts the exact structure of its fixture page', async () => {
    const html = readFileSync(new URL('./example/fixtures/two-turns.html', import.meta.url), 'utf8');
    const conversation = example.extract({ url: new URL('https://chat.example.com/share/abc123'), html, via: 'fetch' });
    expect(conversation).toEqual({
      provider: 'example',
      sourceId: 'abc123',
      sourceUrl: 'https://chat.example.com/share/abc123',
      title: 'Greeting',
      messages: [
        { sourceId: 'm1', parentSourceId: null, role: 'user', hidden: false, parts: [{ type: 'text', text: 'Hello there', format: 'markdown' }] },
        { sourceId: 'm2', parentSourceId: 'm1', role: 'assistant', hidden: false, parts: [{ type: 'text', text: 'Hi! **How** can I help?', format: 'markdown' }] },
      ],
    });
  });
});
