import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { MCP_USER_HEADER } from '#common/mcp.ts';
import type { Actor } from '#server/actor.ts';
import { UnauthenticatedError } from '#server/errors.ts';
import type { HttpDeps } from '#server/module.ts';


function unauthorized(reply: FastifyReply, code: string, message: string) {
  return reply
    .code(401)
    .header('www-authenticate', 'Bearer realm="vivim", error="invalid_token"')
    .send({ error: { code, message } });
}

/**
 * `POST /mcp`: MCP over Streamable HTTP, stateless (a new server and transport per request),
 * authenticated by `Authorization: Bearer <API key>` in a hook scoped to these routes.
 * Browsers may call it only from the CORS allow-list (DNS-rebinding protection).
 */
export async function registerMcpRoute(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const allowedOrigins = new Set(deps.config.server.corsOrigins);
  const actors = new WeakMap<FastifyRequest, Actor>();
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      const origin = request.headers.origin;
      if (origin !== undefined && !allowedOrigins.has(origin)) {
        request.log.warn({ origin }, 'mcp: cross-origin request refused');
        return reply.code(403).send({ error: { code: 'MCP_ORIGIN_REFUSED', message: 'This origin may not call /mcp' } });
      }
      if (!/^Bearer\s+\S+$/i.test(request.headers.authorization ?? '')) return unauthorized(reply, 'AUTH_REQUIRED', 'Send Authorization: Bearer <API key>');
      let actor: Actor | null;
      try {
        actor = await deps.actorOf(request, reply);
      } catch (error) {
        if (error instanceof UnauthenticatedError) return unauthorized(reply, error.code, error.message);
        throw error;
      }
      if (!actor) return unauthorized(reply, 'AUTH_REQUIRED', 'Send Authorization: Bearer <API key>');
      if (actor.via === 'local') {
        // The local CLI token (only readable from the data dir) acts for one user, named by header.
        const email = request.headers[MCP_USER_HEADER];
        actor = await deps.services.mcp.localActor(typeof email === 'string' ? email : undefined);
      }
      deps.limiter.hit(`mcp:user:${actor.userId}`, deps.config.mcp.rateLimitPerMinute);
      actors.set(request, actor);
    });

    scope.post('/mcp', async (request, reply) => {
      const actor = actors.get(request)!;
      const server = deps.services.mcp.createServer(actor, {
        beforeCapture: () => deps.limiter.hit(`capture:user:${actor.userId}`, deps.config.capture.rateLimitPerMinute),
      });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      // The transport writes the response itself: keep the headers set so far (CORS, request id).
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
      reply.raw.setHeader('x-request-id', request.id);
      reply.hijack();
      reply.raw.on('close', () => {
        void transport.close();
        void server.close();
      });
      try {
        await server.connect(transport);
        await transport.handleRequest(request.raw, reply.raw, request.body);
      } catch (error) {
        request.log.error({ err: error }, 'mcp request failed');
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(500, { 'content-type': 'application/json' });
          reply.raw.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null }));
        }
      }
    });

    const notAllowed = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply.code(405).header('allow', 'POST').send({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless (POST only)' }, id: null });
    scope.get('/mcp', notAllowed);
    scope.delete('/mcp', notAllowed);
  });
}
