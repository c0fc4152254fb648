import { createHash } from 'node:crypto';
import type { Element } from 'domhandler';
import { htmlToMarkdown, htmlToParts, loadHtml, replaceWithCode, textOf, trimBlock, type CheerioAPI, type Selection } from '../sdk/html.ts';
import { capturedConversation, ProviderError, type CapturedConversation, type CapturedMessage, type ContentPart, type ExtractInput, type ProviderLog } from '../sdk/index.ts';
import { isBotCheck, lightenHtml } from '../sdk/page.ts';
import { matchConversationUrl, matchShareUrl } from './urls.ts';

/*
 * claude.ai share pages (and signed-in chat pages) carry the conversation only in the
 * script-rendered DOM: no conversation JSON is embedded in the server HTML.
 * - user turn: [data-testid="user-message"] (paragraphs), attachments as
 *   [data-testid="file-thumbnail"] cards beside it in the same turn wrapper;
 * - assistant turn: .font-claude-response holding .standard-markdown blocks, extended-thinking
 *   disclosures (a toggle button plus a collapsible body) and artifact cards;
 * - code blocks: div.group/copy with a language label div and pre > code.language-x.
 */

const USER_TURN = '[data-testid="user-message"]';
const ASSISTANT_TURN = '.font-claude-response';
const TURN = `${USER_TURN}, ${ASSISTANT_TURN}`;
const MARKDOWN_BLOCK = '.standard-markdown, .progressive-markdown';
/** The toggle of a collapsible block (extended thinking, tool use) in an answer. */
const DISCLOSURE_TOGGLE = 'button[class*="group/row"], button[class*="group/status"], [class*="group/collapse-indicator"]';
const ARTIFACT_CARD = '[class*="artifact-block-cell"]';
const DROP = ['button', 'svg', 'style', 'script', '[data-testid="action-bar-copy"]'];

/** The sign-in page claude.ai shows when a share is only visible to signed-in users. */
function isSignInWall($: CheerioAPI, url: URL): boolean {
  if (/^\/login/.test(url.pathname)) return true;
  const text = textOf($('body'));
  return $('input[type="email"]').length > 0 && /continue with (google|email)|log in|sign in/i.test(text);
}

/** claude.ai answered, but the share does not exist (deleted, unshared, mistyped). */
function isNotFound($: CheerioAPI): boolean {
  const title = $('title').first().text();
  const text = textOf($('main').length ? $('main') : $('body')).slice(0, 4000);
  return /\b404\b|not found/i.test(title) || /(not found|doesn.t exist|does not exist|no longer (available|exists)|has been (deleted|removed)|was (deleted|removed)|could not be found|couldn.t (be )?find)/i.test(text);
}

function titleOf($: CheerioAPI): string | undefined {
  const og = $('meta[property="og:title"]').attr('content')?.trim();
  if (og) return og;
  // `(?<!\s)`: the suffix is tried where a blank run starts, not from each of its blanks (a long run would cost its square).
  const title = $('title').first().text().trim().replace(/(?<!\s)\s*[|\-–—]\s*Claude\s*$/i, '').trim();
  if (title && title.toLowerCase() !== 'claude') return title;
  const header = textOf($('[data-testid="chat-title-button"], [data-testid="page-header"] h1, [data-testid="page-header"] h2').first());
  return header || undefined;
}

/** The element around a user message that also holds its attachment cards (the turn wrapper). */
function turnWrapper($: CheerioAPI, message: Selection): Selection {
  const wrapper = message.closest('[data-test-render-count]');
  if (wrapper.length) return wrapper;
  let container = message;
  for (let level = 0; level < 8; level++) {
    const parent = container.parent();
    if (!parent.length || parent.find(TURN).length > 1) break;
    container = parent;
  }
  return container;
}

function attachmentParts($: CheerioAPI, message: Selection): ContentPart[] {
  const parts: ContentPart[] = [];
  const seen = new Set<string>();
  turnWrapper($, message)
    .find('[data-testid="file-thumbnail"], [data-testid]')
    .each((_, el) => {
      const card = $(el);
      const testId = card.attr('data-testid') ?? '';
      const isThumbnail = testId === 'file-thumbnail';
      // Image previews carry the file name as their test id ("image.png").
      if (!isThumbnail && !/^[^/\s]+\.[a-z0-9]{2,5}$/i.test(testId)) return;
      if (card.closest(USER_TURN).length || (!isThumbnail && card.parents('[data-testid="file-thumbnail"]').length)) return;
      const name = textOf(card.find('h3').first()) || (isThumbnail ? '' : testId) || card.find('img').attr('alt')?.trim() || '';
      const src = card.find('img').attr('src');
      const key = `${name}\u0000${src ?? ''}`;
      if (seen.has(key) || (!name && !src)) return;
      seen.add(key);
      if (src && !src.startsWith('data:image/svg')) parts.push({ type: 'image', url: src, ...(name ? { alt: name } : {}) });
      else if (name) parts.push({ type: 'file', name });
    });
  return parts;
}

