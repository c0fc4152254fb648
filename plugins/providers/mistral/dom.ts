/**
 * DOM helpers for rendered-page extractors. The same file lives in the qwen, zai, mistral and
 * perplexity folders because a provider imports only the SDK; they are candidates for sdk/html.ts.
 */
import { htmlToMarkdown, htmlToParts, texOf, type CheerioAPI, type PartsOptions, type Selection } from '../sdk/html.ts';
import type { ContentPart } from '../sdk/index.ts';

/** Replaces a rendered code widget (CodeMirror, Monaco, Shiki…) by a plain `<pre><code>` that htmlToParts reads. */
export function replaceWithCode($: CheerioAPI, target: Selection, code: string, language?: string): void {
  const pre = $('<pre><code></code></pre>');
  const inner = pre.find('code');
  inner.text(code);
  if (language) inner.attr('class', `language-${language.toLowerCase()}`);
  target.replaceWith(pre);
}

const MATH_TOKEN = /VIVIMMATH(\d+)X/g;

/** The TeX of a rendered formula: KaTeX annotation / MathML alttext, else the bare TeX text some renderers leave in `<math>`. */
export function formulaTex($: CheerioAPI, element: Selection): string | undefined {
  const fromSdk = texOf(element);
  if (fromSdk) return fromSdk;
  const math = element.is('math') ? element : element.find('math').first();
  const bare = math
    .contents()
    .filter((_, node) => node.type === 'text')
    .text()
    .trim();
  return bare || undefined;
}

/**
 * Inline formulas are swapped for plain tokens before turndown runs (it would escape the TeX:
 * `\pi` → `\\pi`), then restored as `$tex$`. Display formulas are left to htmlToParts.
 */
function protectInlineMath($: CheerioAPI, container: Selection): string[] {
  const formulas: string[] = [];
  container.find('.katex, math').each((_, raw) => {
    const node = $(raw);
    if (node.closest('.katex-display, math[display="block"]').length) return;
    if (node.is('math') && node.parents('.katex').length) return;
    if (!node.parent().length) return;
    const tex = formulaTex($, node);
    if (!tex) return;
    node.replaceWith(`VIVIMMATH${formulas.length}X`);
    formulas.push(tex);
  });
  return formulas;
}

function restoreMath(text: string, formulas: readonly string[]): string {
  return text.replace(MATH_TOKEN, (token, index: string) => {
    const tex = formulas[Number(index)];
    return tex === undefined ? token : `$${tex}$`;
  });
}

/** htmlToParts with inline math kept verbatim as `$tex$` (see protectInlineMath). Changes `root`: pass a copy or a throw-away DOM. */
export function partsOf($: CheerioAPI, root: Selection, options: PartsOptions = {}): ContentPart[] {
  const container = root;
  for (const selector of options.drop ?? []) container.find(selector).remove();
  const formulas = protectInlineMath($, container);
  const parts = htmlToParts($, container, { ...options, drop: [] });
  if (!formulas.length) return parts;
  return parts.map((part) => {
    if (part.type === 'text') return { ...part, text: restoreMath(part.text, formulas) };
    if (part.type === 'table') return { ...part, rows: part.rows.map((row) => row.map((cell) => restoreMath(cell, formulas))) };
    return part;
  });
}

/** Markdown of an element (reasoning blocks), inline math kept verbatim. Changes `root` like partsOf. */
export function markdownOf($: CheerioAPI, root: Selection, drop: readonly string[] = []): string {
  const container = root;
  for (const selector of drop) container.find(selector).remove();
  const formulas = protectInlineMath($, container);
  return restoreMath(htmlToMarkdown(container.html() ?? ''), formulas);
}

/**
 * True when a message's HTML was pretty-printed after it was saved (a formatter indents tags and
 * wraps text; browsers never do): the whitespace inside its `pre-wrap` text is then layout, not the user's.
 */
export function isReformatted(html: string): boolean {
  return /\n[ \t]{4,}<\/?[a-z]/i.test(html);
}

/** Exact plain text of a user message; reformatted HTML has its layout whitespace collapsed. */
export function plainText(element: Selection, reformatted: boolean): string {
  const text = element.text();
  return reformatted ? text.replace(/\s+/g, ' ').trim() : text.trim();
}

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
 * The page without the bodies of its scripts, style sheets and SVG drawings (script tags stay,
 * with their remote address, for the bot-check test). Rendered pages carry megabytes of these;
 * parsing them would be most of the time spent.
 */
export function withoutScriptBodies(html: string): string {
  return withoutSvgBodies(html)
    .replace(/<script\b([^>]*)>[\s\S]*?<\/script>/gi, (_, attributes: string) => {
      // Saved pages inline scripts as data: URIs in `src`; only a remote address says anything.
      const src = /\ssrc\s*=\s*["']?(https?:\/\/[^"'\s>]+)/i.exec(attributes)?.[1];
      return src ? `<script src="${src}"></script>` : '<script></script>';
    })
    .replace(/(<style\b[^>]*>)[\s\S]*?(<\/style>)/gi, '$1$2');
}

/** A bot check or challenge page (Cloudflare, Alibaba Cloud WAF slider…) instead of the conversation. */
export function isBotCheck($: CheerioAPI): boolean {
  const title = $('title').first().text().trim();
  if (/^(just a moment|attention required|access denied|verifying you are human|checking your browser)/i.test(title)) return true;
  return (
    $('#challenge-form, #challenge-running, #cf-challenge-running, .cf-turnstile, [id^="cf-chl"], script[src*="challenges.cloudflare.com"], #nc_1_wrapper, #baxia-dialog-content, script[src*="/_____tmd_____/"]').length > 0
  );
}
