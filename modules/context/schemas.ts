import { z } from 'zod';

/** The layers of a context bundle, highest priority first. */
export const contextLayers = ['L0', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6'] as const;
export type ContextLayer = (typeof contextLayers)[number];

export const contextIntents = ['coding', 'recall', 'planning', 'writing', 'question', 'chat'] as const;
export type ContextIntent = (typeof contextIntents)[number];

export const MIN_BUDGET = 64;
export const MAX_BUDGET = 32_768;
export const MAX_PROMPT_CHARS = 20_000;

export const compileInput = z.object({
  /** What the user is about to ask their assistant. */
  prompt: z.string().refine((p) => p.trim().length > 0, 'The prompt is empty: say what the context is for').pipe(z.string().max(MAX_PROMPT_CHARS, `A prompt can be at most ${MAX_PROMPT_CHARS} characters`)),
  /** The conversation the prompt continues (its current branch becomes L5). */
  conversationId: z.uuid({ message: 'must be a conversation id' }).optional(),
  /** Most tokens the rendered text may take (counted with the target model's tokenizer). */
  budget: z.coerce.number({ message: 'must be a number of tokens' }).int().min(MIN_BUDGET, `The budget must be at least ${MIN_BUDGET} tokens`).max(MAX_BUDGET, `The budget can be at most ${MAX_BUDGET} tokens`).default(2000),
  /** Target model: picks the tokenizer (OpenAI models exactly, others by a calibrated estimate). */
  model: z.string().trim().min(1).max(100).optional(),
  /** Layers wanted (default all). */
  layers: z.array(z.enum(contextLayers, { message: `a layer is one of ${contextLayers.join(', ')}` })).min(1).max(7).optional(),
  format: z.enum(['markdown', 'xml', 'json']).default('markdown'),
});
export type CompileInput = z.output<typeof compileInput>;

/** One cited piece of context. */
export const contextItem = z.object({
  /** instruction | memory | topic | entity | message | acu | conversation */
  kind: z.string(),
  /** The row it comes from: memory, topic, entity, message, ACU or conversation id (null for L0's preamble). */
  id: z.string().nullable(),
  conversationId: z.string().nullable(),
  messageId: z.string().nullable(),
  /** The provider's own ids (what the user sees in ChatGPT, Claude…). */
  sourceConversationId: z.string().nullable(),
  sourceMessageId: z.string().nullable(),
  text: z.string(),
  /** Tokens of this item as rendered (its line or element). */
  tokens: z.number(),
  score: z.number(),
});
export type ContextItem = z.infer<typeof contextItem>;

export const contextSection = z.object({
  layer: z.enum(contextLayers),
  title: z.string(),
  /** Tokens of the section as rendered (heading, wrapper and items). */
  tokens: z.number(),
  items: z.array(contextItem),
});
export type ContextSection = z.infer<typeof contextSection>;

export const compileOutput = z.object({
  /** Tokens of `text`, counted by `tokenizer`; never above `budget`. */
  totalTokens: z.number(),
  budget: z.number(),
  intent: z.enum(contextIntents),
  model: z.string().nullable(),
  tokenizer: z.string(),
  /** True when the bundle came from the warm cache. */
  cached: z.boolean(),
  tookMs: z.number(),
  sections: z.array(contextSection),
  /** The bundle to paste into the model's context, in the asked format. */
  text: z.string(),
});
export type CompileOutput = z.infer<typeof compileOutput>;
