import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CaptureService, SearchService } from '../ports.ts';
import { messageText, plainSnippet } from '../render.ts';
import {
  captureUrlInput,
  captureUrlOutput,
  getConversationInput,
  getConversationOutput,
  searchToolInput,
  searchToolOutput,
  type CaptureUrlOutput,
  type GetConversationOutput,
  type SearchToolOutput,
} from '../schemas.ts';
import { errorResult, guard, okResult, type ToolScope } from '../tool.ts';
import { ForbiddenError, NotFoundError } from '#server/errors.ts';
import { hasScope } from '#server/actor.ts';

/** get_conversation returns at most this many characters of messages per call (the rest by paging). */
const CONVERSATION_PAGE_CHARS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the library tools need. */
export interface LibraryDeps extends ToolScope {
  search: SearchService;
  capture: CaptureService;
  /** Counts a capture against the caller's capture rate limit; throws RateLimitedError past it. */
  beforeCapture: () => void;
}

const cite = (ids: { conversationId: string | null; messageId: string | null; sourceConversationId: string | null; sourceMessageId: string | null }) =>
  `conversation ${ids.conversationId ?? '-'}${ids.messageId ? `, message ${ids.messageId}` : ''}` +
  (ids.sourceConversationId ? ` (source ${ids.sourceConversationId}${ids.sourceMessageId ? ` / ${ids.sourceMessageId}` : ''})` : '');

