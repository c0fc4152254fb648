import { z } from 'zod';
import { capturedConversation, type CapturedConversation, type CapturedMessage, type ContentPart, type ExportFile, type ImportedItem, type ProviderLog } from '../sdk/index.ts';
import { streamJsonArray } from '../sdk/json.ts';
import { markdownToParts } from '../sdk/markdown.ts';
import { PROVIDER_ID } from './extract.ts';

/*
 * DeepSeek's own data export (Settings → Data → Export data): a zip holding `conversations.json`
 * (plus `user.json`), an array of conversations whose `mapping` is a message tree like ChatGPT's,
 * but each node's message carries `fragments` typed REQUEST / THINK / RESPONSE / SEARCH instead of
 * ChatGPT's `author` + `content.parts`.
 */

const id = z.union([z.string(), z.number()]).transform(String);
const time = z.union([z.string(), z.number()]).nullish();

const searchResult = z.object({ url: z.string(), title: z.string().nullish(), snippet: z.string().nullish() });
const fragment = z.object({
  type: z.string(),
  content: z.string().nullish(),
  results: z.array(z.unknown()).nullish(),
});
const attachment = z.object({ id: id.nullish(), file_name: z.string().nullish(), name: z.string().nullish(), content: z.string().nullish() });
const message = z.object({
  files: z.array(attachment).nullish(),
  model: z.string().nullish(),
  inserted_at: time,
  fragments: z.array(fragment),
});
const node = z.object({
  id: id.nullish(),
  parent: id.nullish(),
  children: z.array(id).nullish(),
  message: message.nullish(),
});
const conversation = z.object({
  id: id.pipe(z.string().min(1)),
  title: z.string().nullish(),
  inserted_at: time,
  updated_at: time,
  current_node: id.nullish(),
  mapping: z.record(z.string(), node),
});
type RawConversation = z.infer<typeof conversation>;
type RawMessage = z.infer<typeof message>;

