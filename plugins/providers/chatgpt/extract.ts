import { capturedConversation, ProviderError, type CapturedConversation, type CapturedMessage, type ContentPart, type ExtractInput, type ProviderLog } from '../sdk/index.ts';
import { htmlToParts, loadHtml, type CheerioAPI, type Selection } from '../sdk/html.ts';
import { isBotCheck, lightenHtml } from '../sdk/page.ts';
import { convertConversation, rawConversation, type RawConversation } from './conversation.ts';
import { decodeTurboStream, enqueuedChunks } from './turbo-stream.ts';

export const HOSTS = ['chatgpt.com', 'chat.openai.com'] as const;
const HOST_SET = new Set<string>(HOSTS);
const ID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Public share links: chatgpt.com/share/<uuid>, chat.openai.com/share/<uuid> (also under a /g/<gpt>/ prefix). */
export function matchShareUrl(url: URL): { sourceId: string } | null {
  if (!HOST_SET.has(url.hostname) || (url.protocol !== 'https:' && url.protocol !== 'http:')) return null;
  const match = new RegExp(`^(?:/g/[\\w-]+)?/share/(${ID})/?$`, 'i').exec(url.pathname);
  return match?.[1] ? { sourceId: match[1].toLowerCase() } : null;
}

/** Signed-in conversation pages: chatgpt.com/c/<uuid> (also inside a GPT or project: /g/<id>/c/<uuid>). */
export function matchConversationUrl(url: URL): { sourceId: string } | null {
  if (!HOST_SET.has(url.hostname) || (url.protocol !== 'https:' && url.protocol !== 'http:')) return null;
  const match = new RegExp(`^(?:/g/[\\w-]+(?:/project)?)?/c/(${ID})/?$`, 'i').exec(url.pathname);
  return match?.[1] ? { sourceId: match[1].toLowerCase() } : null;
}

/** What the page's embedded data says. */
type Payload =
  | { kind: 'conversation'; conversation: RawConversation; shareId?: string }
  | { kind: 'missing'; reason: string }
  | { kind: 'none' };

/**
 * Extracts a ChatGPT conversation from a share page (or a signed-in /c/ page posted by the browser):
 * the React Router stream payload first (the whole branch tree with ids, models and times),
 * then the rendered `[data-message-author-role]` turns.
 */
export function extractChatgpt({ url, html, via }: ExtractInput, log: ProviderLog): CapturedConversation {
  const urlId = matchShareUrl(url)?.sourceId ?? matchConversationUrl(url)?.sourceId;
  const payload = readPayload(html, log);
  if (payload.kind === 'conversation') {
    const sourceId = urlId ?? payload.shareId ?? payload.conversation.conversation_id ?? payload.conversation.id ?? undefined;
    if (!sourceId) throw new ProviderError('EXTRACTION_FAILED', 'conversation-id', 'neither the URL nor the payload gives the conversation id');
    return convertConversation(payload.conversation, { sourceId, sourceUrl: url.href, log });
  }

  // Scripts, styles, icons and source-offset attributes are most of a saved page's bytes and hold no turn content.
  const $ = loadHtml(lightenHtml(html).replace(/ data-(?:start|end)="\d*"/g, ''));
  const turns = $('[data-message-author-role]');
  if (turns.length && (isChatgptPage($, html) || turns.is(CHATGPT_TURN))) return fromDom($, turns, url, urlId, log);

  if (payload.kind === 'missing') throw new ProviderError('NOT_FOUND', 'share-payload', `the share page holds no conversation (${payload.reason})`);
  if (isBotCheck($, html)) throw new ProviderError('BOT_CHECK', 'bot-check', 'chatgpt.com answered with a bot check instead of the page');
  if (isChatgptPage($, html)) {
    if (via === 'fetch') throw new ProviderError('NEEDS_BROWSER', 'find-turns', 'the fetched page holds neither the conversation payload nor rendered turns');
    throw new ProviderError('EXTRACTION_FAILED', 'find-turns', 'the ChatGPT page holds neither the conversation payload nor [data-message-author-role] turns');
  }
  throw new ProviderError('EXTRACTION_FAILED', 'find-turns', 'the page is not a ChatGPT conversation page');
}

const NEXT_DATA = '<script id="__NEXT_DATA__"';

/**
 * The body of the first `<script id="__NEXT_DATA__" …>`: what `/<script id="__NEXT_DATA__"[^>]*>([\s\S]*?)<\/script>/`
 * captures, found once (the pattern rescans the rest of the page from each unclosed tag; when the
 * first has no `>` or no `</script>` after it, no later one has either).
 */
