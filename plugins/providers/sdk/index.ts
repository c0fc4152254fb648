import type { Readable } from 'node:stream';
import { z } from 'zod';

/** The plugin API version this VIVIM speaks. A plugin declaring another is refused. */
export const PROVIDER_API_VERSION = 1;

export const messageRole = z.enum(['user', 'assistant', 'system', 'tool']);

/** One piece of a message's content, normalized across providers. */
export const contentPart = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string(), format: z.enum(['markdown', 'plain']).default('markdown') }),
  z.object({ type: z.literal('code'), code: z.string(), language: z.string().optional() }),
  /** An image: a remote `url`, inline `data` (base64), or `entry` (a file inside the export zip). */
  z.object({ type: z.literal('image'), url: z.string().optional(), data: z.string().optional(), entry: z.string().optional(), mimeType: z.string().optional(), alt: z.string().optional() }),
  z.object({ type: z.literal('file'), name: z.string(), url: z.string().optional(), entry: z.string().optional(), mimeType: z.string().optional() }),
  z.object({ type: z.literal('table'), rows: z.array(z.array(z.string())), header: z.boolean().default(true) }),
  z.object({ type: z.literal('math'), tex: z.string(), display: z.boolean().default(false) }),
  z.object({ type: z.literal('mermaid'), source: z.string() }),
  z.object({ type: z.literal('tool_call'), name: z.string(), arguments: z.unknown(), callId: z.string().optional() }),
  z.object({ type: z.literal('tool_result'), content: z.string(), callId: z.string().optional(), isError: z.boolean().default(false) }),
  z.object({ type: z.literal('citation'), url: z.string(), title: z.string().optional(), snippet: z.string().optional() }),
  /** The model's visible reasoning ("thinking"), kept apart from the answer. */
  z.object({ type: z.literal('reasoning'), text: z.string() }),
]);
export type ContentPart = z.infer<typeof contentPart>;

/** One message of a captured conversation; `parentSourceId` builds the branch tree. */
export const capturedMessage = z.object({
  sourceId: z.string().min(1),
  parentSourceId: z.string().min(1).nullable().default(null),
  role: messageRole,
  model: z.string().optional(),
  createdAt: z.coerce.date().optional(),
  /** System prompts and other nodes the provider does not show; stored but not counted. */
  hidden: z.boolean().default(false),
  parts: z.array(contentPart),
});
export type CapturedMessage = z.infer<typeof capturedMessage>;

/** What a provider returns: validated by the core before anything is stored. */
export const capturedConversation = z.object({
  provider: z.string().min(1),
  sourceId: z.string().min(1),
  sourceUrl: z.url().optional(),
  title: z.string().default('Untitled conversation'),
  model: z.string().optional(),
  createdAt: z.coerce.date().optional(),
  updatedAt: z.coerce.date().optional(),
  /** The leaf of the branch the provider showed, when the tree has several. */
  currentLeafSourceId: z.string().optional(),
  /** Labels the provider itself gives the conversation (a Claude project's name); added to the user's tags, never replacing them. */
  tags: z.array(z.string().trim().min(1).max(80)).max(50).optional(),
  messages: z.array(capturedMessage).min(1),
});
export type CapturedConversation = z.infer<typeof capturedConversation>;

/** The page a provider extracts from: fetched by the core (SSRF-guarded), rendered in Chromium, or posted by the user's browser. */
export interface ExtractInput {
  url: URL;
  html: string;
  /** How the HTML was obtained: a plain fetch has no script-rendered content. */
  via: 'fetch' | 'browser' | 'upload';
}

/** Why a provider could not extract; `code` drives what the core does next and what the user sees. */
export type ProviderErrorCode =
  /** The share was deleted, is private, or the page says "not found". */
  | 'NOT_FOUND'
  /** The fetched HTML does not hold the conversation: render the page in Chromium and try again. */
  | 'NEEDS_BROWSER'
  /** The provider answered with a bot check or sign-in wall instead of the page. */
  | 'BOT_CHECK'
  /** The page is the provider's but its structure was not understood (say which step in `step`). */
  | 'EXTRACTION_FAILED';

/** Thrown by providers; the core maps it to the capture error codes. */
export class ProviderError extends Error {
  readonly code: ProviderErrorCode;
  readonly step: string;
  constructor(code: ProviderErrorCode, step: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProviderError';
    this.code = code;
    this.step = step;
  }
}

