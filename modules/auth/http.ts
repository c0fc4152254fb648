import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DomainError } from '#server/errors.ts';
import type { HttpDeps } from '#server/module.ts';

const STATE_COOKIE = 'vivim_oauth_state';
const VERIFIER_COOKIE = 'vivim_oauth_verifier';
const callbackQuery = z.object({ code: z.string().min(1).max(2048), state: z.string().min(1).max(512) });

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Google sign-in redirects: /api/auth/google → Google → /api/auth/google/callback. */
export function registerAuthRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const cookie = { path: '/api/auth/google', httpOnly: true, sameSite: 'lax' as const, secure: deps.config.server.publicUrl.startsWith('https:'), maxAge: 600, signed: true };
  const failed = (code: string) => `/signin?error=${encodeURIComponent(code)}`;

  app.get('/api/auth/google', async (_request, reply) => {
    const google = deps.services.google;
    if (!google) return reply.code(404).send({ error: { code: 'AUTH_GOOGLE_DISABLED', message: 'Google sign-in is not configured' } });
    const { url, state, codeVerifier } = google.start();
    reply.setCookie(STATE_COOKIE, state, cookie).setCookie(VERIFIER_COOKIE, codeVerifier, cookie);
    return reply.redirect(url.toString(), 302);
  });

  app.get('/api/auth/google/callback', async (request, reply) => {
    const google = deps.services.google;
    if (!google) return reply.code(404).send({ error: { code: 'AUTH_GOOGLE_DISABLED', message: 'Google sign-in is not configured' } });
    reply.clearCookie(STATE_COOKIE, { path: cookie.path }).clearCookie(VERIFIER_COOKIE, { path: cookie.path });
    deps.limiter.hit(`auth:${request.ip}`, deps.config.auth.rateLimitPerMinute);
    const query = callbackQuery.safeParse(request.query);
    const state = request.unsignCookie(request.cookies[STATE_COOKIE] ?? '');
    const verifier = request.unsignCookie(request.cookies[VERIFIER_COOKIE] ?? '');
    if (!query.success || !state.valid || !verifier.valid || !state.value || !verifier.value || !same(state.value, query.data.state)) {
      request.log.warn({ ip: request.ip }, 'oauth callback with bad state');
      await deps.audit.record({ action: 'auth.oauthStateRejected', ip: request.ip });
      return reply.code(400).type('application/json').send({ error: { code: 'AUTH_OAUTH_STATE_MISMATCH', message: 'The sign-in link expired or was not started here: try again' } });
    }
    try {
      const user = await google.finish(query.data.code, verifier.value, deps.services.auth);
      const session = await deps.services.auth.createSession(user, { ip: request.ip, userAgent: request.headers['user-agent'] });
      deps.setSessionCookie(reply, session);
      return reply.redirect('/', 302);
    } catch (error) {
      if (error instanceof DomainError) {
        request.log.warn({ code: error.code, details: error.details }, 'google sign-in refused');
        return reply.redirect(failed(error.code), 302);
      }
      throw error;
    }
  });
}
