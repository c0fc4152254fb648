import { capturedConversation, ProviderError, type CapturedConversation, type CapturedMessage, type ContentPart, type ExtractInput, type ProviderLog } from '../sdk/index.ts';
import { codeText, htmlToParts, isReformatted, loadHtml, markdownOf, plainText, replaceWithCode, texOf, textOf, type CheerioAPI, type Selection } from '../sdk/html.ts';
import { isBotCheck, lightenHtml } from '../sdk/page.ts';

export const QWEN_HOST = 'chat.qwen.ai';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** Share links: chat.qwen.ai/s/<uuid>?fev=0.1.34 (some carry a "t_" prefix: /s/t_<uuid>). */
const SHARE_PATH = new RegExp(`^/s/((?:t_)?${UUID})/?$`, 'i');
const CHAT_PATH = new RegExp(`^/c/(${UUID})/?$`, 'i');

export function matchShareUrl(url: URL): { sourceId: string } | null {
  const id = url.hostname === QWEN_HOST ? SHARE_PATH.exec(url.pathname)?.[1] : undefined;
  return id ? { sourceId: id.toLowerCase() } : null;
}

/** Signed-in chat page: chat.qwen.ai/c/<uuid>. */
export function matchConversationUrl(url: URL): { sourceId: string } | null {
  const id = url.hostname === QWEN_HOST ? CHAT_PATH.exec(url.pathname)?.[1] : undefined;
  return id ? { sourceId: id.toLowerCase() } : null;
}

const GENERIC_TITLE = /^(?:Qwen(?: Chat)?|通义千问|千问)$/i;
/** Status titles Qwen puts on a finished thinking card: not part of the reasoning. */
const GENERIC_THINKING = /^(?:thinking completed|thought completed|已经?完成思考|思考完成)$/i;

function titleOf($: CheerioAPI, firstUserText: string | undefined): string | undefined {
  const head = $('title').first().text().replace(/\s+/g, ' ').trim().replace(/\s*[|\-–·]\s*(?:Qwen(?: Chat)?|通义千问|千问)\s*$/i, '').trim();
  if (head && !GENERIC_TITLE.test(head)) return head;
  // Share pages name the chat in their header (inferred class names, see README.md).
  const header = textOf(
    $('[class*="share"][class*="title"]')
      .filter((_, el) => $(el).children().length === 0)
      .first(),
  );
  if (header && !GENERIC_TITLE.test(header)) return header;
  const first = firstUserText?.split('\n')[0]?.trim();
  if (!first) return undefined;
  return first.length > 120 ? `${first.slice(0, 119).replace(/\s+\S*$/, '')}…` : first;
}

/** Monaco draws one `.view-line` per visible line, absolutely placed: order them by `top`. */
function monacoLines($: CheerioAPI, body: Selection): string[] | undefined {
  const lines = body.find('.view-lines .view-line');
  if (!lines.length) return undefined;
  const top = (style: string | undefined) => Number(/top:\s*(-?[\d.]+)px/.exec(style ?? '')?.[1] ?? Number.NaN);
  return lines
    .map((index, line) => ({ index, top: top($(line).attr('style')), text: $(line).text().replace(/\u00a0/g, ' ').replace(/\u200b/g, '') }))
    .get()
    .sort((a, b) => (Number.isNaN(a.top) || Number.isNaN(b.top) ? a.index - b.index : a.top - b.top || a.index - b.index))
    .map((line) => line.text);
}

