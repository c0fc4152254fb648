import { htmlToParts, labelLanguage, loadHtml, partsToMarkdown, rebuildCodeBlocks, textOf, typedText, type CheerioAPI, type PartsOptions, type Selection } from '../sdk/html.ts';
import { capturedConversation, ProviderError, type CapturedConversation, type CapturedMessage, type ContentPart, type ExtractInput, type ProviderLog } from '../sdk/index.ts';
import { isBotCheck, lightenHtml, metaContent, pageTitle } from '../sdk/page.ts';

export const PROVIDER_ID = 'deepseek';
export const HOST = 'chat.deepseek.com';

const SHARE_PATH = /^\/share\/([A-Za-z0-9_-]{6,64})\/?$/;
/** Not share ids: the app's own error routes (/share/missing, /share/invalid). */
const SHARE_ERROR_ROUTES = new Set(['missing', 'invalid']);
const CHAT_PATH = /^\/a\/chat\/s\/([A-Za-z0-9-]{8,64})\/?$/;

/** chat.deepseek.com/share/<id> */
export function matchShareUrl(url: URL): { sourceId: string } | null {
  if (url.hostname !== HOST) return null;
  const id = SHARE_PATH.exec(url.pathname)?.[1];
  return id && !SHARE_ERROR_ROUTES.has(id) ? { sourceId: id } : null;
}

/** chat.deepseek.com/a/chat/s/<session uuid> (the signed-in chat page). */
export function matchConversationUrl(url: URL): { sourceId: string } | null {
  if (url.hostname !== HOST) return null;
  const id = CHAT_PATH.exec(url.pathname)?.[1];
  return id ? { sourceId: id } : null;
}

/**
 * What the app shows instead of a conversation (its en/zh strings, read from the app bundle inside
 * the saved page): a share that never existed, an expired/deleted share, a deleted chat.
 */
const NOT_FOUND_TEXTS = ['The link you accessed does not exist.', 'The link you accessed has expired.', 'This chat has been deleted.', '你访问的链接不存在', '你访问的链接已失效', '该对话已被删除'];

/** <title>s the app uses for every page: not a conversation title. */
const GENERIC_TITLES = new Set(['DeepSeek - Into the Unknown', 'DeepSeek', 'Shared Conversation - DeepSeek', 'DeepSeek - 探索未至之境']);

const CODE: PartsOptions = {
  prepare: (container, $) =>
    rebuildCodeBlocks($, container, {
      codeContainer: '.md-code-block',
      // The banner holds the language label and the Copy/Download buttons.
      codeLabel: (block) => {
        const banner = block.find('.md-code-block-banner, .md-code-block-banner-wrap').first();
        return banner.length ? labelLanguage(banner, $) : undefined;
      },
    }),
  tidyBlankLines: true,
};

/** Messages of the page in order: `.ds-message` (the design system's message element) not nested in another. */
function messageElements($: CheerioAPI): Selection {
  return $('.ds-message').filter((_, el) => $(el).parents('.ds-message').length === 0);
}

function isAssistant(message: Selection): boolean {
  return message.children('.ds-markdown').length > 0 || message.find('.ds-think-content').length > 0;
}

function assistantParts($: CheerioAPI, message: Selection, log: ProviderLog): ContentPart[] {
  const parts: ContentPart[] = [];
  message.find('.ds-think-content').each((_, el) => {
    const think = $(el);
    const markdown = think.find('.ds-markdown').first();
    const text = markdown.length ? partsToMarkdown(htmlToParts($, markdown, CODE)) : textOf(think);
    if (text) parts.push({ type: 'reasoning', text });
  });
  const answers = message.find('.ds-markdown').filter((_, el) => $(el).parents('.ds-think-content, .ds-markdown').length === 0);
  answers.each((_, el) => {
    parts.push(...htmlToParts($, $(el), CODE));
  });
  if (!answers.length) log.warn({ provider: PROVIDER_ID }, 'assistant turn without an answer block (.ds-markdown)');
  return parts;
}

