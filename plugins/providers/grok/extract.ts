import { htmlToParts, labelLanguage, loadHtml, partsToMarkdown, rebuildCodeBlocks, textOf, typedText, type CheerioAPI, type PartsOptions, type Selection } from '../sdk/html.ts';
import { capturedConversation, ProviderError, type CapturedConversation, type CapturedMessage, type ContentPart, type ExtractInput, type ProviderLog } from '../sdk/index.ts';
import { isBotCheck, lightenHtml, metaContent, pageTitle } from '../sdk/page.ts';

export const PROVIDER_ID = 'grok';
export const HOSTS = ['grok.com', 'x.com'] as const;

/** Share ids are base64-ish with `_` and `-` (e.g. `bGVnYWN5LWNvcHk_32845a54-…`). */
const SHARE_ID = '([A-Za-z0-9_-]{8,200})';
const GROK_SHARE = new RegExp(`^/share/${SHARE_ID}/?$`);
const X_SHARE = new RegExp(`^/i/grok/share/${SHARE_ID}/?$`);
const GROK_CHAT = /^\/chat\/([A-Za-z0-9-]{8,64})\/?$/;

/** grok.com/share/<id>, x.com/i/grok/share/<id> */
export function matchShareUrl(url: URL): { sourceId: string } | null {
  const pattern = url.hostname === 'grok.com' ? GROK_SHARE : url.hostname === 'x.com' ? X_SHARE : undefined;
  const id = pattern?.exec(url.pathname)?.[1];
  return id ? { sourceId: id } : null;
}

/** grok.com/chat/<conversation uuid> (the signed-in chat page). */
export function matchConversationUrl(url: URL): { sourceId: string } | null {
  if (url.hostname !== 'grok.com') return null;
  const id = GROK_CHAT.exec(url.pathname)?.[1];
  return id ? { sourceId: id } : null;
}

const TITLE_SUFFIX = /\s*[|–-]\s*(?:Shared Grok Conversation|Grok)\s*$/;

