import type { CheerioAPI } from './html.ts';

/*
 * Whole-page helpers for extractors: make a saved page light enough to parse, read its head from
 * the raw HTML, and recognize the bot checks served instead of a page.
 */

/*
 * Posted pages (up to 20 MB) are hostile input, and these helpers run on the server's event loop:
 * they scan once and never rescan. A `<tag…>` with no `>` after it, or an element with no closing
 * tag after it, ends the scan (no later one could be complete either), where a regex like
 * `<script\b[^>]*>[\s\S]*?<\/script>` would rescan the rest of the page from every `<script`.
 */

/** `<svg` or `</svg` (any case), then a non-word character. */
const SVG_TAG = /<\/?svg\b/gi;
/** What ends a closing `</svg`: optional whitespace, then `>`. */
const SVG_CLOSE_END = /\s*>/y;

/** Empties every outermost `<svg>` (icons, rendered diagrams: never content the extractors keep), nesting-aware. */
function withoutSvgBodies(html: string): string {
  let out = '';
  let last = 0;
  let depth = 0;
  let open = 0;
  SVG_TAG.lastIndex = 0;
  for (let match = SVG_TAG.exec(html); match; match = SVG_TAG.exec(html)) {
    const start = match.index;
    let end: number;
    if (match[0][1] === '/') {
      // `</svg\s*>`; anything else after `</svg` is no tag.
      SVG_CLOSE_END.lastIndex = SVG_TAG.lastIndex;
      if (!SVG_CLOSE_END.test(html)) continue;
      end = SVG_CLOSE_END.lastIndex;
      if (depth > 0 && --depth === 0) {
        out += `${html.slice(last, open)}<svg></svg>`;
        last = end;
      }
    } else {
      // `<svg\b[^>]*>`: without a `>` after it, no tag follows at all.
      end = html.indexOf('>', SVG_TAG.lastIndex) + 1;
      if (end === 0) break;
      if (depth === 0) open = start;
      depth++;
    }
    SVG_TAG.lastIndex = end;
  }
  return out + html.slice(last);
}

/** Where one `<name…>…</name>` element is: the opening tag `[start, openEnd)`, the closing one `[closeStart, end)`. */
interface ElementSpan {
  start: number;
  /** Where the opening tag's attributes start (right after `<name`). */
  attributesStart: number;
  openEnd: number;
  closeStart: number;
  end: number;
}

/**
 * The `<name…>…</name>` elements of `html` (name in any case), in order, as
 * `/<name\b([^>]*)>([\s\S]*?)<\/name>/gi` finds them. Linear: once an opening tag has no `>` or no
 * `</name>` after it, no later element can be complete either, and the search stops.
 */
function* elementSpans(html: string, name: string): Generator<ElementSpan> {
  const opening = new RegExp(`<${name}\\b`, 'gi');
  const closing = new RegExp(`</${name}>`, 'gi');
  for (let match = opening.exec(html); match; match = opening.exec(html)) {
    const attributesStart = opening.lastIndex;
    const openEnd = html.indexOf('>', attributesStart) + 1;
    if (openEnd === 0) return;
    closing.lastIndex = openEnd;
    const close = closing.exec(html);
    if (!close) return;
    yield { start: match.index, attributesStart, openEnd, closeStart: close.index, end: closing.lastIndex };
    opening.lastIndex = closing.lastIndex;
  }
}

/** `html` with every `<name…>…</name>` element replaced by `rewrite(its attributes, its opening tag, its closing tag)`. */
function rewriteElements(html: string, name: string, rewrite: (attributes: string, openTag: string, closeTag: string) => string): string {
  let out = '';
  let last = 0;
  for (const span of elementSpans(html, name)) {
    out += html.slice(last, span.start) + rewrite(html.slice(span.attributesStart, span.openEnd - 1), html.slice(span.start, span.openEnd), html.slice(span.closeStart, span.end));
    last = span.end;
  }
  return out + html.slice(last);
}

/**
 * The page without the bodies of its scripts, style sheets, `<noscript>` blocks and SVG drawings:
 * rendered pages carry megabytes of these, and parsing them would be most of the time spent. The
 * tags stay, empty; a script keeps its remote `src` (what `isBotCheck` looks for). An element left
 * unclosed stays as it is (the parser makes the rest of the page its text anyway).
 */
