import { capturedConversation, ProviderError, type CapturedConversation, type CapturedMessage, type ContentPart, type ExtractInput, type ProviderLog } from '../sdk/index.ts';
import { codeText, htmlToParts, isReformatted, loadHtml, replaceWithCode, textOf, type CheerioAPI, type Selection } from '../sdk/html.ts';
import { isBotCheck, lightenHtml } from '../sdk/page.ts';

export const PERPLEXITY_HOSTS = ['www.perplexity.ai', 'perplexity.ai'] as const;
const THREAD_PATH = /^\/(search|page)\/([A-Za-z0-9._~%-]{1,300})\/?$/;
/** Thread slugs end with a 22-character id: "what-is-rag-GPCo4Y.WSeeeFKYf3m.wYw". */
const SLUG_ID = /-([A-Za-z0-9._]{22})$/;

function threadId(url: URL, kinds: readonly string[]): { sourceId: string } | null {
  if (!(PERPLEXITY_HOSTS as readonly string[]).includes(url.hostname)) return null;
  const match = THREAD_PATH.exec(url.pathname);
  if (!match?.[1] || !match[2] || !kinds.includes(match[1])) return null;
  const slug = match[2];
  // /search/new is the empty search page, not a thread.
  if (slug === 'new') return null;
  const id = SLUG_ID.exec(slug)?.[1] ?? slug;
  return { sourceId: match[1] === 'page' ? `page-${id}` : id };
}

/** Public threads (www.perplexity.ai/search/<slug>) and Pages (www.perplexity.ai/page/<slug>). */
export function matchShareUrl(url: URL): { sourceId: string } | null {
  return threadId(url, ['search', 'page']);
}

/** A thread has one URL, public or not: a posted signed-in thread page is a /search/ page too. */
export function matchConversationUrl(url: URL): { sourceId: string } | null {
  return threadId(url, ['search']);
}

const QUERY = '[class~="group/query"]';
const ANSWER = '[id^="markdown-content-"]';

