import { z } from 'zod';
import { capturedConversation, type CapturedConversation, type CapturedMessage, type ContentPart, type ProviderLog } from '../sdk/index.ts';
import { markdownToParts } from '../sdk/markdown.ts';

/**
 * ChatGPT's conversation object, as the share page embeds it and as the data export's
 * `conversations.json` holds it: a `mapping` tree of nodes `{ id, message, parent, children }`.
 * Only what the conversion needs is checked; everything else passes through untouched.
 */
const rawMessage = z.looseObject({
  id: z.string().min(1),
  author: z.looseObject({ role: z.string(), name: z.string().nullish() }),
  create_time: z.number().nullish(),
  content: z.looseObject({ content_type: z.string() }),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  recipient: z.string().nullish(),
});
export type RawMessage = z.infer<typeof rawMessage>;

const rawNode = z.looseObject({
  id: z.string().min(1).optional(),
  message: rawMessage.nullish(),
  parent: z.string().nullish(),
  children: z.array(z.string()).nullish(),
});

export const rawConversation = z
  .looseObject({
    id: z.string().min(1).nullish(),
    conversation_id: z.string().min(1).nullish(),
    title: z.string().nullish(),
    create_time: z.number().nullish(),
    update_time: z.number().nullish(),
    mapping: z.record(z.string(), rawNode),
    current_node: z.string().nullish(),
    default_model_slug: z.string().nullish(),
    model: z.looseObject({ slug: z.string().nullish() }).nullish(),
  })
  .refine((c) => Boolean(c.id ?? c.conversation_id), { message: 'the conversation has no id or conversation_id', path: ['id'] });
export type RawConversation = z.infer<typeof rawConversation>;

/** Where a file referenced by an asset pointer or attachment id lives in an export zip. */
export type AttachmentLookup = (fileId: string) => string | undefined;

export interface ConvertOptions {
  sourceId: string;
  sourceUrl?: string;
  /** Export zips: finds the entry holding an attachment. */
  attachments?: AttachmentLookup;
  log: ProviderLog;
}

/** Turns a raw conversation into the captured form: the whole branch tree, hidden nodes marked. */
export function convertConversation(raw: RawConversation, options: ConvertOptions): CapturedConversation {
  const { mapping } = raw;
  const messages: CapturedMessage[] = [];
  const emitted = new Set<string>();
  const visited = new Set<string>();

  const nodeId = (key: string) => mapping[key]?.id ?? key;
  // Roots: nodes without a parent, or whose parent is missing from the mapping.
  const roots = Object.keys(mapping).filter((key) => {
    const parent = mapping[key]?.parent;
    return !parent || !mapping[parent];
  });
  // Depth-first, children in their stored order, so that every parent precedes its children.
  const stack: { key: string; parent: string | null }[] = roots.reverse().map((key) => ({ key, parent: null }));
  while (stack.length) {
    const { key, parent } = stack.pop() as { key: string; parent: string | null };
    if (visited.has(key)) continue;
    visited.add(key);
    const node = mapping[key];
    if (!node) continue;
    let parentForChildren = parent;
    if (node.message) {
      const id = nodeId(key);
      messages.push(convertMessage(node.message, id, parent, options));
      emitted.add(id);
      parentForChildren = id;
    }
    const children = (node.children ?? []).filter((child) => mapping[child]);
    for (let c = children.length - 1; c >= 0; c--) stack.push({ key: children[c] as string, parent: parentForChildren });
  }
  // Nodes only reachable through a cycle are still kept (as roots) rather than dropped.
  for (const key of Object.keys(mapping)) {
    const node = mapping[key];
    if (visited.has(key) || !node?.message) continue;
    options.log.warn({ node: key }, 'chatgpt: node unreachable from the root, kept without parent');
    visited.add(key);
    const id = nodeId(key);
    messages.push(convertMessage(node.message, id, null, options));
    emitted.add(id);
  }

  const currentLeaf = leafWithMessage(raw, emitted);
  return capturedConversation.parse({
    provider: 'chatgpt',
    sourceId: options.sourceId,
    sourceUrl: options.sourceUrl,
    title: raw.title?.trim() || undefined,
    model: conversationModel(raw, messages, currentLeaf),
    createdAt: toDate(raw.create_time),
    updatedAt: toDate(raw.update_time),
    currentLeafSourceId: currentLeaf,
    messages,
  });
}

