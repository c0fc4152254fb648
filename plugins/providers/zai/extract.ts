import { capturedConversation, ProviderError, type CapturedConversation, type CapturedMessage, type ContentPart, type ExtractInput, type ProviderLog } from '../sdk/index.ts';
import { htmlToParts, loadHtml, markdownOf, replaceWithCode, textOf, type CheerioAPI, type Selection } from '../sdk/html.ts';
import { isBotCheck, lightenHtml } from '../sdk/page.ts';

export const ZAI_HOST = 'chat.z.ai';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SHARE_PATH = new RegExp(`^/s/(${UUID})/?$`, 'i');
const CHAT_PATH = new RegExp(`^/c/(${UUID})/?$`, 'i');

/** Public share page: chat.z.ai/s/<uuid>. */
export function matchShareUrl(url: URL): { sourceId: string } | null {
  const id = url.hostname === ZAI_HOST ? SHARE_PATH.exec(url.pathname)?.[1] : undefined;
  return id ? { sourceId: id.toLowerCase() } : null;
}

/** Signed-in chat page: chat.z.ai/c/<uuid>. */
export function matchConversationUrl(url: URL): { sourceId: string } | null {
  const id = url.hostname === ZAI_HOST ? CHAT_PATH.exec(url.pathname)?.[1] : undefined;
  return id ? { sourceId: id.toLowerCase() } : null;
}

/** Drops z.ai's title suffix ("New Chat | Z.ai Chat - Free AI powered by GLM-4.7 & GLM-4.6"). */
function titleOf($: CheerioAPI): string | undefined {
  const raw = $('title').first().text().replace(/\s+/g, ' ').trim();
  const title = raw.replace(/\s*[|\-–]\s*Z\.ai\b.*$/i, '').trim();
  return title || undefined;
}

function isZaiPage($: CheerioAPI): boolean {
  return /\bZ\.ai\b/i.test($('title').first().text()) || $('#messages-container').length > 0 || $('link[href*="z-cdn.chatglm.cn"], img[src*="z-cdn.chatglm.cn"]').length > 0;
}