/** The query as the user typed it: Perplexity shows markdown links as link text, the URL in `title`. */
function queryText($: CheerioAPI, query: Selection, reformatted: boolean): string {
  const copy = query.clone();
  copy.find('button, svg').remove();
  copy.find('span[role="button"][title], a[href]').each((_, raw) => {
    const link = $(raw);
    const target = link.attr('title') ?? link.attr('href') ?? '';
    const label = link.text().replace(/\s+/g, ' ').trim();
    if (/^https?:\/\//.test(target)) link.replaceWith(`[${label}](${target})`.replace(/&/g, '&amp;').replace(/</g, '&lt;'));
  });
  const text = copy.text();
  // white-space: pre-line: runs of spaces collapse, line breaks stay.
  return reformatted
    ? text.replace(/\s+/g, ' ').trim()
    : text
        .split('\n')
        .map((line) => line.replace(/[ \t]+/g, ' ').trim())
        .join('\n')
        .trim();
}

function normalizeCode($: CheerioAPI, root: Selection): void {
  root.find('pre').each((_, raw) => {
    const pre = $(raw);
    if (!pre.find('code').length || pre.parents('pre').length) return;
    const label = textOf(pre.find('[data-testid="code-language-indicator"]').first()) || undefined;
    replaceWithCode($, pre, codeText(pre.find('code').first(), $), label);
  });
}

/**
 * Inline source chips (`.citation`) and the links of the Sources tab become citation parts: chips
 * first, in reading order, then the other sources; once per URL, titled from the Sources tab when it
 * names the page (a chip only shows a short label such as "wikipedia+1").
 */
function citationParts($: CheerioAPI, answer: Selection, sources: Selection): ContentPart[] {
  const titles = new Map<string, string>();
  const listed: string[] = [];
  sources.find('a[href]').each((_, raw) => {
    const href = $(raw).attr('href');
    if (!href || !/^https?:\/\//.test(href) || titles.has(href)) return;
    titles.set(href, textOf($(raw)));
    listed.push(href);
  });
  const parts: ContentPart[] = [];
  const seen = new Set<string>();
  const add = (href: string | undefined, label: string | undefined) => {
    if (!href || !/^https?:\/\//.test(href) || seen.has(href)) return;
    seen.add(href);
    const title = titles.get(href) || label;
    parts.push({ type: 'citation', url: href, ...(title ? { title } : {}) });
  };
  answer.find('.citation').each((_, raw) => {
    const chip = $(raw);
    if (chip.parents('.citation').length) return;
    const link = chip.is('a[href]') ? chip : chip.find('a[href]').first();
    add(link.attr('href'), chip.attr('aria-label')?.trim() || textOf(chip) || undefined);
  });
  for (const href of listed) add(href, undefined);
  return parts;
}

function sourcesTab($: CheerioAPI, answer: Selection): Selection {
  // The tabs (Answer, Sources, Images…) are panels of the thread entry that holds the answer.
  const panel = answer.closest('[role="tabpanel"]');
  return panel.length ? panel.siblings('[id$="-content-sources"]') : $([]);
}

function modelNear($: CheerioAPI, answer: Selection): string | undefined {
  let scope = answer.parent();
  for (let depth = 0; depth < 5 && scope.length; depth++, scope = scope.parent()) {
    if (scope.find(ANSWER).length > 1 || scope.find(QUERY).length > 0) break;
    const note = scope
      .find('div')
      .filter((_, el) => /^Prepared (?:using|with|by) /i.test(textOf($(el))) && $(el).children().length === 0)
      .first();
    if (note.length) return textOf(note).replace(/^Prepared (?:using|with|by) /i, '') || undefined;
  }
  return undefined;
}

function answerParts($: CheerioAPI, answer: Selection): ContentPart[] {
  const cited = citationParts($, answer, sourcesTab($, answer));
  answer.find('.citation').remove();
  normalizeCode($, answer);
  return [...htmlToParts($, answer, { drop: ['button', 'svg'] }), ...cited];
}

function titleOf($: CheerioAPI, firstQuery: string | undefined): string | undefined {
  const fromHead = $('title').first().text().replace(/\s+/g, ' ').trim().replace(/\s*[|\-–]\s*Perplexity(?: AI)?\s*$/i, '').trim();
  if (fromHead && !/^Perplexity(?: AI)?$/i.test(fromHead)) return fromHead;
  const fromShare = textOf($('.share-title-section h1').first());
  if (fromShare) return fromShare;
  // A thread is named after its first question.
  const first = firstQuery?.split('\n')[0]?.trim();
  if (!first) return undefined;
  return first.length > 120 ? `${first.slice(0, 119).replace(/\s+\S*$/, '')}…` : first;
}

/** Extracts a Perplexity thread from its rendered page (public thread or posted signed-in page). */
export function extract({ url, html, via }: ExtractInput, log: ProviderLog): CapturedConversation {
  const id = (matchShareUrl(url) ?? matchConversationUrl(url))?.sourceId;
  if (!id) throw new ProviderError('EXTRACTION_FAILED', 'match-url', `not a Perplexity thread URL: ${url.href}`);
  const $ = loadHtml(lightenHtml(html));
  const entries = $(`${QUERY}, ${ANSWER}`).filter((_, el) => !$(el).parents(`${QUERY}, ${ANSWER}`).length);
  if (!entries.filter(ANSWER).length) {
    if (isBotCheck($, html)) throw new ProviderError('BOT_CHECK', 'find-turns', 'Perplexity answered with a bot check instead of the thread');
    if (via === 'fetch') throw new ProviderError('NEEDS_BROWSER', 'find-turns', 'the fetched Perplexity page holds no rendered answer');
    const isPerplexity = /perplexity/i.test($('title').text()) || $('[class*="threadContentWidth"]').length > 0;
    if (isPerplexity && /\b(?:not found|404|does(?:n['’]t| not) exist|no longer available|is private)\b/i.test(textOf($('body')))) {
      throw new ProviderError('NOT_FOUND', 'find-turns', 'Perplexity says this thread does not exist (deleted or private)');
    }
    throw new ProviderError('EXTRACTION_FAILED', 'find-turns', 'no Perplexity answer (#markdown-content-N) in the page');
  }

  const messages: CapturedMessage[] = [];
  let parent: string | null = null;
  let firstQuery: string | undefined;
  let lastModel: string | undefined;
  entries.each((index, raw) => {
    const entry = $(raw);
    const sourceId = `${id}-${index}`;
    if (entry.is(QUERY)) {
      const text = queryText($, entry, isReformatted($.html(entry)));
      firstQuery ??= text;
      messages.push({ sourceId, parentSourceId: parent, role: 'user', hidden: false, parts: text ? [{ type: 'text', text, format: 'plain' }] : [] });
    } else {
      const model = modelNear($, entry);
      if (model) lastModel = model;
      messages.push({ sourceId, parentSourceId: parent, role: 'assistant', hidden: false, ...(model ? { model } : {}), parts: answerParts($, entry) });
    }
    parent = sourceId;
  });

  const empty = messages.filter((message) => message.parts.length === 0).map((message) => message.sourceId);
  if (empty.length) log.warn({ provider: 'perplexity', messages: empty }, 'Perplexity entries with no content recognized');
  return capturedConversation.parse({
    provider: 'perplexity',
    sourceId: id,
    sourceUrl: url.href,
    title: titleOf($, firstQuery),
    ...(lastModel ? { model: lastModel } : {}),
    messages,
  });
}