/** What a Next.js app (grok.com) serves for an unknown route or a withdrawn share (inferred, see README). */
const NOT_FOUND = /This page could not be found|could not be found|not found|doesn['’]t exist|does not exist|no longer available|has been deleted|unshared|404/i;

const PARTS: PartsOptions = {
  drop: ['.action-buttons', 'button', '[role="button"]', '.sr-only'],
  // Code blocks: the header above the <pre> carries the language label (and a copy button).
  prepare: (container, $) => rebuildCodeBlocks($, container, { codeLabel: (block) => labelLanguage(block, $) }),
  tidyBlankLines: true,
};

function isUserTurn(turn: Selection): boolean {
  return /(?:^|\s)items-end(?:\s|$)/.test(turn.attr('class') ?? '');
}

/** The rendered markdown blocks of a turn (the answer), not those inside the thinking panel. */
function markdownBlocks($: CheerioAPI, turn: Selection): Selection {
  return turn.find('.response-content-markdown').filter((_, el) => $(el).parents('.thinking-container, .response-content-markdown').length === 0);
}

function images($: CheerioAPI, turn: Selection): ContentPart[] {
  const parts: ContentPart[] = [];
  turn.find('.inline-media-container img').each((_, el) => {
    const src = $(el).attr('src');
    const alt = $(el).attr('alt');
    if (src && !src.startsWith('data:image/svg')) parts.push({ type: 'image', url: src, ...(alt ? { alt } : {}) });
  });
  return parts;
}

function turnParts($: CheerioAPI, turn: Selection, role: 'user' | 'assistant', log: ProviderLog): ContentPart[] {
  const parts: ContentPart[] = [];
  if (role === 'assistant') {
    turn.find('.thinking-container').each((_, el) => {
      const panel = $(el);
      const markdown = panel.find('.response-content-markdown, .markdown').first();
      if (markdown.length) {
        const text = partsToMarkdown(htmlToParts($, markdown, PARTS));
        if (text) parts.push({ type: 'reasoning', text });
      } else if (textOf(panel)) log.warn({ provider: PROVIDER_ID, text: textOf(panel).slice(0, 80) }, 'Grok thinking panel without its markdown body: only its header was shown');
    });
  }
  markdownBlocks($, turn).each((_, el) => {
    const block = $(el);
    const plain = role === 'user' ? typedText($, block) : undefined;
    if (plain !== undefined) parts.push({ type: 'text', text: plain, format: 'plain' });
    else parts.push(...htmlToParts($, block, PARTS));
  });
  parts.push(...images($, turn));
  if (role === 'assistant') {
    // "67 sources": only a count and favicons are in the page, the source list opens in a panel.
    // `(?<!\d)`: tried where a number starts, not from each of its digits (a long run would cost its square).
    const sources = turn.find('.action-buttons').text().match(/(?<!\d)(\d+)\s+sources?/)?.[1];
    if (sources) log.info({ provider: PROVIDER_ID, sources: Number(sources) }, 'Grok answer cites web sources the share page does not list (not captured)');
  }
  return parts;
}

function conversationId(url: URL, html: string): string {
  const fromUrl = matchShareUrl(url) ?? matchConversationUrl(url);
  if (fromUrl) return fromUrl.sourceId;
  const ogUrl = metaContent(html, 'og:url');
  if (ogUrl) {
    try {
      const fromOg = matchShareUrl(new URL(ogUrl));
      if (fromOg) return fromOg.sourceId;
    } catch {
      // not a URL: fall through
    }
  }
  throw new ProviderError('EXTRACTION_FAILED', 'conversation-id', `no Grok conversation id in ${url.href}`);
}

/** Extracts a Grok share page or signed-in chat page from its rendered DOM (one `#response-<uuid>` per turn). */
export function extract({ url, html, via }: ExtractInput, log: ProviderLog): CapturedConversation {
  const $ = loadHtml(lightenHtml(html));
  if (isBotCheck($, html)) throw new ProviderError('BOT_CHECK', 'load-page', 'Grok answered with a bot check instead of the page');
  const turns = $('[id^="response-"]').filter((_, el) => $(el).find('.message-bubble').length > 0);
  const title = pageTitle(html);
  if (!turns.length) {
    const heading = `${title ?? ''} ${textOf($('h1, h2').first())}`;
    if (NOT_FOUND.test(heading)) throw new ProviderError('NOT_FOUND', 'find-turns', 'the Grok share does not exist or was unshared');
    if (via === 'fetch') throw new ProviderError('NEEDS_BROWSER', 'find-turns', 'Grok renders this conversation in the browser');
    throw new ProviderError('EXTRACTION_FAILED', 'find-turns', url.hostname === 'x.com' ? 'no Grok turn in the page (the x.com share page markup is not supported: open it on grok.com)' : 'no Grok turn (#response-<id>) in the page');
  }
  const id = conversationId(url, html);
  if (/This conversation used custom instructions/i.test($('main').text())) {
    log.info({ provider: PROVIDER_ID }, 'the Grok conversation used custom instructions the share page does not show (not captured)');
  }
  const messages: CapturedMessage[] = [];
  let parent: string | null = null;
  turns.each((index, el) => {
    const turn = $(el);
    const role = isUserTurn(turn) ? 'user' : 'assistant';
    const sourceId = (turn.attr('id') ?? '').replace(/^response-/, '') || `${id}:${index}`;
    const parts = turnParts($, turn, role, log);
    if (!parts.length) log.warn({ provider: PROVIDER_ID, sourceId, role }, 'Grok turn with no content');
    messages.push({ sourceId, parentSourceId: parent, role, hidden: false, parts });
    parent = sourceId;
  });
  return capturedConversation.parse({
    provider: PROVIDER_ID,
    sourceId: id,
    sourceUrl: url.href,
    title: title?.replace(TITLE_SUFFIX, '').trim() || 'Untitled conversation',
    messages,
  });
}
