import { hash, verify } from '@node-rs/argon2';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import type { Config } from '#config';
import type { Actor } from '#server/actor.ts';
import { ConflictError, NotFoundError, UnauthenticatedError } from '#server/errors.ts';
import type { AuditLog } from '#server/audit.ts';
import { AuthSession, AuthUser } from './entities.ts';
import type { CreateUserInput, SessionOutput, SignInInput, SignUpInput, UserOutput } from './schemas.ts';
import { generateToken, hashToken } from './tokens.ts';

type UserRow = InstanceType<typeof AuthUser.class>;

const DAY = 24 * 60 * 60 * 1000;
// A real argon2id hash of a random password: signing in as an unknown email costs the same time.
const DUMMY_HASH = await hash(generateToken());

export function toUserOutput(user: UserRow): UserOutput {
  return { id: user.id, email: user.email, name: user.name ?? null, isAdmin: user.isAdmin, createdAt: user.createdAt };
}

/** Where a request came from, for sessions and audit. */
export interface ClientInfo {
  ip: string;
  userAgent: string | undefined;
}

/** A created session: the token goes into the cookie once and is never stored. */
export interface NewSession {
  token: string;
  expiresAt: Date;
  user: UserOutput;
}

/** Users, passwords and database sessions (Lucia's session model on @oslojs). */
export class AuthService {
  private readonly em: () => EntityManager;
  private readonly log: Logger;
  private readonly ttlMs: number;
  private readonly audit: AuditLog;

  constructor(deps: { em: () => EntityManager; log: Logger; config: Config; audit: AuditLog }) {
    this.em = deps.em;
    this.log = deps.log;
    this.ttlMs = deps.config.auth.sessionTtlDays * DAY;
    this.audit = deps.audit;
  }

  /** Creates an account; the very first account becomes an administrator. */
  async signUp(input: SignUpInput, client: ClientInfo): Promise<NewSession> {
    const user = await this.createUser({ ...input, isAdmin: false }, { promoteFirst: true });
    await this.audit.record({ actorId: user.id, action: 'auth.signedUp', ip: client.ip });
    return this.createSession(user, client);
  }

