import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** Where `nuxi generate` writes the PWA. */
export const PUBLIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.output', 'public');
const API_PREFIXES = ['/api/', '/trpc/', '/mcp', '/collab', '/health', '/ready'];

function headersFor(file: string, setHeader: (name: string, value: string) => void): void {
  const name = path.basename(file.replace(/\.(br|gz)$/, ''));
  if (name === 'sw.js') {
    setHeader('cache-control', 'no-store');
    setHeader('service-worker-allowed', '/');
  } else if (name === 'manifest.webmanifest') {
    setHeader('content-type', 'application/manifest+json');
    setHeader('cache-control', 'no-cache');
  } else if (name.endsWith('.html')) {
    setHeader('cache-control', 'no-cache');
  } else if (file.includes(`${path.sep}_nuxt${path.sep}`) || name.startsWith('workbox-')) {
    setHeader('cache-control', 'public, max-age=31536000, immutable');
  }
}

/** Serves the built PWA with an SPA fallback; without a build, a page that says how to build it. */
export async function registerStatic(app: FastifyInstance, log: Logger, root = PUBLIC_DIR): Promise<void> {
  const built = existsSync(path.join(root, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root,
      redirect: false,
      wildcard: true,
      preCompressed: true,
      setHeaders: (reply, file) => headersFor(file, (name, value) => reply.header(name, value)),
    });
  } else {
    log.warn({ root }, 'PWA not built: run `npm run build`');
  }
  app.setNotFoundHandler(async (request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    const isPage = (request.method === 'GET' || request.method === 'HEAD') && !API_PREFIXES.some((p) => url.startsWith(p)) && !/\.[a-z0-9]{1,8}$/i.test(url);
    if (!isPage) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `No route for ${request.method} ${url}` } });
    if (built) return reply.header('cache-control', 'no-cache').sendFile('index.html', root);
    return reply
      .code(503)
      .type('text/html; charset=utf-8')
      .send('<!doctype html><title>VIVIM</title><h1>VIVIM is running</h1><p>The web app is not built yet: run <code>npm run build</code> (or <code>npm start</code>, which builds it).</p><p>The API answers at <a href="/api/openapi.json">/api/openapi.json</a>.</p>');
  });
}
