import type { AnyRouter } from '@trpc/server';
import type { EntityManager, EntitySchema, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '#config';
import type { AppServices } from './services.ts';
import type { JobDefinitions, JobQueue } from './jobs.ts';
import type { EventBus } from './events.ts';
import type { ProviderRegistry } from '#plugins/providers/sdk/index.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from './actor.ts';
import type { AuditLog } from './audit.ts';
import type { RateLimiter } from './rate-limit.ts';

/** What a module's service factory and hooks receive. */
export interface ModuleDeps {
  orm: MikroORM;
  /** A fresh EntityManager fork (one per use case, never shared across requests). */
  em: () => EntityManager;
  log: Logger;
  config: Config;
  /** Services of the modules created before this one (its dependencies among them). */
  services: Partial<AppServices>;
  jobs: JobQueue;
  events: EventBus;
  providers: ProviderRegistry;
  /** The 32-byte secret key (for signing and encryption at rest). */
  secretKey: Buffer;
  audit: AuditLog;
  kernel: KernelInfo;
  /** Seams for tests (e.g. a recorded network); empty in production. */
  overrides: RuntimeOverrides;
}

/**
 * Replacements for what lies outside the process, set only by tests through `startServer`.
 * Modules add their own optional entries by declaration merging.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface RuntimeOverrides {}

/** Facts about the running process, for status pages and doctor. */
export interface KernelInfo {
  startedAt: Date;
  version: string;
  modules: readonly string[];
  database: 'embedded' | 'external';
  /** True while this process runs a graphile-worker pool. */
  workerRunning(): boolean;
  /** Checks the database answers. */
  databaseReady(): Promise<boolean>;
}

/** What a module's plain HTTP routes receive (every service exists by then). */
export interface HttpDeps extends Omit<ModuleDeps, 'services'> {
  services: AppServices;
  limiter: RateLimiter;
  /** Sets (or clears, with null) the session cookie on a reply. */
  setSessionCookie(reply: FastifyReply, session: { token: string; expiresAt: Date } | null): void;
  /** The authenticated caller of a plain HTTP request (throws on a bad API key; null when anonymous). */
  actorOf(request: FastifyRequest, reply: FastifyReply): Promise<Actor | null>;
}

/** A domain module's manifest: what it needs, what it brings. */
export interface ModuleManifest {
  /** Unique name; also the key of its router in the root router. */
  name: string;
  /** Modules whose services this one calls; loaded before it. */
  dependsOn?: readonly string[];
  /** MikroORM entities owned by this module (tables prefixed with its name). */
  entities?: readonly EntitySchema[];
  /** tRPC router mounted under `name`. */
  router?: AnyRouter;
  /** graphile-worker tasks named `<module>.<verb>`. */
  jobs?: JobDefinitions;
  /** Creates the services this module exports (merged into AppServices). */
  services?: (deps: ModuleDeps) => Partial<AppServices>;
  /** Plain HTTP routes (redirect flows, uploads) beside the tRPC procedures. */
  http?: (app: FastifyInstance, deps: HttpDeps) => void | Promise<void>;
  /** Runs after every module's services exist, in dependency order. */
  onStart?: (deps: ModuleDeps) => Promise<void> | void;
  /** Runs at shutdown, in reverse order. */
  onStop?: (deps: ModuleDeps) => Promise<void> | void;
}

/** Declares a module manifest (identity helper that keeps its literal types). */
export function defineModule<const M extends ModuleManifest>(manifest: M): M {
  return manifest;
}

/** A module graph that cannot be loaded: a cycle, a missing dependency or a duplicate name. */
export class ModuleGraphError extends Error {
  readonly code: 'MODULE_CYCLE' | 'MODULE_MISSING' | 'MODULE_DUPLICATE' | 'MODULE_JOB_NAME';
  constructor(code: ModuleGraphError['code'], message: string) {
    super(message);
    this.name = 'ModuleGraphError';
    this.code = code;
  }
}

/** Orders modules so every module comes after its dependencies (stable for independent ones). */
export function orderModules<M extends ModuleManifest>(modules: readonly M[]): M[] {
  const byName = new Map<string, M>();
  for (const module of modules) {
    if (byName.has(module.name)) {
      throw new ModuleGraphError('MODULE_DUPLICATE', `Two modules are named '${module.name}'`);
    }
    byName.set(module.name, module);
  }
  for (const module of modules) {
    for (const dependency of module.dependsOn ?? []) {
      if (!byName.has(dependency)) {
        throw new ModuleGraphError(
          'MODULE_MISSING',
          `Module '${module.name}' depends on '${dependency}', which is not loaded`,
        );
      }
    }
    for (const task of Object.keys(module.jobs ?? {})) {
      if (!task.startsWith(`${module.name}.`)) {
        throw new ModuleGraphError('MODULE_JOB_NAME', `Job '${task}' of module '${module.name}' must be named '${module.name}.<verb>'`);
      }
    }
  }
  const ordered: M[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (module: M, trail: string[]): void => {
    const seen = state.get(module.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(module.name)), module.name];
      throw new ModuleGraphError('MODULE_CYCLE', `Module dependency cycle: ${cycle.join(' → ')}`);
    }
    state.set(module.name, 'visiting');
    for (const dependency of module.dependsOn ?? []) visit(byName.get(dependency)!, [...trail, module.name]);
    state.set(module.name, 'done');
    ordered.push(module);
  };
  for (const module of modules) visit(module, []);
  return ordered;
}
