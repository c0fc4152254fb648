import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { MemoryDto, MemoryService } from '../ports.ts';
import {
  addMemoryToolInput,
  addMemoryToolOutput,
  forgetMemoryToolInput,
  forgetMemoryToolOutput,
  listMemoriesToolInput,
  listMemoriesToolOutput,
  type MemoryOutput,
} from '../schemas.ts';
import { guard, okResult, type ToolScope } from '../tool.ts';

/** Provenance items shown per memory. */
const SOURCES_SHOWN = 3;

function toOutput(memory: MemoryDto): MemoryOutput {
  return {
    id: memory.id,
    type: memory.type,
    content: memory.content,
    importance: memory.importance,
    confidence: memory.confidence,
    pinned: memory.pinned,
    source: memory.source,
    validFrom: memory.validFrom,
    updatedAt: memory.updatedAt,
    sources: memory.provenance.slice(0, SOURCES_SHOWN).map((p) => ({ conversationId: p.conversationId, messageId: p.messageId, sourceConversationId: p.sourceConversationId, sourceMessageId: p.sourceMessageId, quote: p.quote })),
  };
}

function line(memory: MemoryOutput): string {
  const from = memory.sources[0] ? `; from conversation ${memory.sources[0].conversationId}, message ${memory.sources[0].messageId}` : '';
  return `- [${memory.type}${memory.pinned ? ', pinned' : ''}] ${memory.content} (memory ${memory.id}; ${memory.source}, importance ${memory.importance}${from})`;
}

/** add_memory, list_memories, forget_memory. */
export function registerMemoryTools(server: McpServer, deps: ToolScope & { memory: MemoryService }): void {
  const ownerId = deps.actor.userId;

  server.registerTool(
    'add_memory',
    {
      title: 'Remember something about the user',
      description:
        'Saves one lasting fact, preference, goal or instruction about the user to their VIVIM memory, so every assistant they use can know it later. ' +
        'Use it when the user tells you something worth remembering or asks you to remember it. A duplicate returns the existing memory; a changed preference replaces the old one (kept in history).',
      inputSchema: addMemoryToolInput,
      outputSchema: addMemoryToolOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      guard('write', 'add_memory', deps, async () => {
        const memory = toOutput(await deps.memory.add(ownerId, { type: args.type, content: args.content, importance: args.importance, pinned: args.pinned }));
        return okResult(`Remembered:\n${line(memory)}`, { memory });
      }),
  );

  server.registerTool(
    'list_memories',
    {
      title: "List the user's memories",
      description:
        'Lists what VIVIM remembers about the user (current memories, newest first): facts, preferences, goals, instructions…, each with its id and the conversation it came from. ' +
        'Filter by text (query), type or pinned; page with cursor.',
      inputSchema: listMemoriesToolInput,
      outputSchema: listMemoriesToolOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      guard('read', 'list_memories', deps, async () => {
        const page = await deps.memory.list(ownerId, { q: args.query, type: args.type, pinned: args.pinned, includeSuperseded: false, limit: args.limit, cursor: args.cursor });
        const memories = page.items.map(toOutput);
        const text = memories.length
          ? `${memories.length} memor${memories.length === 1 ? 'y' : 'ies'}:\n${memories.map(line).join('\n')}${page.nextCursor ? `\n(more: call again with cursor "${page.nextCursor}")` : ''}`
          : 'No memories match.';
        return okResult(text, { memories, nextCursor: page.nextCursor });
      }),
  );

  server.registerTool(
    'forget_memory',
    {
      title: 'Forget a memory',
      description: 'Permanently forgets one memory by its id (from list_memories): it is deleted and will not be extracted again. Only when the user asks to forget it.',
      inputSchema: forgetMemoryToolInput,
      outputSchema: forgetMemoryToolOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    (args) =>
      guard('write', 'forget_memory', deps, async () => {
        const forgotten = await deps.memory.forget(ownerId, args.memoryId);
        return okResult(`Forgot memory ${forgotten.id}.`, { id: forgotten.id, forgotten: forgotten.forgotten });
      }),
  );
}
