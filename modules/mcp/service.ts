import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Actor } from '#server/actor.ts';
import { InvalidError } from '#server/errors.ts';
import type { ModuleDeps } from '#server/module.ts';
import { createMcpServer } from './server.ts';

/** Builds MCP servers for callers (HTTP per request, the CLI's stdio per process). */
export class McpService {
  private readonly deps: ModuleDeps;

  constructor(deps: ModuleDeps) {
    this.deps = deps;
  }

  /** An MCP server acting for `actor`; `beforeCapture` counts captures against a rate limit. */
  createServer(actor: Actor, options: { beforeCapture?: () => void } = {}): McpServer {
    const { services } = this.deps;
    return createMcpServer(
      { search: services.search!, capture: services.capture!, memory: services.memory!, context: services.context! },
      actor,
      { version: this.deps.kernel.version, log: this.deps.log, beforeCapture: options.beforeCapture ?? (() => undefined) },
    );
  }

  /**
   * The local operator acting as one user (the CLI, or a request with the local token): the user
   * named by `email`, or the only user there is. All scopes: whoever holds the data dir owns it.
   */
  async localActor(email: string | undefined): Promise<Actor> {
    const auth = this.deps.services.auth!;
    let user;
    if (email) user = await auth.findByEmail(email.trim().toLowerCase());
    else {
      const users = await auth.listUsers();
      if (users.length !== 1 || !users[0]) {
        throw new InvalidError('MCP_USER_REQUIRED', users.length === 0 ? 'No user yet: create one with `vivim user create`' : 'There are several users: say whose library with --email');
      }
      user = users[0];
    }
    return { userId: user.id, isAdmin: user.isAdmin, via: 'local', scopes: undefined };
  }
}
