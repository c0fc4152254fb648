// vue-tsc reaches the server's sources through `import type { AppRouter } from 'vivim'` (the typed
// tRPC client) and checks them under the web app's compiler options, which lack the ambient types
// the server's own tsconfig picks up from its folders: supply them here.
/// <reference path="../../plugins/providers/sdk/turndown-plugin-gfm.d.ts" />
import type {} from '@fastify/cookie';
import type {} from '@fastify/multipart';
