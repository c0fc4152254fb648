import { z } from 'zod';

/** Search kinds a model may narrow to (the search module's kinds). */
export const mcpSearchKinds = ['message', 'acu', 'memory', 'conversation'] as const;

export const searchToolInput = z.object({
  query: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .describe('What to look for: words, "an exact phrase" in double quotes, -word to exclude. Plain language works (full-text + semantic).'),
  limit: z.number().int().min(1).max(50).default(10).describe('How many results (1-50, default 10).'),
  kind: z
    .array(z.enum(mcpSearchKinds))
    .max(4)
    .optional()
    .describe('Only these kinds: message (a chat message), acu (a fact/answer/code block cut from a message), memory (a saved memory), conversation (a title).'),
  provider: z.array(z.string().min(1).max(40)).max(20).optional().describe('Only conversations from these AI services, e.g. ["chatgpt", "claude"].'),
});

export const searchHit = z.object({
  rank: z.number().int(),
  kind: z.enum(mcpSearchKinds),
  title: z.string().describe('Title of the conversation the hit belongs to.'),
  text: z.string().describe('Matching excerpt; matched words in **bold**.'),
  conversationId: z.string().nullable().describe('VIVIM conversation id: pass to get_conversation.'),
  messageId: z.string().nullable(),
  /** Ids the AI service itself uses (for citing the original). */
  sourceConversationId: z.string().nullable(),
  sourceMessageId: z.string().nullable(),
  provider: z.string().nullable(),
  role: z.string().nullable(),
  createdAt: z.string().nullable(),
  score: z.number(),
});

export const searchToolOutput = z.object({
  results: z.array(searchHit),
  semantic: z.boolean().describe('Whether meaning-based (vector) search took part, besides full-text.'),
});
export type SearchToolOutput = z.infer<typeof searchToolOutput>;

export const getConversationInput = z.object({
  conversationId: z.uuid().describe('The VIVIM conversation id (from search results: conversationId).'),
  offset: z.number().int().min(0).default(0).describe('Index of the first message to return (0 = the start); use nextOffset from a previous call to page on.'),
  limit: z.number().int().min(1).max(100).default(30).describe('At most this many messages (1-100, default 30).'),
  maxCharsPerMessage: z.number().int().min(200).max(20_000).default(4000).describe('Longer messages are cut to this many characters (default 4000).'),
});

export const conversationMessage = z.object({
  index: z.number().int(),
  id: z.string(),
  sourceMessageId: z.string(),
  role: z.string(),
  model: z.string().nullable(),
  createdAt: z.string().nullable(),
  text: z.string(),
  truncated: z.boolean(),
});

export const getConversationOutput = z.object({
  id: z.string(),
  title: z.string(),
  provider: z.string(),
  sourceConversationId: z.string(),
  sourceUrl: z.string().nullable(),
  model: z.string().nullable(),
  createdAt: z.string().nullable(),
  /** Visible messages on the conversation's current branch. */
  messageCount: z.number().int(),
  offset: z.number().int(),
  messages: z.array(conversationMessage),
  nextOffset: z.number().int().nullable().describe('Pass as offset to read further; null at the end.'),
});
export type GetConversationOutput = z.infer<typeof getConversationOutput>;

export const captureUrlInput = z.object({
  url: z.string().trim().min(1).max(2048).describe('A public share link of an AI conversation (ChatGPT, Claude, Gemini, … share pages).'),
  waitSeconds: z
    .number()
    .int()
    .min(0)
    .max(120)
    .default(30)
    .describe('How long to wait for the capture to finish (0-120 s, default 30). When it takes longer, the job id comes back: call again with the same url later.'),
});