/** `current_node`, or its nearest ancestor that carries a message. */
function leafWithMessage(raw: RawConversation, emitted: Set<string>): string | undefined {
  let key = raw.current_node ?? undefined;
  const seen = new Set<string>();
  while (key && !seen.has(key)) {
    seen.add(key);
    const node = raw.mapping[key];
    if (!node) return undefined;
    const id = node.id ?? key;
    if (node.message && emitted.has(id)) return id;
    key = node.parent ?? undefined;
  }
  return undefined;
}

function conversationModel(raw: RawConversation, messages: CapturedMessage[], leaf: string | undefined): string | undefined {
  if (raw.model?.slug) return raw.model.slug;
  const byId = new Map(messages.map((m) => [m.sourceId, m]));
  for (let id = leaf; id; id = byId.get(id)?.parentSourceId ?? undefined) {
    const model = byId.get(id)?.model;
    if (model) return model;
  }
  return raw.default_model_slug && raw.default_model_slug !== 'auto' ? raw.default_model_slug : undefined;
}

function toDate(seconds: number | null | undefined): Date | undefined {
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? new Date(Math.round(seconds * 1000)) : undefined;
}

const ROLES = new Set(['user', 'assistant', 'system', 'tool']);
const HIDDEN_CONTENT = new Set(['model_editable_context', 'user_editable_context']);

function convertMessage(message: RawMessage, id: string, parent: string | null, options: ConvertOptions): CapturedMessage {
  const metadata = message.metadata ?? {};
  let role = message.author.role;
  if (!ROLES.has(role)) {
    options.log.warn({ message: id, role }, 'chatgpt: unknown author role, stored as tool');
    role = 'tool';
  }
  const parts = contentParts(message, role, options);
  const model = typeof metadata.model_slug === 'string' && metadata.model_slug ? metadata.model_slug : undefined;
  const hidden =
    role === 'system' ||
    metadata.is_visually_hidden_from_conversation === true ||
    metadata.is_user_system_message === true ||
    HIDDEN_CONTENT.has(message.content.content_type) ||
    // Tool outputs the share page replaces by a placeholder ("The output of this plugin was redacted.").
    (role === 'tool' && metadata.is_redacted === true) ||
    parts.length === 0;
  return {
    sourceId: id,
    parentSourceId: parent,
    role: role as CapturedMessage['role'],
    ...(model ? { model } : {}),
    ...(toDate(message.create_time) ? { createdAt: toDate(message.create_time) } : {}),
    hidden,
    parts,
  };
}

