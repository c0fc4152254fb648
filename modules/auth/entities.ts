import { defineEntity, p } from '@mikro-orm/core';

export const AuthUser = defineEntity({
  name: 'AuthUser',
  tableName: 'auth_user',
  properties: {
    id: p.uuid().primary(),
    email: p.text().unique(),
    name: p.text().nullable(),
    passwordHash: p.text().nullable().lazy(),
    isAdmin: p.boolean().default(false),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

export const AuthSession = defineEntity({
  name: 'AuthSession',
  tableName: 'auth_session',
  properties: {
    /** sha256 of the token the cookie carries (the token itself is never stored). */
    id: p.text().primary(),
    userId: p.uuid().index(),
    expiresAt: p.datetime(),
    createdAt: p.datetime().defaultRaw('now()'),
    lastSeenAt: p.datetime().defaultRaw('now()'),
    userAgent: p.text().nullable(),
    ip: p.text().nullable(),
  },
});

export const AuthApiKey = defineEntity({
  name: 'AuthApiKey',
  tableName: 'auth_api_key',
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid().index(),
    name: p.text(),
    /** First characters of the key, to recognize it in lists. */
    prefix: p.text(),
    /** sha256 of the whole key. */
    keyHash: p.text().unique(),
    scopes: p.array(),
    createdAt: p.datetime().defaultRaw('now()'),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});

export const AuthOAuthAccount = defineEntity({
  name: 'AuthOAuthAccount',
  tableName: 'auth_oauth_account',
  uniques: [{ properties: ['provider', 'providerUserId'] }],
  properties: {
    id: p.uuid().primary(),
    provider: p.text(),
    providerUserId: p.text(),
    userId: p.uuid().index(),
    email: p.text().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

export const authEntities = [AuthUser, AuthSession, AuthApiKey, AuthOAuthAccount];
