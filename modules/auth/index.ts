import { defineModule } from '#server/module.ts';
import { authEntities } from './entities.ts';
import { authRouter } from './router.ts';
import { AuthService } from './service.ts';
import { ApiKeyService } from './api-keys.ts';
import { GoogleSignIn } from './google.ts';
import { registerAuthRoutes } from './http.ts';

declare module '#server/services.ts' {
  interface AppServices {
    auth: AuthService;
    apiKeys: ApiKeyService;
    /** Present only when GOOGLE_CLIENT_ID/SECRET are configured. */
    google: GoogleSignIn | undefined;
  }
}

/** Users, sessions, API keys and Google sign-in. */
export default defineModule({
  name: 'auth',
  entities: authEntities,
  router: authRouter,
  http: registerAuthRoutes,
  services: (deps) => {
    const auth = new AuthService(deps);
    const apiKeys = new ApiKeyService(deps);
    return {
      auth,
      apiKeys,
      google: deps.config.auth.google ? new GoogleSignIn(deps) : undefined,
      authenticator: {
        validateSession: (token: string) => auth.validateSession(token),
        authenticateApiKey: (key: string) => apiKeys.authenticate(key),
      },
    };
  },
});

export type { AuthService } from './service.ts';
export type { ApiKeyService } from './api-keys.ts';
