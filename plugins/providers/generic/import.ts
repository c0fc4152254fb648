import path from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import pick from 'stream-json/filters/pick.js';
import streamArray from 'stream-json/streamers/stream-array.js';
import streamValues from 'stream-json/streamers/stream-values.js';
import type { CapturedConversation, ExportFile, ImportedItem, ProviderLog } from '../sdk/index.ts';
import { streamJsonArray } from '../sdk/json.ts';
import { assembleConversation, draftConversation, draftMessage, InvalidSource, roleOf, type DraftMessage, type SourceContext } from './convert.ts';
import { parseJsonPrefix } from './json-prefix.ts';
import { looksLikeTranscript, parseTranscript } from './transcript.ts';

/*
 * Files other tools write, recognised by content (see README.md):
 * - VIVIM JSON: `{ conversations: [...] }`, a bare array of conversations, or one conversation
 *   (VIVIM's own JSON export included);
 * - OpenAI-style message lists: `[{ role, content }]` (one conversation);
 * - JSON Lines: one message per line (one conversation) or one conversation per line;
 * - Markdown transcripts (`## User` / `## Assistant`, `**User:**`, `Human:` …), one per file.
 * A plain file of any name, or the .json/.jsonl/.ndjson/.md/.markdown/.txt entries of a zip.
 */

/** How much of each file detection reads. */
const HEAD_BYTES = 1024 * 1024;
/** Sources read whole (a message list is one conversation; a Markdown file is read at once). */
const MAX_IN_MEMORY_BYTES = 200 * 1024 * 1024;
/** Detection gives up on a zip after this many candidate entries without a match. */
const MAX_DETECT_ENTRIES = 500;
const CANDIDATE = /\.(?:json|jsonl|ndjson|md|markdown|txt)$/i;

export type GenericShape =
  /** `{ "conversations": [ conversation, … ] }` */
  | 'conversations-object'
  /** `[ conversation, … ]` */
  | 'conversation-array'
  /** `[ message, … ]`: one conversation */
  | 'message-array'
  /** One conversation object, or JSON Lines of conversations */
  | 'conversation-values'
  /** JSON Lines of messages (or one message object): one conversation */
  | 'message-values'
  | 'markdown';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keys of other providers' exports (ChatGPT and DeepSeek `mapping`, Claude `chat_messages`): never ours. */
function isForeign(value: Record<string, unknown>): boolean {
  return Object.hasOwn(value, 'mapping') || Object.hasOwn(value, 'chat_messages');
}

/** A message as far as the head shows it: a known role, and content (unless the head stops inside it). */
function isMessageLike(value: unknown, open: ReadonlySet<object>): boolean {
  if (!isRecord(value) || isForeign(value) || roleOf(value.role) === undefined) return false;
  const { content, parts } = value;
  if (content !== undefined && content !== null && typeof content !== 'string' && !Array.isArray(content) && !isRecord(content)) return false;
  if (parts !== undefined && parts !== null && !Array.isArray(parts)) return false;
  return content !== undefined || Array.isArray(parts) || Array.isArray(value.tool_calls) || open.has(value);
}

function isConversationLike(value: unknown, open: ReadonlySet<object>): boolean {
  if (!isRecord(value) || isForeign(value) || !Array.isArray(value.messages)) return false;
  return isMessageLike(value.messages[0], open);
}

/**
 * The shape of a file from its first bytes: a JSON shape, 'markdown', 'not-json' when the text is
 * not JSON (it may still be a transcript), or undefined for JSON that is not ours.
 */
