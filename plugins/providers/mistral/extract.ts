import { capturedConversation, ProviderError, type CapturedConversation, type CapturedMessage, type ContentPart, type ExtractInput, type ProviderLog } from '../sdk/index.ts';
import { codeText, htmlToParts, isReformatted, loadHtml, markdownOf, replaceWithCode, textOf, trimLineFeeds, type CheerioAPI, type Selection } from '../sdk/html.ts';
import { isBotCheck, lightenHtml } from '../sdk/page.ts';

export const MISTRAL_HOST = 'chat.mistral.ai';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const CHAT_PATH = new RegExp(`^/chat/(${UUID})/?$`, 'i');
const SHARE_PATH = /^\/share\/([A-Za-z0-9_-]{8,64})\/?$/;
const IS_UUID = new RegExp(`^${UUID}$`, 'i');

/**
 * Public share links: chat.mistral.ai/share/<id>, and chat.mistral.ai/chat/<uuid> (a shared chat
 * keeps its chat URL). Both forms are inferred (no saved share page), see README.md.
 */
export function matchShareUrl(url: URL): { sourceId: string } | null {
  if (url.hostname !== MISTRAL_HOST) return null;
  const id = SHARE_PATH.exec(url.pathname)?.[1] ?? CHAT_PATH.exec(url.pathname)?.[1];
  if (!id) return null;
  return { sourceId: IS_UUID.test(id) ? id.toLowerCase() : id };
}

/** Signed-in chat page: chat.mistral.ai/chat/<uuid>. */
export function matchConversationUrl(url: URL): { sourceId: string } | null {
  const id = url.hostname === MISTRAL_HOST ? CHAT_PATH.exec(url.pathname)?.[1] : undefined;
  return id ? { sourceId: id.toLowerCase() } : null;
}

function titleOf($: CheerioAPI): string | undefined {
  const fromTitle = $('title')
    .first()
    .text()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\s*[|\-–]\s*(?:Le Chat|Mistral(?: AI)?)\s*$/i, '')
    .trim();
  if (fromTitle && !/^(?:Le Chat|Mistral(?: AI)?)$/i.test(fromTitle)) return fromTitle;
  // The signed-in app shows the chat's name in the header menu button.
  return textOf($('button[aria-haspopup="menu"] span.truncate').first()) || undefined;
}

/** Mistral's code widget (header with the language, Shiki body) becomes a plain `<pre><code>`. */
function normalizeCode($: CheerioAPI, root: Selection): void {
  // Answers wrap the widget in [data-testid=code-block]; the reasoning steps in .markdown-fenced-code-root.
  root.find('[data-testid="code-block"], .markdown-fenced-code-root').each((_, raw) => {
    const block = $(raw);
    if (!block.parent().length || block.parents('[data-testid="code-block"], .markdown-fenced-code-root').length) return;
    const body = block.find('pre').first();
    const label = textOf(block.find('span.text-sm').first()) || block.find('i[aria-label$=" icon"]').first().attr('aria-label')?.replace(/ icon$/, '');
    const code = body.length ? codeText(body, $) : '';
    // The widget sits inside the markdown's own <pre>.
    const target = block.parent().is('pre') && block.parent().children().length === 1 ? block.parent() : block;
    replaceWithCode($, target, code, label || undefined);
  });
}

/** Le Chat draws tables as an ARIA grid of divs; the wrapper usually keeps the table's HTML in an attribute. */
function normalizeTables($: CheerioAPI, root: Selection): void {
  root.find('[data-rich-table-inner-html]').each((_, raw) => {
    const holder = $(raw);
    const table = $(holder.attr('data-rich-table-inner-html') ?? '').filter('table').first();
    if (table.length) holder.replaceWith(table);
  });
  // No stored HTML: rebuild the rows from the grid (the column headers, then the cells in reading order).
  root.find('[role="table"]').each((_, raw) => {
    const grid = $(raw);
    const headers = grid.find('[role="columnheader"]');
    const width = headers.length;
    if (!width) return;
    const cell = (element: Selection) => {
      const inner = element.children('span, button').first();
      const content = inner.is('button') ? inner.children('span').first() : inner;
      return (content.length ? content : element).html() ?? '';
    };
    const cells = grid.find('[role="cell"]').map((__, element) => cell($(element))).get() as string[];
    const rows = [`<tr>${headers.map((__, element) => `<th>${cell($(element))}</th>`).get().join('')}</tr>`];
    for (let index = 0; index < cells.length; index += width) rows.push(`<tr>${cells.slice(index, index + width).map((content) => `<td>${content}</td>`).join('')}</tr>`);
    const wrapper = grid.closest('[data-rich-table-title]');
    (wrapper.length ? wrapper : grid).replaceWith(`<table>${rows.join('')}</table>`);
  });
}

const isBlank = (char: string | undefined) => char === ' ' || char === '\t';

// Each line break with the blanks around it as one space, as `text.replace(/[ \t]*\n[ \t]*/g, ' ')`
// does, in linear time (the pattern retries a long blank run with no line break after it from each blank).
function joinLines(text: string): string {
  const lines = text.split('\n');
  return lines
    .map((line, index) => {
      let start = 0;
      let end = line.length;
      if (index > 0) while (start < end && isBlank(line[start])) start++;
      if (index < lines.length - 1) while (end > start && isBlank(line[end - 1])) end--;
      return line.slice(start, end);
    })
    .join(' ');
}

