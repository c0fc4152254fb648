import { z } from 'zod';
import { contentPart } from '#plugins/providers/sdk/index.ts';
import { captureErrorCodes } from './errors.ts';

/** Pages posted by the user's browser may be this large (the service answers TOO_LARGE above it). */
export const MAX_PAGE_UPLOAD_BYTES = 20 * 1024 * 1024;

export const captureInput = z.object({
  url: z.string().trim().min(1, 'paste a share link').max(2048),
  /** The rendered page, posted by the user's browser (bookmarklet, extension, CLI --html): nothing is fetched. */
  html: z.string().max(MAX_PAGE_UPLOAD_BYTES + 5 * 1024 * 1024).optional(),
});
export type CaptureInput = z.infer<typeof captureInput>;

export const captureBatchInput = z.object({ urls: z.array(z.string().trim().min(1).max(2048)).min(1).max(50) });

export const jobIdInput = z.object({ jobId: z.string().regex(/^\d{1,19}$/, 'must be a job id') });

export const captureStep = z.enum(['queued', 'fetching', 'rendering', 'extracting', 'storing', 'indexing', 'done', 'failed']);

/** What a capture looks like to its owner while it runs and after. */
export const captureStatus = z.object({
  jobId: z.string(),
  url: z.string().nullable(),
  state: z.enum(['queued', 'running', 'retrying', 'done', 'failed']),
  step: captureStep,
  percent: z.number().nullable(),
  conversationId: z.string().nullable(),
  sourceConversationId: z.string().nullable(),
  messages: z.number().nullable(),
  changed: z.boolean().nullable(),
  error: z.object({ code: z.union([z.enum(captureErrorCodes), z.string()]), message: z.string() }).nullable(),
  updatedAt: z.date(),
});
export type CaptureStatus = z.infer<typeof captureStatus>;

export const captureBatchOutput = z.array(
  z.object({ url: z.string(), jobId: z.string().nullable(), error: z.object({ code: z.string(), message: z.string() }).nullable() }),
);

export const conversationSummary = z.object({
  id: z.string(),
  provider: z.string(),
  sourceConversationId: z.string(),
  sourceUrl: z.string().nullable(),
  title: z.string(),
  model: z.string().nullable(),
  createdAt: z.date().nullable(),
  updatedAt: z.date().nullable(),
  capturedAt: z.date(),
  modifiedAt: z.date(),
  messageCount: z.number(),
  tags: z.array(z.string()),
  origin: z.string(),
  contentHash: z.string(),
});
export type ConversationSummary = z.infer<typeof conversationSummary>;

export const listConversationsInput = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  provider: z.string().max(40).optional(),
  tag: z.string().max(80).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  /** Search-as-you-type over titles (substring, case-insensitive). */
  q: z.string().max(200).optional(),
});
export type ListConversationsInput = z.infer<typeof listConversationsInput>;

export const conversationPage = z.object({ items: z.array(conversationSummary), nextCursor: z.string().nullable() });

export const storedPart = z.object({ position: z.number(), blobSha: z.string().nullable() }).and(contentPart);

export const messageOutput = z.object({
  id: z.string(),
  sourceMessageId: z.string(),
  parentId: z.string().nullable(),
  branchIndex: z.number(),
  /** How many versions this message's parent has (>1: a branch switcher is due). */
  siblingCount: z.number(),
  isOnCurrentBranch: z.boolean(),
  role: z.string(),
  model: z.string().nullable(),
  createdAt: z.date().nullable(),
  hidden: z.boolean(),
  parts: z.array(storedPart),
});
export type MessageOutput = z.infer<typeof messageOutput>;

export const conversationIdInput = z.object({ id: z.uuid({ message: 'must be a conversation id' }) });
export const getConversationInput = conversationIdInput.extend({
  /** Show the branch ending at this message instead of the provider's current one. */
  leafMessageId: z.uuid().optional(),
  /** Include every message of every branch (default: only the selected branch). */
  allBranches: z.coerce.boolean().default(false),
});

export const conversationDetail = conversationSummary.extend({ currentLeafId: z.string().nullable(), messages: z.array(messageOutput) });
export type ConversationDetail = z.infer<typeof conversationDetail>;

export const renameInput = conversationIdInput.extend({ title: z.string().trim().min(1).max(500) });
export const tagInput = conversationIdInput.extend({ tags: z.array(z.string().trim().min(1).max(80)).max(50) });
export const exportInput = conversationIdInput.extend({ format: z.enum(['markdown', 'json']).default('markdown') });
export const exportOutput = z.object({ fileName: z.string(), contentType: z.string(), content: z.string() });

export const acuOutput = z.object({
  id: z.string(),
  conversationId: z.string(),
  type: z.string(),
  content: z.string(),
  language: z.string().nullable(),
  quality: z.number(),
  messageIds: z.array(z.string()),
  createdAt: z.date(),
});
export const listAcusInput = z.object({
  conversationId: z.uuid().optional(),
  type: z.string().max(40).optional(),
  cursor: z.uuid({ message: 'not a valid page cursor' }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const acuPage = z.object({ items: z.array(acuOutput), nextCursor: z.string().nullable() });

export const importReport = z.object({
  id: z.string(),
  fileName: z.string(),
  provider: z.string().nullable(),
  status: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']),
  jobId: z.string().nullable(),
  conversations: z.number(),
  messages: z.number(),
  unchanged: z.number(),
  errors: z.array(z.object({ source: z.string(), code: z.string(), message: z.string() })),
  createdAt: z.date(),
  finishedAt: z.date().nullable(),
});
export type ImportReport = z.infer<typeof importReport>;
export const importIdInput = z.object({ id: z.uuid() });
