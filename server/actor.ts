import type { ApiKeyScope } from '#common/auth.ts';

/** Who is calling: a signed-in user (by session or API key), or the local operator (CLI). */
export interface Actor {
  userId: string;
  isAdmin: boolean;
  /** How the caller proved who they are. */
  via: 'session' | 'apikey' | 'local';
  /** What the credential allows; undefined means everything the user may do. */
  scopes: readonly ApiKeyScope[] | undefined;
  sessionId?: string;
  apiKeyId?: string;
}

/** True when the actor's credential carries the scope (sessions and the local CLI carry all). */
export function hasScope(actor: Actor, scope: ApiKeyScope): boolean {
  if (!actor.scopes) return true;
  if (actor.scopes.includes(scope)) return true;
  // A 'write' key may also capture; 'admin' implies everything.
  if (scope === 'capture:write' && actor.scopes.includes('write')) return true;
  return actor.scopes.includes('admin');
}

/** An administrator acting with a credential that carries the 'admin' scope (sessions and the local CLI do). */
export function actsAsAdmin(actor: Actor): boolean {
  return actor.isAdmin && hasScope(actor, 'admin');
}

/** Resolves credentials to an actor. Provided by the auth module, used by the kernel for every request. */
export interface Authenticator {
  /** A session token from the cookie; `renewedUntil` is set when the cookie should be refreshed. */
  validateSession(token: string): Promise<{ actor: Actor; renewedUntil?: Date } | null>;
  /** A bearer API key. */
  authenticateApiKey(key: string): Promise<Actor | null>;
}
