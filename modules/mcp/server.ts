import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Logger } from 'pino';
import type { Actor } from '#server/actor.ts';
import type { CaptureService, ContextService, MemoryService, SearchService } from './ports.ts';
import { registerContextTool } from './tools/context.ts';
import { registerLibraryTools } from './tools/library.ts';
import { registerMemoryTools } from './tools/memory.ts';

/** The services the MCP server calls. */
export interface McpServices {
  search: SearchService;
  capture: CaptureService;
  memory: MemoryService;
  context: ContextService;
}

/** How one MCP server instance behaves beyond its services and actor. */
export interface McpServerOptions {
  version: string;
  log: Logger;
  /** Counts a capture against the caller's capture rate limit; throws RateLimitedError past it. */
  beforeCapture: () => void;
}

const INSTRUCTIONS =
  "VIVIM is the user's own archive of their AI conversations (ChatGPT, Claude, Gemini, …) and their memory. " +
  'Call get_context with the task at hand to learn what matters about the user for it; search to find what they discussed before, get_conversation to read a conversation in full; ' +
  'add_memory when the user tells you something lasting about themselves, list_memories and forget_memory to review it; capture_url to save a shared conversation link. ' +
  'Cite conversation and message ids from the results when you rely on them.';

/**
 * One MCP server acting for `actor`: every tool checks the actor's scopes and sees only the
 * actor's own data. Create one per connection (stdio) or per request (stateless HTTP).
 */
export function createMcpServer(services: McpServices, actor: Actor, options: McpServerOptions): McpServer {
  const server = new McpServer({ name: 'vivim', title: 'VIVIM', version: options.version }, { instructions: INSTRUCTIONS });
  const scope = { actor, log: options.log };
  registerContextTool(server, { ...scope, context: services.context });
  registerLibraryTools(server, { ...scope, search: services.search, capture: services.capture, beforeCapture: options.beforeCapture });
  registerMemoryTools(server, { ...scope, memory: services.memory });
  return server;
}