/** An official export the user uploaded: a zip (entries) or a single file (one entry, its name). */
export interface ExportFile {
  fileName: string;
  /** Entry names: the zip's files, or `[fileName]` for a plain file. */
  entries: readonly string[];
  /** Streams one entry (never loads a large export into memory). */
  open(entry: string): Promise<Readable>;
  /** Reads the first `maxBytes` of an entry as UTF-8 (for format detection). */
  head(entry: string, maxBytes?: number): Promise<string>;
}

/** One conversation of an export, or why it could not be read (the rest continue). */
export type ImportedItem =
  | { ok: true; conversation: CapturedConversation }
  | { ok: false; source: string; code: 'INVALID_CONTENT' | 'EXTRACTION_FAILED'; message: string };

/** A logger the core passes to providers (pino-compatible subset). */
export interface ProviderLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** A recorded page a provider ships for its tests. */
export interface ProviderFixture {
  name: string;
  url: string;
  /** Path relative to the plugin's folder. */
  file: string;
}

/** The contract every provider plugin implements. Providers return data only: no I/O beyond their input. */
export interface ProviderPlugin {
  /** Stable lowercase id, e.g. 'chatgpt'. */
  id: string;
  /** Display name, e.g. 'ChatGPT'. */
  name: string;
  /** Must equal PROVIDER_API_VERSION. */
  apiVersion: number;
  /** The plugin's own version. */
  version: string;
  /** Hosts the core may fetch for this provider (the SSRF allow-list); exact hostnames. */
  hosts: readonly string[];
  /** Recognizes a public share URL; returns the provider's conversation id, or null. */
  matchShareUrl(url: URL): { sourceId: string } | null;
  /** Recognizes the URL of a signed-in, private conversation page (pages posted by the user's browser). */
  matchConversationUrl?(url: URL): { sourceId: string } | null;
  /**
   * How share pages carry the conversation: 'static' when the server-rendered HTML holds it
   * (embedded data), 'browser' when only the script-rendered DOM does.
   */
  rendering?: 'static' | 'browser';
  /** With rendering 'browser': a CSS selector present once the conversation has rendered. */
  readySelector?: string;
  /** Extracts the conversation from a page: embedded data first, then the DOM. May throw ProviderError. */
  extract?(input: ExtractInput, log: ProviderLog): CapturedConversation | Promise<CapturedConversation>;
  /** True when the export file is this provider's (detect by content, not only by name). */
  detectExport?(file: ExportFile): Promise<boolean>;
  /** Streams the conversations of an official export. */
  importExport?(file: ExportFile, log: ProviderLog): AsyncIterable<ImportedItem>;
  /** Recorded pages for tests. */
  fixtures?: readonly ProviderFixture[];
}

const optionalFunction = z.custom<unknown>((v) => v === undefined || typeof v === 'function', 'must be a function').optional();

const hostname = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/i, 'must be a hostname such as chat.example.com');

/** Validates a plugin's manifest (what a third-party package exports as default). */
export const providerManifest = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'must be lowercase letters, digits and dashes (2–40)'),
  name: z.string().min(1).max(80),
  apiVersion: z.literal(PROVIDER_API_VERSION, { error: `must be ${PROVIDER_API_VERSION}` }),
  version: z.string().min(1),
  hosts: z.array(hostname).min(1),
  matchShareUrl: z.custom<ProviderPlugin['matchShareUrl']>((v) => typeof v === 'function', 'must be a function'),
  matchConversationUrl: optionalFunction,
  rendering: z.enum(['static', 'browser']).optional(),
  readySelector: z.string().optional(),
  extract: optionalFunction,
  detectExport: optionalFunction,
  importExport: optionalFunction,
  fixtures: z.array(z.object({ name: z.string(), url: z.string(), file: z.string() })).optional(),
});

/** Declares a provider plugin (identity helper for type checking). */
export function defineProvider<const P extends ProviderPlugin>(plugin: P): P {
  return plugin;
}

/** Load outcome of one plugin, shown by `vivim doctor` and the admin API. */
export interface ProviderStatus {
  id: string | undefined;
  source: string;
  loaded: boolean;
  error?: string;
}

/** The loaded providers, looked up by id or by share URL. */
export interface ProviderRegistry {
  list(): readonly ProviderPlugin[];
  get(id: string): ProviderPlugin | undefined;
  /** The provider whose share-URL matcher (or, when allowed, private-conversation matcher) accepts the URL. */
  forUrl(url: URL, options?: { allowConversationUrls?: boolean }): { provider: ProviderPlugin; sourceId: string } | undefined;
  status(): readonly ProviderStatus[];
}
