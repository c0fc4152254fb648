import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { ApiKeyScope } from '#common/auth.ts';
import { hasScope, type Actor } from '#server/actor.ts';
import { DomainError, ForbiddenError } from '#server/errors.ts';

/** What every tool handler works with: who calls, and how to log. */
export interface ToolScope {
  actor: Actor;
  log: Logger;
}

/** An `isError` result a model can read and act on: `Error [CODE]: message`. */
export function errorResult(code: string, message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: `Error [${code}]: ${message}` }] };
}

/** A successful result: text for the model, plus the same data as `structuredContent`. */
export function okResult<T extends Record<string, unknown>>(text: string, structured: T): CallToolResult & { structuredContent: T } {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

/**
 * Runs a tool body for the actor: refuses when the credential lacks `scope` (as tRPC procedures
 * do), and turns every failure into an `isError` result with the domain error code, never a throw.
 */
export async function guard(scope: ApiKeyScope, tool: string, ctx: ToolScope, body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    if (!hasScope(ctx.actor, scope)) throw new ForbiddenError('AUTH_SCOPE_MISSING', `This API key lacks the '${scope}' scope that ${tool} needs`, { scope });
    return await body();
  } catch (error) {
    if (error instanceof DomainError) return errorResult(error.code, error.message);
    ctx.log.error({ err: error, tool }, 'mcp tool failed');
    return errorResult('INTERNAL', 'Internal error: the tool failed (see the server log)');
  }
}
