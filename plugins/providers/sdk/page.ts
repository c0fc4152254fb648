import type { CheerioAPI } from './html.ts';

/*
 * Whole-page helpers for extractors: make a saved page light enough to parse, read its head from
 * the raw HTML, and recognize the bot checks served instead of a page.
 */

/** Empties every outermost `<svg>` (icons, rendered diagrams: never content the extractors keep), nesting-aware. */
function withoutSvgBodies(html: string): string {
  let out = '';
  let last = 0;
  let depth = 0;
  let open = 0;
  for (const match of html.matchAll(/<svg\b[^>]*>|<\/svg\s*>/gi)) {
    const closing = match[0][1] === '/';
    if (!closing) {
      if (depth === 0) open = match.index;
      depth++;
    } else if (depth > 0 && --depth === 0) {
      out += `${html.slice(last, open)}<svg></svg>`;
      last = match.index + match[0].length;
    }
  }
  return out + html.slice(last);
}

/**
 * The page without the bodies of its scripts, style sheets, `<noscript>` blocks and SVG drawings:
 * rendered pages carry megabytes of these, and parsing them would be most of the time spent. The
 * tags stay, empty; a script keeps its remote `src` (what `isBotCheck` looks for).
 */
export function lightenHtml(html: string): string {
  return withoutSvgBodies(html)
    .replace(/<script\b([^>]*)>[\s\S]*?<\/script>/gi, (_, attributes: string) => {
      // Saved pages inline scripts as data: URIs in `src`; only a remote address says anything.
      const src = /\ssrc\s*=\s*["']?(https?:\/\/[^"'\s>]+)/i.exec(attributes)?.[1];
      return src ? `<script src="${src}"></script>` : '<script></script>';
    })
    .replace(/(<style\b[^>]*>)[\s\S]*?(<\/style>)/gi, '$1$2')
    .replace(/(<noscript\b[^>]*>)[\s\S]*?(<\/noscript>)/gi, '$1$2');
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
  const raw = /<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  const title = raw === undefined ? undefined : decodeEntities(raw).replace(/\s+/g, ' ').trim();
  return title || undefined;
}

/** The content of the first `<meta property|name="key">` of the raw page. */
export function metaContent(html: string, key: string): string | undefined {
  for (const match of html.matchAll(/<meta\b[^>]*>/gi)) {
    const tag = match[0];
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
