import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import { TRPCError } from '@trpc/server';
import { fastifyTRPCOpenApiPlugin, generateOpenApiDocument } from 'trpc-to-openapi';
import type { Actor } from './actor.ts';
import { appRouter, type AppRouter } from './composition.ts';
import { DomainError, HTTP_STATUS, UnauthenticatedError } from './errors.ts';
import type { HttpDeps } from './module.ts';
import { RateLimiter } from './rate-limit.ts';
import type { Runtime } from './runtime.ts';
import { LOCAL_ACTOR } from './local-context.ts';
import { VERSION } from './runtime.ts';
import { registerStatic } from './static.ts';
import type { Context } from './trpc.ts';

export const SESSION_COOKIE = 'vivim_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);


function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? '';
}

/** Builds the Fastify app over a started runtime: security, tRPC, REST + OpenAPI, health, PWA. */
export async function buildHttp(runtime: Runtime, options: { isReady: () => { ready: boolean; reasons: string[] } }): Promise<FastifyInstance> {
  const { config, log } = runtime;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    trustProxy: config.server.trustProxy,
    bodyLimit: 25 * 1024 * 1024,
    routerOptions: { maxParamLength: 5000 },
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.-]{8,100}$/.test(incoming) ? incoming : randomUUID();
    },
  });
  const limiter = new RateLimiter();
  const secure = config.server.publicUrl.startsWith('https:');
  const setSessionCookie = (reply: FastifyReply, session: { token: string; expiresAt: Date } | null) => {
    if (session) {
      reply.setCookie(SESSION_COOKIE, session.token, { path: '/', httpOnly: true, sameSite: 'lax', secure, expires: session.expiresAt });
    } else {
      reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure });
    }
  };

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  await app.register(multipart, { limits: { fileSize: config.capture.maxUploadBytes, files: 1, fields: 10 } });
  await app.register(cookie, { secret: createHmac('sha256', runtime.secretKey).update('cookie-signing').digest('hex') });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // Nuxt's SPA shell carries a small inline config script.
        scriptSrc: ["'self'", "'unsafe-inline'", "'wasm-unsafe-eval'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', 'https:'],
        connectSrc: ["'self'"],
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: secure ? [] : null,
      },
    },
    hsts: secure,
  });
  const allowed = new Set(config.server.corsOrigins);
  // The capture endpoint also answers the supported providers' pages (bookmarklet, extension), with
  // an API key and never with cookies; every other endpoint keeps the allow-list.
  const providerOrigins = new Set(runtime.providers.list().flatMap((p) => p.hosts.map((host) => `https://${host}`)));
  const CAPTURE_PATHS = new Set(['/api/v1/capture', '/trpc/capture.create']);
  const isCapturePath = (path: string) => CAPTURE_PATHS.has(path) || /^\/api\/v1\/capture\/\d{1,19}$/.test(path);
  await app.register(cors, {
    delegator: (request, callback) => {
      const origin = request.headers.origin;
      const path = (request.url ?? '').split('?')[0] ?? '';
      if (origin && isCapturePath(path) && providerOrigins.has(origin)) {
        return callback(null, { origin, credentials: false, methods: ['GET', 'POST', 'OPTIONS'], allowedHeaders: ['authorization', 'content-type'], exposedHeaders: ['x-request-id'], maxAge: 600 });
      }
      return callback(null, { origin: !origin || allowed.has(origin) ? (origin ?? false) : false, credentials: true, exposedHeaders: ['x-request-id'] });
    },
  });

  // Requests to the API are foreground work: background jobs let them through the database first.
  const foreground = new WeakMap<object, () => void>();
  const FOREGROUND = /^\/(api|trpc|mcp)(\/|$)/;
  app.addHook('onRequest', async (request) => {
    if (FOREGROUND.test(request.url)) foreground.set(request, runtime.jobs.foreground.enter());
  });
  const leave = async (request: object) => foreground.get(request)?.();
  app.addHook('onResponse', leave);
  app.addHook('onRequestAbort', leave);

  // CSRF: a state-changing request that relies on the session cookie must come from an allowed origin.
  app.addHook('onRequest', async (request, reply) => {
    if (SAFE_METHODS.has(request.method) || bearerOf(request) !== undefined || !request.headers.cookie?.includes(`${SESSION_COOKIE}=`)) return;
    let origin = request.headers.origin;
    if (!origin && request.headers.referer) {
      try {
        origin = new URL(request.headers.referer).origin;
      } catch {
        origin = undefined;
      }
    }
    const self = `${request.protocol}://${request.host}`;
    if (!origin || (!allowed.has(origin) && origin !== self)) {
      request.log.warn({ origin }, 'cross-site request refused');
      return reply.code(403).send({ error: { code: 'CSRF_ORIGIN_REFUSED', message: 'Cross-site request refused' } });
    }
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof DomainError) {
      return reply.code(HTTP_STATUS[error.kind]).send({ error: { code: error.code, message: error.message, details: error.details } });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send({ error: { code: (error as { code?: string }).code ?? 'BAD_REQUEST', message: (error as Error).message } });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'Internal server error' } });
  });

  /** The caller of a request: API key (Bearer), the local CLI token, or the session cookie (renewed when due). */
  const resolveActor = async (req: FastifyRequest, res: FastifyReply): Promise<Actor | null> => {
    const bearer = bearerOf(req);
    if (bearer !== undefined) {
      const actor = sameSecret(bearer, runtime.localToken) ? LOCAL_ACTOR : await runtime.services.authenticator.authenticateApiKey(bearer);
      if (!actor) throw new UnauthenticatedError('AUTH_INVALID_API_KEY', 'Invalid or revoked API key');
      return actor;
    }
    const token = req.cookies[SESSION_COOKIE];
    if (!token) return null;
    const result = await runtime.services.authenticator.validateSession(token);
    if (!result) {
      setSessionCookie(res, null);
      return null;
    }
    if (result.renewedUntil) setSessionCookie(res, { token, expiresAt: result.renewedUntil });
    return result.actor;
  };

  const createContext = async ({ req, res }: { req: FastifyRequest; res: FastifyReply }): Promise<Context> => {
    let actor: Actor | null;
    try {
      actor = await resolveActor(req, res);
    } catch (error) {
      if (error instanceof UnauthenticatedError) throw new TRPCError({ code: 'UNAUTHORIZED', message: error.message });
      throw error;
    }
    return {
      actor,
      services: runtime.services,
      jobs: runtime.jobs,
      log: req.log,
      requestId: req.id,
      ip: req.ip,
      userAgent: req.headers['user-agent'],
      setSessionCookie: (session) => setSessionCookie(res, session),
      limiter,
      rateLimits: { auth: config.auth.rateLimitPerMinute, capture: config.capture.rateLimitPerMinute },
      isDev: config.env !== 'production',
    };
  };

  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext,
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR' && !(error.cause instanceof DomainError)) log.error({ err: error.cause ?? error, path }, 'trpc error');
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
  });
  await app.register(fastifyTRPCOpenApiPlugin, { basePath: '/api', router: appRouter, createContext });
  const openApi = generateOpenApiDocument(appRouter, {
    title: 'VIVIM API',
    version: VERSION,
    baseUrl: `${config.server.publicUrl}/api`,
    description: 'REST view of the tRPC procedures. Authenticate with `Authorization: Bearer <API key>`.',
    securitySchemes: { Authorization: { type: 'http', scheme: 'bearer' } },
  });
  app.get('/api/openapi.json', async () => openApi);

  app.get('/health', async () => ({ status: 'ok', version: VERSION }));
  /** Ready to serve; with `?idle=1`, also no job queued or running (a fresh import is fully indexed and searchable). */
  app.get('/ready', async (request, reply) => {
    const state = options.isReady();
    const databaseReady = state.ready ? await runtime.kernel.databaseReady() : false;
    const reasons = [...state.reasons, ...(state.ready && !databaseReady ? ['database not answering'] : [])];
    if (config.worker.inProcess && !runtime.kernel.workerRunning()) reasons.push('worker not running');
    let jobs: number | undefined;
    const idle = (request.query as Record<string, unknown> | undefined)?.idle;
    if ((idle === '1' || idle === 'true') && databaseReady) {
      jobs = await runtime.jobs.pendingCount();
      if (jobs > 0) reasons.push(`${jobs} job${jobs === 1 ? '' : 's'} queued or running`);
    }
    return reply.code(reasons.length ? 503 : 200).send({ ready: reasons.length === 0, reasons, database: runtime.kernel.database, worker: runtime.kernel.workerRunning(), ...(jobs === undefined ? {} : { jobs }) });
  });

  const httpDeps: HttpDeps = { ...runtime.deps, services: runtime.services, limiter, setSessionCookie, actorOf: resolveActor };
  for (const module of runtime.modules) await module.http?.(app, httpDeps);
  await registerStatic(app, log);
  return app;
}
