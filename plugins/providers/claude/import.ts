import path from 'node:path';
import { streamJsonArray } from '../sdk/json.ts';
import { capturedConversation, type CapturedMessage, type ContentPart, type ExportFile, type ImportedItem, type ProviderLog } from '../sdk/index.ts';
import { markdownToParts } from '../sdk/markdown.ts';

/*
 * Claude's data export (Settings → Privacy → Export data): a zip holding conversations.json
 * (an array of conversations with their chat_messages), projects.json and users.json.
 * Conversations are imported; a conversation that names its project (`project_uuid`, or
 * `project: {uuid, name}`) is tagged with the project's name from projects.json. The projects'
 * docs and prompts, and users, are not imported.
 */

const ROOT_PARENT = '00000000-0000-4000-8000-000000000000';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function dateOf(value: unknown): Date | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The conversations file of an export: `conversations.json` in a zip, or the uploaded file itself. */
function conversationsEntry(file: ExportFile): string | undefined {
  const named = file.entries.filter((entry) => path.posix.basename(entry) === 'conversations.json');
  if (named.length) return [...named].sort((a, b) => a.length - b.length)[0];
  return file.entries.length === 1 ? file.entries[0] : undefined;
}

/** Claude's conversations.json: an array of objects with `uuid` and `chat_messages` (ChatGPT's has `mapping`). */
export function looksLikeClaudeConversations(head: string, hasClaudeSiblings: boolean): boolean {
  const start = head.trimStart();
  if (!start.startsWith('[')) return false;
  if (/^\[\s*\]\s*$/.test(start)) return hasClaudeSiblings;
  if (/"chat_messages"\s*:/.test(head) && !/"mapping"\s*:/.test(head)) return true;
  return /^\[\s*\{\s*"uuid"\s*:/.test(start) && /"(?:created_at|updated_at)"\s*:/.test(head) && !/"mapping"\s*:/.test(head);
}

export async function detectClaudeExport(file: ExportFile): Promise<boolean> {
  const entry = conversationsEntry(file);
  if (!entry) return false;
  const siblings = file.entries.some((name) => ['users.json', 'projects.json'].includes(path.posix.basename(name)));
  try {
    return looksLikeClaudeConversations(await file.head(entry, 64 * 1024), siblings);
  } catch {
    return false;
  }
}

const ARTIFACT_LANGUAGE: Record<string, string> = {
  'text/markdown': 'markdown',
  'text/html': 'html',
  'image/svg+xml': 'svg',
  'application/vnd.ant.react': 'jsx',
  'application/vnd.ant.mermaid': 'mermaid',
};

function artifactParts(attributes: Json, content: string | undefined, callId?: string): ContentPart[] {
  const { content: _content, ...metadata } = attributes;
  const parts: ContentPart[] = [{ type: 'tool_call', name: 'artifacts', arguments: metadata, ...(callId ? { callId } : {}) }];
  if (content) {
    const type = stringOf(attributes.type) ?? '';
    const language = (stringOf(attributes.language) ?? ARTIFACT_LANGUAGE[type])?.toLowerCase();
    parts.push(language === 'mermaid' ? { type: 'mermaid', source: content } : { type: 'code', code: content, ...(language ? { language } : {}) });
  }
  return parts;
}

interface LegacyTag {
  tag: string;
  attributes: string;
  body: string;
  start: number;
  end: number;
}

/**
 * The `<antThinking …>…</antThinking>` / `<antArtifact …>…</antArtifact>` blocks of a message, as
 * `/<(antThinking|antArtifact)\b([^>]*)>([\s\S]*?)<\/\1>/g` finds them, in one pass over text users
 * upload (the pattern rescans the rest of the text from each unclosed tag): once a tag has no
 * closing tag after it, later ones of that name have none either, and no block can follow a
 * `<ant…` with no `>` after it.
 */
function* legacyTags(text: string): Generator<LegacyTag> {
  const opening = /<(antThinking|antArtifact)\b/g;
  const unclosed = new Set<string>();
  let tagEnd = -1;
  for (let match = opening.exec(text); match; match = opening.exec(text)) {
    const tag = match[1]!;
    const attributesStart = opening.lastIndex;
    // The same `>` ends every opening tag before it: found once, not once per tag.
    if (tagEnd < attributesStart) tagEnd = text.indexOf('>', attributesStart);
    if (tagEnd === -1) return;
    const close = unclosed.has(tag) ? -1 : text.indexOf(`</${tag}>`, tagEnd + 1);
    if (close === -1) {
      unclosed.add(tag);
      continue;
    }
    const end = close + tag.length + 3;
    yield { tag, attributes: text.slice(attributesStart, tagEnd), body: text.slice(tagEnd + 1, close), start: match.index, end };
    opening.lastIndex = end;
  }
}

/** Assistant markdown; older exports inline artifacts and thinking as <antArtifact>/<antThinking> tags. */
function assistantTextParts(text: string): ContentPart[] {
  const parts: ContentPart[] = [];
  let last = 0;
  for (const { tag, attributes: rawAttributes, body, start, end } of legacyTags(text)) {
    parts.push(...markdownToParts(text.slice(last, start)));
    if (tag === 'antThinking') {
      if (body.trim()) parts.push({ type: 'reasoning', text: body.trim() });
    } else {
      const attributes: Json = {};
      // `(?<![\w-])`: a name starts where a word does (not at each of its characters: a long run would cost its square).
      for (const attribute of rawAttributes.matchAll(/(?<![\w-])([\w-]+)="([^"]*)"/g)) attributes[attribute[1]!] = attribute[2];
      parts.push(...artifactParts(attributes, body.replace(/^\n/, '').replace(/\n$/, '')));
    }
    last = end;
  }
  parts.push(...markdownToParts(text.slice(last)));
  return parts;
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const texts = content.map((item) => (isObject(item) && typeof item.text === 'string' ? item.text : JSON.stringify(item)));
    return texts.join('\n');
  }
  return content === undefined ? '' : JSON.stringify(content);
}

function citationParts(block: Json): ContentPart[] {
  if (!Array.isArray(block.citations)) return [];
  return block.citations.flatMap((citation): ContentPart[] => {
    if (!isObject(citation)) return [];
    const details = isObject(citation.details) ? citation.details : {};
    const url = stringOf(citation.url) ?? stringOf(details.url);
    if (!url) return [];
    const title = stringOf(citation.title) ?? stringOf(details.title);
    return [{ type: 'citation', url, ...(title ? { title } : {}) }];
  });
}

function blockParts(block: unknown, human: boolean, log: ProviderLog, source: string): ContentPart[] {
  if (!isObject(block)) return [];
  switch (block.type) {
    case 'text': {
      const text = stringOf(block.text) ?? '';
      if (!text.trim()) return [];
      return [...(human ? [{ type: 'text', text, format: 'plain' } as const] : assistantTextParts(text)), ...citationParts(block)];
    }
    case 'thinking': {
      const text = stringOf(block.thinking) ?? stringOf(block.text) ?? '';
      return text.trim() ? [{ type: 'reasoning', text }] : [];
    }
    case 'tool_use': {
      const name = stringOf(block.name) ?? 'tool';
      const input = block.input;
      const callId = stringOf(block.id);
      if (name === 'artifacts' && isObject(input)) return artifactParts(input, stringOf(input.content), callId);
      return [{ type: 'tool_call', name, arguments: input ?? null, ...(callId ? { callId } : {}) }];
    }
    case 'tool_result': {
      const callId = stringOf(block.tool_use_id);
      return [{ type: 'tool_result', content: toolResultText(block.content), isError: block.is_error === true, ...(callId ? { callId } : {}) }];
    }
    default: {
      const text = stringOf(block.text);
      if (text?.trim()) return human ? [{ type: 'text', text, format: 'plain' }] : assistantTextParts(text);
      log.debug({ source, type: block.type }, 'claude export: content block without text skipped');
      return [];
    }
  }
}

const EXTENSION_LANGUAGE: Record<string, string> = { md: 'markdown', py: 'python', js: 'javascript', ts: 'typescript', json: 'json', html: 'html', css: 'css', csv: 'csv', sh: 'bash', yml: 'yaml', yaml: 'yaml', xml: 'xml', sql: 'sql' };

function attachmentParts(message: Json): ContentPart[] {
  const parts: ContentPart[] = [];
  const names = new Set<string>();
  for (const attachment of Array.isArray(message.attachments) ? message.attachments : []) {
    if (!isObject(attachment)) continue;
    const name = stringOf(attachment.file_name) || 'pasted text';
    names.add(name);
    const type = stringOf(attachment.file_type);
    parts.push({ type: 'file', name, ...(type?.includes('/') ? { mimeType: type } : {}) });
    const content = stringOf(attachment.extracted_content);
    if (content) {
      const language = EXTENSION_LANGUAGE[path.extname(name).slice(1).toLowerCase()];
      parts.push({ type: 'code', code: content, ...(language ? { language } : {}) });
    }
  }
  for (const file of [...(Array.isArray(message.files) ? message.files : []), ...(Array.isArray(message.files_v2) ? message.files_v2 : [])]) {
    const name = isObject(file) ? stringOf(file.file_name) : undefined;
    if (!name || names.has(name)) continue;
    names.add(name);
    parts.push({ type: 'file', name });
  }
  return parts;
}

function fail(source: string, message: string): ImportedItem {
  return { ok: false, source, code: 'INVALID_CONTENT', message };
}

/** The project a conversation belongs to, named from projects.json (or the conversation's own `project.name`). */
function projectTag(raw: Json, projects: ReadonlyMap<string, string>): string | undefined {
  const project = isObject(raw.project) ? raw.project : undefined;
  const uuid = stringOf(raw.project_uuid) ?? stringOf(project?.uuid);
  const name = (uuid ? projects.get(uuid) : undefined) ?? stringOf(project?.name);
  const tag = name?.replace(/\s+/g, ' ').trim().slice(0, 80);
  return tag || undefined;
}

/** Converts one conversation of conversations.json; null for an empty one (skipped, logged). */
export function convertClaudeConversation(raw: unknown, source: string, log: ProviderLog, projects: ReadonlyMap<string, string> = new Map()): ImportedItem | null {
  if (!isObject(raw)) return fail(source, 'the conversation is not an object');
  const uuid = stringOf(raw.uuid);
  if (!uuid) return fail(source, 'the conversation has no uuid');
  const where = `${source} (${uuid})`;
  if (raw.chat_messages !== undefined && !Array.isArray(raw.chat_messages)) return fail(where, 'chat_messages is not an array');
  const rawMessages = (raw.chat_messages ?? []) as unknown[];
  if (!rawMessages.length) {
    log.info({ source: where }, 'claude export: conversation without messages skipped');
    return null;
  }

  const messages: CapturedMessage[] = [];
  const ids = new Set<string>();
  const parents: (string | undefined)[] = [];
  for (const [index, message] of rawMessages.entries()) {
    if (!isObject(message)) return fail(where, `message ${index} is not an object`);
    const sender = message.sender;
    if (sender !== 'human' && sender !== 'assistant') return fail(where, `message ${index} has an unknown sender ${JSON.stringify(sender)}`);
    const id = stringOf(message.uuid) || `${uuid}/${index}`;
    if (ids.has(id)) return fail(where, `message uuid ${id} appears twice`);
    ids.add(id);
    const human = sender === 'human';
    const content = Array.isArray(message.content) ? message.content : [];
    let parts = content.flatMap((block) => blockParts(block, human, log, where));
    if (!content.length) {
      const text = stringOf(message.text) ?? '';
      if (text.trim()) parts = human ? [{ type: 'text', text, format: 'plain' }] : assistantTextParts(text);
    }
    parts = [...attachmentParts(message), ...parts];
    const createdAt = dateOf(message.created_at);
    messages.push({ sourceId: id, parentSourceId: null, role: human ? 'user' : 'assistant', hidden: false, parts, ...(createdAt ? { createdAt } : {}) });
    parents.push(stringOf(message.parent_message_uuid));
  }

  // Newer exports give each message its parent (edits and retries branch); older ones are a list.
  const branched = parents.some((parent) => parent !== undefined);
  for (const [index, message] of messages.entries()) {
    if (!branched) {
      message.parentSourceId = messages[index - 1]?.sourceId ?? null;
      continue;
    }
    const parent = parents[index];
    if (parent && parent !== ROOT_PARENT && !ids.has(parent)) log.warn({ source: where, message: message.sourceId, parent }, 'claude export: parent message missing, attached to the root');
    message.parentSourceId = parent && ids.has(parent) ? parent : null;
  }
  const leaf = stringOf(raw.current_leaf_message_uuid);
  const createdAt = dateOf(raw.created_at);
  const updatedAt = dateOf(raw.updated_at);
  const model = stringOf(raw.model);
  const tag = projectTag(raw, projects);
  const parsed = capturedConversation.safeParse({
    provider: 'claude',
    sourceId: uuid,
    sourceUrl: `https://claude.ai/chat/${encodeURIComponent(uuid)}`,
    ...(stringOf(raw.name)?.trim() ? { title: stringOf(raw.name)!.trim() } : {}),
    ...(model ? { model } : {}),
    ...(createdAt ? { createdAt } : {}),
    ...(updatedAt ? { updatedAt } : {}),
    ...(branched ? { currentLeafSourceId: leaf && ids.has(leaf) ? leaf : messages[messages.length - 1]!.sourceId } : {}),
    ...(tag ? { tags: [tag] } : {}),
    messages,
  });
  if (!parsed.success) return fail(where, `the conversation does not validate: ${parsed.error.message}`);
  return { ok: true, conversation: parsed.data };
}

/**
 * Project names by uuid, from the projects.json beside conversations.json (only names are kept:
 * docs may be large). A missing or unreadable file gives no names, logged: conversations still import.
 */
async function readProjects(file: ExportFile, conversations: string, log: ProviderLog): Promise<Map<string, string>> {
  const projects = new Map<string, string>();
  const entry = path.posix.join(path.posix.dirname(conversations), 'projects.json');
  if (!file.entries.includes(entry)) return projects;
  try {
    for await (const { value } of streamJsonArray(await file.open(entry))) {
      if (!isObject(value)) continue;
      const uuid = stringOf(value.uuid);
      const name = stringOf(value.name)?.trim();
      if (uuid && name) projects.set(uuid, name);
    }
  } catch (error) {
    log.warn({ entry, error: (error as Error).message }, 'claude export: projects.json unreadable, conversations imported without project tags');
  }
  return projects;
}

export async function* importClaudeExport(file: ExportFile, log: ProviderLog): AsyncGenerator<ImportedItem> {
  const entry = conversationsEntry(file);
  if (!entry) {
    yield { ok: false, source: file.fileName, code: 'INVALID_CONTENT', message: 'no conversations.json in this export' };
    return;
  }
  const projects = await readProjects(file, entry, log);
  let count = 0;
  let skipped = 0;
  try {
    for await (const { index, value } of streamJsonArray(await file.open(entry))) {
      const item = convertClaudeConversation(value, `${entry}[${index}]`, log, projects);
      if (!item) skipped++;
      else {
        if (item.ok) count++;
        yield item;
      }
    }
  } catch (error) {
    yield { ok: false, source: entry, code: 'INVALID_CONTENT', message: `${entry} is not a readable JSON array: ${(error as Error).message}` };
  }
  log.info({ entry, conversations: count, emptySkipped: skipped, projects: projects.size }, 'claude export read');
}