function nextData(html: string): string | undefined {
  const start = html.indexOf(NEXT_DATA);
  if (start === -1) return undefined;
  const open = html.indexOf('>', start + NEXT_DATA.length);
  if (open === -1) return undefined;
  const close = html.indexOf('</script>', open + 1);
  return close === -1 ? undefined : html.slice(open + 1, close);
}

/** Decodes the embedded route data: the modern React Router stream, or the older `__NEXT_DATA__` JSON. */
function readPayload(html: string, log: ProviderLog): Payload {
  let root: unknown;
  try {
    const chunks = enqueuedChunks(html);
    if (chunks.length) root = decodeTurboStream(chunks.join(''));
    else {
      const next = nextData(html);
      if (next) root = JSON.parse(next) as unknown;
    }
  } catch (error) {
    log.warn({ err: error }, 'chatgpt: the embedded payload could not be decoded; falling back to the DOM');
    return { kind: 'none' };
  }
  if (root === undefined) return { kind: 'none' };

  const found = findConversation(root);
  if (found) {
    const parsed = rawConversation.safeParse(found.value);
    if (parsed.success) return { kind: 'conversation', conversation: parsed.data, ...(found.shareId ? { shareId: found.shareId } : {}) };
    log.warn({ issues: parsed.error.issues.slice(0, 5) }, 'chatgpt: the embedded conversation does not have the expected shape');
    return { kind: 'none' };
  }
  const missing = missingReason(root);
  return missing ? { kind: 'missing', reason: missing } : { kind: 'none' };
}

const record = (value: unknown): Record<string, unknown> | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);

/** The object holding `mapping` (share route: loaderData["routes/share.$shareId.($action)"].serverResponse.data). */
function findConversation(root: unknown): { value: Record<string, unknown>; shareId?: string } | undefined {
  const seen = new Set<unknown>();
  const queue: { value: unknown; depth: number; shareId?: string }[] = [{ value: root, depth: 0 }];
  while (queue.length) {
    const { value, depth, shareId } = queue.shift() as { value: unknown; depth: number; shareId?: string };
    const object = record(value);
    if (!object || seen.has(object) || depth > 8) continue;
    seen.add(object);
    const mapping = record(object.mapping);
    if (mapping && Object.keys(mapping).length) return { value: object, ...(shareId ? { shareId } : {}) };
    const here = typeof object.sharedConversationId === 'string' ? object.sharedConversationId : shareId;
    for (const child of Object.values(object)) if (child && typeof child === 'object') queue.push({ value: child, depth: depth + 1, ...(here ? { shareId: here } : {}) });
  }
  return undefined;
}

/**
 * Why a decoded payload holds no conversation, when it says so: a share route without data, a 404
 * in the route errors, or a logged-out status (inferred shapes: no saved not-found page exists).
 */
function missingReason(root: unknown): string | undefined {
  const object = record(root);
  const loaderData = record(object?.loaderData) ?? record(record(object?.props)?.pageProps);
  const errors = record(object?.errors);
  if (errors) {
    for (const [route, error] of Object.entries(errors)) {
      const status = record(error)?.status;
      if (status === 404 || status === 403 || status === 410) return `${route} answered ${String(status)}`;
    }
  }
  for (const [route, data] of Object.entries(loaderData ?? {})) {
    if (!/share/i.test(route) && route !== 'serverResponse') continue;
    const response = record(record(data)?.serverResponse) ?? (route === 'serverResponse' ? record(data) : undefined);
    const mapping = record(record(response?.data)?.mapping);
    if (!mapping || Object.keys(mapping).length === 0) return `${route} has no conversation data`;
  }
  if (loaderData && Object.keys(loaderData).length === 0 && record(object?.props)) return 'the share page has no data';
  const authStatus = findKey(root, 'authStatus');
  if (typeof authStatus === 'string' && /logged_?out/i.test(authStatus)) return 'logged-out page without a conversation';
  return undefined;
}

