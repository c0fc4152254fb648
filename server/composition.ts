import type { Config } from '#config';
import auth from '#modules/auth/index.ts';
import admin from '#modules/admin/index.ts';
import capture from '#modules/capture/index.ts';
import search from '#modules/search/index.ts';
import memory from '#modules/memory/index.ts';
import context from '#modules/context/index.ts';
import knowledge from '#modules/knowledge/index.ts';
import mcp from '#modules/mcp/index.ts';
import { builtinProviders } from '#plugins/providers/index.ts';
import type { PluginSource } from '#plugins/providers/loader.ts';
import type { ModuleManifest } from './module.ts';
import { jobsRouter } from './jobs-router.ts';
import { router } from './trpc.ts';

/** Every domain module of this build. The only place that imports module manifests. */
export const modules: readonly ModuleManifest[] = [auth, admin, capture, search, memory, context, knowledge, mcp];

/** The root tRPC router: one key per module (its name), plus the kernel's job status. */
export const appRouter = router({
  auth: auth.router,
  admin: admin.router,
  capture: capture.router,
  search: search.router,
  memory: memory.router,
  context: context.router,
  knowledge: knowledge.router,
  jobs: jobsRouter,
});

/** The type the PWA, the CLI and third parties give to `@trpc/client`. */
export type AppRouter = typeof appRouter;

/** Built-in providers, then the npm packages named in VIVIM_PLUGINS. */
export function providerSources(config: Config): PluginSource[] {
  return [
    ...builtinProviders.map((plugin) => ({ kind: 'builtin' as const, plugin })),
    ...config.plugins.packages.map((name) => ({ kind: 'package' as const, name })),
  ];
}
