import { createHash } from 'node:crypto';
import { z } from 'zod';
import { capturedConversation, contentPart, type CapturedConversation, type CapturedMessage, type ContentPart, type ProviderLog } from '../sdk/index.ts';
import { markdownToParts } from '../sdk/markdown.ts';

/*
 * Turns the conversations and messages of generic sources (VIVIM JSON, VIVIM's own JSON export,
 * OpenAI-style message lists, Markdown transcripts) into captured conversations. Pure: no I/O.
 */

export const PROVIDER_ID = 'generic';

type Role = CapturedMessage['role'];

/** Roles as sources spell them: OpenAI's `developer`/`function`, Gemini's `model`, Anthropic's `human`. */
const ROLES: Readonly<Record<string, Role>> = {
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  ai: 'assistant',
  model: 'assistant',
  bot: 'assistant',
  system: 'system',
  developer: 'system',
  tool: 'tool',
  function: 'tool',
};

export function roleOf(value: unknown): Role | undefined {
  return typeof value === 'string' ? ROLES[value.trim().toLowerCase()] : undefined;
}

/** A conversation's place in the uploaded file: what derived ids and messages refer to. */
export interface SourceContext {
  fileName: string;
  entry: string;
  /** Index of the conversation in the entry. */
  index: number;
  /** Title when the source has none (a single-conversation file: its name). */
  defaultTitle?: string;
  log: ProviderLog;
}

/** A stable id for something without one: the same file, conversation and message give the same id. */
export function derivedId(...key: (string | number)[]): string {
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 32);
}

/** ISO strings or epoch seconds/milliseconds; anything unreadable is left out. */
export function dateOf(value: unknown): Date | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  if (value === '') return undefined;
  const epoch = typeof value === 'number' ? value : /^\d+(?:\.\d+)?$/.test(value) ? Number(value) : undefined;
  const date = epoch === undefined ? new Date(value) : new Date(epoch < 1e12 ? epoch * 1000 : epoch);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Why a source conversation cannot be imported (reported as INVALID_CONTENT). */
export class InvalidSource extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSource';
  }
}

const id = z.union([z.string(), z.number()]).transform((v) => String(v).trim());
const time = z.union([z.string(), z.number()]).nullish();

/** A message of VIVIM JSON, of VIVIM's export (sourceMessageId, parts) or an OpenAI-style list. */
const rawMessage = z.object({
  id: id.nullish(),
  sourceMessageId: id.nullish(),
  parentId: id.nullish(),
  role: z.string({ error: 'must be user, assistant, system or tool' }).refine((role) => roleOf(role) !== undefined, { error: 'must be user, assistant, system or tool' }),
  content: z.unknown().optional(),
  parts: z.array(z.unknown()).nullish(),
  model: z.string().nullish(),
  createdAt: time,
  created_at: time,
  timestamp: time,
  hidden: z.boolean().nullish(),
  tool_calls: z.array(z.unknown()).nullish(),
  function_call: z.unknown().optional(),
  tool_call_id: z.string().nullish(),
});
type RawMessage = z.infer<typeof rawMessage>;

/** A conversation of VIVIM JSON or VIVIM's export (`sourceConversationId`, `currentLeafId`). */
const rawConversation = z.object({
  provider: z.string().nullish(),
  id: id.nullish(),
  sourceConversationId: id.nullish(),
  title: z.string().nullish(),
  model: z.string().nullish(),
  createdAt: time,
  created_at: time,
  updatedAt: time,
  updated_at: time,
  sourceUrl: z.string().nullish(),
  currentLeafId: id.nullish(),
  messages: z.array(z.unknown(), { error: 'must be a list of messages' }),
});