export function shapeOfHead(head: string): GenericShape | 'not-json' | undefined {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const first = /\S/.exec(text.slice(0, 4096))?.[0];
  if (first !== '{' && first !== '[') return 'not-json';
  const prefix = parseJsonPrefix(text);
  if (prefix.invalid) return 'not-json';
  const { value, open } = prefix;
  if (Array.isArray(value)) {
    if (isConversationLike(value[0], open)) return 'conversation-array';
    if (isMessageLike(value[0], open)) return 'message-array';
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  if (Object.hasOwn(value, 'conversations')) {
    return Array.isArray(value.conversations) && isConversationLike(value.conversations[0], open) ? 'conversations-object' : undefined;
  }
  if (isConversationLike(value, open)) return 'conversation-values';
  if (isMessageLike(value, open)) return 'message-values';
  return undefined;
}

/** The shape of a head (`cut`: only the file's beginning), transcripts included; undefined when the file is none of ours. */
export function detectShape(head: string, cut = false): GenericShape | undefined {
  const shape = shapeOfHead(head);
  if (shape !== 'not-json') return shape;
  return looksLikeTranscript(head, cut) ? 'markdown' : undefined;
}

/** The entries worth reading: a plain file whatever its name; in a zip, text entries (no macOS or dot-file litter). */
function candidateEntries(file: ExportFile): string[] {
  if (file.entries.length === 1 && file.entries[0] === file.fileName) return [file.fileName];
  return file.entries.filter((entry) => CANDIDATE.test(entry) && !entry.split('/').some((segment) => segment.startsWith('.') || segment === '__MACOSX')).sort();
}

async function shapeOfEntry(file: ExportFile, entry: string): Promise<GenericShape | undefined> {
  try {
    const head = await file.head(entry, HEAD_BYTES);
    // A head a few bytes short of the limit may still be cut (a character split at the end).
    return detectShape(head, Buffer.byteLength(head) >= HEAD_BYTES - 4);
  } catch {
    return undefined;
  }
}

export async function detectExport(file: ExportFile): Promise<boolean> {
  for (const entry of candidateEntries(file).slice(0, MAX_DETECT_ENTRIES)) {
    if (await shapeOfEntry(file, entry)) return true;
  }
  return false;
}

/** Fails once more than `limit` bytes went through (sources that are read whole). */
function byteLimit(limit: number, what: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(new Error(`${what} is larger than ${Math.round(limit / 1024 / 1024)} MB, more than is read into memory at once`));
      else callback(null, chunk);
    },
  });
}

/** Streams joined with errors passed along (a failing zip entry fails the read instead of stalling it). */
function chain(streams: [Readable, ...NodeJS.ReadWriteStream[]]): Readable {
  return pipeline(streams, () => undefined) as unknown as Readable;
}

/**
 * Iterates `items` read from `input`, failing when `input` fails (a stream piped with `.pipe()`,
 * as in streamJsonArray, does not pass its source's errors on: the read would wait forever).
 */
async function* failingWith<T>(input: Readable, items: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = items[Symbol.asyncIterator]();
  let onError: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    onError = reject;
  });
  failed.catch(() => undefined);
  input.once('error', onError);
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), failed]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // A late error of the source must not go unhandled once nobody listens.
    input.on('error', () => undefined);
    input.destroy();
    // Not awaited: after a failure the iterator may wait forever for data that never comes.
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

interface Indexed {
  index: number;
  value: unknown;
}

async function* jsonValues(input: Readable): AsyncGenerator<Indexed> {
  for await (const item of chain([input, streamValues.withParserAsStream()]) as AsyncIterable<{ key: number; value: unknown }>) yield { index: item.key, value: item.value };
}

async function* pickedConversations(input: Readable): AsyncGenerator<Indexed> {
  const picked = chain([input, pick.withParserAsStream({ filter: 'conversations', once: true }), streamArray.asStream()]);
  for await (const item of picked as AsyncIterable<{ key: number; value: unknown }>) yield { index: item.key, value: item.value };
}