/** ISO strings ("2025-03-30T04:49:36.505000+08:00") or epoch seconds/milliseconds. */
function dateOf(value: string | number | null | undefined): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const date = typeof value === 'number' ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A DeepSeek export by its first bytes: an array of conversations with a `mapping` of `fragments` (ChatGPT's has `author`/`create_time`). */
export function looksLikeDeepSeekExport(head: string): boolean {
  const text = stripBom(head).trimStart();
  if (!text.startsWith('[') || !text.includes('"mapping"')) return false;
  if (/"fragments"\s*:/.test(text)) return true;
  // A huge first attachment can push the first fragments past the peeked bytes.
  return /"inserted_at"\s*:/.test(text) && !/"create_time"\s*:|"author"\s*:/.test(text);
}

async function exportEntries(file: ExportFile): Promise<string[]> {
  const candidates = file.entries.filter((entry) => entry.toLowerCase().endsWith('.json') || file.entries.length === 1);
  // conversations.json first: it is the file that holds the chats.
  candidates.sort((a, b) => Number(!/(^|\/)conversations\.json$/i.test(a)) - Number(!/(^|\/)conversations\.json$/i.test(b)));
  const matching: string[] = [];
  for (const entry of candidates) {
    if (looksLikeDeepSeekExport(await file.head(entry, 256 * 1024))) matching.push(entry);
  }
  return matching;
}

export async function detectExport(file: ExportFile): Promise<boolean> {
  return (await exportEntries(file)).length > 0;
}

function citations(results: readonly unknown[] | null | undefined, log: ProviderLog): ContentPart[] {
  const parts: ContentPart[] = [];
  for (const raw of results ?? []) {
    const result = searchResult.safeParse(raw);
    if (!result.success) {
      log.warn({ provider: PROVIDER_ID }, 'DeepSeek search result without a url: skipped');
      continue;
    }
    const { url, title, snippet } = result.data;
    parts.push({ type: 'citation', url, ...(title ? { title } : {}), ...(snippet ? { snippet } : {}) });
  }
  return parts;
}

interface Split {
  user: ContentPart[];
  assistant: ContentPart[];
}

/** A node's fragments as a user part list and/or an assistant part list (a node normally holds one of them). */
function splitMessage(raw: RawMessage, context: object, log: ProviderLog): Split {
  const user: ContentPart[] = [];
  const assistant: ContentPart[] = [];
  for (const file of raw.files ?? []) {
    const name = file.file_name ?? file.name ?? (file.id ? `file ${file.id}` : 'file');
    user.push({ type: 'file', name });
    if (file.content) log.info({ ...context, file: name, chars: file.content.length }, 'DeepSeek export: the text DeepSeek read from an attachment is not kept (no part holds it)');
  }
  for (const fragment of raw.fragments) {
    const content = fragment.content ?? '';
    switch (fragment.type) {
      case 'REQUEST':
        user.push({ type: 'text', text: content, format: 'plain' });
        break;
      case 'THINK':
        if (content) assistant.push({ type: 'reasoning', text: content });
        break;
      case 'RESPONSE':
        assistant.push(...markdownToParts(content));
        break;
      case 'SEARCH':
        assistant.push(...citations(fragment.results, log));
        break;
      default:
        if (content) {
          log.warn({ ...context, type: fragment.type }, 'DeepSeek export: unknown fragment type, kept as markdown text');
          assistant.push({ type: 'text', text: content, format: 'markdown' });
        } else log.warn({ ...context, type: fragment.type }, 'DeepSeek export: unknown fragment type without content: skipped');
    }
  }
  return { user, assistant };
}

/** Turns one export conversation into a captured conversation (pure; throws on an unusable tree). */
export function convertConversation(raw: RawConversation, log: ProviderLog): CapturedConversation {
  const nodes = raw.mapping;
  const key = (nodeId: string) => `${raw.id}:${nodeId}`;
  const messages: CapturedMessage[] = [];
  /** The last message a node produced: the parent of its children's messages. */
  const lastOf = new Map<string, string>();
  const visited = new Set<string>();
  const childrenOf = (nodeId: string) => (nodes[nodeId]?.children ?? []).filter((child) => child in nodes);
  const roots = Object.keys(nodes).filter((nodeId) => {
    const parent = nodes[nodeId]?.parent;
    return parent === null || parent === undefined || !(parent in nodes);
  });
  const stack: { nodeId: string; parent: string | null }[] = roots.reverse().map((nodeId) => ({ nodeId, parent: null }));
  while (stack.length) {
    const { nodeId, parent } = stack.pop() as { nodeId: string; parent: string | null };
    if (visited.has(nodeId)) continue;
    visited.add(nodeId);
    const rawMessage = nodes[nodeId]?.message;
    let last = parent;
    if (rawMessage) {
      const context = { provider: PROVIDER_ID, conversation: key(''), node: nodeId };
      const { user, assistant } = splitMessage(rawMessage, context, log);
      const createdAt = dateOf(rawMessage.inserted_at);
      const model = rawMessage.model ?? undefined;
      const isUser = rawMessage.fragments.some((f) => f.type === 'REQUEST');
      if (isUser) {
        messages.push({ sourceId: key(nodeId), parentSourceId: last, role: 'user', hidden: false, ...(createdAt ? { createdAt } : {}), parts: user });
        last = key(nodeId);
      }
      if (!isUser || assistant.length) {
        const sourceId = isUser ? `${key(nodeId)}:answer` : key(nodeId);
        messages.push({ sourceId, parentSourceId: last, role: 'assistant', hidden: false, ...(model ? { model } : {}), ...(createdAt ? { createdAt } : {}), parts: [...(isUser ? [] : user), ...assistant] });
        last = sourceId;
      }
    }
    lastOf.set(nodeId, last ?? '');
    for (const child of [...childrenOf(nodeId)].reverse()) stack.push({ nodeId: child, parent: last });
  }
  if (!messages.length) throw new Error('the conversation holds no message');
  // The branch shown last: `current_node` when the export has it, else the newest child at each fork.
  let leaf = raw.current_node && raw.current_node in nodes ? raw.current_node : undefined;
  if (!leaf) {
    const seen = new Set<string>();
    let cursor = roots.find((root) => lastOf.has(root));
    while (cursor && !seen.has(cursor)) {
      seen.add(cursor);
      leaf = cursor;
      cursor = childrenOf(cursor).at(-1);
    }
  }
  const currentLeafSourceId = leaf ? lastOf.get(leaf) || undefined : undefined;
  const createdAt = dateOf(raw.inserted_at);
  const updatedAt = dateOf(raw.updated_at);
  const model = messages.findLast((m) => m.model)?.model;
  return capturedConversation.parse({
    provider: PROVIDER_ID,
    sourceId: raw.id,
    sourceUrl: `https://chat.deepseek.com/a/chat/s/${encodeURIComponent(raw.id)}`,
    title: raw.title?.trim() || 'Untitled conversation',
    ...(model ? { model } : {}),
    ...(createdAt ? { createdAt } : {}),
    ...(updatedAt ? { updatedAt } : {}),
    ...(currentLeafSourceId ? { currentLeafSourceId } : {}),
    messages,
  });
}

function describe(value: unknown): string {
  if (value && typeof value === 'object' && 'id' in value && (typeof value.id === 'string' || typeof value.id === 'number')) return ` (${String(value.id)})`;
  return '';
}

/** Streams the conversations of a DeepSeek export: one item per conversation, a bad one never stops the rest. */
export async function* importExport(file: ExportFile, log: ProviderLog): AsyncGenerator<ImportedItem> {
  for (const entry of await exportEntries(file)) {
    let index = -1;
    try {
      for await (const item of streamJsonArray(await file.open(entry))) {
        index = item.index;
        const source = `${entry}#${item.index}${describe(item.value)}`;
        const parsed = conversation.safeParse(item.value);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          yield { ok: false, source, code: 'INVALID_CONTENT', message: `not a DeepSeek conversation: ${issue ? `${issue.path.join('.') || '(root)'} ${issue.message}` : 'invalid'}` };
          continue;
        }
        try {
          yield { ok: true, conversation: convertConversation(parsed.data, log) };
        } catch (error) {
          yield { ok: false, source, code: 'INVALID_CONTENT', message: error instanceof Error ? error.message : String(error) };
        }
      }
    } catch (error) {
      // The JSON itself breaks (truncated file…): what was read is kept, the rest cannot be.
      yield { ok: false, source: `${entry}#${index + 1}`, code: 'EXTRACTION_FAILED', message: `the export stops being valid JSON after conversation ${index + 1}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
}