export const captureUrlOutput = z.object({
  jobId: z.string(),
  state: z.enum(['queued', 'running', 'retrying', 'done', 'failed']),
  step: z.string(),
  conversationId: z.string().nullable().describe('Set when done: pass to get_conversation.'),
  sourceConversationId: z.string().nullable(),
  messages: z.number().nullable(),
  changed: z.boolean().nullable().describe('False when the conversation was already stored and unchanged.'),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type CaptureUrlOutput = z.infer<typeof captureUrlOutput>;

/** The memory kinds (the memory module's types). */
export const mcpMemoryTypes = ['fact', 'preference', 'identity', 'goal', 'skill', 'relationship', 'event', 'instruction'] as const;

export const addMemoryToolInput = z.object({
  content: z
    .string()
    .trim()
    .min(3)
    .max(2000)
    .describe('One self-contained statement about the user, in the third person or as they said it, e.g. "Prefers TypeScript over JavaScript". No secrets (keys, passwords are refused).'),
  type: z
    .enum(mcpMemoryTypes)
    .default('fact')
    .describe('fact, preference, identity (who they are), goal, skill, relationship (people in their life), event (dated happening) or instruction (how assistants should behave).'),
  importance: z.number().min(0).max(1).default(0.7).describe('0-1: how much it matters for future answers (default 0.7).'),
  pinned: z.boolean().default(false).describe('Pinned memories always come first in context.'),
});

export const listMemoriesToolInput = z.object({
  query: z.string().trim().max(200).optional().describe('Only memories whose text contains this.'),
  type: z.array(z.enum(mcpMemoryTypes)).max(8).optional().describe('Only these types.'),
  pinned: z.boolean().optional().describe('Only pinned (true) or unpinned (false) memories.'),
  limit: z.number().int().min(1).max(100).default(20).describe('At most this many (1-100, default 20).'),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page.'),
});

export const forgetMemoryToolInput = z.object({ memoryId: z.uuid().describe('The id of the memory to forget (from list_memories or add_memory).') });

export const memoryOutput = z.object({
  id: z.string(),
  type: z.enum(mcpMemoryTypes),
  content: z.string(),
  importance: z.number(),
  confidence: z.number(),
  pinned: z.boolean(),
  source: z.string().describe('extracted (from conversations) or manual.'),
  validFrom: z.string().nullable(),
  updatedAt: z.string(),
  /** Messages it was drawn from (first few). */
  sources: z.array(z.object({ conversationId: z.string(), messageId: z.string(), sourceConversationId: z.string().nullable(), sourceMessageId: z.string().nullable(), quote: z.string() })),
});
export type MemoryOutput = z.infer<typeof memoryOutput>;

export const addMemoryToolOutput = z.object({ memory: memoryOutput });
export const listMemoriesToolOutput = z.object({ memories: z.array(memoryOutput), nextCursor: z.string().nullable() });
export const forgetMemoryToolOutput = z.object({ id: z.string(), forgotten: z.boolean() });

export const getContextToolInput = z.object({
  prompt: z.string().trim().min(1).max(20_000).describe('What the user is asking or about to ask: the context is chosen for it.'),
  budget: z.number().int().min(64).max(32_768).default(2000).describe('Most tokens the context may take (64-32768, default 2000).'),
  format: z.enum(['markdown', 'xml', 'json']).default('markdown').describe('How the context text is laid out.'),
  conversationId: z.uuid().optional().describe('A saved conversation this prompt continues: its recent turns are included.'),
  model: z.string().trim().min(1).max(100).optional().describe('The model the context is for (picks the tokenizer), e.g. "gpt-4o" or "claude-sonnet-4".'),
});

export const getContextToolOutput = z.object({
  totalTokens: z.number(),
  budget: z.number(),
  intent: z.string(),
  tokenizer: z.string(),
  sections: z.array(
    z.object({
      layer: z.string(),
      title: z.string(),
      tokens: z.number(),
      items: z.number().int(),
      /** Where the items come from: memory, topic, entity, message… ids. */
      citations: z.array(z.object({ kind: z.string(), id: z.string().nullable(), conversationId: z.string().nullable(), messageId: z.string().nullable(), sourceConversationId: z.string().nullable(), sourceMessageId: z.string().nullable() })),
    }),
  ),
  text: z.string(),
});