/** CodeMirror editors (code blocks and mermaid sources) become plain `<pre><code>`; returns how many were cut by virtual scrolling. */
function normalizeCode($: CheerioAPI, root: Selection): number {
  let truncated = 0;
  root.find('.cm-editor').each((_, raw) => {
    const editor = $(raw);
    const content = editor.find('.cm-content').first();
    const lines = content.children('.cm-line').map((__, line) => $(line).text()).get() as string[];
    if (content.children('.cm-gap').length) truncated++;
    const mermaid = editor.closest('[class~="group/mermaid"]');
    if (mermaid.length) {
      replaceWithCode($, mermaid, lines.join('\n'), 'mermaid');
      return;
    }
    const languageBox = editor.closest('[class*="language-"]');
    if (!languageBox.length) {
      // A mermaid diagram that failed to render: z.ai shows its source next to an error icon.
      const failed = editor.closest('.relative').filter((__, el) => $(el).find('.text-red-500').length > 0);
      replaceWithCode($, failed.length ? failed : editor, lines.join('\n'), failed.length ? 'mermaid' : undefined);
      return;
    }
    const language =
      content.attr('data-language') ??
      /(?:^|\s)language-([\w+#.-]+)/.exec(languageBox.attr('class') ?? '')?.[1] ??
      (textOf(languageBox.siblings('.absolute').first()) || undefined);
    // The block: header label + toolbar + editor + (empty) output canvas.
    replaceWithCode($, languageBox.parent(), lines.join('\n'), language);
  });
  return truncated;
}

function userParts($: CheerioAPI, turn: Selection): ContentPart[] {
  const parts: ContentPart[] = [];
  const bubble = turn.find('.chat-user div.rounded-xl').filter((_, el) => !$(el).closest('button').length).first();
  // Attached files are cards (buttons) with the file name, its type and size.
  turn.find('.chat-user button').each((_, raw) => {
    const card = $(raw);
    const name = textOf(card.find('.font-medium').first());
    if (name) parts.push({ type: 'file', name });
  });
  turn.find('.chat-user img').each((_, raw) => {
    const image = $(raw);
    const src = image.attr('src');
    if (!src || image.closest('button').length || src.startsWith('data:image/svg')) return;
    parts.push({ type: 'image', url: src, ...(image.attr('alt') ? { alt: image.attr('alt') } : {}) });
  });
  // Attachments are shown above the text bubble.
  const text = bubble.text().trim();
  if (text) parts.push({ type: 'text', text, format: 'plain' });
  return parts;
}

function assistantParts($: CheerioAPI, turn: Selection, sourceId: string, log: ProviderLog): ContentPart[] {
  const container = turn.find('.chat-assistant #response-content-container').first();
  // The page was loaded for this extraction only: its DOM is changed in place.
  const root = container.length ? container : turn.find('.chat-assistant').first();
  root.find('svg, style').remove();
  const parts: ContentPart[] = [];
  const thinking = root.find('.thinking-block').first();
  if (thinking.length) {
    // The thoughts are a blockquote inside the collapsed "Thought Process" block.
    const body = thinking.find('[slot="content"]').first();
    const quote = body.children('blockquote');
    const reasoning = markdownOf($, quote.length === 1 ? quote : body.length ? body : thinking, { drop: ['button', 'svg'] });
    if (reasoning) parts.push({ type: 'reasoning', text: reasoning });
  }
  root.find('.thinking-chain-container, .thinking-block').remove();
  const truncated = normalizeCode($, root);
  if (truncated) log.warn({ provider: 'zai', sourceId, blocks: truncated }, 'code blocks were cut by the page\'s virtual scrolling: their hidden lines are not in the HTML');
  parts.push(...htmlToParts($, root, { drop: ['button', 'svg'] }));
  return parts;
}

/** Extracts a z.ai (Open WebUI) conversation from its rendered page. */
export function extract({ url, html, via }: ExtractInput, log: ProviderLog): CapturedConversation {
  const conversationId = (matchShareUrl(url) ?? matchConversationUrl(url))?.sourceId;
  if (!conversationId) throw new ProviderError('EXTRACTION_FAILED', 'match-url', `not a z.ai share or chat URL: ${url.href}`);
  const $ = loadHtml(lightenHtml(html));
  const turns = $('[id^="message-"]').filter((_, el) => $(el).is('.user-message') || $(el).find('.chat-assistant').length > 0);
  if (!turns.length) {
    if (isBotCheck($, html)) throw new ProviderError('BOT_CHECK', 'find-turns', 'z.ai answered with a bot check instead of the conversation');
    if (via === 'fetch') throw new ProviderError('NEEDS_BROWSER', 'find-turns', 'the z.ai page is rendered by scripts: the fetched HTML holds no messages');
    // Open WebUI sends a missing or private share back to the home page: a z.ai page with no messages.
    if (isZaiPage($)) throw new ProviderError('NOT_FOUND', 'find-turns', 'the z.ai page shows no conversation (deleted or private share)');
    throw new ProviderError('EXTRACTION_FAILED', 'find-turns', 'no z.ai messages (#message-<id> with .user-message / .chat-assistant) in the page');
  }

  const messages: CapturedMessage[] = [];
  let parent: string | null = null;
  let lastModel: string | undefined;
  turns.each((index, raw) => {
    const turn = $(raw);
    const sourceId = turn.attr('id')?.slice('message-'.length) || `${conversationId}-${index}`;
    if (turn.is('.user-message')) {
      messages.push({ sourceId, parentSourceId: parent, role: 'user', hidden: false, parts: userParts($, turn) });
    } else {
      const model = turn.find('.font-semibold').first().children('[aria-label]').first().attr('aria-label')?.trim() || undefined;
      if (model) lastModel = model;
      messages.push({ sourceId, parentSourceId: parent, role: 'assistant', hidden: false, ...(model ? { model } : {}), parts: assistantParts($, turn, sourceId, log) });
    }
    parent = sourceId;
  });

  const empty = messages.filter((message) => message.parts.length === 0).map((message) => message.sourceId);
  if (empty.length) log.warn({ provider: 'zai', messages: empty }, 'z.ai messages with no content recognized');
  return capturedConversation.parse({
    provider: 'zai',
    sourceId: conversationId,
    sourceUrl: url.href,
    title: titleOf($),
    ...(lastModel ? { model: lastModel } : {}),
    messages,
  });
}
