import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { apiKeyScope, type ApiKeyScope } from '#common/auth.ts';
import type { Actor } from '#server/actor.ts';
import { ForbiddenError, NotFoundError } from '#server/errors.ts';
import type { AuditLog } from '#server/audit.ts';
import { AuthApiKey, AuthUser } from './entities.ts';
import type { ApiKeyOutput, CreateApiKeyInput, CreatedApiKey } from './schemas.ts';
import { API_KEY_PREFIX, generateToken, hashToken } from './tokens.ts';

type ApiKeyRow = InstanceType<typeof AuthApiKey.class>;

function toOutput(key: ApiKeyRow): ApiKeyOutput {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes.map((s) => apiKeyScope.parse(s)),
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt ?? null,
    revokedAt: key.revokedAt ?? null,
  };
}

/** API keys: shown once, stored as sha256, scoped, revocable, with last-used time. */
export class ApiKeyService {
  private readonly em: () => EntityManager;
  private readonly audit: AuditLog;

  constructor(deps: { em: () => EntityManager; audit: AuditLog }) {
    this.em = deps.em;
    this.audit = deps.audit;
  }

  /** Creates a key for the actor's user (or `userId` when an admin acts for someone). */
  async create(actor: Actor, input: CreateApiKeyInput, userId: string = actor.userId): Promise<CreatedApiKey> {
    // Keys are minted by a person (session, local CLI) or an admin-scoped key: a leaked 'write' key
    // must not be able to breed fresh keys that outlive its revocation.
    if (actor.via === 'apikey' && !actor.scopes?.includes('admin')) {
      throw new ForbiddenError('AUTH_SCOPE_NOT_ALLOWED', "Only a signed-in session or an API key with the 'admin' scope can create API keys");
    }
    if (input.scopes.includes('admin')) {
      const em = this.em();
      const owner = await em.findOne(AuthUser, { id: userId });
      if (!owner?.isAdmin) throw new ForbiddenError('AUTH_SCOPE_NOT_ALLOWED', "Only administrators' keys may carry the 'admin' scope");
    }
    // A key may not grant more than the credential creating it.
    if (actor.scopes && !input.scopes.every((s) => actor.scopes?.includes(s) || actor.scopes?.includes('admin'))) {
      throw new ForbiddenError('AUTH_SCOPE_NOT_ALLOWED', 'A key cannot grant scopes its creator lacks');
    }
    const key = `${API_KEY_PREFIX}${generateToken(32)}`;
    const em = this.em();
    const row = em.create(AuthApiKey, {
      id: randomUUID(),
      userId,
      name: input.name,
      prefix: key.slice(0, API_KEY_PREFIX.length + 6),
      keyHash: hashToken(key),
      scopes: [...new Set(input.scopes)],
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    });
    await em.flush();
    await this.audit.record({ actorId: actor.via === 'local' ? null : actor.userId, action: 'auth.apiKeyCreated', targetId: row.id, details: { userId, scopes: row.scopes } });
    return { id: row.id, key, prefix: row.prefix, scopes: toOutput(row).scopes };
  }

  /** The user's keys, newest first (never the key itself). */
  async list(userId: string): Promise<ApiKeyOutput[]> {
    const rows = await this.em().find(AuthApiKey, { userId }, { orderBy: { createdAt: 'desc' } });
    return rows.map(toOutput);
  }

  /** Revokes one of the user's keys; another user's key is NOT_FOUND. */
  async revoke(actor: Actor, id: string, userId: string = actor.userId): Promise<ApiKeyOutput> {
    const em = this.em();
    const row = await em.findOne(AuthApiKey, { id, userId });
    if (!row) throw new NotFoundError('AUTH_API_KEY_NOT_FOUND', { id });
    if (!row.revokedAt) {
      row.revokedAt = new Date();
      await em.flush();
      await this.audit.record({ actorId: actor.via === 'local' ? null : actor.userId, action: 'auth.apiKeyRevoked', targetId: id });
    }
    return toOutput(row);
  }

  /** Resolves a bearer key to an actor; null for unknown or revoked keys. */
  async authenticate(key: string): Promise<Actor | null> {
    if (!key.startsWith(API_KEY_PREFIX)) return null;
    const em = this.em();
    const row = await em.findOne(AuthApiKey, { keyHash: hashToken(key) });
    if (!row || row.revokedAt) return null;
    const user = await em.findOne(AuthUser, { id: row.userId });
    if (!user) return null;
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
      await em.nativeUpdate(AuthApiKey, { id: row.id }, { lastUsedAt: new Date() });
    }
    const scopes: ApiKeyScope[] = row.scopes.map((s) => apiKeyScope.parse(s));
    return { userId: user.id, isAdmin: user.isAdmin, via: 'apikey', scopes, apiKeyId: row.id };
  }
}
