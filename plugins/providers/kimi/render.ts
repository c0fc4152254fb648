import type { AnyNode } from 'domhandler';
import { codeText, htmlToParts, languageOf, loadHtml, texOf, type CheerioAPI, type Selection } from '../sdk/html.ts';
import type { ContentPart } from '../sdk/index.ts';

/*
 * Rendered-message helpers around the SDK's htmlToParts. The same file lives in the deepseek, grok
 * and kimi folders (providers import only the SDK); see README "Suggested SDK changes".
 * - Code blocks are rewritten to a canonical <pre><code class="language-x"> first, so a block nested
 *   in a list keeps its fence and language in the markdown, and toolbar labels ("Copy") never leak.
 * - Math becomes a placeholder before turndown and its TeX is put back afterwards: turndown would
 *   otherwise escape the TeX (`a\_t`, `\\in`) and display math inside a list item would turn into
 *   KaTeX's visual text.
 */

const PAGE_BODY = /<body\b[^>]*>([\s\S]*)<\/body>/i;

/** Parses only the page's <body> (without scripts, styles, SVG paths): saved pages carry megabytes of inlined scripts. */
export function loadBody(html: string): CheerioAPI {
  const withoutScripts = html.replace(/<script\b[\s\S]*?<\/script>/gi, '');
  const body = PAGE_BODY.exec(withoutScripts)?.[1] ?? withoutScripts;
  return loadHtml(`<body>${body.replace(/<style\b[\s\S]*?<\/style>/gi, '').replace(/<svg\b[\s\S]*?<\/svg>/gi, '<svg></svg>')}</body>`);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes the HTML entities of an attribute or title text. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** The document's first <title> (from the head, before any template/shadow content). */
export function pageTitle(html: string): string | undefined {
  const raw = /<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  const title = raw === undefined ? undefined : decodeEntities(raw).replace(/\s+/g, ' ').trim();
  return title || undefined;
}

/** The content of a <meta property|name=…> in the page head. */
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

/** True when the page is a Cloudflare / captcha interstitial instead of the provider's page. */
export function isBotCheck(html: string): boolean {
  return /<title>\s*(?:Just a moment\.\.\.|Attention Required!|Verifying you are human)/i.test(html) || /challenges\.cloudflare\.com|cf-challenge|__cf_chl_|id="challenge-form"|class="h-captcha"|class="g-recaptcha"/i.test(html);
}

export interface RenderOptions {
  /** Elements removed before anything else (toolbars, buttons, avatars). */
  drop?: readonly string[];
  /** A code block's outer container (header with the language label + the <pre>); default: found from each <pre>. */
  codeContainer?: string;
  /** The language label of a code block container, when no `language-*` class says it. */
  codeLabel?: (container: Selection, $: CheerioAPI) => string | undefined;
}

const NOT_A_LANGUAGE = new Set(['copy', 'copied', 'download', 'run', 'edit', 'wrap', 'collapse', 'expand', 'preview', 'code', 'show more', 'show less']);

/** A short word in a code block's header that names its language ("python", "c++", "text"). */
export function labelLanguage(container: Selection, $: CheerioAPI): string | undefined {
  const header = container.clone();
  header.find('pre, code, button, [role="button"], svg, img').remove();
  const words = header
    .find('*')
    .addBack()
    .contents()
    .filter((_, node) => node.type === 'text')
    .map((_, node) => $(node).text().trim())
    .get()
    .filter((text: string) => text.length > 0);
  const label = words.find((word: string) => /^[\w+#.\-/ ]{1,24}$/.test(word) && !NOT_A_LANGUAGE.has(word.toLowerCase()));
  return label?.toLowerCase();
}

/** The block around a <pre> that belongs to it alone (header, toolbar): climbs while the extra text stays short. */
function codeContainerOf(pre: Selection, root: Selection): Selection {
  let container = pre;
  const codeLength = pre.text().length;
  for (let parent = pre.parent(); parent.length && !parent.is(root) && parent.find('pre').length === 1; parent = parent.parent()) {
    if (parent.is('p, li, ul, ol, blockquote, td, th, table, h1, h2, h3, h4, h5, h6') || parent.text().length - codeLength > 60) break;
    container = parent;
  }
  return container;
}

interface Normalized {
  container: Selection;
  math: string[];
}

const PLACEHOLDER = /VIVIMMATH(\d+)Q/g;
/** Display math inside these is kept in the markdown text as `$$…$$` (htmlToParts keeps them whole as markdown). */
const DISPLAY_INLINE_PARENTS = 'p, li, ul, ol, blockquote, td, th, h1, h2, h3, h4, h5, h6';

function normalize($: CheerioAPI, root: Selection, options: RenderOptions): Normalized {
  const container = root.clone();
  for (const selector of options.drop ?? []) container.find(selector).remove();
  // Code blocks first (their text must not be touched by the math pass).
  const containers: AnyNode[] = options.codeContainer ? container.find(options.codeContainer).toArray() : [];
  const handled = new Set<AnyNode>(containers);
  container.find('pre').each((_, pre) => {
    const node = $(pre);
    if (options.codeContainer && node.closest(options.codeContainer).length) return;
    if (node.parents('pre').length) return;
    const outer = codeContainerOf(node, container).get(0);
    if (outer && !handled.has(outer)) {
      handled.add(outer);
      containers.push(outer);
    }
  });
  for (const element of containers) {
    const block = $(element);
    const pre = block.is('pre') ? block : block.find('pre').first();
    const code = codeText(pre.length ? pre : block, $);
    const language = languageOf(block) ?? options.codeLabel?.(block, $) ?? (block.is('pre') ? undefined : labelLanguage(block, $));
    const canonical = $('<pre></pre>');
    const inner = $('<code></code>').text(code);
    if (language) inner.attr('class', `language-${language.replace(/\s+/g, '-')}`);
    canonical.append(inner);
    block.replaceWith(canonical);
  }
  // Math: display math at block level stays for htmlToParts (a math part); the rest becomes placeholders.
  const math: string[] = [];
  const placeholder = (tex: string) => `VIVIMMATH${math.push(tex) - 1}Q`;
  const top = container.get(0);
  container.find('.katex-display, math[display="block"]').each((_, el) => {
    const node = $(el);
    if (node.parents('.katex-display').length) return;
    if (node.parents(DISPLAY_INLINE_PARENTS).filter((__, parent) => parent !== top).length === 0) return;
    const tex = texOf(node);
    if (tex) node.replaceWith(placeholder(`$$${tex}$$`));
  });
  container.find('.katex, math').each((_, el) => {
    const node = $(el);
    if (node.closest('.katex-display, math[display="block"]').length) return;
    if (node.is('math') && node.parents('.katex').length) return;
    const tex = texOf(node);
    if (tex) node.replaceWith(placeholder(`$${tex}$`));
  });
  return { container, math };
}

function restore(text: string, math: readonly string[]): string {
  return text.replace(PLACEHOLDER, (whole, index: string) => math[Number(index)] ?? whole);
}

/** Turns a rendered message into content parts (see the file comment for what is added to htmlToParts). */
export function renderParts($: CheerioAPI, root: Selection, options: RenderOptions = {}): ContentPart[] {
  const { container, math } = normalize($, root, options);
  return htmlToParts($, container).map((part) => {
    // Turndown leaves whitespace-only lines between loose list items: drop the spaces, keep the break.
    if (part.type === 'text') return { ...part, text: restore(part.text, math).replace(/^[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n') };
    if (part.type === 'table' && math.length) return { ...part, rows: part.rows.map((row) => row.map((cell) => restore(cell, math))) };
    return part;
  });
}

/** Markdown of a rendered fragment (for reasoning text), with the same code and math handling. */
export function renderMarkdown($: CheerioAPI, root: Selection, options: RenderOptions = {}): string {
  return renderParts($, root, options)
    .map((part) => {
      switch (part.type) {
        case 'text':
          return part.text;
        case 'code':
          return `\`\`\`${part.language ?? ''}\n${part.code}\n\`\`\``;
        case 'mermaid':
          return `\`\`\`mermaid\n${part.source}\n\`\`\``;
        case 'math':
          return `$$\n${part.tex}\n$$`;
        case 'table':
          return tableMarkdown(part.rows);
        case 'image':
          return part.url ? `![${part.alt ?? ''}](${part.url})` : '';
        // htmlToParts makes none of these.
        case 'file':
        case 'citation':
        case 'reasoning':
        case 'tool_call':
        case 'tool_result':
          return '';
      }
    })
    .filter(Boolean)
    .join('\n\n');
}

function tableMarkdown(rows: readonly (readonly string[])[]): string {
  const [head, ...body] = rows;
  if (!head) return '';
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), `| ${head.map(() => '---').join(' | ')} |`, ...body.map(line)].join('\n');
}

const BLOCK_TAGS = new Set(['p', 'div', 'li', 'ul', 'ol', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'section', 'article']);

/**
 * The exact text a user typed, from its rendered bubble: line breaks kept (`<br>`, blocks), no
 * markdown escaping. Returns undefined when the bubble holds rendered markdown structure
 * (lists, code, tables, headings…): then the caller keeps it as markdown parts.
 */
export function plainText($: CheerioAPI, root: Selection): string | undefined {
  if (root.find('ul, ol, pre, code, table, h1, h2, h3, h4, h5, h6, blockquote, img, .katex, math').length) return undefined;
  const blocks: string[] = [];
  let current = '';
  const visit = (nodes: Selection) => {
    nodes.each((_, node) => {
      if (node.type === 'text') current += $(node).text();
      else if (node.type === 'tag') {
        const tag = node.tagName.toLowerCase();
        if (tag === 'br') current += '\n';
        else if (BLOCK_TAGS.has(tag)) {
          if (current.trim()) blocks.push(current);
          current = '';
          visit($(node).contents());
          if (current.trim()) blocks.push(current);
          current = '';
        } else visit($(node).contents());
      }
    });
  };
  visit(root.contents());
  if (current.trim()) blocks.push(current);
  return blocks
    .map((block) => block.replace(/^\n+|\s+$/g, ''))
    .join('\n\n')
    .replace(/\u00a0/g, ' ');
}
