import { z } from 'zod';
import { searchKinds } from './engine.ts';
import { MAX_QUERY_CHARS } from './query.ts';

/** A list from a query string (`a,b` or repeated `x=a&x=b`) or a JSON array. */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => {
    if (value === undefined || value === null || value === '') return undefined;
    const items = Array.isArray(value) ? value : [value];
    return items.flatMap((v) => (typeof v === 'string' ? v.split(',') : [v])).map((v) => (typeof v === 'string' ? v.trim() : v)).filter((v) => v !== '');
  }, z.array(item).max(20).optional());

const boolish = z.preprocess((value) => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value), z.boolean());

const isoDate = z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'must be an ISO date (2026-01-31) or date-time' });

export const searchInput = z.object({
  q: z.string().trim().min(1, 'Type something to search for').max(MAX_QUERY_CHARS, `A query can be at most ${MAX_QUERY_CHARS} characters`),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
  kind: list(z.enum(searchKinds)),
  provider: list(z.string().min(1).max(40)),
  role: list(z.enum(['user', 'assistant', 'system', 'tool'])),
  conversationId: z.uuid().optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  /** One hit per conversation (its best). */
  collapse: boolish.default(false),
  /** `lexical` or `vector` alone (for comparison); `hybrid` is the product. */
  mode: z.enum(['hybrid', 'lexical', 'vector']).default('hybrid'),
});
export type SearchInput = z.output<typeof searchInput>;

export const searchResult = z.object({
  kind: z.enum(searchKinds),
  score: z.number(),
  /** The row the hit stands for (message, ACU, memory or conversation id). */
  id: z.string(),
  conversationId: z.string().nullable(),
  messageId: z.string().nullable(),
  sourceConversationId: z.string().nullable(),
  sourceMessageId: z.string().nullable(),
  provider: z.string().nullable(),
  role: z.string().nullable(),
  title: z.string(),
  /** HTML-escaped text with `<mark>` around matches. */
  snippet: z.string(),
  createdAt: z.string().nullable(),
});
export type SearchResult = z.infer<typeof searchResult>;

const counts = z.record(z.string(), z.number());
export const searchOutput = z.object({
  results: z.array(searchResult),
  nextCursor: z.string().nullable(),
  /** Counts over the ranked candidate pool (up to 500 hits), by kind, provider and role. */
  facets: z.object({ kind: counts, provider: counts, role: counts }),
  tookMs: z.number(),
  engine: z.string(),
  /** Whether the vector half ran, and why not when it did not. */
  semantic: z.object({ used: z.boolean(), model: z.string().nullable(), reason: z.string().nullable() }),
});
export type SearchOutput = z.infer<typeof searchOutput>;

export const suggestInput = z.object({
  prefix: z.string().trim().min(1).max(100),
  limit: z.coerce.number().int().min(1).max(20).default(8),
});
export const suggestOutput = z.object({
  suggestions: z.array(z.object({ kind: z.enum(['conversation', 'entity', 'term']), text: z.string(), conversationId: z.string().nullable() })),
});

export const searchStatus = z.object({
  engine: z.object({ name: z.string(), ok: z.boolean(), detail: z.string(), documents: z.number().nullable() }),
  embedder: z.object({ id: z.string().nullable(), ok: z.boolean(), detail: z.string() }),
  documents: z.number(),
  embedded: z.number(),
  pendingEmbeddings: z.number(),
  conversationsIndexed: z.number(),
});
export type SearchStatus = z.infer<typeof searchStatus>;