/** Qwen's code widget (header with the language, Monaco editor body) becomes a plain `<pre><code>`; editors that did not draw every line are logged. */
function normalizeCode($: CheerioAPI, root: Selection, log: ProviderLog, sourceId: string): void {
  root.find('pre.qwen-markdown-code, .qwen-markdown-code').each((_, raw) => {
    const block = $(raw);
    if (!block.parent().length || block.parents('.qwen-markdown-code').length) return;
    const body = block.find('.qwen-markdown-code-body').first();
    const header = textOf(block.find('.qwen-markdown-code-header').children().first());
    const bodyClass = (body.attr('class') ?? '').replace('qwen-markdown-code-body', '').trim().split(/\s+/)[0];
    const mermaid = block.find('.qwen-markdown-mermaid-chart').length > 0 || /mermaid/i.test(body.attr('class') ?? '');
    const language = mermaid ? 'mermaid' : header || bodyClass || undefined;
    const lines = monacoLines($, body.length ? body : block);
    let code: string | undefined;
    if (lines) {
      const numbers = (body.length ? body : block).find('.margin-view-overlays .line-numbers').map((__, n) => Number(textOf($(n)))).get() as number[];
      if (numbers.length && (numbers[0] !== 1 || numbers.length !== lines.length)) {
        log.warn({ provider: 'qwen', sourceId, language, drawn: lines.length }, 'a code block was not fully drawn by its editor: hidden lines are not in the HTML');
      }
      code = lines.join('\n').trimEnd();
    } else {
      const plain = block.find('code, textarea').filter((__, el) => $(el).text().trim().length > 0).first();
      if (plain.length) code = codeText(plain, $).replace(/\u00a0/g, ' ');
    }
    if (code === undefined) {
      // A rendered diagram whose source the page does not hold: nothing to store but the fact.
      log.warn({ provider: 'qwen', sourceId, language }, 'a code block without its source in the page was skipped');
      block.remove();
      return;
    }
    replaceWithCode($, block, code, language);
  });
}

/** A paragraph that holds nothing but one formula is a display formula (Qwen renders both modes alike). */
function promoteStandaloneFormulas($: CheerioAPI, root: Selection): void {
  root.find('.qwen-markdown-paragraph, p').each((_, raw) => {
    const paragraph = $(raw);
    const formulas = paragraph.find('.katex');
    if (formulas.length !== 1) return;
    const outside = paragraph.clone();
    outside.find('.qwen-markdown-latex, .katex').remove();
    if (textOf(outside)) return;
    const tex = texOf(formulas.first());
    if (!tex) return;
    const math = $('<math display="block"></math>');
    math.attr('alttext', tex);
    paragraph.replaceWith(math);
  });
}

const DROP = ['button', 'svg', '[role="img"]', '.qwen-markdown-table-header', '.qwen-markdown-code-header-wrapper', '.qwen-markdown-space:empty'];

function reasoningOf($: CheerioAPI, turn: Selection, assistantId: string): string | undefined {
  const chunks: string[] = [];
  // Thinking cards: in the message, or in the side panel tied to the message by data-phase-id.
  const cards = turn.find('.qwen-chat-thinking-status-card').add($(`.qwen-chat-thinking-status-card[data-phase-id^="${assistantId}_"]`));
  cards.each((_, raw) => {
    const card = $(raw);
    const body = card.find('.qwen-markdown').first();
    if (!body.length) return;
    const title = textOf(card.find('.qwen-chat-thinking-status-card-title-text').first());
    const text = markdownOf($, body, { drop: DROP });
    if (text) chunks.push(title && !GENERIC_THINKING.test(title) ? `**${title}**\n\n${text}` : text);
  });
  // Thinking phases rendered like the answer (`.response-message-content.phase-think…`).
  turn.find('.response-message-content').each((_, raw) => {
    const phase = $(raw);
    if (phase.is('.phase-answer') || !/\bphase-/.test(phase.attr('class') ?? '')) return;
    const text = markdownOf($, phase, { drop: DROP });
    if (text) chunks.push(text);
  });
  return chunks.length ? chunks.join('\n\n') : undefined;
}

function userParts($: CheerioAPI, turn: Selection, reformatted: boolean): ContentPart[] {
  const parts: ContentPart[] = [];
  turn.find('[class*="file-message-document"], [class*="fileitem"]').filter((_, el) => $(el).find('.fileitem-file-name-text').length > 0 && !$(el).parents('[class*="file-message-document"]').length).each((_, raw) => {
    const item = $(raw);
    const name = `${textOf(item.find('.fileitem-file-name-text').first())}${textOf(item.find('.fileitem-file-name-ext').first())}`;
    if (name) parts.push({ type: 'file', name });
  });
  turn.find('img').each((_, raw) => {
    const image = $(raw);
    const src = image.attr('src');
    if (!src || src.startsWith('data:image/svg') || image.closest('[class*="file"], [class*="avatar"], [class*="icon"]').length) return;
    parts.push({ type: 'image', url: src, ...(image.attr('alt') ? { alt: image.attr('alt') } : {}) });
  });
  const content = turn.find('.user-message-content').first();
  const text = content.length ? plainText(content, reformatted) : '';
  if (text) parts.push({ type: 'text', text, format: 'plain' });
  return parts;
}

