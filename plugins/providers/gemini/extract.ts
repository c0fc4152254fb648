import { createHash } from 'node:crypto';
import type { Element } from 'domhandler';
import { htmlToParts, loadHtml, partsToMarkdown, replaceWithCode, textOf, trimLineFeeds, type CheerioAPI, type Selection } from '../sdk/html.ts';
import { capturedConversation, ProviderError, type CapturedConversation, type CapturedMessage, type ContentPart, type ExtractInput, type ProviderLog } from '../sdk/index.ts';
import { lightenHtml } from '../sdk/page.ts';
import { geminiMath } from './math.ts';
import { matchConversationUrl, matchShareUrl } from './urls.ts';

/*
 * Gemini pages are Angular apps: the conversation exists only in the rendered DOM.
 * - share page: share-landing-page > share-viewer; title in the header h1, "Created with
 *   <mode>"; one share-turn-viewer[id] per exchange holding user-query and response-container;
 * - chat page (gemini.google.com/app/<id>): .conversation-container per exchange, user-query and
 *   model-response (response-container inside);
 * - prompt lines: user-query .query-text > p.query-text-line (one p per line);
 * - answer: message-content > div.markdown; code in code-block (label in .code-block-decoration),
 *   tables in table-block, math as .math-inline / .math-block with the TeX in data-math,
 *   thinking in model-thoughts.
 */

const USER_TURN = 'user-query';
const RESPONSE = 'model-response, response-container';
const TURN = `${USER_TURN}, ${RESPONSE}`;
const THOUGHTS = 'model-thoughts';
const SOURCE_CHIPS = 'source-inline-chip, sources-carousel-inline, source-footnote, .source-inline-chip';
const DROP = ['button', 'mat-icon', 'gem-icon', '.cdk-visually-hidden', 'message-actions', 'tts-control', 'thinking-overlay', '.table-footer', SOURCE_CHIPS, 'script', 'style'];

/** Google's "unusual traffic" interstitial (google.com/sorry) instead of the page. */
function isBotCheck(html: string, $: CheerioAPI): boolean {
  if ($('#captcha-form, .g-recaptcha, form[action*="sorry"]').length) return true;
  return /unusual traffic from your computer network|\/sorry\/index\?continue=/i.test(html);
}

/** Google's sign-in page. */
function isSignInWall($: CheerioAPI, url: URL): boolean {
  if (url.hostname === 'accounts.google.com') return true;
  const title = $('title').first().text();
  return /sign in\s*[-–]\s*google accounts/i.test(title) || $('input[type="email"][name="identifier"]').length > 0;
}

/** Google's 404 page, or a Gemini page saying the shared chat is gone. */
function isNotFound($: CheerioAPI): boolean {
  const title = $('title').first().text();
  if (/error 404|not found/i.test(title)) return true;
  const text = textOf($('body')).slice(0, 4000);
  return /404\.\s*that.s an error|requested url .{0,200}was not found|(link|chat|conversation|page)[^.]{0,60}(doesn.t exist|does not exist|not found|no longer (available|exists)|(has been|was) (deleted|removed))/i.test(text);
}

function isGenericTitle(title: string): boolean {
  return /^[\s\u200e\u200f]*(google\s+)?gemini(\s*[-–|:].*)?$/i.test(title) || !title.replace(/[\s\u200e\u200f]/g, '');
}

function titleOf($: CheerioAPI): string | undefined {
  const candidates = [
    textOf($('share-viewer h1, .share-title-section h1').first()),
    textOf($('[data-test-id="conversation-title"]').first()),
    textOf($('.conversation.selected .conversation-title, [aria-current="page"] .conversation-title').first()),
    $('meta[property="og:title"]').attr('content')?.trim() ?? '',
    $('title').first().text().trim(),
  ];
  return candidates.map((title) => title.replace(/^[\u200e\u200f]+/, '').trim()).find((title) => title && !isGenericTitle(title));
}