const record = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The parts of one message, by `content.content_type`. */
function contentParts(message: RawMessage, role: string, options: ConvertOptions): ContentPart[] {
  const content = message.content as Record<string, unknown> & { content_type: string };
  const metadata = record(message.metadata);
  const parts: ContentPart[] = [];
  const usedFiles = new Set<string>();
  const textPart = (text: string) => {
    if (!text.trim()) return;
    if (role === 'assistant') parts.push(...markdownToParts(text).map((part) => resolveReferences(part, metadata)));
    else if (role === 'tool') parts.push({ type: 'tool_result', content: text, isError: false });
    else parts.push({ type: 'text', text, format: 'plain' });
  };

  switch (content.content_type) {
    case 'text':
      for (const part of asArray(content.parts)) {
        if (typeof part === 'string') textPart(part);
        else if (part !== null && part !== undefined) parts.push(...objectPart(part, usedFiles, options, message.id));
      }
      break;
    case 'multimodal_text':
      for (const part of asArray(content.parts)) {
        if (typeof part === 'string') textPart(part);
        else if (part !== null && part !== undefined) parts.push(...objectPart(part, usedFiles, options, message.id));
      }
      break;
    case 'code': {
      const code = str(content.text) ?? '';
      const recipient = message.recipient ?? 'all';
      if (recipient !== 'all' && recipient !== 'assistant' && recipient !== 'user') {
        parts.push({ type: 'tool_call', name: recipient, arguments: parseArguments(code) });
      } else if (code) {
        const language = str(content.language);
        parts.push({ type: 'code', code, ...(language && language !== 'unknown' ? { language: language.toLowerCase() } : {}) });
      }
      break;
    }
    case 'execution_output': {
      const text = str(content.text) ?? '';
      if (text) parts.push({ type: 'tool_result', content: text, isError: false });
      for (const image of asArray(record(metadata.aggregate_result).messages)) {
        const url = str(record(image).image_url);
        if (url) parts.push({ type: 'image', url });
      }
      break;
    }
    case 'system_error': {
      const text = [str(content.name), str(content.text)].filter(Boolean).join(': ');
      if (text) parts.push({ type: 'tool_result', content: text, isError: true });
      break;
    }
    case 'tether_browsing_display': {
      const text = str(content.result) || str(content.summary) || '';
      if (text) parts.push({ type: 'tool_result', content: text, isError: false });
      break;
    }
    case 'tether_quote':
    case 'sonic_webpage': {
      const url = str(content.url);
      const text = str(content.text) ?? str(content.snippet);
      if (url) parts.push({ type: 'citation', url, ...(str(content.title) ? { title: str(content.title) } : {}), ...(text ? { snippet: text } : {}) });
      else if (text) textPart(text);
      break;
    }
    case 'thoughts':
      for (const thought of asArray(content.thoughts)) {
        const { summary, content: body } = record(thought);
        const text = [str(summary)?.trim(), str(body)?.trim()].filter(Boolean).join('\n\n');
        if (text) parts.push({ type: 'reasoning', text });
      }
      break;
    case 'reasoning_recap': {
      const text = str(content.content);
      if (text) parts.push({ type: 'reasoning', text });
      break;
    }
    case 'model_editable_context': {
      const text = str(content.model_set_context);
      if (text?.trim()) parts.push({ type: 'text', text, format: 'plain' });
      break;
    }
    case 'user_editable_context':
      for (const key of ['user_profile', 'user_instructions'] as const) {
        const text = str(content[key]);
        if (text?.trim()) parts.push({ type: 'text', text, format: 'plain' });
      }
      break;
    default: {
      const text = str(content.text) ?? str(content.result);
      const stringParts = asArray(content.parts).filter((p): p is string => typeof p === 'string');
      if (text !== undefined) textPart(text);
      else if (stringParts.length) stringParts.forEach(textPart);
      else {
        options.log.warn({ message: message.id, contentType: content.content_type }, 'chatgpt: unknown content type kept as JSON');
        parts.push({ type: 'code', code: JSON.stringify(content, null, 2), language: 'json' });
      }
    }
  }

  // Files the user attached (images already shown through their asset pointer are not repeated).
  const attachments: ContentPart[] = [];
  for (const attachment of asArray(metadata.attachments)) {
    const { id, name, mime_type: mimeType } = record(attachment);
    const fileId = str(id);
    if (fileId && usedFiles.has(fileId)) continue;
    const entry = fileId ? options.attachments?.(fileId) : undefined;
    const fileName = str(name) ?? fileId ?? 'attachment';
    const mime = str(mimeType);
    if (mime?.startsWith('image/') && entry) attachments.push({ type: 'image', entry, mimeType: mime, alt: fileName });
    else attachments.push({ type: 'file', name: fileName, ...(entry ? { entry } : {}), ...(mime ? { mimeType: mime } : {}) });
  }
  if (role === 'assistant') parts.push(...citations(metadata));
  return [...attachments, ...parts];
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  webm: 'audio/webm',
  ogg: 'audio/ogg',
};

export function mimeTypeOf(name: string): string | undefined {
  const extension = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  return extension ? MIME_BY_EXTENSION[extension] : undefined;
}

/** The file id an asset pointer refers to: `file-service://file-abc` → `file-abc`, `sediment://file_0a1b` → `file_0a1b`. */
export function fileIdOfPointer(pointer: string): string {
  return pointer.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
}