/** search, get_conversation, capture_url, and conversations as resources. */
export function registerLibraryTools(server: McpServer, deps: LibraryDeps): void {
  server.registerTool(
    'search',
    {
      title: 'Search my AI conversations',
      description:
        "Searches the user's saved AI conversations (ChatGPT, Claude, Gemini, … captured into VIVIM), their saved memories and knowledge units, by words and by meaning. " +
        'Returns ranked excerpts, each citing its conversation and message ids; read more of a hit with get_conversation(conversationId).',
      inputSchema: searchToolInput,
      outputSchema: searchToolOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      guard('read', 'search', deps, async () => {
        const found = await deps.search.query(deps.actor, { q: args.query, limit: args.limit, kind: args.kind, provider: args.provider, collapse: false, mode: 'hybrid' });
        const output: SearchToolOutput = {
          results: found.results.map((r, i) => ({
            rank: i + 1,
            kind: r.kind,
            title: r.title,
            text: plainSnippet(r.snippet),
            conversationId: r.conversationId,
            messageId: r.messageId,
            sourceConversationId: r.sourceConversationId,
            sourceMessageId: r.sourceMessageId,
            provider: r.provider,
            role: r.role,
            createdAt: r.createdAt,
            score: r.score,
          })),
          semantic: found.semantic.used,
        };
        const lines = output.results.map(
          (r) => `${r.rank}. [${r.kind}${r.role ? `/${r.role}` : ''}] ${r.title} (${r.provider ?? 'vivim'}, ${r.createdAt?.slice(0, 10) ?? 'no date'})\n   ${r.text}\n   cite: ${cite(r)}`,
        );
        const text = lines.length ? `${lines.length} result${lines.length === 1 ? '' : 's'} for "${args.query}":\n${lines.join('\n')}` : `No results for "${args.query}".`;
        return okResult(text, output);
      }),
  );

  server.registerTool(
    'get_conversation',
    {
      title: 'Read a saved conversation',
      description:
        "Reads one of the user's saved conversations by its VIVIM id (conversationId from search): title, source and its messages on the current branch, in order, each with its ids. " +
        'Long conversations come in pages (offset/limit, nextOffset), long messages are cut (maxCharsPerMessage).',
      inputSchema: getConversationInput,
      outputSchema: getConversationOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      guard('read', 'get_conversation', deps, async () => {
        const detail = await deps.capture.get(deps.actor, args.conversationId, {});
        const visible = detail.messages.filter((m) => m.isOnCurrentBranch && !m.hidden);
        const messages: GetConversationOutput['messages'] = [];
        let chars = 0;
        for (let index = args.offset; index < visible.length && messages.length < args.limit; index++) {
          const message = visible[index]!;
          const { text, truncated } = messageText(message.parts, args.maxCharsPerMessage);
          if (messages.length > 0 && chars + text.length > CONVERSATION_PAGE_CHARS) break;
          chars += text.length;
          messages.push({ index, id: message.id, sourceMessageId: message.sourceMessageId, role: message.role, model: message.model, createdAt: message.createdAt?.toISOString() ?? null, text, truncated });
        }
        const last = messages.at(-1);
        const nextOffset = last && last.index + 1 < visible.length ? last.index + 1 : null;
        const output: GetConversationOutput = {
          id: detail.id,
          title: detail.title,
          provider: detail.provider,
          sourceConversationId: detail.sourceConversationId,
          sourceUrl: detail.sourceUrl,
          model: detail.model,
          createdAt: detail.createdAt?.toISOString() ?? null,
          messageCount: visible.length,
          offset: args.offset,
          messages,
          nextOffset,
        };
        const header = `# ${detail.title}\n${detail.provider}${detail.sourceUrl ? ` · ${detail.sourceUrl}` : ''} · conversation ${detail.id} (source ${detail.sourceConversationId}) · ${visible.length} messages`;
        const body = messages.map((m) => `## [${m.index}] ${m.role}${m.model ? ` (${m.model})` : ''} · message ${m.id} (source ${m.sourceMessageId})\n${m.text}`);
        const footer = nextOffset !== null ? `(messages ${args.offset}-${last!.index} of ${visible.length}; call again with offset ${nextOffset} for more)` : messages.length ? '(end of conversation)' : `(no messages at offset ${args.offset})`;
        return okResult([header, ...body, footer].join('\n\n'), output);
      }),
  );

  server.registerTool(
    'capture_url',
    {
      title: 'Save a shared AI conversation',
      description:
        "Saves an AI conversation from its public share link into the user's VIVIM library (fetched and stored by VIVIM's capture pipeline). " +
        'Waits up to waitSeconds for it to finish and returns the new conversationId; when still running, returns the job id and state. Capturing the same link again updates it, never duplicates.',
      inputSchema: captureUrlInput,
      outputSchema: captureUrlOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    (args, extra) =>
      guard('capture:write', 'capture_url', deps, async () => {
        deps.beforeCapture();
        const { jobId } = await deps.capture.capture(deps.actor, args.url);
        let status = await deps.capture.status(deps.actor, jobId);
        if (args.waitSeconds > 0) {
          const signal = AbortSignal.any([extra.signal, AbortSignal.timeout(args.waitSeconds * 1000)]);
          for await (const next of deps.capture.watch(deps.actor, jobId, signal)) status = next;
        }
        const output: CaptureUrlOutput = {
          jobId: status.jobId,
          state: status.state,
          step: status.step,
          conversationId: status.conversationId,
          sourceConversationId: status.sourceConversationId,
          messages: status.messages,
          changed: status.changed,
          error: status.state === 'failed' ? status.error : null,
        };
        if (status.state === 'failed') {
          const failure = errorResult(status.error?.code ?? 'CAPTURE_FAILED', `The capture failed: ${status.error?.message ?? 'unknown reason'} (job ${status.jobId})`);
          return { ...failure, structuredContent: output };
        }
        const text =
          status.state === 'done'
            ? `${status.changed ? 'Saved' : 'Already saved and unchanged:'} ${status.messages ?? 0} messages → conversation ${status.conversationId} (source ${status.sourceConversationId}). Read it with get_conversation.`
            : `Still ${status.state} (step ${status.step}) after ${args.waitSeconds} s: job ${status.jobId}. Call capture_url again with the same url later (nothing is stored twice).`;
        return okResult(text, output);
      }),
  );

  server.registerResource(
    'conversation',
    new ResourceTemplate('vivim://conversations/{conversationId}', { list: undefined }),
    { title: 'A saved conversation', description: 'One saved conversation as Markdown (current branch).', mimeType: 'text/markdown' },
    async (uri, variables) => {
      if (!hasScope(deps.actor, 'read')) throw new ForbiddenError('AUTH_SCOPE_MISSING', "This API key lacks the 'read' scope", { scope: 'read' });
      const id = String(variables.conversationId);
      if (!UUID.test(id)) throw new NotFoundError('CAPTURE_CONVERSATION_NOT_FOUND', { id });
      const exported = await deps.capture.export(deps.actor, id, 'markdown');
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: exported.content }] };
    },
  );
}
