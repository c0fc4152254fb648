import { existsSync, openAsBlob, readFileSync } from 'node:fs';
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import type { Logger } from 'pino';
import type { Config } from '#config';
import { readLock } from '#database/data-dir-lock.ts';
import type { AppRouter } from '../composition.ts';
import type { SearchOutput } from '#modules/search/index.ts';
import type { MemoryDto, MemoryType } from '#modules/memory/index.ts';
import type { CompileOutput } from '#modules/context/index.ts';
import type { EntityDto, EntityType, TopicDto } from '#modules/knowledge/index.ts';
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
  /** Imports an export file for a user; resolves with the final report. */
  importFile(file: string, email: string): Promise<ImportResult>;
  /** Captures a share link (or, with `html`, a saved page of it) for a user; resolves when stored. */
  capture(url: string, email: string, html?: string): Promise<CaptureResult>;
  conversations(email: string, limit: number): Promise<{ id: string; provider: string; title: string; messageCount: number; capturedAt: Date | string }[]>;
  /** A user's memories, newest first (current ones unless `includeSuperseded`). */
  memories(email: string, input: { type?: MemoryType[]; limit: number; includeSuperseded?: boolean; conversationId?: string }): Promise<MemoryDto[]>;
  addMemory(email: string, input: { type: MemoryType; content: string; pinned?: boolean }): Promise<MemoryDto>;
  forgetMemory(email: string, id: string): Promise<{ id: string; forgotten: true }>;
  search(email: string, input: SearchCliInput): Promise<SearchOutput>;
  /** The context bundle for a prompt (the same document as POST /api/v1/context). */
  context(email: string, input: ContextCliInput): Promise<CompileOutput>;
  /** The user's topics, most conversations first. */
  topics(email: string, limit: number): Promise<TopicDto[]>;
  /** The user's entities, most mentioned first. */
  entities(email: string, input: { type?: EntityType; limit: number }): Promise<EntityDto[]>;
  users(): Promise<{ id: string; email: string; isAdmin: boolean }[]>;
  system(): Promise<{ database: string; databaseReady: boolean; workerRunning: boolean; modules: string[]; providers: { id?: string; source: string; loaded: boolean; error?: string }[] }>;
  close(): Promise<void>;
}

/** What `vivim import` prints. */
export interface ImportResult {
  importId: string;
  provider: string | null;
  conversations: number;
  messages: number;
  unchanged: number;
  errors: { source: string; code: string; message: string }[];
}

/** What `vivim search` asks for. */
export interface SearchCliInput {
  q: string;
  limit: number;
  kind?: ('message' | 'acu' | 'memory' | 'conversation')[];
  provider?: string[];
  collapse?: boolean;
}

/** What `vivim context` asks for. */
export interface ContextCliInput {
  prompt: string;
  budget?: number;
  format?: 'markdown' | 'xml' | 'json';
  model?: string;
  conversationId?: string;
}

/** What `vivim capture` prints. */
export interface CaptureResult {
  conversationId: string;
  sourceConversationId: string;
  messages: number;
  changed: boolean;
}

interface JobOutcome {
  state: string;
  error: string | null;
  errorCode: string | null;
  result?: unknown;
}

