import { z } from 'zod';

/** What an API key may do. Sessions (cookie sign-in) may do everything their user may. */
export const apiKeyScopes = ['read', 'write', 'capture:write', 'admin'] as const;
export const apiKeyScope = z.enum(apiKeyScopes);
export type ApiKeyScope = z.infer<typeof apiKeyScope>;

export const emailInput = z
  .email({ message: 'must be an email address' })
  .max(254)
  .transform((email) => email.trim().toLowerCase());

export const passwordInput = z
  .string()
  .min(10, 'use at least 10 characters')
  .max(256, 'use at most 256 characters');
