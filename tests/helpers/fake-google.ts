import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local server speaking Google's OAuth 2.0 / OIDC authorization-code + PKCE protocol. */
export interface FakeGoogle {
  url: string;
  clientId: string;
  clientSecret: string;
  /** The identity the next sign-in returns. */
  user: { sub: string; email: string; email_verified: boolean; name: string };
  tokenRequests: number;
  close(): Promise<void>;
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startFakeGoogle(): Promise<FakeGoogle> {
  const codes = new Map<string, { challenge: string; redirectUri: string; clientId: string }>();
  const fake: FakeGoogle = {
    url: '',
    clientId: 'test-client.apps.googleusercontent.com',
    clientSecret: 'test-secret',
    user: { sub: '1234567890', email: 'gina@example.com', email_verified: true, name: 'Gina' },
    tokenRequests: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', fake.url);
    if (req.method === 'GET' && url.pathname === '/o/oauth2/v2/auth') {
      // The user "consents" at once: redirect back with a code bound to the PKCE challenge.
      const p = url.searchParams;
      if (p.get('response_type') !== 'code' || p.get('code_challenge_method') !== 'S256' || !p.get('scope')?.includes('openid')) {
        res.writeHead(400).end('bad authorization request');
        return;
      }
      const code = randomUUID();
      codes.set(code, { challenge: p.get('code_challenge') ?? '', redirectUri: p.get('redirect_uri') ?? '', clientId: p.get('client_id') ?? '' });
      const back = new URL(p.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', p.get('state') ?? '');
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      fake.tokenRequests += 1;
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
        const grant = codes.get(form.get('code') ?? '');
        const verifierHash = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
        if (!grant || basic !== `${fake.clientId}:${fake.clientSecret}` || verifierHash !== grant.challenge || form.get('redirect_uri') !== grant.redirectUri) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant' }));
          return;
        }
        codes.delete(form.get('code') ?? '');
        const now = Math.floor(Date.now() / 1000);
        const idToken = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: 'https://accounts.google.com', aud: fake.clientId, iat: now, exp: now + 3600, ...fake.user })}.c2lnbmF0dXJl`;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'at', token_type: 'Bearer', expires_in: 3600, id_token: idToken, scope: 'openid email profile' }));
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