function assistantParts($: CheerioAPI, turn: Selection, assistantId: string, log: ProviderLog): ContentPart[] {
  const parts: ContentPart[] = [];
  const reasoning = reasoningOf($, turn, assistantId);
  if (reasoning) parts.push({ type: 'reasoning', text: reasoning });
  else if (turn.find('[class*="thinking-status-card"]').length) {
    log.warn({ provider: 'qwen', sourceId: assistantId }, 'the answer had a thinking step whose text is not in the page (collapsed card)');
  }
  let answers = turn.find('.response-message-content.phase-answer');
  if (!answers.length) answers = turn.find('.response-message-content').filter((_, el) => !/\bphase-/.test($(el).attr('class') ?? ''));
  answers.each((_, raw) => {
    const answer = $(raw);
    normalizeCode($, answer, log, assistantId);
    promoteStandaloneFormulas($, answer);
    parts.push(...htmlToParts($, answer, { drop: DROP }));
  });
  return parts;
}

/** Extracts a Qwen Chat conversation from its rendered page (share page or posted signed-in page). */
export function extract({ url, html, via }: ExtractInput, log: ProviderLog): CapturedConversation {
  const conversationId = (matchShareUrl(url) ?? matchConversationUrl(url))?.sourceId;
  if (!conversationId) throw new ProviderError('EXTRACTION_FAILED', 'match-url', `not a Qwen share or chat URL: ${url.href}`);
  const $ = loadHtml(lightenHtml(html));
  const turns = $('.qwen-chat-message-user, .qwen-chat-message-assistant').filter((_, el) => !$(el).parents('.qwen-chat-message').length);
  if (!turns.length) {
    if (isBotCheck($, html)) throw new ProviderError('BOT_CHECK', 'find-turns', 'Qwen answered with a bot check instead of the conversation');
    if (via === 'fetch') throw new ProviderError('NEEDS_BROWSER', 'find-turns', 'the Qwen page is rendered by scripts: the fetched HTML holds no messages');
    const isQwen = /\bQwen\b|通义|千问/i.test($('title').text()) || $('#chat-message-container, [class*="qwen-chat"]').length > 0;
    if (isQwen && /\b(?:not found|404|does(?:n['’]t| not) exist|no longer available|has been deleted|expired)\b|不存在|已删除|已失效/i.test(textOf($('body')))) {
      throw new ProviderError('NOT_FOUND', 'find-turns', 'Qwen says this shared chat does not exist (deleted or private)');
    }
    throw new ProviderError('EXTRACTION_FAILED', 'find-turns', 'no Qwen messages (.qwen-chat-message-user / -assistant) in the page');
  }

  const messages: CapturedMessage[] = [];
  let parent: string | null = null;
  let lastModel: string | undefined;
  let firstUserText: string | undefined;
  turns.each((index, raw) => {
    const turn = $(raw);
    const user = turn.is('.qwen-chat-message-user');
    const prefix = user ? 'qwen-chat-message-user-' : 'qwen-chat-message-assistant-';
    const id = turn.attr('id')?.startsWith(prefix) ? turn.attr('id')?.slice(prefix.length) : undefined;
    const sourceId = id || `${conversationId}-${index}`;
    if (user) {
      const parts = userParts($, turn, isReformatted($.html(turn)));
      firstUserText ??= parts.flatMap((part) => (part.type === 'text' ? [part.text] : []))[0];
      messages.push({ sourceId, parentSourceId: parent, role: 'user', hidden: false, parts });
    } else {
      // Share pages name the model above each answer (inferred class names, see README.md).
      const model = textOf(turn.find('[class*="model-name"]').first()) || undefined;
      if (model) lastModel = model;
      messages.push({ sourceId, parentSourceId: parent, role: 'assistant', hidden: false, ...(model ? { model } : {}), parts: assistantParts($, turn, sourceId, log) });
    }
    parent = sourceId;
  });

  const empty = messages.filter((message) => message.parts.length === 0).map((message) => message.sourceId);
  if (empty.length) log.warn({ provider: 'qwen', messages: empty }, 'Qwen messages with no content recognized');
  return capturedConversation.parse({
    provider: 'qwen',
    sourceId: conversationId,
    sourceUrl: url.href,
    title: titleOf($, firstUserText),
    ...(lastModel ? { model: lastModel } : {}),
    messages,
  });
}
