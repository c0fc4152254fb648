import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import pino from 'pino';
import { registerStatic } from '#server/static.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const plugin = (name: string) => fileURLToPath(new URL(`../../fixtures/plugins/${name}`, import.meta.url));

let t: TestServer;
let adminKey: string;
beforeAll(async () => {
  t = await startTestServer({ env: { VIVIM_PLUGINS: [plugin('third-party.mjs'), plugin('broken-manifest.mjs'), plugin('throws-on-import.mjs'), 'vivim-plugin-not-installed'].join(',') } });
  const admin = await t.signUp('root@example.com');
  adminKey = (await t.call('POST', '/api/v1/auth/api-keys', { cookie: admin.cookie, body: { scopes: ['read', 'admin'] } })).body.key;
});
afterAll(() => t?.dispose());

describe('operations endpoints', () => {
  it('answers /health and /ready', async () => {
    expect((await t.call('GET', '/health')).body).toMatchObject({ status: 'ok' });
    expect((await t.call('GET', '/ready')).body).toEqual({ ready: true, reasons: [], database: 'embedded', worker: true });
  });

  it('serves the OpenAPI document for /api/v1 and /api/admin with bearer security', async () => {
    const doc = (await t.call('GET', '/api/openapi.json')).body;
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.servers[0].url).toBe('http://localhost:3000/api');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/auth/sign-in', '/v1/auth/api-keys', '/v1/jobs/{id}', '/admin/system', '/admin/users']));
    expect(doc.paths['/v1/auth/sign-in'].post.requestBody).toBeDefined();
    expect(doc.components.securitySchemes.Authorization).toEqual({ type: 'http', scheme: 'bearer' });
  });

  it('maps domain errors to HTTP statuses on REST with a JSON body', async () => {
    const missing = await t.call('GET', '/api/v1/jobs/999999', { bearer: adminKey });
    expect(missing.status).toBe(404);
    const unauthenticated = await t.call('GET', '/api/v1/auth/me');
    expect(unauthenticated.status).toBe(401);
    const bad = await t.call('GET', '/api/v1/jobs/not-a-number', { bearer: adminKey });
    expect(bad.status).toBe(400);
    const unknownApi = await t.call('GET', '/api/v9/nothing');
    expect(unknownApi.status).toBe(404);
  });
});

describe('provider plugins', () => {
  it('loads the built-in and third-party plugins and reports the broken ones, still starting', async () => {
    const system = (await t.call('GET', '/api/admin/system', { bearer: adminKey })).body;
    expect([...system.modules].sort()).toEqual(['admin', 'auth', 'capture', 'context', 'knowledge', 'mcp', 'memory', 'search']);
    const byId = (id: string | undefined, source?: string) => system.providers.find((p: { id?: string; source: string }) => (source ? p.source.endsWith(source) : p.id === id));
    expect(byId('example')).toMatchObject({ loaded: true, source: 'builtin' });
    expect(byId('thirdparty')).toMatchObject({ loaded: true });
    expect(byId(undefined, 'broken-manifest.mjs')).toMatchObject({ id: 'broken', loaded: false });
    expect(byId(undefined, 'broken-manifest.mjs').error).toMatch(/apiVersion must be 1/);
    expect(byId(undefined, 'throws-on-import.mjs').error).toBe('cannot be imported: plugin exploded at import');
    expect(byId(undefined, 'vivim-plugin-not-installed')).toMatchObject({ loaded: false });
  });
});

describe('static PWA serving', () => {
  it('serves files, falls back to index.html for app routes, and answers JSON 404 for API paths', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'vivim-static-'));
    mkdirSync(path.join(root, '_nuxt'));
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>VIVIM</title>');
    writeFileSync(path.join(root, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(path.join(root, 'manifest.webmanifest'), '{"name":"VIVIM"}');
    writeFileSync(path.join(root, '_nuxt', 'app.abc.js'), 'console.log(1)');
    const app = Fastify();
    await registerStatic(app, pino({ level: 'silent' }), root);
    try {
      const deep = await app.inject('/library/some/conversation');
      expect(deep.statusCode).toBe(200);
      expect(deep.body).toContain('<title>VIVIM</title>');
      expect(deep.headers['cache-control']).toBe('no-cache');
      const sw = await app.inject('/sw.js');
      expect(sw.headers['cache-control']).toBe('no-store');
      expect(sw.headers['service-worker-allowed']).toBe('/');
      expect((await app.inject('/manifest.webmanifest')).headers['content-type']).toContain('application/manifest+json');
      expect((await app.inject('/_nuxt/app.abc.js')).headers['cache-control']).toContain('immutable');
      const api = await app.inject('/api/v1/nothing');
      expect(api.statusCode).toBe(404);
      expect(api.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No route for GET /api/v1/nothing' } });
      expect((await app.inject('/missing.png')).statusCode).toBe(404);
    } finally {
      await app.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
