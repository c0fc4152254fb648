import { z } from 'zod';

/** What a memory is about. */
export const memoryType = z.enum(['fact', 'preference', 'identity', 'goal', 'skill', 'relationship', 'event', 'instruction']);
export type MemoryType = z.infer<typeof memoryType>;
export const MEMORY_TYPES = memoryType.options;

/** Where a memory came from. */
export const memorySource = z.enum(['extracted', 'manual']);
export type MemorySource = z.infer<typeof memorySource>;

/** One message a memory was drawn from. */
export const memoryProvenance = z.object({
  conversationId: z.string(),
  messageId: z.string(),
  sourceConversationId: z.string().nullable(),
  sourceMessageId: z.string().nullable(),
  provider: z.string().nullable(),
  quote: z.string(),
});
export type MemoryProvenance = z.infer<typeof memoryProvenance>;

/** A memory as every caller sees it. */
export const memoryDto = z.object({
  id: z.string(),
  type: memoryType,
  content: z.string(),
  confidence: z.number().min(0).max(1),
  importance: z.number().min(0).max(1),
  pinned: z.boolean(),
  source: memorySource,
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
  supersededBy: z.string().nullable(),
  provenance: z.array(memoryProvenance),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type MemoryDto = z.infer<typeof memoryDto>;

const content = z.string().trim().min(3, 'say a little more (at least 3 characters)').max(2000, 'at most 2000 characters');
const unit = z.number().min(0).max(1);

export const memoryIdInput = z.object({ id: z.uuid() });
export type MemoryIdInput = z.infer<typeof memoryIdInput>;

/** A list from a query string (`a,b` or repeated `x=a&x=b`) or a JSON array. */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => {
    if (value === undefined || value === null || value === '') return undefined;
    const items = Array.isArray(value) ? value : [value];
    return items.flatMap((v) => (typeof v === 'string' ? v.split(',') : [v])).map((v) => (typeof v === 'string' ? v.trim() : v)).filter((v) => v !== '');
  }, z.array(item).max(20).optional());

const boolish = z.preprocess((value) => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value), z.boolean());

/** Filters of `list`. */
export const listMemoriesInput = z.object({
  type: list(memoryType),
  pinned: boolish.optional(),
  includeSuperseded: boolish.default(false),
  source: memorySource.optional(),
  q: z.string().trim().max(200).optional(),
  /** Only memories drawn from this conversation (one of their provenance rows points into it). */
  conversationId: z.string().uuid().optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListMemoriesInput = z.infer<typeof listMemoriesInput>;

export const memoryPage = z.object({ items: z.array(memoryDto), nextCursor: z.string().nullable() });
export type MemoryPage = z.infer<typeof memoryPage>;

/** A memory the user writes themselves. */
export const addMemoryInput = z.object({
  type: memoryType,
  content,
  importance: unit.default(0.7),
  pinned: z.boolean().default(false),
});
export type AddMemoryInput = z.infer<typeof addMemoryInput>;

/** Changes to a memory (content, type, importance, pinned). */
export const editMemoryInput = z.object({
  id: z.uuid(),
  content: content.optional(),
  type: memoryType.optional(),
  importance: unit.optional(),
  pinned: z.boolean().optional(),
});
export type EditMemoryInput = z.infer<typeof editMemoryInput>;

export const pinMemoryInput = z.object({ id: z.uuid(), pinned: z.boolean().default(true) });
export type PinMemoryInput = z.infer<typeof pinMemoryInput>;

/** What changed a memory, and how. */
export const memoryAction = z.enum(['ADD', 'UPDATE', 'SUPERSEDE', 'EDIT', 'PIN', 'UNPIN']);
export type MemoryAction = z.infer<typeof memoryAction>;

/** One entry of a memory's history (newest first). */
export const memoryRevisionDto = z.object({
  id: z.string(),
  action: memoryAction,
  previousContent: z.string().nullable(),
  content: z.string().nullable(),
  actor: z.string(),
  detail: z.string().nullable(),
  at: z.string(),
});
export type MemoryRevisionDto = z.infer<typeof memoryRevisionDto>;
export const memoryHistory = z.object({ memory: memoryDto, revisions: z.array(memoryRevisionDto) });
export type MemoryHistory = z.infer<typeof memoryHistory>;

export const forgetOutput = z.object({ id: z.string(), forgotten: z.literal(true) });

/** Options of `forContext`. */
export interface ForContextOptions {
  types: MemoryType[];
  limit: number;
}

export const extractInput = z.object({ conversationId: z.uuid() });
export const extractOutput = z.object({ jobId: z.string() });

/** What one extraction run did. */
export const extractionResult = z.object({
  skipped: z.boolean(),
  extractor: z.string(),
  candidates: z.number(),
  rejected: z.number(),
  added: z.number(),
  updated: z.number(),
  superseded: z.number(),
  unchanged: z.number(),
  removed: z.number(),
  /** LLM tokens spent (0 offline). */
  tokens: z.number(),
  /** True when the LLM token budget ran out before the end of the conversation. */
  truncated: z.boolean(),
});
export type ExtractionResult = z.infer<typeof extractionResult>;
