import { z } from 'zod';
import { streamJsonArray } from '../sdk/json.ts';
import type { ExportFile, ImportedItem, ProviderLog } from '../sdk/index.ts';
import { convertConversation, rawConversation, type AttachmentLookup } from './conversation.ts';

/** `conversations.json`, or the numbered files newer exports split it into (`conversations-000.json`…). */
const CONVERSATIONS_FILE = /(?:^|\/)conversations(?:-(\d+))?\.json$/i;
const HEAD_BYTES = 256 * 1024;

/** The files of an export that hold conversations, in order (shared_conversations.json is not one of them). */
function conversationFiles(file: ExportFile): string[] {
  const named = file.entries.filter((entry) => CONVERSATIONS_FILE.test(entry));
  if (named.length) {
    const order = (entry: string) => {
      const match = CONVERSATIONS_FILE.exec(entry);
      return match?.[1] === undefined ? -1 : Number(match[1]);
    };
    return named.sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  }
  // A bare upload under another name: the single JSON file, judged by its content.
  const [only] = file.entries;
  return file.entries.length === 1 && only && /\.json$/i.test(only) ? [only] : [];
}

/** The shape of a mapping node: `"mapping": { "<id>": { "id"|"message"|"parent"|"children": … } }`. */
const MAPPING_NODE = /"mapping"\s*:\s*\{\s*"[^"]+"\s*:\s*\{\s*"(?:id|message|parent|children)"\s*:/;

/**
 * True when the head of a file looks like ChatGPT's conversation array: its first element has a
 * `mapping` and a `current_node` (which comes after the mapping, so beyond the head of a huge first
 * conversation: then the mapping's node shape decides).
 */
export function looksLikeConversations(head: string): boolean {
  if (!/^\uFEFF?\s*\[\s*\{/.test(head) || !/"mapping"\s*:\s*\{/.test(head)) return false;
  return /"current_node"\s*:/.test(head) || MAPPING_NODE.test(head);
}

export async function detectChatgptExport(file: ExportFile): Promise<boolean> {
  const [first] = conversationFiles(file);
  if (!first) return false;
  try {
    return looksLikeConversations(await file.head(first, HEAD_BYTES));
  } catch {
    return false;
  }
}

/**
 * Attachments in the zip, by file id: `file-<id>-<name>`, `file_<id>-<uuid>.<ext>` (the ids of
 * `file-service://file-<id>` and `sediment://file_<id>` pointers), and `<name>.<ext>` by its stem.
 */
export function attachmentIndex(entries: readonly string[]): AttachmentLookup {
  const byId = new Map<string, string>();
  for (const entry of entries) {
    if (/\.json$/i.test(entry) || /(?:^|\/)chat\.html$/i.test(entry)) continue;
    const base = entry.split('/').pop() ?? entry;
    const id = /^(file[-_][A-Za-z0-9]+)(?=[-.]|$)/.exec(base)?.[1];
    if (id && !byId.has(id)) byId.set(id, entry);
    const stem = base.replace(/\.[^.]+$/, '');
    if (!byId.has(stem)) byId.set(stem, entry);
  }
  return (fileId) => byId.get(fileId);
}

function sourceOf(value: unknown, entry: string, index: number): string {
  const object = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  for (const key of ['title', 'id', 'conversation_id'] as const) {
    const candidate = object[key];
    if (typeof candidate === 'string' && candidate.trim()) return candidate.trim();
  }
  return `${entry}#${index}`;
}

/** Streams every conversation of a ChatGPT data export (zip or bare conversations.json). */
export async function* importChatgptExport(file: ExportFile, log: ProviderLog): AsyncGenerator<ImportedItem> {
  const files = conversationFiles(file);
  const attachments = attachmentIndex(file.entries);
  for (const entry of files) {
    let count = 0;
    try {
      const stream = await file.open(entry);
      for await (const { index, value } of streamJsonArray(stream)) {
        count++;
        const source = sourceOf(value, entry, index);
        const parsed = rawConversation.safeParse(value);
        if (!parsed.success) {
          yield { ok: false, source, code: 'INVALID_CONTENT', message: z.prettifyError(parsed.error) };
          continue;
        }
        const raw = parsed.data;
        const id = (raw.id ?? raw.conversation_id) as string;
        try {
          const conversation = convertConversation(raw, { sourceId: id, sourceUrl: `https://chatgpt.com/c/${encodeURIComponent(id)}`, attachments, log });
          yield { ok: true, conversation };
        } catch (error) {
          if (error instanceof z.ZodError) yield { ok: false, source, code: 'INVALID_CONTENT', message: z.prettifyError(error) };
          else yield { ok: false, source, code: 'EXTRACTION_FAILED', message: error instanceof Error ? error.message : String(error) };
        }
      }
    } catch (error) {
      // A truncated or malformed file: report it, keep what was read, go on with the next file.
      log.warn({ entry, read: count, err: error }, 'chatgpt: export file could not be read to the end');
      yield { ok: false, source: entry, code: 'INVALID_CONTENT', message: `${entry}: ${error instanceof Error ? error.message : String(error)} (after ${count} conversations)` };
    }
  }
}
