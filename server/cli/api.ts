import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import type { Logger } from 'pino';
import type { Config } from '#config';
import { readLock } from '#database/data-dir-lock.ts';
import type { AppRouter } from '../composition.ts';
import { modules } from '../composition.ts';
import { createLocalCaller } from '../local-context.ts';
import { startRuntime, type Runtime } from '../runtime.ts';

/** The operations the CLI performs, the same whether a server holds the data dir or not. */
export interface CliApi {
  /** 'server' when talking to a running server over HTTP, 'local' when the CLI opened the data dir. */
  mode: 'server' | 'local';
  url?: string;
  createUser(input: { email: string; password: string; name?: string; isAdmin: boolean }): Promise<{ id: string; email: string; isAdmin: boolean }>;
  createApiKey(input: { email: string; name: string; scopes: ('read' | 'write' | 'capture:write' | 'admin')[] }): Promise<{ id: string; key: string; scopes: string[] }>;
  listApiKeys(email: string): Promise<{ id: string; name: string; prefix: string; scopes: string[]; lastUsedAt: Date | string | null; revokedAt: Date | string | null }[]>;
  revokeApiKey(input: { email: string; id: string }): Promise<{ id: string; revokedAt: Date | string | null }>;
  system(): Promise<{ database: string; databaseReady: boolean; workerRunning: boolean; modules: string[]; providers: { id?: string; source: string; loaded: boolean; error?: string }[] }>;
  close(): Promise<void>;
}

/** The running server that holds the data dir, if any, with the token it accepts from the CLI. */
export function findServer(config: Config): { url: string; token: string } | undefined {
  const holder = readLock(config.dataDir);
  const tokenFile = path.join(config.dataDir, 'cli.token');
  if (!holder?.url || !existsSync(tokenFile)) return undefined;
  return { url: holder.url, token: readFileSync(tokenFile, 'utf8').trim() };
}

function remote(url: string, token: string): CliApi {
  const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/trpc`, headers: { authorization: `Bearer ${token}` } })] });
  return {
    mode: 'server',
    url,
    createUser: (input) => client.auth.users.create.mutate(input),
    createApiKey: (input) => client.auth.apiKeys.createFor.mutate(input),
    listApiKeys: (email) => client.auth.apiKeys.listFor.query({ email }),
    revokeApiKey: (input) => client.auth.apiKeys.revokeFor.mutate(input),
    system: () => client.admin.system.query(),
    close: async () => undefined,
  };
}

function local(runtime: Runtime): CliApi {
  const caller = createLocalCaller(runtime);
  return {
    mode: 'local',
    createUser: (input) => caller.auth.users.create(input),
    createApiKey: (input) => caller.auth.apiKeys.createFor(input),
    listApiKeys: (email) => caller.auth.apiKeys.listFor({ email }),
    revokeApiKey: (input) => caller.auth.apiKeys.revokeFor(input),
    system: () => caller.admin.system(),
    close: () => runtime.stop(),
  };
}

/** Talks to the server holding the data dir, or opens the data dir itself (without a worker). */
export async function openCliApi(config: Config, log: Logger): Promise<CliApi> {
  const server = findServer(config);
  if (server) return remote(server.url, server.token);
  const runtime = await startRuntime({ config, log, modules, worker: false });
  return local(runtime);
}