/** The first value under `key` anywhere in the decoded data (breadth first; payloads may hold cycles). */
function findKey(root: unknown, key: string): unknown {
  const seen = new Set<unknown>();
  const queue: unknown[] = [root];
  while (queue.length) {
    const value = queue.shift();
    if (!value || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (!Array.isArray(value) && key in value) return (value as Record<string, unknown>)[key];
    queue.push(...Object.values(value as Record<string, unknown>));
  }
  return undefined;
}

function isChatgptPage($: CheerioAPI, html: string): boolean {
  return (
    /__reactRouterContext|cdn\.oaistatic\.com/.test(html) ||
    $('meta[property="og:site_name"]').attr('content') === 'ChatGPT' ||
    /^ChatGPT$/i.test($('title').first().text().trim())
  );
}

/** Title from `<title>` without the app's name. */
function pageTitle($: CheerioAPI): string | undefined {
  const title = $('title').first().text().trim();
  // `(?<!\s)`: the suffix is tried where a blank run starts, not from each of its blanks (a long run would cost its square).
  const cleaned = title.replace(/^ChatGPT\s*[-–—|:]\s*/i, '').replace(/(?<!\s)\s*[-–—|]\s*ChatGPT$/i, '').trim();
  return cleaned && !/^ChatGPT$/i.test(cleaned) ? cleaned : undefined;
}

/** ChatGPT's turn markup (other apps use `data-message-author-role` too, e.g. Mistral). */
const CHATGPT_TURN = '.text-message, article[data-turn] [data-message-author-role], [data-testid^="conversation-turn-"] [data-message-author-role]';

const DROP = ['button', '.sr-only', '[aria-hidden="true"]', 'svg', '.sticky'];

/** Rendered turns: `[data-message-author-role]` with `data-message-id` and `data-message-model-slug`. */
function fromDom($: CheerioAPI, turns: Selection, url: URL, urlId: string | undefined, log: ProviderLog): CapturedConversation {
  const sourceId = urlId;
  if (!sourceId) throw new ProviderError('EXTRACTION_FAILED', 'conversation-id', `the URL ${url.href} gives no conversation id`);
  const messages: CapturedMessage[] = [];
  let parent: string | null = null;
  turns.each((index, element) => {
    const turn = $(element);
    // Nested author-role elements (a turn inside a turn) are read with their outer turn.
    if (turn.parents('[data-message-author-role]').length) return;
    const role = turn.attr('data-message-author-role');
    if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'tool') {
      log.warn({ role }, 'chatgpt: unknown author role in the DOM, turn skipped');
      return;
    }
    const id = turn.attr('data-message-id') || `${sourceId}-turn-${index}`;
    const model = turn.attr('data-message-model-slug');
    const parts = role === 'user' ? userParts($, turn) : assistantParts($, turn);
    messages.push({ sourceId: id, parentSourceId: parent, role, ...(model ? { model } : {}), hidden: parts.length === 0, parts });
    parent = id;
  });
  if (!messages.length) throw new ProviderError('EXTRACTION_FAILED', 'find-turns', 'no readable [data-message-author-role] turns');
  return capturedConversation.parse({ provider: 'chatgpt', sourceId, sourceUrl: url.href, title: pageTitle($), currentLeafSourceId: parent ?? undefined, messages });
}

function userParts($: CheerioAPI, turn: Selection): ContentPart[] {
  const parts: ContentPart[] = [];
  turn.find('img').each((_, img) => {
    const src = $(img).attr('src');
    if (src && !src.startsWith('data:image/svg')) parts.push({ type: 'image', url: src, ...($(img).attr('alt') ? { alt: $(img).attr('alt') } : {}) });
  });
  const bubble = turn.find('.whitespace-pre-wrap').first();
  const text = (bubble.length ? bubble : turn).text();
  if (text.trim()) parts.push({ type: 'text', text, format: 'plain' });
  return parts;
}

function assistantParts($: CheerioAPI, turn: Selection): ContentPart[] {
  const markdown = turn.find('.markdown');
  const root = markdown.length ? markdown : turn;
  const parts: ContentPart[] = [];
  root.each((_, element) => {
    // The document is this call's own: blocks are rewritten in place (htmlToParts clones anyway).
    const body = $(element);
    // Code blocks: the header's first line is the language label; the code is in <code>.
    body.find('pre').each((__, pre) => {
      const block = $(pre);
      const code = block.find('code').first();
      if (!code.length) return;
      const label = block.children('div').first().children('div').first();
      const language = label.length && !label.find('code').length ? label.text().trim().toLowerCase() : undefined;
      const replacement = $('<pre></pre>');
      replacement.append(code.clone());
      if (language && /^[\w+#.-]{1,40}$/.test(language)) replacement.attr('data-language', language);
      block.replaceWith(replacement);
    });
    parts.push(...htmlToParts($, body, { drop: DROP }));
  });
  return parts;
}
