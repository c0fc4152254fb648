import { CodeChallengeMethod, decodeIdToken, generateCodeVerifier, generateState, OAuth2Client } from 'arctic';
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '#config';
import { NotFoundError, UnauthenticatedError, UnavailableError } from '#server/errors.ts';
import type { AuditLog } from '#server/audit.ts';
import { AuthOAuthAccount, AuthUser } from './entities.ts';
import type { AuthService } from './service.ts';
import { toUserOutput } from './service.ts';
import type { UserOutput } from './schemas.ts';

const idTokenClaims = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  sub: z.string().min(1),
  exp: z.number(),
  email: z.email().optional(),
  email_verified: z.boolean().optional(),
  name: z.string().optional(),
});

/** Google sign-in with arctic: authorization code flow with PKCE and state. */
export class GoogleSignIn {
  private readonly google: NonNullable<Config['auth']['google']>;
  private readonly client: OAuth2Client;
  private readonly em: () => EntityManager;
  private readonly audit: AuditLog;

  constructor(deps: { config: Config; em: () => EntityManager; audit: AuditLog }) {
    const google = deps.config.auth.google;
    if (!google) throw new NotFoundError('AUTH_GOOGLE_DISABLED', {}, 'Google sign-in is not configured');
    this.google = google;
    this.client = new OAuth2Client(google.clientId, google.clientSecret, `${deps.config.server.publicUrl}/api/auth/google/callback`);
    this.em = deps.em;
    this.audit = deps.audit;
  }

  /** The URL to send the browser to, with the state and PKCE verifier to keep in cookies. */
  start(): { url: URL; state: string; codeVerifier: string } {
    const state = generateState();
    const codeVerifier = generateCodeVerifier();
    const url = this.client.createAuthorizationURLWithPKCE(this.google.authUrl, state, CodeChallengeMethod.S256, codeVerifier, ['openid', 'email', 'profile']);
    return { url, state, codeVerifier };
  }

  /**
   * Exchanges the code, checks the ID token's claims (received directly from the token endpoint
   * over TLS, OIDC Core 3.1.3.7), then finds or creates the user: by Google account first, then by
   * verified email (linking), else a new account.
   */
  async finish(code: string, codeVerifier: string, auth: AuthService): Promise<UserOutput> {
    let claims: z.infer<typeof idTokenClaims>;
    try {
      const tokens = await this.client.validateAuthorizationCode(this.google.tokenUrl, code, codeVerifier);
      claims = idTokenClaims.parse(decodeIdToken(tokens.idToken()));
    } catch (error) {
      throw new UnauthenticatedError('AUTH_OAUTH_EXCHANGE_FAILED', 'Google did not accept the sign-in', { reason: error instanceof Error ? error.message : String(error) });
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const issuers = [this.google.issuer, this.google.issuer.replace(/^https:\/\//, '')];
    if (!issuers.includes(claims.iss) || !audiences.includes(this.google.clientId) || claims.exp * 1000 < Date.now()) {
      throw new UnauthenticatedError('AUTH_OAUTH_TOKEN_INVALID', 'The Google ID token is not for this application or has expired');
    }
    const em = this.em();
    const linked = await em.findOne(AuthOAuthAccount, { provider: 'google', providerUserId: claims.sub });
    if (linked) {
      const user = await em.findOne(AuthUser, { id: linked.userId });
      if (!user) throw new UnavailableError('AUTH_OAUTH_ORPHAN', 'The linked account no longer exists');
      return toUserOutput(user);
    }
    if (!claims.email || claims.email_verified !== true) {
      throw new UnauthenticatedError('AUTH_OAUTH_EMAIL_UNVERIFIED', 'Google did not confirm an email address for this account');
    }
    const email = claims.email.toLowerCase();
    const existing = await em.findOne(AuthUser, { email }, { populate: ['passwordHash'] });
    // Sign-up by password never proves the email: an account that has a password is not taken over
    // by whoever signs in with Google under that address. Its owner signs in with the password.
    if (existing?.passwordHash) {
      await this.audit.record({ actorId: existing.id, action: 'auth.googleLinkRefused' });
      throw new UnauthenticatedError('AUTH_OAUTH_ACCOUNT_EXISTS', 'An account with this email already exists: sign in with its password');
    }
    const userOutput = existing ? toUserOutput(existing) : await auth.createUser({ email, password: null, name: claims.name, isAdmin: false }, { promoteFirst: true });
    em.create(AuthOAuthAccount, { id: randomUUID(), provider: 'google', providerUserId: claims.sub, userId: userOutput.id, email, createdAt: new Date() });
    await em.flush();
    await this.audit.record({ actorId: userOutput.id, action: 'auth.googleLinked' });
    return userOutput;
  }
}