  /** Creates a user (admin and CLI path). The first user always becomes admin unless promoteFirst is false. */
  async createUser(input: Omit<CreateUserInput, 'password'> & { password: string | null }, options: { promoteFirst?: boolean } = {}): Promise<UserOutput> {
    // null: an account that signs in only with Google (no password can match).
    const passwordHash = input.password === null ? null : await hash(input.password);
    const em = this.em();
    try {
      const user = await em.transactional(async (tx) => {
        // The table lock makes "first user becomes admin" safe under concurrent sign-ups.
        await tx.execute('lock table auth_user in share row exclusive mode');
        const isFirst = (await tx.count(AuthUser, {})) === 0;
        const created = tx.create(AuthUser, {
          id: randomUUID(),
          email: input.email,
          name: input.name ?? null,
          passwordHash,
          isAdmin: input.isAdmin || (options.promoteFirst !== false && isFirst),
          createdAt: new Date(),
          updatedAt: new Date(),
        });
        await tx.flush();
        return created;
      });
      this.log.info({ userId: user.id, isAdmin: user.isAdmin }, 'user created');
      return toUserOutput(user);
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw new ConflictError('AUTH_EMAIL_TAKEN', 'An account with this email already exists');
      }
      throw error;
    }
  }

  /** Checks a password; the same error for an unknown email and a wrong password. */
  async signIn(input: SignInInput, client: ClientInfo): Promise<NewSession> {
    const em = this.em();
    const user = await em.findOne(AuthUser, { email: input.email }, { populate: ['passwordHash'] });
    const valid = await verify(user?.passwordHash ?? DUMMY_HASH, input.password);
    if (!user || !user.passwordHash || !valid) {
      await this.audit.record({ actorId: user?.id ?? null, action: 'auth.signInFailed', ip: client.ip, details: { email: input.email } });
      throw new UnauthenticatedError('AUTH_INVALID_CREDENTIALS', 'Wrong email or password');
    }
    await this.audit.record({ actorId: user.id, action: 'auth.signedIn', ip: client.ip });
    return this.createSession(toUserOutput(user), client);
  }

  /** Starts a session for a user who proved who they are (password or Google). */
  async createSession(user: UserOutput, client: ClientInfo): Promise<NewSession> {
    const token = generateToken();
    const expiresAt = new Date(Date.now() + this.ttlMs);
    const em = this.em();
    em.create(AuthSession, {
      id: hashToken(token),
      userId: user.id,
      expiresAt,
      createdAt: new Date(),
      lastSeenAt: new Date(),
      userAgent: client.userAgent?.slice(0, 300) ?? null,
      ip: client.ip,
    });
    await em.flush();
    return { token, expiresAt, user };
  }

  /**
   * Resolves a session token. Expired sessions are deleted; a session past half its lifetime is
   * extended (sliding expiry) and the new expiry returned so the cookie can be refreshed.
   */
  async validateSession(token: string): Promise<{ actor: Actor; renewedUntil?: Date } | null> {
    const em = this.em();
    const session = await em.findOne(AuthSession, { id: hashToken(token) });
    if (!session) return null;
    const now = Date.now();
    if (session.expiresAt.getTime() <= now) {
      await em.nativeDelete(AuthSession, { id: session.id });
      return null;
    }
    const user = await em.findOne(AuthUser, { id: session.userId });
    if (!user) return null;
    let renewedUntil: Date | undefined;
    if (session.expiresAt.getTime() - now < this.ttlMs / 2) {
      renewedUntil = new Date(now + this.ttlMs);
      await em.nativeUpdate(AuthSession, { id: session.id }, { expiresAt: renewedUntil, lastSeenAt: new Date() });
    } else if (now - session.lastSeenAt.getTime() > 60_000) {
      await em.nativeUpdate(AuthSession, { id: session.id }, { lastSeenAt: new Date() });
    }
    return { actor: { userId: user.id, isAdmin: user.isAdmin, via: 'session', scopes: undefined, sessionId: session.id }, renewedUntil };
  }

  /** Ends one session (sign out). */
  async signOut(actor: Actor): Promise<void> {
    if (actor.sessionId) await this.em().nativeDelete(AuthSession, { id: actor.sessionId, userId: actor.userId });
  }

  /** Ends every session of the user but the current one; returns how many ended. */
  async signOutOthers(actor: Actor): Promise<number> {
    const count = await this.em().nativeDelete(AuthSession, {
      userId: actor.userId,
      ...(actor.sessionId ? { id: { $ne: actor.sessionId } } : {}),
    });
    await this.audit.record({ actorId: actor.userId, action: 'auth.signedOutEverywhere', details: { count } });
    return count;
  }

  /** The user's active sessions. */
  async listSessions(actor: Actor): Promise<SessionOutput[]> {
    const sessions = await this.em().find(AuthSession, { userId: actor.userId, expiresAt: { $gt: new Date() } }, { orderBy: { lastSeenAt: 'desc' } });
    return sessions.map((s) => ({
      id: s.id.slice(0, 16),
      current: s.id === actor.sessionId,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      expiresAt: s.expiresAt,
      userAgent: s.userAgent ?? null,
      ip: s.ip ?? null,
    }));
  }

  /** The signed-in user. */
  async me(actor: Actor): Promise<UserOutput> {
    const user = await this.em().findOne(AuthUser, { id: actor.userId });
    if (!user) throw new NotFoundError('AUTH_USER_NOT_FOUND');
    return toUserOutput(user);
  }

  /** A user by email (admin and CLI). */
  async findByEmail(email: string): Promise<UserOutput> {
    const user = await this.em().findOne(AuthUser, { email });
    if (!user) throw new NotFoundError('AUTH_USER_NOT_FOUND', { email }, `No user with email ${email}`);
    return toUserOutput(user);
  }

  /** Every user (admin). */
  async listUsers(): Promise<UserOutput[]> {
    return (await this.em().find(AuthUser, {}, { orderBy: { createdAt: 'asc' } })).map(toUserOutput);
  }

  /** True once any account exists (the PWA shows "create the first account" otherwise). */
  async hasUsers(): Promise<boolean> {
    return (await this.em().count(AuthUser, {})) > 0;
  }
}