/** Polls a job until it ends; a failed job becomes an error carrying its code. */
async function waitForJob(get: () => Promise<JobOutcome>): Promise<unknown> {
  for (;;) {
    const status = await get();
    if (status.state === 'done') return status.result;
    if (status.state === 'failed') throw Object.assign(new Error(status.error ?? 'failed'), { code: status.errorCode ?? 'FAILED' });
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function toImportResult(importId: string, report: { provider: string | null; conversations: number; messages: number; unchanged: number; errors: ImportResult['errors'] }): ImportResult {
  return { importId, provider: report.provider, conversations: report.conversations, messages: report.messages, unchanged: report.unchanged, errors: report.errors };
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
    users: () => client.auth.users.list.query(),
    async importFile(file, email) {
      const form = new FormData();
      form.append('file', await openAsBlob(file), path.basename(file));
      const response = await fetch(`${url}/api/v1/import?email=${encodeURIComponent(email)}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
      const body = (await response.json()) as { importId?: string; jobId?: string; error?: { code: string; message: string } };
      if (!response.ok || !body.importId || !body.jobId) throw Object.assign(new Error(body.error?.message ?? `upload failed (${response.status})`), { code: body.error?.code ?? 'UPLOAD_FAILED' });
      const jobId = body.jobId;
      const report = (await waitForJob(() => client.jobs.byId.query({ id: jobId }))) as Parameters<typeof toImportResult>[1];
      return toImportResult(body.importId, report);
    },
    async capture(captureUrl, email, html) {
      const { jobId } = await client.capture.admin.captureFor.mutate({ url: captureUrl, email, html });
      const result = (await waitForJob(() => client.jobs.byId.query({ id: jobId }))) as CaptureResult;
      return { conversationId: result.conversationId, sourceConversationId: result.sourceConversationId, messages: result.messages, changed: result.changed };
    },
    conversations: async (email, limit) => (await client.capture.admin.conversationsFor.query({ email, limit })).items,
    search: (email, input) => client.search.queryFor.query({ ...input, email }),
    memories: async (email, input) => (await client.memory.listFor.query({ ...input, email })).items,
    addMemory: (email, input) => client.memory.addFor.mutate({ ...input, email }),
    forgetMemory: (email, id) => client.memory.forgetFor.mutate({ email, id }),
    context: (email, input) => client.context.compileFor.mutate({ ...input, email }),
    topics: async (email, limit) => (await client.knowledge.topicsFor.query({ email, limit })).items,
    entities: async (email, input) => (await client.knowledge.entitiesFor.query({ ...input, email })).items,
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
    users: () => caller.auth.users.list(),
    async importFile(file, email) {
      const owner = await runtime.services.auth.findByEmail(email.toLowerCase());
      const importer = runtime.services.capture.importer;
      const { importId } = await importer.create(owner.id, { path: file, fileName: path.basename(file), copy: true }, false);
      return toImportResult(importId, await importer.run(importId, { log: runtime.log }));
    },
    async capture(captureUrl, email, html) {
      const owner = await runtime.services.auth.findByEmail(email.toLowerCase());
      const signal = new AbortController().signal;
      const ctx = { jobId: 'cli', attempt: 1, maxAttempts: 1, log: runtime.log, progress: async () => undefined, signal, services: runtime.services };
      const capture = runtime.services.capture;
      const stored =
        html === undefined
          ? await capture.runCaptureJob({ url: captureUrl, ownerId: owner.id }, ctx)
          : await capture.runUploadJob({ url: captureUrl, ownerId: owner.id, htmlPath: capture.savePostedPage(captureUrl, html) }, ctx);
      return { conversationId: stored.conversationId, sourceConversationId: stored.sourceConversationId, messages: stored.messages, changed: stored.changed };
    },
    conversations: async (email, limit) => (await caller.capture.admin.conversationsFor({ email, limit })).items,
    async memories(email, input) {
      // No worker runs here: conversations never extracted are extracted inline first.
      await runtime.services.memory.runSweepJob({ ownerId: (await runtime.services.auth.findByEmail(email.toLowerCase())).id, inline: true });
      return (await caller.memory.listFor({ ...input, email })).items;
    },
    addMemory: (email, input) => caller.memory.addFor({ ...input, email }),
    forgetMemory: (email, id) => caller.memory.forgetFor({ email, id }),
    async search(email, input) {
      // No worker runs here: bring the full-text index up to date inline first (vectors wait for a server).
      await runtime.services.search.runSweepJob({ inline: true });
      return caller.search.queryFor({ ...input, email });
    },
    async context(email, input) {
      // As for search: no worker here, so the full-text index catches up inline first.
      await runtime.services.search.runSweepJob({ inline: true });
      return caller.context.compileFor({ ...input, email });
    },
    async topics(email, limit) {
      // No worker runs here: the Librarian catches up inline first.
      await runtime.services.knowledge.runSweepJob({ inline: true });
      return (await caller.knowledge.topicsFor({ email, limit })).items;
    },
    async entities(email, input) {
      await runtime.services.knowledge.runSweepJob({ inline: true });
      return (await caller.knowledge.entitiesFor({ ...input, email })).items;
    },
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
