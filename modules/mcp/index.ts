import { defineModule } from '#server/module.ts';
import { registerMcpRoute } from './http.ts';
import { McpService } from './service.ts';

declare module '#server/services.ts' {
  interface AppServices {
    mcp: McpService;
  }
}

/** The Model Context Protocol server: VIVIM's tools for AI assistants, over Streamable HTTP (`/mcp`) and stdio (`vivim mcp`). */
export default defineModule({
  name: 'mcp',
  dependsOn: ['auth', 'capture', 'search', 'memory', 'context'],
  http: registerMcpRoute,
  services: (deps) => ({ mcp: new McpService(deps) }),
});

export type { McpService } from './service.ts';