function userParts($: CheerioAPI, turn: Selection, reformatted: boolean): ContentPart[] {
  const parts: ContentPart[] = [];
  turn.find('img').each((_, raw) => {
    const image = $(raw);
    const src = image.attr('src');
    if (src && !src.startsWith('data:image/svg')) parts.push({ type: 'image', url: src, ...(image.attr('alt') ? { alt: image.attr('alt') } : {}) });
  });
  const box = turn.find('.select-text').first();
  // One span per line, separated by <br>; the spans keep the user's spacing (white-space: pre-wrap).
  const lines = box.find('span.whitespace-pre-wrap');
  const text = lines.length
    ? lines
        .map((_, line) => {
          const raw = $(line).text();
          return reformatted ? joinLines(raw) : raw;
        })
        .get()
        .join('\n')
    : box.text();
  const clean = reformatted ? text.trim() : trimLineFeeds(text);
  if (clean) parts.push({ type: 'text', text: clean, format: 'plain' });
  return parts;
}

function assistantParts($: CheerioAPI, turn: Selection): ContentPart[] {
  const parts: ContentPart[] = [];
  const answers = turn.find('[data-message-part-type]');
  // Reasoning ("Thought for 3s") is markdown in the collapsible steps above the answer.
  turn.find('.markdown-container-style').each((_, raw) => {
    const block = $(raw);
    if (block.is('[data-message-part-type]') || block.closest('[data-message-part-type]').length) return;
    normalizeCode($, block);
    normalizeTables($, block);
    const text = markdownOf($, block, { drop: ['button', 'svg'] });
    if (text) parts.push({ type: 'reasoning', text });
  });
  answers.each((_, raw) => {
    const answer = $(raw);
    normalizeCode($, answer);
    normalizeTables($, answer);
    parts.push(...htmlToParts($, answer, { drop: ['button', 'svg'] }));
  });
  return parts;
}

/** Extracts a Le Chat conversation from its rendered page (share page or posted signed-in page). */
export function extract({ url, html, via }: ExtractInput, log: ProviderLog): CapturedConversation {
  const conversationId = (matchShareUrl(url) ?? matchConversationUrl(url))?.sourceId;
  if (!conversationId) throw new ProviderError('EXTRACTION_FAILED', 'match-url', `not a Le Chat share or chat URL: ${url.href}`);
  const $ = loadHtml(lightenHtml(html));
  const turns = $('[data-message-author-role]').filter((_, el) => !$(el).parents('[data-message-author-role]').length);
  if (!turns.length) {
    if (isBotCheck($, html)) throw new ProviderError('BOT_CHECK', 'find-turns', 'Le Chat answered with a bot check instead of the conversation');
    if ($('input[type="password"], form[action*="login"], a[href*="/login?"]').length && !$('[data-testid="conversation-layout"]').length) {
      throw new ProviderError('BOT_CHECK', 'find-turns', 'Le Chat answered with its sign-in page (the chat is private or the share was removed)');
    }
    if (via === 'fetch') throw new ProviderError('NEEDS_BROWSER', 'find-turns', 'the fetched Le Chat page holds no messages: it must be rendered');
    const isMistral = /\b(?:Le Chat|Mistral)\b/i.test($('title').text()) || $('[data-testid="conversation-layout"]').length > 0;
    if (isMistral && /\b(?:not found|404|does(?:n['’]t| not) exist|no longer available|introuvable)\b/i.test(textOf($('body')))) {
      throw new ProviderError('NOT_FOUND', 'find-turns', 'Le Chat says this conversation does not exist (deleted or private)');
    }
    throw new ProviderError('EXTRACTION_FAILED', 'find-turns', 'no Le Chat messages ([data-message-author-role]) in the page');
  }

  const messages: CapturedMessage[] = [];
  let parent: string | null = null;
  turns.each((index, raw) => {
    const turn = $(raw);
    const role = turn.attr('data-message-author-role');
    const sourceId = turn.attr('data-message-id') || turn.attr('id') || `${conversationId}-${index}`;
    if (role === 'user') {
      messages.push({ sourceId, parentSourceId: parent, role: 'user', hidden: false, parts: userParts($, turn, isReformatted($.html(turn))) });
    } else if (role === 'assistant') {
      messages.push({ sourceId, parentSourceId: parent, role: 'assistant', hidden: false, parts: assistantParts($, turn) });
    } else {
      log.warn({ provider: 'mistral', sourceId, role }, 'Le Chat message with an unknown author role skipped');
      return;
    }
    parent = sourceId;
  });

  const empty = messages.filter((message) => message.parts.length === 0).map((message) => message.sourceId);
  if (empty.length) log.warn({ provider: 'mistral', messages: empty }, 'Le Chat messages with no content recognized');
  if (!messages.length) throw new ProviderError('EXTRACTION_FAILED', 'find-turns', 'no user or assistant message in the Le Chat page');
  return capturedConversation.parse({ provider: 'mistral', sourceId: conversationId, sourceUrl: url.href, title: titleOf($), messages });
}