/** A non-string entry of `content.parts`: image/audio asset pointers, audio transcriptions. */
function objectPart(value: unknown, usedFiles: Set<string>, options: ConvertOptions, messageId: string): ContentPart[] {
  const part = record(value);
  const type = str(part.content_type);
  const pointer = str(part.asset_pointer);
  if (type === 'image_asset_pointer' && pointer) {
    const fileId = fileIdOfPointer(pointer);
    usedFiles.add(fileId);
    const entry = options.attachments?.(fileId);
    const dalle = record(record(part.metadata).dalle);
    const alt = str(dalle.prompt);
    const mimeType = entry ? mimeTypeOf(entry) : undefined;
    return [{ type: 'image', url: pointer, ...(entry ? { entry } : {}), ...(mimeType ? { mimeType } : {}), ...(alt ? { alt } : {}) }];
  }
  if (type === 'audio_transcription') {
    const text = str(part.text);
    return text?.trim() ? [{ type: 'text', text, format: 'plain' }] : [];
  }
  if (type === 'audio_asset_pointer' && pointer) return [filePart(pointer, usedFiles, options)];
  if (type === 'real_time_user_audio_video_asset_pointer') {
    const nested = [part.audio_asset_pointer, ...asArray(part.frames_asset_pointers)];
    return nested.flatMap((inner) => objectPart(inner, usedFiles, options, messageId));
  }
  if (type === 'video_container_asset_pointer' && pointer) return [filePart(pointer, usedFiles, options)];
  options.log.warn({ message: messageId, contentType: type }, 'chatgpt: unknown message part kept as JSON');
  return [{ type: 'code', code: JSON.stringify(value, null, 2), language: 'json' }];
}

function filePart(pointer: string, usedFiles: Set<string>, options: ConvertOptions): ContentPart {
  const fileId = fileIdOfPointer(pointer);
  usedFiles.add(fileId);
  const entry = options.attachments?.(fileId);
  const name = entry ? (entry.split('/').pop() as string) : fileId;
  const mimeType = mimeTypeOf(name);
  return { type: 'file', name, url: pointer, ...(entry ? { entry } : {}), ...(mimeType ? { mimeType } : {}) };
}

const MARKER = /[\ue200-\ue2ff]/;

/**
 * Inline citation markers (`\ue200cite\ue202turn0search0\ue201`, private-use characters the app
 * swaps for link chips): in text they become the reference's `alt` markdown (e.g. ` ([GitHub](https://…))`),
 * which is what the page shows; markers without `alt` (file citations) and markers inside code,
 * math or diagrams are removed.
 */
function resolveReferences(part: ContentPart, metadata: Record<string, unknown>): ContentPart {
  switch (part.type) {
    case 'text':
      return MARKER.test(part.text) ? { ...part, text: replaceMarkers(part.text, metadata, true) } : part;
    case 'table':
      return { ...part, rows: part.rows.map((row) => row.map((cell) => (MARKER.test(cell) ? replaceMarkers(cell, metadata, true) : cell))) };
    case 'code':
      return MARKER.test(part.code) ? { ...part, code: replaceMarkers(part.code, metadata, false) } : part;
    case 'math':
      return MARKER.test(part.tex) ? { ...part, tex: replaceMarkers(part.tex, metadata, false) } : part;
    case 'mermaid':
      return MARKER.test(part.source) ? { ...part, source: replaceMarkers(part.source, metadata, false) } : part;
    case 'image':
    case 'file':
    case 'tool_call':
    case 'tool_result':
    case 'citation':
    case 'reasoning':
      return part;
  }
}

function replaceMarkers(text: string, metadata: Record<string, unknown>, useAlt: boolean): string {
  let result = text;
  if (useAlt) {
    for (const reference of asArray(metadata.content_references)) {
      const { matched_text: matched, alt } = record(reference);
      if (typeof matched !== 'string' || !MARKER.test(matched)) continue;
      result = result.split(matched).join(str(alt) ?? '');
    }
  }
  return result.replace(/\ue200[^\ue200\ue201]*\ue201/g, '').replace(/[\ue200-\ue2ff]/g, '');
}

/** Web sources an answer cites (search results, quoted pages), once each, as citation parts. */
function citations(metadata: Record<string, unknown>): ContentPart[] {
  const found = new Map<string, ContentPart & { type: 'citation' }>();
  const add = (source: unknown) => {
    const { url, title, snippet, text } = record(source);
    const href = str(url);
    if (!href || found.has(href)) return;
    const quote = str(snippet) ?? str(text);
    found.set(href, { type: 'citation', url: href, ...(str(title) ? { title: str(title) } : {}), ...(quote ? { snippet: quote } : {}) });
  };
  for (const reference of asArray(metadata.content_references)) {
    const ref = record(reference);
    for (const item of asArray(ref.items)) add(item);
    for (const source of asArray(ref.sources)) add(source);
    if (ref.type === 'webpage' || ref.type === 'webpage_extended') add(ref);
  }
  for (const citation of asArray(metadata.citations)) add(record(citation).metadata);
  return [...found.values()];
}
