import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Logger } from 'pino';
import type { Actor } from '#server/actor.ts';
import type { CaptureService, SearchService } from './ports.ts';
import { registerLibraryTools } from './tools/library.ts';

/** The services the MCP server calls. */
export interface McpServices {
  search: SearchService;
  capture: CaptureService;
}

/** How one MCP server instance behaves beyond its services and actor. */
export interface McpServerOptions {
  version: string;
  log: Logger;
  /** Counts a capture against the caller's capture rate limit; throws RateLimitedError past it. */
  beforeCapture: () => void;
}

const INSTRUCTIONS =
  "VIVIM is the user's own archive of their AI conversations (ChatGPT, Claude, Gemini, …). " +
  'Use search to find what the user discussed before, get_conversation to read a conversation in full, and capture_url to save a shared conversation link. ' +
  'Cite conversation and message ids from the results when you rely on them.';

/**
 * One MCP server acting for `actor`: every tool checks the actor's scopes and sees only the
 * actor's own data. Create one per connection (stdio) or per request (stateless HTTP).
 */
export function createMcpServer(services: McpServices, actor: Actor, options: McpServerOptions): McpServer {
  const server = new McpServer({ name: 'vivim', title: 'VIVIM', version: options.version }, { instructions: INSTRUCTIONS });
  const scope = { actor, log: options.log };
  registerLibraryTools(server, { ...scope, search: services.search, capture: services.capture, beforeCapture: options.beforeCapture });
  return server;
}
