import { Console } from 'node:console';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { isJSONRPCRequest, isJSONRPCResultResponse, isJSONRPCErrorResponse, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { Config } from '#config';
import { MCP_USER_HEADER } from '#common/mcp.ts';
import { DataDirLockedError } from '#database/data-dir-lock.ts';
import { UnauthenticatedError } from '../errors.ts';
import { modules } from '../composition.ts';
import { startRuntime } from '../runtime.ts';
import { findServer } from './api.ts';

/** Who `vivim mcp` acts as: VIVIM_API_KEY when set, else the local operator as --email (or the only user). */
interface Identity {
  apiKey: string | undefined;
  email: string | undefined;
}

/** Where MCP messages go: this process's own runtime, or the server that holds the data dir. */
interface Backend {
  kind: 'local' | 'server';
  send(message: JSONRPCMessage): Promise<void>;
  /** True while work this backend owns is unfinished (jobs queued or running). */
  busy(): Promise<boolean>;
  close(): Promise<void>;
}

type Deliver = (message: JSONRPCMessage) => void;

/** Opens the data dir in this process (with its worker, so captures and indexing run) and serves MCP in memory. */
async function openLocal(config: Config, log: Logger, identity: Identity, deliver: Deliver): Promise<Backend> {
  const runtime = await startRuntime({ config, log, modules, worker: config.worker.inProcess });
  try {
    const actor = identity.apiKey ? await runtime.services.authenticator.authenticateApiKey(identity.apiKey) : await runtime.services.mcp.localActor(identity.email);
    if (!actor) throw new UnauthenticatedError('AUTH_INVALID_API_KEY', 'VIVIM_API_KEY is not a valid API key (revoked?)');
    const server = runtime.services.mcp.createServer(actor);
    const [mine, theirs] = InMemoryTransport.createLinkedPair();
    mine.onmessage = deliver;
    await server.connect(theirs);
    await mine.start();
    log.info({ dataDir: config.dataDir, userId: actor.userId }, 'mcp: serving the data dir from this process');
    return {
      kind: 'local',
      send: (message) => mine.send(message),
      // Work under way or due shortly (a capture, indexing); retries backing off resume on the next open.
      busy: async () => (await runtime.jobs.pendingCount({ dueWithinMs: 10_000 })) > 0,
      close: async () => {
        await server.close();
        await runtime.stop();
      },
    };
  } catch (error) {
    await runtime.stop();
    throw error;
  }
}

/** Relays to `<server>/mcp` with VIVIM_API_KEY, or with the local CLI token acting as --email (or the only user). */
async function openRemote(server: { url: string; token: string }, log: Logger, identity: Identity, deliver: Deliver): Promise<Backend> {
  const headers: Record<string, string> = { authorization: `Bearer ${identity.apiKey ?? server.token}` };
  if (!identity.apiKey && identity.email) headers[MCP_USER_HEADER] = identity.email;
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', server.url), { requestInit: { headers } });
  transport.onmessage = deliver;
  transport.onerror = (error) => log.debug({ err: error }, 'mcp: relay error');
  await transport.start();
  log.info({ url: server.url }, 'mcp: relaying to the server that holds the data dir');
  return { kind: 'server', send: (message) => transport.send(message), busy: async () => false, close: () => transport.close() };
}

/**
 * Between an MCP client on stdin/stdout and a backend chosen per request: the server holding the
 * data dir when one runs, otherwise the data dir opened here. An idle local backend is closed so
 * that `vivim start` can take the data dir; the next request then goes to that server.
 */
class StdioRelay {
  private readonly config: Config;
  private readonly log: Logger;
  private readonly identity: Identity;
  private readonly stdio = new StdioServerTransport();
  private backend: Backend | null = null;
  private selecting: Promise<Backend> | null = null;
  private readonly pending = new Set<RequestId>();
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(config: Config, log: Logger, identity: Identity) {
    this.config = config;
    this.log = log;
    this.identity = identity;
  }

  /** Picks the backend (failing fast on a bad identity), then relays until `stopped` resolves. */
  async run(stopped: Promise<void>): Promise<void> {
    await this.select();
    this.stdio.onmessage = (message) => void this.forward(message);
    this.stdio.onerror = (error) => this.log.warn({ err: error }, 'mcp: unreadable message on stdin');
    await this.stdio.start();
    this.armIdle();
    await stopped;
    await this.stdio.close();
    await this.drop();
  }

  private select(): Promise<Backend> {
    if (this.backend) return Promise.resolve(this.backend);
    this.selecting ??= this.open().finally(() => (this.selecting = null));
    return this.selecting;
  }

  private async open(): Promise<Backend> {
    const deliver: Deliver = (message) => this.deliver(message);
    // A server may be starting while we look: it takes the lock before it writes its URL into it.
    for (let attempt = 0; ; attempt++) {
      const server = findServer(this.config);
      try {
        this.backend = server ? await openRemote(server, this.log, this.identity, deliver) : await openLocal(this.config, this.log, this.identity, deliver);
        return this.backend;
      } catch (error) {
        if (!(error instanceof DataDirLockedError) || attempt >= 30) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private async drop(): Promise<void> {
    const backend = this.backend;
    this.backend = null;
    await backend?.close().catch((error: unknown) => this.log.warn({ err: error }, 'mcp: closing the backend failed'));
  }

  private async forward(message: JSONRPCMessage): Promise<void> {
    const id = isJSONRPCRequest(message) ? message.id : undefined;
    if (id !== undefined) this.pending.add(id);
    this.disarmIdle();
    for (let attempt = 0; ; attempt++) {
      let backend: Backend | undefined;
      try {
        backend = await this.select();
        await backend.send(message);
        return;
      } catch (error) {
        // The server went away (connection refused, not an HTTP answer): pick again, once.
        const unreachable = backend?.kind === 'server' && !(error instanceof StreamableHTTPError);
        if (unreachable && backend === this.backend) await this.drop();
        if (unreachable && attempt === 0) continue;
        this.log.warn({ err: error }, 'mcp: request could not be relayed');
        if (id !== undefined) this.deliver({ jsonrpc: '2.0', id, error: { code: -32603, message: `VIVIM is unavailable: ${(error as Error).message}` } });
        else this.armIdle();
        return;
      }
    }
  }

  private deliver(message: JSONRPCMessage): void {
    if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
      if (message.id !== undefined) this.pending.delete(message.id);
    }
    this.stdio.send(message).catch((error: unknown) => this.log.warn({ err: error }, 'mcp: stdout closed'));
    this.armIdle();
  }

  private disarmIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** With nothing in flight and no job left, a local backend lets go of the data dir after the idle time. */
  private armIdle(): void {
    this.disarmIdle();
    if (this.pending.size > 0 || this.backend?.kind !== 'local') return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      void (async () => {
        const backend = this.backend;
        if (!backend || this.pending.size > 0 || backend !== this.backend) return;
        if (await backend.busy()) return this.armIdle();
        if (this.pending.size > 0 || backend !== this.backend) return;
        this.log.info('mcp: idle, data dir released');
        await this.drop();
      })();
    }, this.config.mcp.stdioIdleMs);
    this.idleTimer.unref();
  }
}

/**
 * `vivim mcp`: MCP over stdin/stdout until stdin closes or a signal arrives. stdout carries only
 * protocol messages: logs go to stderr, and so does any stray console output of dependencies.
 */
export async function serveMcpOverStdio(config: Config, log: Logger, options: { email?: string }): Promise<void> {
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
  const stopped = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await new StdioRelay(config, log, { apiKey: config.mcp.apiKey, email: options.email }).run(stopped);
}
