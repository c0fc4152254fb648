import { z } from 'zod';
import { htmlToParts, loadHtml, partsToMarkdown, rebuildCodeBlocks, textOf, typedText, type CheerioAPI, type PartsOptions, type Selection } from '../sdk/html.ts';
import { capturedConversation, ProviderError, type CapturedConversation, type CapturedMessage, type ContentPart, type ExtractInput, type ProviderLog } from '../sdk/index.ts';
import { markdownToParts } from '../sdk/markdown.ts';
import { isBotCheck, lightenHtml, pageTitle } from '../sdk/page.ts';

export const PROVIDER_ID = 'kimi';
export const HOSTS = ['www.kimi.com', 'kimi.com', 'kimi.moonshot.cn'] as const;
const HOST_SET = new Set<string>(HOSTS);

/** The app's share route is `/share/:lang(zh|en)?/:id`. */
const SHARE_PATH = /^\/share\/(?:(?:zh|en)\/)?([A-Za-z0-9-]{8,64})\/?$/;
const CHAT_PATH = /^\/chat\/([A-Za-z0-9-]{8,64})\/?$/;

/** www.kimi.com/share/<id>, kimi.com/share/<id>, kimi.moonshot.cn/share/<id> (optionally /share/en|zh/<id>). */
export function matchShareUrl(url: URL): { sourceId: string } | null {
  if (!HOST_SET.has(url.hostname)) return null;
  const id = SHARE_PATH.exec(url.pathname)?.[1];
  return id ? { sourceId: id } : null;
}

/** www.kimi.com/chat/<id> (the signed-in chat page; also on kimi.com and kimi.moonshot.cn). */
export function matchConversationUrl(url: URL): { sourceId: string } | null {
  if (!HOST_SET.has(url.hostname)) return null;
  const id = CHAT_PATH.exec(url.pathname)?.[1];
  return id ? { sourceId: id } : null;
}

// ——— Embedded data: window.HYDRATION_INIT_STATE (a dehydrated TanStack Query cache, server-rendered) ———

const timestamp = z.object({ seconds: z.union([z.number(), z.string()]), nanos: z.number().nullish() }).nullish();
const block = z.object({
  id: z.string().nullish(),
  content: z.object({ case: z.string().nullish(), value: z.unknown() }).nullish(),
});
const chatMessage = z.object({
  id: z.string().min(1),
  parentId: z.string().nullish(),
  role: z.number(),
  blocks: z.array(block),
  createTime: timestamp,
});
const chatShare = z.object({
  id: z.string().min(1),
  chat: z.object({ id: z.string().nullish(), name: z.string().nullish(), createTime: timestamp, updateTime: timestamp }).nullish(),
  messages: z.array(chatMessage),
});
type ChatShare = z.infer<typeof chatShare>;
type ChatMessage = z.infer<typeof chatMessage>;

const textValue = z.object({ content: z.string() });
const thinkValue = z.object({ content: z.string(), summary: z.string().nullish() });
const fileValue = z.object({
  id: z.string().nullish(),
  meta: z.object({ name: z.string(), contentType: z.string().nullish() }).nullish(),
  blob: z.object({ signUrl: z.string().nullish(), previewUrl: z.string().nullish() }).nullish(),
});

/** Roles of kimi.chat.v1.ChatMessage: 2 user and 3 assistant are seen in the saved page; 1 and 4 are inferred. */
const ROLES: Record<number, CapturedMessage['role']> = { 1: 'system', 2: 'user', 3: 'assistant', 4: 'tool' };

/** Blocks that only drive the UI's progress display. */
const UI_BLOCKS = new Set(['multiStage', 'stage']);