function userParts($: CheerioAPI, message: Selection): ContentPart[] {
  const parts = attachmentParts($, message);
  const children = message.children();
  // Typed prompts render as paragraphs (pre-wrap): keep their exact text. Anything richer
  // (pasted code rendered as pre, lists) goes through the markdown conversion.
  if (children.length && children.toArray().every((el) => $(el).is('p'))) {
    const text = children
      .toArray()
      .map((el) => $(el).text())
      .join('\n\n');
    if (text.trim()) parts.push({ type: 'text', text: trimBlock(text), format: 'plain' });
  } else if (!children.length && message.text().trim()) {
    parts.push({ type: 'text', text: message.text().trim(), format: 'plain' });
  } else {
    parts.push(...answerParts($, message));
  }
  return parts;
}

/** Rebuilds claude.ai code blocks (copy wrapper + language label + highlighted pre) as clean pre/code. */
function prepareCode($: CheerioAPI, container: Selection): void {
  container.find('[class*="group/copy"]').each((_, el) => {
    const wrapper = $(el);
    const pre = wrapper.find('pre').first();
    if (!pre.length || wrapper.parents('[class*="group/copy"]').length) return;
    const code = pre.find('code').first();
    const fromClass = /(?:^|\s)language-([\w+#.-]+)/.exec(code.attr('class') ?? '')?.[1];
    const label = wrapper
      .children()
      .filter((__, child) => !$(child).find('pre').length && !$(child).is('pre'))
      .map((__, child) => $(child).text().trim())
      .get()
      .find((text) => /^[\w+#.-]{1,32}$/.test(text));
    const language = (fromClass ?? label)?.toLowerCase();
    replaceWithCode($, wrapper, (code.length ? code : pre).text().replace(/\n$/, ''), language);
  });
}

function answerParts($: CheerioAPI, root: Selection): ContentPart[] {
  return htmlToParts($, root, { drop: DROP, prepare: (container) => prepareCode($, container) });
}

/** The element of a disclosure (toggle + collapsible body) and its body, if rendered. */
function disclosureOf($: CheerioAPI, toggle: Selection, response: Selection): { root: Selection; body: Selection } | undefined {
  let current = toggle;
  for (let level = 0; level < 6; level++) {
    const parent = current.parent();
    if (!parent.length || parent.is(response) || parent.is(ASSISTANT_TURN)) return undefined;
    const body = parent
      .children()
      .filter((_, child) => {
        const node = $(child);
        return !node.is(current) && !node.find(DISCLOSURE_TOGGLE).length && /overflow-hidden|grid-template-rows/.test(node.attr('class') ?? '');
      })
      .first();
    if (body.length) return { root: parent, body };
    current = parent;
  }
  return undefined;
}

function reasoningText($: CheerioAPI, body: Selection): string {
  const container = body.clone();
  container.find('button, svg, .sr-only').remove();
  return htmlToMarkdown(container.html() ?? '');
}

/** Parts of one assistant response: thinking as reasoning, artifact cards as files, the answer. */
function responseParts($: CheerioAPI, response: Selection, log: ProviderLog): ContentPart[] {
  const work = response.clone();
  const reasoning: string[] = [];
  const artifacts: string[] = [];
  work.find(DISCLOSURE_TOGGLE).each((_, el) => {
    const toggle = $(el);
    if (!toggle.parents().length || toggle.closest(MARKDOWN_BLOCK).length) return;
    const found = disclosureOf($, toggle, work);
    if (!found) return;
    const text = reasoningText($, found.body);
    const label = textOf(toggle);
    if (!text) {
      log.debug({ label }, 'claude: collapsed thinking/tool block without a rendered body');
      found.root.remove();
      return;
    }
    reasoning.push(text);
    found.root.replaceWith(`<vivim-reasoning data-index="${reasoning.length - 1}"></vivim-reasoning>`);
  });
  let lastArtifact = '';
  work.find(ARTIFACT_CARD).each((_, el) => {
    const card = $(el);
    if (card.parents(ARTIFACT_CARD).length || card.closest(MARKDOWN_BLOCK).length) return;
    const titleElement = card.find('[class*="flex-col"]').first();
    const title = textOf(titleElement.find('div, span, h3').first()) || textOf(titleElement) || textOf(card);
    if (!title || title === lastArtifact) {
      card.remove();
      return;
    }
    lastArtifact = title;
    artifacts.push(title);
    card.replaceWith(`<vivim-artifact data-index="${artifacts.length - 1}"></vivim-artifact>`);
  });
  const pieces = work.find(`${MARKDOWN_BLOCK}, vivim-reasoning, vivim-artifact`).filter((_, el) => !$(el).parents(MARKDOWN_BLOCK).length);
  if (!pieces.filter(MARKDOWN_BLOCK).length) {
    // Older markup without markdown blocks: the whole response is the answer.
    pieces.filter('vivim-reasoning, vivim-artifact').remove();
    return [...reasoning.map((text): ContentPart => ({ type: 'reasoning', text })), ...artifacts.map((name): ContentPart => ({ type: 'file', name })), ...answerParts($, work)];
  }
  const parts: ContentPart[] = [];
  pieces.each((_, el) => {
    const piece = $(el as Element);
    const index = Number(piece.attr('data-index'));
    if (piece.is('vivim-reasoning')) parts.push({ type: 'reasoning', text: reasoning[index] ?? '' });
    else if (piece.is('vivim-artifact')) parts.push({ type: 'file', name: artifacts[index] ?? '' });
    else parts.push(...answerParts($, piece));
  });
  return parts;
}

function conversationIdOf(url: URL): string {
  const matched = matchShareUrl(url) ?? matchConversationUrl(url);
  if (matched) return matched.sourceId;
  return `url-${createHash('sha256').update(url.href).digest('hex').slice(0, 24)}`;
}

/** Extracts a claude.ai share (or signed-in chat) page. */
export function extractClaude(input: ExtractInput, log: ProviderLog): CapturedConversation {
  const { url, html, via } = input;
  const $ = loadHtml(lightenHtml(html));
  const turns = $(TURN).filter((_, el) => !$(el).parents(TURN).length);
  if (!turns.length) {
    if (isBotCheck($, html)) throw new ProviderError('BOT_CHECK', 'bot-check', 'claude.ai answered with a Cloudflare challenge instead of the share page');
    if (isSignInWall($, url)) throw new ProviderError('BOT_CHECK', 'sign-in-wall', 'claude.ai asked to sign in instead of showing the share page');
    if (isNotFound($)) throw new ProviderError('NOT_FOUND', 'find-turns', 'the Claude share does not exist or was deleted');
    if (via === 'fetch') throw new ProviderError('NEEDS_BROWSER', 'find-turns', 'the server HTML of a Claude share holds no messages: render it in a browser');
    throw new ProviderError('EXTRACTION_FAILED', 'find-turns', 'no Claude message (user-message / font-claude-response) found on the page');
  }

  const sourceId = conversationIdOf(url);
  const groups: { role: 'user' | 'assistant'; elements: Selection[] }[] = [];
  turns.each((_, el) => {
    const node = $(el);
    const role = node.is(USER_TURN) ? 'user' : 'assistant';
    const last = groups[groups.length - 1];
    // One answer may render as several response blocks (around tool use): keep them together.
    if (role === 'assistant' && last?.role === 'assistant') last.elements.push(node);
    else groups.push({ role, elements: [node] });
  });

  let parent: string | null = null;
  const messages: CapturedMessage[] = groups.map((group, index) => {
    const parts = group.role === 'user' ? group.elements.flatMap((node) => userParts($, node)) : group.elements.flatMap((node) => responseParts($, node, log));
    if (!parts.length) log.warn({ index, role: group.role }, 'claude: a message rendered without content');
    const id = `${sourceId}/${index}`;
    const message: CapturedMessage = { sourceId: id, parentSourceId: parent, role: group.role, hidden: false, parts };
    parent = id;
    return message;
  });

  try {
    return capturedConversation.parse({
      provider: 'claude',
      sourceId,
      sourceUrl: url.href,
      ...(titleOf($) ? { title: titleOf($) } : {}),
      messages,
    });
  } catch (error) {
    throw new ProviderError('EXTRACTION_FAILED', 'validate', `the extracted Claude conversation is invalid: ${(error as Error).message}`, { cause: error });
  }
}