/** Marks the only item of a stream (a file of one conversation takes the file name as its default title). */
async function* markOnly(items: AsyncIterable<Indexed>): AsyncGenerator<Indexed & { only: boolean }> {
  let pending: Indexed | undefined;
  try {
    for await (const item of items) {
      if (pending) yield { ...pending, only: false };
      pending = item;
    }
  } catch (error) {
    if (pending) yield { ...pending, only: false };
    throw error;
  }
  if (pending) yield { ...pending, only: pending.index === 0 };
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The file's name without its extension: the title of a single conversation that has none. */
function stem(entry: string): string {
  return path.posix.basename(entry.replace(/\\/g, '/')).replace(/\.(?:json|jsonl|ndjson|md|markdown|txt)$/i, '') || entry;
}

function describe(value: unknown): string {
  if (!isRecord(value)) return '';
  const id = value.sourceConversationId ?? value.id;
  if (typeof id === 'string' || typeof id === 'number') return ` (${String(id).slice(0, 100)})`;
  return typeof value.title === 'string' && value.title.trim() ? ` (${value.title.trim().slice(0, 100)})` : '';
}

interface EntryRun {
  file: ExportFile;
  entry: string;
  log: ProviderLog;
  /** Conversation ids already imported from this file: a second one with the same id is refused. */
  seen: Set<string>;
}

function context(run: EntryRun, index: number, only: boolean): SourceContext {
  return { fileName: run.file.fileName, entry: run.entry, index, ...(only ? { defaultTitle: stem(run.entry) } : {}), log: run.log };
}

/** Builds one conversation as an import item: invalid input and repeated ids are INVALID_CONTENT. */
function settle(run: EntryRun, source: string, build: () => CapturedConversation): ImportedItem {
  try {
    const conversation = build();
    if (run.seen.has(conversation.sourceId)) {
      return { ok: false, source, code: 'INVALID_CONTENT', message: `another conversation of this file has the id ${JSON.stringify(conversation.sourceId)}` };
    }
    run.seen.add(conversation.sourceId);
    return { ok: true, conversation };
  } catch (error) {
    return { ok: false, source, code: 'INVALID_CONTENT', message: errorText(error) };
  }
}

async function* importConversations(run: EntryRun, input: Readable, items: AsyncIterable<Indexed>): AsyncGenerator<ImportedItem> {
  let next = 0;
  try {
    for await (const { index, value, only } of markOnly(failingWith(input, items))) {
      next = index + 1;
      yield settle(run, `${run.entry}#${index}${describe(value)}`, () => assembleConversation(draftConversation(value, run.log), context(run, index, only)));
    }
  } catch (error) {
    // The JSON breaks (a cut file…): the conversations read are kept, the rest cannot be read.
    yield { ok: false, source: `${run.entry}#${next}`, code: 'EXTRACTION_FAILED', message: `the file stops being readable JSON after conversation ${next}: ${errorText(error)}` };
  }
}

/** A list of messages (JSON array or JSON Lines) is one conversation. */
async function* importMessages(run: EntryRun, input: Readable, items: AsyncIterable<Indexed>): AsyncGenerator<ImportedItem> {
  const drafts: DraftMessage[] = [];
  try {
    for await (const { index, value } of failingWith(input, items)) drafts.push(draftMessage(value, `messages.${index}`, run.log));
  } catch (error) {
    const invalid = error instanceof InvalidSource;
    yield { ok: false, source: run.entry, code: invalid ? 'INVALID_CONTENT' : 'EXTRACTION_FAILED', message: invalid ? errorText(error) : `the message list cannot be read: ${errorText(error)}` };
    return;
  }
  yield settle(run, run.entry, () => assembleConversation({ messages: drafts }, context(run, 0, true)));
}

async function readText(input: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of chain([input, byteLimit(limit, 'the file')]) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** VIVIM's Markdown export puts `*provider · model · url*` under the title: metadata, not a turn. */
const VIVIM_META = /^\*[^*\n]+\*$/;

async function* importTranscript(run: EntryRun, input: Readable): AsyncGenerator<ImportedItem> {
  let text: string;
  try {
    text = await readText(input, MAX_IN_MEMORY_BYTES);
  } catch (error) {
    yield { ok: false, source: run.entry, code: 'EXTRACTION_FAILED', message: `the transcript cannot be read: ${errorText(error)}` };
    return;
  }
  yield settle(run, run.entry, () => {
    const transcript = parseTranscript(text);
    if (!transcript) throw new InvalidSource('no user and assistant turns (`## User` / `## Assistant`, `**User:**`, `Human:` …) were found');
    const { preamble, ...draft } = transcript;
    if (preamble && !VIVIM_META.test(preamble)) run.log.info({ provider: 'generic', entry: run.entry, chars: preamble.length }, 'generic import: text before the first turn is not kept');
    return assembleConversation(draft, context(run, 0, true));
  });
}

async function* importEntry(run: EntryRun, shape: GenericShape): AsyncGenerator<ImportedItem> {
  let input: Readable;
  try {
    input = await run.file.open(run.entry);
  } catch (error) {
    yield { ok: false, source: run.entry, code: 'EXTRACTION_FAILED', message: `the file cannot be opened: ${errorText(error)}` };
    return;
  }
  switch (shape) {
    case 'conversation-array':
      yield* importConversations(run, input, streamJsonArray(input));
      return;
    case 'conversations-object':
      yield* importConversations(run, input, pickedConversations(input));
      return;
    case 'conversation-values':
      yield* importConversations(run, input, jsonValues(input));
      return;
    case 'message-array': {
      const limited = chain([input, byteLimit(MAX_IN_MEMORY_BYTES, 'a message list (one conversation)')]);
      yield* importMessages(run, limited, streamJsonArray(limited));
      return;
    }
    case 'message-values': {
      const limited = chain([input, byteLimit(MAX_IN_MEMORY_BYTES, 'a message list (one conversation)')]);
      yield* importMessages(run, limited, jsonValues(limited));
      return;
    }
    case 'markdown':
      yield* importTranscript(run, input);
      return;
  }
}

/** Streams the conversations of every recognised entry; a bad conversation never stops the rest. */
export async function* importExport(file: ExportFile, log: ProviderLog): AsyncGenerator<ImportedItem> {
  const seen = new Set<string>();
  for (const entry of candidateEntries(file)) {
    const shape = await shapeOfEntry(file, entry);
    if (!shape) {
      log.debug({ provider: 'generic', entry }, 'generic import: entry is none of the generic formats, skipped');
      continue;
    }
    yield* importEntry({ file, entry, log, seen }, shape);
  }
}
