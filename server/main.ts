import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '#config';
import { modules as defaultModules } from './composition.ts';
import { buildHttp } from './http.ts';
import { createLogger } from './logger.ts';
import type { ModuleManifest, RuntimeOverrides } from './module.ts';
import { startRuntime, type Runtime } from './runtime.ts';

/** A running VIVIM server. */
export interface Server {
  runtime: Runtime;
  app: FastifyInstance;
  /** Base URL it listens on (http://127.0.0.1:<port>). */
  url: string;
  /** Graceful stop: stop accepting, drain requests, stop the worker, close the database. */
  stop(reason?: string): Promise<void>;
}

/** Boots everything and listens. `port: 0` picks a free port (tests). */
export async function startServer(config: Config, options: { log?: Logger; modules?: readonly ModuleManifest[]; worker?: boolean; overrides?: RuntimeOverrides } = {}): Promise<Server> {
  const log = options.log ?? createLogger(config);
  const startedAt = Date.now();
  const runtime = await startRuntime({ config, log, modules: options.modules ?? defaultModules, worker: options.worker, overrides: options.overrides });
  let ready = false;
  let app: FastifyInstance;
  try {
    app = await buildHttp(runtime, { isReady: () => ({ ready, reasons: ready ? [] : ['starting'] }) });
    await app.listen({ port: config.server.port, host: config.server.host });
  } catch (error) {
    await runtime.stop();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  runtime.lock.setUrl(url);
  ready = true;
  log.info({ url, publicUrl: config.server.publicUrl, ms: Date.now() - startedAt, database: runtime.kernel.database }, 'vivim ready');

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop') => {
    stopping ??= (async () => {
      ready = false;
      log.info({ reason }, 'shutting down');
      const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), config.server.shutdownTimeoutMs).unref());
      const work = (async () => {
        await app.close();
        await runtime.stop();
      })();
      const outcome = await Promise.race([work.then(() => 'done' as const), deadline]);
      if (outcome === 'timeout') {
        log.error({ timeoutMs: config.server.shutdownTimeoutMs }, 'shutdown took too long: forcing');
        runtime.lock.release();
        throw new Error('shutdown timed out');
      }
      log.info('stopped');
    })();
    return stopping;
  };
  return { runtime, app, url, stop };
}