/** The text of a prompt: one p.query-text-line per line, each padded with a space by the template. */
function promptText($: CheerioAPI, query: Selection): string {
  const lines = query.find('.query-text-line');
  if (lines.length) {
    return trimLineFeeds(
      lines
        .map((_, line) => {
          const text = $(line).text().replace(/^ /, '').replace(/ $/, '');
          return text.trim() ? text : '';
        })
        .get()
        .join('\n'),
    );
  }
  const text = query.find('.query-text').first().clone();
  text.find('.cdk-visually-hidden, button, mat-icon').remove();
  return text.text().trim();
}

function userParts($: CheerioAPI, query: Selection): ContentPart[] {
  const parts: ContentPart[] = [];
  query.find('img').each((_, el) => {
    const image = $(el);
    const src = image.attr('src');
    if (!src || src.startsWith('data:image/svg') || image.closest('.query-text, mat-icon, gem-icon, button').length) return;
    parts.push({ type: 'image', url: src, ...(image.attr('alt')?.trim() ? { alt: image.attr('alt')!.trim() } : {}) });
  });
  query.find('[class*="file-name"], [data-test-id="file-name"]').each((_, el) => {
    const name = textOf($(el));
    if (name) parts.push({ type: 'file', name });
  });
  const text = promptText($, query);
  if (text) parts.push({ type: 'text', text, format: 'plain' });
  return parts;
}

/** Rebuilds Gemini code blocks and table headers into plain HTML the SDK understands. */
function prepare($: CheerioAPI, container: Selection): void {
  container.find('code-block, .code-block').each((_, el) => {
    const block = $(el);
    if (block.parents('code-block, .code-block').length || !block.parents().length) return;
    const label = textOf(block.find('.code-block-decoration span').first()) || textOf(block.find('.code-block-decoration').first());
    const language = label && !/^code snippet$/i.test(label) ? label.toLowerCase() : undefined;
    const code = block.find('pre code').first();
    const source = code.length ? code : block.find('pre').first();
    if (!source.length) return;
    replaceWithCode($, block, source.text().replace(/\n$/, ''), language);
  });
  // Gemini puts the header row in thead with td cells.
  container.find('thead td').each((_, el) => {
    (el as Element).name = 'th';
  });
}

