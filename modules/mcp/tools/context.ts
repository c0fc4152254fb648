import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ContextService } from '../ports.ts';
import { getContextToolInput, getContextToolOutput } from '../schemas.ts';
import { guard, type ToolScope } from '../tool.ts';

/** get_context: the context engine's cited bundle for a prompt. */
export function registerContextTool(server: McpServer, deps: ToolScope & { context: ContextService }): void {
  server.registerTool(
    'get_context',
    {
      title: 'What to know for this prompt',
      description:
        "Compiles what you should know about the user for a prompt, within a token budget: who they are, their preferences, relevant topics, people and projects, and excerpts of past conversations, each cited by id. " +
        'Call it at the start of a task or whenever past context would help; put the returned text in your working context.',
      inputSchema: getContextToolInput,
      outputSchema: getContextToolOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      guard('read', 'get_context', deps, async () => {
        const bundle = await deps.context.compile(deps.actor.userId, { prompt: args.prompt, budget: args.budget, format: args.format, conversationId: args.conversationId, model: args.model });
        const sections = bundle.sections.map((section) => ({
          layer: section.layer,
          title: section.title,
          tokens: section.tokens,
          items: section.items.length,
          citations: section.items.map((item) => ({ kind: item.kind, id: item.id, conversationId: item.conversationId, messageId: item.messageId, sourceConversationId: item.sourceConversationId, sourceMessageId: item.sourceMessageId })),
        }));
        const summary = `(${bundle.totalTokens} of ${bundle.budget} tokens, ${bundle.tokenizer}; intent ${bundle.intent}; ${sections.map((s) => `${s.layer} ${s.title}: ${s.items} item${s.items === 1 ? '' : 's'}, ${s.tokens} tokens`).join('; ') || 'nothing relevant found'})`;
        const structured = { totalTokens: bundle.totalTokens, budget: bundle.budget, intent: bundle.intent, tokenizer: bundle.tokenizer, sections, text: bundle.text };
        // The bundle and its summary are separate blocks, so a JSON bundle stays valid JSON.
        return { content: [{ type: 'text', text: bundle.text }, { type: 'text', text: summary }], structuredContent: structured };
      }),
  );
}
