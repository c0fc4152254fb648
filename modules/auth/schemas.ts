import { z } from 'zod';
import { apiKeyScope, emailInput, passwordInput } from '#common/auth.ts';

export const signUpInput = z.object({ email: emailInput, password: passwordInput, name: z.string().trim().max(120).optional() });
export type SignUpInput = z.infer<typeof signUpInput>;

export const signInInput = z.object({ email: emailInput, password: z.string().min(1).max(256) });
export type SignInInput = z.infer<typeof signInInput>;

export const createUserInput = signUpInput.extend({ isAdmin: z.boolean().default(false) });
export type CreateUserInput = z.infer<typeof createUserInput>;

export const userOutput = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  isAdmin: z.boolean(),
  createdAt: z.date(),
});
export type UserOutput = z.infer<typeof userOutput>;

export const sessionOutput = z.object({
  id: z.string(),
  current: z.boolean(),
  createdAt: z.date(),
  lastSeenAt: z.date(),
  expiresAt: z.date(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
});
export type SessionOutput = z.infer<typeof sessionOutput>;

export const signedInOutput = z.object({ user: userOutput, expiresAt: z.date() });

export const createApiKeyInput = z.object({
  name: z.string().trim().min(1).max(80).default('API key'),
  scopes: z.array(apiKeyScope).min(1).default(['read', 'write']),
});
export type CreateApiKeyInput = z.infer<typeof createApiKeyInput>;

export const createApiKeyForInput = createApiKeyInput.extend({ email: emailInput });

export const apiKeyOutput = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(apiKeyScope),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});
export type ApiKeyOutput = z.infer<typeof apiKeyOutput>;

export const createdApiKeyOutput = z.object({ id: z.string(), key: z.string(), prefix: z.string(), scopes: z.array(apiKeyScope) });
export type CreatedApiKey = z.infer<typeof createdApiKeyOutput>;

export const idInput = z.object({ id: z.uuid({ message: 'must be a UUID' }) });
export const revokeByEmailInput = z.object({ email: emailInput, id: z.uuid() });