function citationParts($: CheerioAPI, root: Selection): ContentPart[] {
  const seen = new Set<string>();
  const parts: ContentPart[] = [];
  root.find(SOURCE_CHIPS).find('a[href]').each((_, el) => {
    const link = $(el);
    const url = link.attr('href') ?? '';
    if (!/^https?:\/\//.test(url) || seen.has(url)) return;
    seen.add(url);
    const title = link.attr('aria-label')?.trim() || textOf(link);
    parts.push({ type: 'citation', url, ...(title ? { title } : {}) });
  });
  return parts;
}

function answerParts($: CheerioAPI, root: Selection): ContentPart[] {
  return [...htmlToParts($, root, { drop: DROP, prepare: (container) => prepare($, container), math: geminiMath }), ...citationParts($, root)];
}

function responseParts($: CheerioAPI, response: Selection, log: ProviderLog): ContentPart[] {
  const parts: ContentPart[] = [];
  response.find(THOUGHTS).each((_, el) => {
    const thoughts = $(el);
    const bodies = thoughts.find('.markdown');
    const text = partsToMarkdown(bodies.toArray().flatMap((body) => answerParts($, $(body))));
    if (text) parts.push({ type: 'reasoning', text });
    else log.debug({ label: textOf(thoughts.find('button').first()) }, 'gemini: collapsed thoughts without a rendered body');
  });
  response
    .find('message-content')
    .filter((_, el) => !$(el).closest(THOUGHTS).length && !$(el).parents('message-content').length)
    .each((_, el) => {
      const content = $(el);
      const markdown = content.find('.markdown').first();
      parts.push(...answerParts($, markdown.length ? markdown : content));
    });
  // Generated images sit beside the text, outside message-content.
  response.find('generated-image img, single-image img').each((_, el) => {
    const image = $(el);
    const src = image.attr('src');
    if (!src || image.closest('message-content').length) return;
    parts.push({ type: 'image', url: src, ...(image.attr('alt')?.trim() ? { alt: image.attr('alt')!.trim() } : {}) });
  });
  return parts;
}

function conversationIdOf(url: URL): string {
  const matched = matchShareUrl(url) ?? matchConversationUrl(url);
  if (matched) return matched.sourceId;
  return `url-${createHash('sha256').update(url.href).digest('hex').slice(0, 24)}`;
}

/** Extracts a Gemini share page (or a signed-in chat page). */
export function extractGemini(input: ExtractInput, log: ProviderLog): CapturedConversation {
  const { url, html, via } = input;
  const $ = loadHtml(lightenHtml(html));
  const turns = $(TURN).filter((_, el) => !$(el).parents(TURN).length && !$(el).closest(THOUGHTS).length);
  if (!turns.length) {
    if (isBotCheck(html, $)) throw new ProviderError('BOT_CHECK', 'bot-check', 'Google answered with an "unusual traffic" check instead of the Gemini page');
    if (isSignInWall($, url)) throw new ProviderError('BOT_CHECK', 'sign-in-wall', 'Google asked to sign in instead of showing the Gemini page');
    if (isNotFound($)) throw new ProviderError('NOT_FOUND', 'find-turns', 'the Gemini share does not exist or was deleted');
    if (via === 'fetch') throw new ProviderError('NEEDS_BROWSER', 'find-turns', 'the server HTML of a Gemini share holds no messages: render it in a browser');
    throw new ProviderError('EXTRACTION_FAILED', 'find-turns', 'no Gemini turn (user-query / model-response / response-container) found on the page');
  }

  const sourceId = conversationIdOf(url);
  let exchange = -1;
  let lastRole: 'user' | 'assistant' | undefined;
  const raw = turns.toArray().map((el) => {
    const node = $(el);
    const role = node.is(USER_TURN) ? 'user' : 'assistant';
    // An exchange starts with a prompt, or with an answer that has no prompt before it.
    if (role === 'user' || lastRole !== 'user') exchange++;
    lastRole = role;
    const pageId = node.closest('share-turn-viewer[id], .conversation-container[id]').attr('id');
    return { node, role, exchange, pageId } as const;
  });
  // Page ids (share-turn-viewer / conversation-container) when each exchange has its own.
  const idsOfExchanges = new Map<number, string>();
  for (const turn of raw) if (turn.pageId && !idsOfExchanges.has(turn.exchange)) idsOfExchanges.set(turn.exchange, turn.pageId);
  const usable = new Set(idsOfExchanges.values()).size === idsOfExchanges.size && idsOfExchanges.size === exchange + 1;

  let parent: string | null = null;
  const used = new Set<string>();
  const messages: CapturedMessage[] = raw.map((turn, index) => {
    const base = usable ? `${sourceId}/${idsOfExchanges.get(turn.exchange)}` : `${sourceId}/${turn.exchange}`;
    let id = `${base}:${turn.role === 'user' ? 'prompt' : 'response'}`;
    if (used.has(id)) id = `${id}:${index}`;
    used.add(id);
    const parts = turn.role === 'user' ? userParts($, turn.node) : responseParts($, turn.node, log);
    if (!parts.length) log.warn({ index, role: turn.role }, 'gemini: a message rendered without content');
    const message: CapturedMessage = { sourceId: id, parentSourceId: parent, role: turn.role, hidden: false, parts };
    parent = id;
    return message;
  });

  const model = textOf($('[data-test-id="created-with-bard-mode-from-config"] strong').first());
  const title = titleOf($);
  try {
    return capturedConversation.parse({
      provider: 'gemini',
      sourceId,
      sourceUrl: url.href,
      ...(title ? { title } : {}),
      ...(model ? { model } : {}),
      messages,
    });
  } catch (error) {
    throw new ProviderError('EXTRACTION_FAILED', 'validate', `the extracted Gemini conversation is invalid: ${(error as Error).message}`, { cause: error });
  }
}