function dateOf(value: z.infer<typeof timestamp>): Date | undefined {
  if (!value) return undefined;
  const seconds = Number(value.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  return new Date(seconds * 1000 + Math.floor((value.nanos ?? 0) / 1e6));
}

/** A string literal, `undefined`, `BigInt(n)`; a lone `"` is a string literal that never ends. */
const JS_TOKEN = /"[^"\\]*(?:\\.[^"\\]*)*"|\bundefined\b|\bBigInt\("?(-?\d+)"?\)|"/g;
const JS_TOKEN_OUTSIDE_STRINGS = /\bundefined\b|\bBigInt\("?(-?\d+)"?\)/g;

/** The JS object literal of `window.HYDRATION_INIT_STATE=…` as JSON text: `undefined` → null, `BigInt("n")` → n. */
export function jsLiteralToJson(source: string): string {
  // String literals are matched first and kept as they are, so their content is never rewritten.
  // Once a `"` opens a string that never ends, every later `"` does too (both scans read the same
  // escapes from there on): strings are no longer looked for, instead of scanning the rest of the
  // text again from each quote.
  let pattern = JS_TOKEN;
  pattern.lastIndex = 0;
  let out = '';
  let last = 0;
  for (let match = pattern.exec(source); match; match = pattern.exec(source)) {
    const [token, digits] = match;
    if (token === '"') {
      JS_TOKEN_OUTSIDE_STRINGS.lastIndex = pattern.lastIndex;
      pattern = JS_TOKEN_OUTSIDE_STRINGS;
      continue;
    }
    out += source.slice(last, match.index);
    if (token.startsWith('"')) out += token;
    else if (digits === undefined) out += 'null';
    else out += Number.isSafeInteger(Number(digits)) ? digits : `"${digits}"`;
    last = match.index + token.length;
  }
  return out + source.slice(last);
}

const STATE = 'window.HYDRATION_INIT_STATE';
const ASSIGNMENT = /\s*=\s*/y;

/**
 * The source of `window.HYDRATION_INIT_STATE = …;</script>`: what
 * `/window\.HYDRATION_INIT_STATE\s*=\s*([\s\S]*?)\s*;?\s*<\/script>/` captures, found in one pass (the
 * pattern's lazy capture against the blank runs after it costs a power of their length).
 */
function stateSource(html: string): string | undefined {
  for (let at = html.indexOf(STATE); at !== -1; at = html.indexOf(STATE, at + 1)) {
    ASSIGNMENT.lastIndex = at + STATE.length;
    if (!ASSIGNMENT.test(html)) continue;
    const start = ASSIGNMENT.lastIndex;
    // No `</script>` after this one: none after a later one either.
    const end = html.indexOf('</script>', start);
    if (end === -1) return undefined;
    const source = html.slice(start, end).trimEnd();
    return source.endsWith(';') ? source.slice(0, -1).trimEnd() : source;
  }
  return undefined;
}

interface Hydration {
  /** The share payload, when the page holds one. */
  share?: ChatShare;
  /** The state was there but its share query holds no share (a deleted/unknown share). */
  missing: boolean;
}

/** Reads the share from the page's hydration state; undefined when the page has no readable state. */
export function hydratedShare(html: string, shareId: string | undefined, log: ProviderLog): Hydration | undefined {
  const source = stateSource(html);
  if (!source) return undefined;
  let state: unknown;
  try {
    state = JSON.parse(jsLiteralToJson(source));
  } catch (error) {
    log.warn({ provider: PROVIDER_ID, error: String(error) }, 'Kimi hydration state is not readable: reading the DOM');
    return undefined;
  }
  const queries = z.object({ queries: z.array(z.object({ queryKey: z.array(z.unknown()), state: z.object({ data: z.unknown(), status: z.string().nullish() }) })) }).safeParse(state);
  if (!queries.success) return undefined;
  const shares = queries.data.queries.filter((q) => q.queryKey[0] === 'share');
  const query = shares.find((q) => q.queryKey[1] === shareId) ?? shares[0];
  if (!query) return { missing: false };
  if (query.state.data === null || query.state.data === undefined || query.state.status === 'error') return { missing: true };
  const share = chatShare.safeParse(query.state.data);
  if (!share.success) {
    log.warn({ provider: PROVIDER_ID, issue: share.error.issues[0]?.message }, 'Kimi share payload has an unexpected shape: reading the DOM');
    return undefined;
  }
  return { share: share.data, missing: false };
}

function blockParts(message: ChatMessage, role: CapturedMessage['role'], log: ProviderLog): ContentPart[] {
  const parts: ContentPart[] = [];
  for (const item of message.blocks) {
    const kind = item.content?.case ?? '';
    const value = item.content?.value;
    if (kind === 'text') {
      const text = textValue.safeParse(value);
      if (text.success) parts.push(...(role === 'assistant' ? markdownToParts(text.data.content) : [{ type: 'text' as const, text: text.data.content, format: 'plain' as const }]));
    } else if (kind === 'think') {
      const think = thinkValue.safeParse(value);
      if (think.success && think.data.content) parts.push({ type: 'reasoning', text: think.data.content });
      // The panel's generated title ("summary") is UI: the reasoning part holds the reasoning itself.
      if (think.success && think.data.summary) log.debug({ provider: PROVIDER_ID, message: message.id, summary: think.data.summary }, 'Kimi reasoning title not kept');
    } else if (kind === 'file') {
      const file = fileValue.safeParse(value);
      if (file.success && file.data.meta) {
        const url = file.data.blob?.signUrl ?? file.data.blob?.previewUrl ?? undefined;
        const mimeType = file.data.meta.contentType?.split(';')[0]?.trim() || undefined;
        parts.push({ type: 'file', name: file.data.meta.name, ...(url ? { url } : {}), ...(mimeType ? { mimeType } : {}) });
      } else log.warn({ provider: PROVIDER_ID, message: message.id }, 'Kimi file block without a name: skipped');
    } else if (!UI_BLOCKS.has(kind)) {
      log.warn({ provider: PROVIDER_ID, message: message.id, block: kind }, 'Kimi block of an unknown kind: not captured');
    }
  }
  return parts;
}

function fromPayload(share: ChatShare, url: URL, log: ProviderLog): CapturedConversation | undefined {
  const ids = new Set(share.messages.map((m) => m.id));
  const messages: CapturedMessage[] = [];
  for (const message of share.messages) {
    const role = ROLES[message.role];
    if (!role) {
      log.warn({ provider: PROVIDER_ID, message: message.id, role: message.role }, 'Kimi message with an unknown role: reading the DOM instead');
      return undefined;
    }
    const createdAt = dateOf(message.createTime);
    messages.push({
      sourceId: message.id,
      parentSourceId: message.parentId && ids.has(message.parentId) ? message.parentId : null,
      role,
      hidden: role === 'system',
      ...(createdAt ? { createdAt } : {}),
      parts: blockParts(message, role, log),
    });
  }
  if (!messages.length) return undefined;
  const createdAt = dateOf(share.chat?.createTime);
  const updatedAt = dateOf(share.chat?.updateTime);
  return capturedConversation.parse({
    provider: PROVIDER_ID,
    sourceId: share.id,
    sourceUrl: url.href,
    title: share.chat?.name?.trim() || 'Untitled conversation',
    ...(createdAt ? { createdAt } : {}),
    ...(updatedAt ? { updatedAt } : {}),
    messages,
  });
}

// ——— Rendered DOM (fallback; also what a signed-in chat page posted by the browser has) ———

const PARTS: PartsOptions = {
  drop: ['.table-actions', 'button', '.segment-avatar', '.toolcall-title-container', '.code-header button'],
  prepare: (container, $) => rebuildCodeBlocks($, container),
  tidyBlankLines: true,
};

function userParts($: CheerioAPI, segment: Selection): ContentPart[] {
  const parts: ContentPart[] = [];
  segment.find('.attachment-list .file-card-container').each((_, el) => {
    const name = textOf($(el).find('.file-card-info-name').first());
    if (name) parts.push({ type: 'file', name });
  });
  segment.find('.attachment-list img:not(.file-card-icon)').each((_, el) => {
    const src = $(el).attr('src');
    if (src && !src.startsWith('data:image/svg')) parts.push({ type: 'image', url: src });
  });
  segment.find('.segment-content').each((_, el) => {
    const user = $(el).find('.user-content').first();
    const content = user.length ? user : $(el);
    const plain = typedText($, content);
    if (plain !== undefined) {
      if (plain) parts.push({ type: 'text', text: plain, format: 'plain' });
    } else parts.push(...htmlToParts($, content, PARTS));
  });
  return parts;
}

function assistantParts($: CheerioAPI, segment: Selection): ContentPart[] {
  const parts: ContentPart[] = [];
  const box = segment.find('.segment-content-box').first();
  (box.length ? box : segment).children().each((_, el) => {
    const child = $(el);
    if (child.find('.thinking-container').length || child.is('.thinking-container')) {
      const body = child.find('.toolcall-content .markdown').first();
      const text = body.length ? partsToMarkdown(htmlToParts($, body, PARTS)) : textOf(child.find('.toolcall-content'));
      if (text) parts.push({ type: 'reasoning', text });
      return;
    }
    const markdown = child.is('.markdown') ? child : child.find('.markdown').first();
    if (markdown.length) parts.push(...htmlToParts($, markdown, PARTS));
  });
  return parts;
}

function fromDom($: CheerioAPI, html: string, url: URL, id: string, log: ProviderLog): CapturedConversation | undefined {
  const segments = $('.segment.segment-user, .segment.segment-assistant');
  if (!segments.length) return undefined;
  const messages: CapturedMessage[] = [];
  let parent: string | null = null;
  segments.each((index, el) => {
    const segment = $(el);
    const role = segment.hasClass('segment-user') ? 'user' : 'assistant';
    const parts = role === 'user' ? userParts($, segment) : assistantParts($, segment);
    if (!parts.length) log.warn({ provider: PROVIDER_ID, index, role }, 'Kimi turn with no content');
    const sourceId = `${id}:${index}`;
    messages.push({ sourceId, parentSourceId: parent, role, hidden: false, parts });
    parent = sourceId;
  });
  const title = textOf($('.share-title').first()) || pageTitle(html)?.replace(/\s+-\s+Kimi$/, '') || 'Untitled conversation';
  return capturedConversation.parse({ provider: PROVIDER_ID, sourceId: id, sourceUrl: url.href, title, messages });
}

/** What a share page says when the share is gone (inferred, see README). */
const NOT_FOUND = /does not exist|doesn['’]t exist|not found|has been deleted|no longer available|expired|不存在|已删除|已被删除|已失效|已过期/i;

/** Extracts a Kimi share page: the server-rendered hydration state first, the rendered DOM otherwise. */
export function extract({ url, html, via }: ExtractInput, log: ProviderLog): CapturedConversation {
  const matched = matchShareUrl(url) ?? matchConversationUrl(url);
  const hydration = hydratedShare(html, matched?.sourceId, log);
  if (hydration?.share) {
    const conversation = fromPayload(hydration.share, url, log);
    if (conversation) return conversation;
  }
  // No share data in the page (a bot check has none): the page is parsed only now.
  const $ = loadHtml(lightenHtml(html));
  if (isBotCheck($, html)) throw new ProviderError('BOT_CHECK', 'load-page', 'Kimi answered with a bot check instead of the page');
  const id = matched?.sourceId ?? hydration?.share?.id;
  if (id) {
    const conversation = fromDom($, html, url, id, log);
    if (conversation) return conversation;
  } else if ($('.segment').length) {
    throw new ProviderError('EXTRACTION_FAILED', 'conversation-id', `no Kimi conversation id in ${url.href}`);
  }
  if (hydration?.missing || ($('.share-page').length && NOT_FOUND.test($('.share-page').text()))) {
    throw new ProviderError('NOT_FOUND', 'find-turns', 'the Kimi share does not exist or was deleted');
  }
  if (via === 'fetch') throw new ProviderError('NEEDS_BROWSER', 'find-turns', 'the Kimi page holds neither the share data nor its rendered turns');
  throw new ProviderError('EXTRACTION_FAILED', 'find-turns', 'no Kimi share data (HYDRATION_INIT_STATE) nor turn (.segment) in the page');
}
