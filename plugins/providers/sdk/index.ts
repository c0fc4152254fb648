import { z } from 'zod';

/** The plugin API version this VIVIM speaks. A plugin declaring another is refused. */
export const PROVIDER_API_VERSION = 1;

export const messageRole = z.enum(['user', 'assistant', 'system', 'tool']);

/** One piece of a message's content, normalized across providers. */
export const contentPart = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string(), format: z.enum(['markdown', 'plain']).default('markdown') }),
  z.object({ type: z.literal('code'), code: z.string(), language: z.string().optional() }),
  z.object({ type: z.literal('image'), url: z.string().optional(), data: z.string().optional(), mimeType: z.string().optional(), alt: z.string().optional() }),
  z.object({ type: z.literal('file'), name: z.string(), url: z.string().optional(), mimeType: z.string().optional() }),
  z.object({ type: z.literal('table'), rows: z.array(z.array(z.string())), header: z.boolean().default(true) }),
  z.object({ type: z.literal('math'), tex: z.string(), display: z.boolean().default(false) }),
  z.object({ type: z.literal('mermaid'), source: z.string() }),
  z.object({ type: z.literal('tool_call'), name: z.string(), arguments: z.unknown(), callId: z.string().optional() }),
  z.object({ type: z.literal('tool_result'), content: z.string(), callId: z.string().optional(), isError: z.boolean().default(false) }),
  z.object({ type: z.literal('citation'), url: z.string(), title: z.string().optional(), snippet: z.string().optional() }),
]);
export type ContentPart = z.infer<typeof contentPart>;

/** One message of a captured conversation; `parentSourceId` builds the branch tree. */
export const capturedMessage = z.object({
  sourceId: z.string().min(1),
  parentSourceId: z.string().min(1).nullable().default(null),
  role: messageRole,
  model: z.string().optional(),
  createdAt: z.coerce.date().optional(),
  parts: z.array(contentPart).min(1),
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
  messages: z.array(capturedMessage).min(1),
});
export type CapturedConversation = z.infer<typeof capturedConversation>;

/** What the core hands a provider for a capture: the page is already fetched through the SSRF guard. */
export interface CaptureInput {
  url: URL;
  /** The share page's HTML. */
  html: string;
}

/** An official export file or folder, opened by the core. */
export interface ImportInput {
  fileName: string;
  /** Reads the whole file (or the named entry of a zip) as text. */
  readText(entry?: string): Promise<string>;
}

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
  /** Hosts the core may fetch for this provider (the SSRF allow-list). */
  hosts: readonly string[];
  /** Recognizes a share URL; returns the provider's conversation id, or null. */
  matchShareUrl(url: URL): { sourceId: string } | null;
  /** Extracts a conversation from a fetched share page. */
  capture?(input: CaptureInput, log: ProviderLog): Promise<CapturedConversation>;
  /** Reads an official export into conversations. */
  importExport?(input: ImportInput, log: ProviderLog): AsyncIterable<CapturedConversation>;
  /** Recorded pages for tests. */
  fixtures?: readonly ProviderFixture[];
}

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
  capture: z.custom<ProviderPlugin['capture']>((v) => v === undefined || typeof v === 'function', 'must be a function').optional(),
  importExport: z
    .custom<ProviderPlugin['importExport']>((v) => v === undefined || typeof v === 'function', 'must be a function')
    .optional(),
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
  /** The provider whose share-URL matcher accepts the URL. */
  forUrl(url: URL): { provider: ProviderPlugin; sourceId: string } | undefined;
  status(): readonly ProviderStatus[];
}