function userParts($: CheerioAPI, message: Selection): ContentPart[] {
  const parts: ContentPart[] = [];
  const texts: ContentPart[] = [];
  message.children().each((_, el) => {
    const child = $(el);
    if (child.find('.ds-icon').length) {
      // A file card: icon, name, then a status line ("Shared files can't be displayed", size…).
      child.find('.ds-icon').each((__, icon) => {
        const card = $(icon).parent();
        const name = card
          .find('*')
          .contents()
          .filter((___, node) => node.type === 'text' && $(node).text().trim().length > 0)
          .first()
          .text()
          .trim();
        if (name) parts.push({ type: 'file', name });
      });
      return;
    }
    if (!textOf(child)) return;
    const text = typedText($, child);
    if (text !== undefined) texts.push({ type: 'text', text, format: 'plain' });
    else texts.push(...htmlToParts($, child, CODE));
  });
  return [...parts, ...texts];
}

function conversationId(url: URL, html: string): string {
  const fromUrl = matchShareUrl(url) ?? matchConversationUrl(url);
  if (fromUrl) return fromUrl.sourceId;
  const ogUrl = metaContent(html, 'og:url');
  if (ogUrl) {
    try {
      const og = new URL(ogUrl);
      const fromOg = matchShareUrl(new URL(og.pathname, `https://${HOST}`));
      if (fromOg) return fromOg.sourceId;
    } catch {
      // not a URL: fall through
    }
  }
  throw new ProviderError('EXTRACTION_FAILED', 'conversation-id', `no DeepSeek conversation id in ${url.href}`);
}

function titleOf($: CheerioAPI, html: string, id: string, messages: readonly CapturedMessage[]): string {
  // A signed-in chat page lists the chat in the sidebar under its title.
  const link = $(`a[href$="/a/chat/s/${id}"]`).first();
  const fromSidebar = link.length ? textOf(link) : '';
  if (fromSidebar) return fromSidebar;
  const title = pageTitle(html);
  if (title && !GENERIC_TITLES.has(title)) return title.replace(/\s+-\s+DeepSeek$/, '');
  // Share pages carry no title: the first line of the first question names the conversation.
  const first = messages.find((m) => m.role === 'user')?.parts.find((p) => p.type === 'text');
  const line = first?.type === 'text' ? (first.text.split('\n').find((l) => l.trim()) ?? '').trim() : '';
  return line.length > 100 ? `${line.slice(0, 99)}…` : line || 'Untitled conversation';
}

/** Extracts a DeepSeek share page or signed-in chat page (rendered DOM: the app renders client-side). */
export function extract({ url, html, via }: ExtractInput, log: ProviderLog): CapturedConversation {
  const $ = loadHtml(lightenHtml(html));
  if (isBotCheck($, html)) throw new ProviderError('BOT_CHECK', 'load-page', 'DeepSeek answered with a bot check instead of the page');
  const elements = messageElements($);
  if (!elements.length) {
    const text = $('body').text();
    if (NOT_FOUND_TEXTS.some((t) => text.includes(t)) || /^\/share\/(?:missing|invalid)\/?$/.test(url.pathname)) {
      throw new ProviderError('NOT_FOUND', 'find-turns', 'the DeepSeek share does not exist or has expired');
    }
    if (via === 'fetch') throw new ProviderError('NEEDS_BROWSER', 'find-turns', 'DeepSeek renders conversations in the browser');
    throw new ProviderError('EXTRACTION_FAILED', 'find-turns', 'no DeepSeek message (.ds-message) in the page');
  }
  const id = conversationId(url, html);
  const messages: CapturedMessage[] = [];
  let parent: string | null = null;
  elements.each((index, el) => {
    const message = $(el);
    const role = isAssistant(message) ? 'assistant' : 'user';
    const parts = role === 'assistant' ? assistantParts($, message, log) : userParts($, message);
    if (!parts.length) log.warn({ provider: PROVIDER_ID, index, role }, 'DeepSeek turn with no content');
    const sourceId = `${id}:${index}`;
    messages.push({ sourceId, parentSourceId: parent, role, hidden: false, parts });
    parent = sourceId;
  });
  return capturedConversation.parse({
    provider: PROVIDER_ID,
    sourceId: id,
    sourceUrl: url.href,
    title: titleOf($, html, id, messages),
    messages,
  });
}