export function lightenHtml(html: string): string {
  const withoutScripts = rewriteElements(withoutSvgBodies(html), 'script', (attributes) => {
    // Saved pages inline scripts as data: URIs in `src`; only a remote address says anything.
    const src = /\ssrc\s*=\s*["']?(https?:\/\/[^"'\s>]+)/i.exec(attributes)?.[1];
    return src ? `<script src="${src}"></script>` : '<script></script>';
  });
  const emptied = (_attributes: string, open: string, close: string) => open + close;
  return rewriteElements(rewriteElements(withoutScripts, 'style', emptied), 'noscript', emptied);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes the HTML entities of an attribute or title text read from raw HTML. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** The document's first `<title>` from the raw page (the head's, before any template or shadow content), whitespace collapsed. */
export function pageTitle(html: string): string | undefined {
  const span = elementSpans(html, 'title').next().value;
  const raw = span ? html.slice(span.openEnd, span.closeStart) : undefined;
  const title = raw === undefined ? undefined : decodeEntities(raw).replace(/\s+/g, ' ').trim();
  return title || undefined;
}

/** The content of the first `<meta property|name="key">` of the raw page. */
export function metaContent(html: string, key: string): string | undefined {
  // `<meta\b[^>]*>` tags, in one pass: a `<meta` with no `>` after it ends the search.
  const opening = /<meta\b/gi;
  for (let match = opening.exec(html); match; match = opening.exec(html)) {
    const end = html.indexOf('>', opening.lastIndex) + 1;
    if (end === 0) break;
    const tag = html.slice(match.index, end);
    opening.lastIndex = end;
    const name = /\b(?:property|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(tag);
    if ((name?.[1] ?? name?.[2] ?? name?.[3]) !== key) continue;
    const content = /\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(tag);
    const value = content?.[1] ?? content?.[2] ?? content?.[3];
    return value === undefined ? undefined : decodeEntities(value);
  }
  return undefined;
}

const CHALLENGE_TITLE = /^(?:just a moment|attention required|access denied|verifying you are human|checking your browser)/i;
/** Cloudflare's challenge and Turnstile, Alibaba Cloud's WAF slider, hCaptcha and reCAPTCHA widgets. */
const CHALLENGE_ELEMENTS = [
  '#challenge-form',
  '#challenge-running',
  '#challenge-stage',
  '#cf-challenge-running',
  '.cf-challenge',
  '.cf-turnstile',
  '[id^="cf-chl"]',
  'form[action*="__cf_chl"]',
  'script[src*="challenges.cloudflare.com"]',
  '#nc_1_wrapper',
  '#baxia-dialog-content',
  'script[src*="/_____tmd_____/"]',
  '.h-captcha',
  '.g-recaptcha',
].join(', ');
/**
 * What only a challenge page's scripts and text say. Not `cdn-cgi/challenge-platform` alone:
 * Cloudflare injects its bot-detection script into normal pages too.
 */
const CHALLENGE_SOURCE = /window\._cf_chl_opt|needs to review the security of your connection|Verify you are human by completing the action below/i;

/**
 * True when the page is a bot check or challenge (Cloudflare, Alibaba Cloud WAF, a captcha) instead
 * of the provider's page. `$` is the parsed page (through `lightenHtml`, which keeps script
 * addresses); `html`, the raw page, adds the signs only inline scripts carry.
 */
export function isBotCheck($: CheerioAPI, html?: string): boolean {
  if (CHALLENGE_TITLE.test($('title').first().text().trim())) return true;
  if ($(CHALLENGE_ELEMENTS).length > 0) return true;
  return html !== undefined && CHALLENGE_SOURCE.test(html);
}

/**
 * More children than any real element has (a conversation's turns, a table's rows stay in the
 * hundreds). cheerio's tree edits splice sibling arrays, so each child costs as much as its
 * siblings: 50,000 `<br>` in one answer took a minute to convert.
 */
export const MAX_ELEMENT_CHILDREN = 10_000;

const RAW_TEXT_TAGS = new Set(['script', 'style', 'textarea', 'title', 'xmp']);
const VOID_TAGS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr', 'param', 'keygen', 'command']);

/**
 * The most child elements any one element of the HTML has, counted in one linear scan of its tags
 * (no parsing); stops counting past `stopAt`. Unclosed elements only make the count smaller.
 */
export function widestElement(html: string, stopAt = Number.POSITIVE_INFINITY): number {
  const counts = [0];
  let widest = 0;
  const tags = /<(\/?)([a-zA-Z][\w:-]{0,40})(?:\s[^<>]*)?(\/?)>/g;
  for (let match = tags.exec(html); match; match = tags.exec(html)) {
    const [, closing, rawName, selfClosing] = match;
    if (closing) {
      if (counts.length > 1) counts.pop();
      continue;
    }
    const top = counts.length - 1;
    const children = (counts[top] ?? 0) + 1;
    counts[top] = children;
    if (children > widest) {
      widest = children;
      if (widest > stopAt) break;
    }
    const name = (rawName ?? '').toLowerCase();
    if (RAW_TEXT_TAGS.has(name) && !selfClosing) {
      // Their content is text, not elements (a script full of "<br>" strings is one child).
      const closer = new RegExp(`</${name}`, 'gi');
      closer.lastIndex = tags.lastIndex;
      const end = closer.exec(html);
      if (!end) break;
      tags.lastIndex = closer.lastIndex;
    } else if (!VOID_TAGS.has(name) && !selfClosing) counts.push(0);
  }
  return widest;
}

/**
 * Runs of three or more `<br>` (blanks between them allowed) reduced to two: a blank line is all a
 * run can mean in markdown, and a run of millions would otherwise reach the parser. Linear: each
 * repetition starts at a `<br`, which a blank cannot be.
 */
export function collapseBreakRuns(html: string): string {
  return html.replace(/<br\s*\/?>(?:\s*<br\s*\/?>){2,}/gi, '<br><br>');
}