function issueText(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return `${where || '(root)'}: ${issue.message}`;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** `data:<mime>;base64,<data>` → inline image; http(s) and others → a URL (the core keeps only safe ones). */
function imageFromUrl(url: string, alt?: string): ContentPart {
  const data = /^data:([^;,]*)((?:;[^;,]*)*);base64,/i.exec(url.slice(0, 200));
  if (data) return { type: 'image', data: url.slice(data[0].length), ...(data[1] ? { mimeType: data[1].toLowerCase() } : {}), ...(alt ? { alt } : {}) };
  return { type: 'image', url, ...(alt ? { alt } : {}) };
}

function parseArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

const VIVIM_PART_TYPES = new Set(['code', 'image', 'file', 'table', 'math', 'mermaid', 'tool_call', 'tool_result', 'citation', 'reasoning']);

/**
 * One element of a part list: a VIVIM part (kept; a text part without `format` is markdown and split),
 * an OpenAI part (`text`, `input_text`, `output_text`, `refusal`, `image_url`, `input_image`),
 * `{ text }` without a type (Gemini), or a bare string (markdown).
 */
function partsFromElement(element: unknown, where: string, log: ProviderLog): ContentPart[] {
  if (typeof element === 'string') return markdownToParts(element);
  if (!isRecord(element)) throw new InvalidSource(`${where}: must be a part object or a string`);
  const type = stringOf(element.type);
  switch (type) {
    case undefined:
    case 'text':
    case 'input_text':
    case 'output_text': {
      // OpenAI Assistants put `{ value, annotations }` in `text`.
      const text = stringOf(element.text) ?? (isRecord(element.text) ? stringOf(element.text.value) : undefined);
      if (text === undefined) {
        if (type === undefined) {
          log.warn({ provider: PROVIDER_ID, where }, 'generic import: a part without type or text was skipped');
          return [];
        }
        throw new InvalidSource(`${where}.text: must be a string`);
      }
      if (type === 'text' && (element.format === 'markdown' || element.format === 'plain')) return [{ type: 'text', text, format: element.format }];
      return markdownToParts(text);
    }
    case 'refusal':
      return markdownToParts(stringOf(element.refusal) ?? '');
    case 'image_url':
    case 'input_image': {
      const url = stringOf(element.image_url) ?? (isRecord(element.image_url) ? stringOf(element.image_url.url) : undefined);
      if (url) return [imageFromUrl(url)];
      log.warn({ provider: PROVIDER_ID, where, type }, 'generic import: an image without a URL (an uploaded file id) was skipped');
      return [];
    }
    default: {
      if (VIVIM_PART_TYPES.has(type)) {
        if (type === 'image' && typeof element.url === 'string' && element.url.startsWith('data:') && element.data === undefined) {
          return [imageFromUrl(element.url, stringOf(element.alt))];
        }
        const parsed = contentPart.safeParse(element);
        if (!parsed.success) throw new InvalidSource(issueText(parsed.error, where));
        return [parsed.data];
      }
      const text = stringOf(element.text);
      if (text !== undefined) {
        log.warn({ provider: PROVIDER_ID, where, type }, 'generic import: unknown part type, its text kept as markdown');
        return markdownToParts(text);
      }
      log.warn({ provider: PROVIDER_ID, where, type }, 'generic import: unknown part type without text was skipped');
      return [];
    }
  }
}

function toolCallsOf(raw: RawMessage, where: string, log: ProviderLog): ContentPart[] {
  const parts: ContentPart[] = [];
  const calls = [...(raw.tool_calls ?? []), ...(raw.function_call === undefined || raw.function_call === null ? [] : [{ function: raw.function_call }])];
  calls.forEach((call, index) => {
    const fn = isRecord(call) && isRecord(call.function) ? call.function : undefined;
    const name = stringOf(fn?.name);
    if (!fn || !name) {
      log.warn({ provider: PROVIDER_ID, where: `${where}.tool_calls.${index}` }, 'generic import: a tool call without a function name was skipped');
      return;
    }
    const callId = isRecord(call) ? stringOf(call.id) : undefined;
    parts.push({ type: 'tool_call', name, arguments: parseArguments(fn.arguments), ...(callId ? { callId } : {}) });
  });
  return parts;
}

function messageParts(raw: RawMessage, role: Role, where: string, log: ProviderLog): ContentPart[] {
  let parts: ContentPart[];
  const content = raw.content;
  if (raw.parts) parts = raw.parts.flatMap((element, index) => partsFromElement(element, `${where}.parts.${index}`, log));
  else if (typeof content === 'string') {
    // A tool's output is data, not markdown.
    parts = role === 'tool' ? [{ type: 'tool_result', content, isError: false, ...(raw.tool_call_id ? { callId: raw.tool_call_id } : {}) }] : markdownToParts(content);
  } else if (Array.isArray(content)) parts = content.flatMap((element, index) => partsFromElement(element, `${where}.content.${index}`, log));
  else if (content === undefined || content === null) parts = [];
  else if (isRecord(content)) parts = partsFromElement(content, `${where}.content`, log);
  else throw new InvalidSource(`${where}.content: must be a string or a list of parts`);
  return [...parts, ...toolCallsOf(raw, where, log)];
}

/** A message before ids are settled: `parent` undefined means "the previous message". */
export interface DraftMessage {
  /** The source's ids for this message (VIVIM's export has both `sourceMessageId` and its own `id`). */
  ids: string[];
  parent?: string | null;
  role: Role;
  model?: string;
  createdAt?: Date;
  hidden: boolean;
  parts: ContentPart[];
}

export interface DraftConversation {
  sourceId?: string;
  title?: string;
  model?: string;
  createdAt?: Date;
  updatedAt?: Date;
  sourceUrl?: string;
  /** One of the messages' ids. */
  currentLeaf?: string;
  messages: DraftMessage[];
}

/** One source message (any supported shape) → a draft message. Throws InvalidSource. */
export function draftMessage(value: unknown, where: string, log: ProviderLog): DraftMessage {
  const parsed = rawMessage.safeParse(value);
  if (!parsed.success) throw new InvalidSource(issueText(parsed.error, where));
  const raw = parsed.data;
  const role = roleOf(raw.role) as Role;
  const createdAt = dateOf(raw.createdAt ?? raw.created_at ?? raw.timestamp);
  const ids = [raw.sourceMessageId, raw.id].filter((v): v is string => Boolean(v));
  const hasParent = isRecord(value) && Object.hasOwn(value, 'parentId');
  return {
    ids,
    ...(hasParent ? { parent: raw.parentId || null } : {}),
    role,
    ...(raw.model ? { model: raw.model } : {}),
    ...(createdAt ? { createdAt } : {}),
    hidden: raw.hidden === true,
    parts: messageParts(raw, role, where, log),
  };
}

/** A source conversation (VIVIM JSON, VIVIM export, `{ messages }`) → a draft. Throws InvalidSource. */
export function draftConversation(value: unknown, log: ProviderLog): DraftConversation {
  const parsed = rawConversation.safeParse(value);
  if (!parsed.success) throw new InvalidSource(issueText(parsed.error, ''));
  const raw = parsed.data;
  const base = raw.sourceConversationId || raw.id;
  // The same id from two providers are two conversations; a re-imported generic one keeps its id.
  const provider = raw.provider?.trim();
  const sourceId = base ? (provider && provider.toLowerCase() !== PROVIDER_ID ? `${provider}:${base}` : base) : undefined;
  const createdAt = dateOf(raw.createdAt ?? raw.created_at);
  const updatedAt = dateOf(raw.updatedAt ?? raw.updated_at);
  const sourceUrl = raw.sourceUrl && /^https?:\/\//i.test(raw.sourceUrl) && z.url().safeParse(raw.sourceUrl).success ? raw.sourceUrl : undefined;
  return {
    ...(sourceId ? { sourceId } : {}),
    ...(raw.title?.trim() ? { title: raw.title.trim() } : {}),
    ...(raw.model ? { model: raw.model } : {}),
    ...(createdAt ? { createdAt } : {}),
    ...(updatedAt ? { updatedAt } : {}),
    ...(sourceUrl ? { sourceUrl } : {}),
    ...(raw.currentLeafId ? { currentLeaf: raw.currentLeafId } : {}),
    messages: raw.messages.map((message, index) => draftMessage(message, `messages.${index}`, log)),
  };
}

/**
 * Settles ids and parents and validates. Ids are the source's when it has them. Otherwise a
 * conversation's id is derived from the file name, the entry and the conversation's index, and a
 * message's is `<conversation id>:<index>` when the conversation has its own id (stable even if the
 * file is renamed) or derived from file name, entry, conversation and message index. The same file
 * imported twice gives the same ids.
 */
export function assembleConversation(draft: DraftConversation, context: SourceContext): CapturedConversation {
  if (!draft.messages.length) throw new InvalidSource('the conversation holds no message');
  const sourceId = draft.sourceId || derivedId(context.fileName, context.entry, context.index);
  const byId = new Map<string, string>();
  const sourceIds = draft.messages.map((message, index) => {
    const own = message.ids[0] || (draft.sourceId ? `${draft.sourceId}:${index}` : derivedId(context.fileName, context.entry, context.index, index));
    for (const alias of [own, ...message.ids]) if (!byId.has(alias)) byId.set(alias, own);
    return own;
  });
  const seen = new Set<string>();
  for (const own of sourceIds) {
    if (seen.has(own)) throw new InvalidSource(`two messages have the id ${JSON.stringify(own)}`);
    seen.add(own);
  }
  const messages: CapturedMessage[] = draft.messages.map((message, index) => {
    const own = sourceIds[index] as string;
    let parent: string | null;
    if (message.parent === undefined) parent = index > 0 ? (sourceIds[index - 1] ?? null) : null;
    else if (message.parent === null) parent = null;
    else {
      parent = byId.get(message.parent) ?? null;
      if (!parent) context.log.warn({ provider: PROVIDER_ID, message: own, parent: message.parent }, 'generic import: parent not in the conversation, the message starts a branch');
    }
    if (parent === own) parent = null;
    return {
      sourceId: own,
      parentSourceId: parent,
      role: message.role,
      ...(message.model ? { model: message.model } : {}),
      ...(message.createdAt ? { createdAt: message.createdAt } : {}),
      hidden: message.hidden,
      parts: message.parts,
    };
  });
  const currentLeafSourceId = draft.currentLeaf ? byId.get(draft.currentLeaf) : undefined;
  const model = draft.model ?? messages.findLast((m) => m.model)?.model;
  const parsed = capturedConversation.safeParse({
    provider: PROVIDER_ID,
    sourceId,
    ...(draft.sourceUrl ? { sourceUrl: draft.sourceUrl } : {}),
    title: draft.title || context.defaultTitle || 'Untitled conversation',
    ...(model ? { model } : {}),
    ...(draft.createdAt ? { createdAt: draft.createdAt } : {}),
    ...(draft.updatedAt ? { updatedAt: draft.updatedAt } : {}),
    ...(currentLeafSourceId ? { currentLeafSourceId } : {}),
    messages,
  });
  if (!parsed.success) throw new InvalidSource(issueText(parsed.error, ''));
  return parsed.data;
}
