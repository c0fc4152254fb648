import { randomUUID } from 'node:crypto';
import * as cheerio from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import TurndownService from 'turndown';
import { gfm } from 'turndown-plugin-gfm';
import type { ContentPart } from './index.ts';

export type CheerioAPI = cheerio.CheerioAPI;
export type Selection = cheerio.Cheerio<AnyNode>;

/** Parses a page (or fragment) for extraction. Pass a whole page through `lightenHtml` (sdk/page.ts) first. */
export function loadHtml(html: string): CheerioAPI {
  return cheerio.load(html);
}

/** Options for turning a rendered message into content parts. */
export interface PartsOptions {
  /** Finds a code block's language when no class says it (e.g. a label in the block's header). */
  codeLanguage?: (block: Selection, $: CheerioAPI) => string | undefined;
  /** Elements to drop first: copy buttons, toolbars, avatars… */
  drop?: readonly string[];
  /** Marks an element as one code block (default: `pre`). Its code is read from `pre`/`code` inside. */
  codeBlock?: string;
  /**
   * Rewrites the working copy after `drop`, before math and blocks are read: rebuild the provider's
   * widgets there as plain HTML (code widgets with `replaceWithCode` or `rebuildCodeBlocks`).
   */
  prepare?: (container: Selection, $: CheerioAPI) => void;
  /** Lists the math elements and their TeX (default `katexMath`: KaTeX and MathML). */
  math?: MathFinder;
  /**
   * Empties the whitespace-only lines turndown leaves inside loose list items (`1.  a\n    \n    b`
   * becomes `1.  a\n\n    b`) in text parts.
   */
  tidyBlankLines?: boolean;
}

const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-', emDelimiter: '*', strongDelimiter: '**', hr: '---' });
turndown.use(gfm);
// turndown matches tag names by nodeName; its types list HTML tags only (svg is an SVG tag).
turndown.remove(['script', 'style', 'noscript', 'button', 'svg'] as TurndownService.TagName[]);

/*
 * turndown ends by trimming its whole output with `/[\t\r\n\s]+$/`, which V8 retries from every
 * blank of a long run that does not end the text: 32,000 `<br>` in a posted answer (130 KB) took
 * 10 s, and the time grows with the square of the run. So the fragment is converted inside a
 * wrapper block whose rule keeps the markdown aside and hands turndown a short token to trim; the
 * same trims are then done here, in linear time. The wrapper is recognized by a value the page
 * cannot know.
 */
const WRAPPER = 'data-vivim-markdown';
let wrapper: { id: string; markdown?: string } | undefined;
turndown.addRule('vivimWrapper', {
  filter: (node) => wrapper !== undefined && node.nodeName === 'DIV' && node.getAttribute(WRAPPER) === wrapper.id,
  replacement: (content) => {
    if (wrapper) wrapper.markdown = content;
    return WRAPPER;
  },
});

/** `turndown.turndown(html)`, without its quadratic final trim (see above). */
function turndownLinear(html: string): string {
  const current: { id: string; markdown?: string } = { id: randomUUID() };
  wrapper = current;
  let output: string;
  try {
    // Left open: turndown's own wrapper closes it, so a `<plaintext>` reads to the same end.
    output = turndown.turndown(`<div ${WRAPPER}="${current.id}">${html}`);
  } finally {
    wrapper = undefined;
  }
  // A blank fragment never reaches the rule (turndown gives '' for it, as for the bare fragment).
  if (current.markdown === undefined && output === '') return '';
  // What turndown's final trims do to the output the fragment alone gives.
  if (current.markdown !== undefined && output === WRAPPER) return current.markdown.replace(/^[\t\r\n]+/, '').trimEnd();
  return turndown.turndown(html);
}

/** Markdown for a fragment of HTML. Math must be replaced first (see `markdownOf`): turndown escapes TeX. */
export function htmlToMarkdown(html: string): string {
  return turndownLinear(html).replace(/\n{3,}/g, '\n\n').trim();
}

/**
 * TeX of a KaTeX or MathML element: its TeX annotation, else the MathML `alttext`, else the bare
 * TeX some renderers leave as the text of `<math>` (`<math>\pi r^2</math>`).
 */
export function texOf(element: Selection): string | undefined {
  const annotation = element.find('annotation[encoding="application/x-tex"]').first().text().trim();
  if (annotation) return annotation;
  const math = element.is('math') ? element : element.find('math').first();
  const alt = math.attr('alttext')?.trim();
  if (alt) return alt;
  const bare = math
    .contents()
    .filter((_, node) => node.type === 'text')
    .text()
    .trim();
  return bare || undefined;
}

// ——— Math ———

/** What one rendered math element holds. */
export interface MathSource {
  tex: string;
  display: boolean;
}

/** Lists the math elements of a container with their TeX (displays and inline formulas, none inside another). */
export type MathFinder = ($: CheerioAPI, container: Selection) => { element: Selection; source: MathSource }[];

const DISPLAY_MATH = '.katex-display, math[display="block"]';

/** KaTeX (with its TeX annotation) and MathML: `.katex-display` / `math[display=block]` are display math, other `.katex` / `math` inline. */
export const katexMath: MathFinder = ($, container) => {
  const found: { element: Selection; source: MathSource }[] = [];
  container.find(DISPLAY_MATH).each((_, el) => {
    const element = $(el);
    if (element.parents('.katex-display').length) return;
    const tex = texOf(element);
    if (tex) found.push({ element, source: { tex, display: true } });
  });
  container.find('.katex, math').each((_, el) => {
    const element = $(el);
    if (element.parents('.katex-display, .katex, math').length || element.is('math[display="block"]')) return;
    const tex = texOf(element);
    if (tex) found.push({ element, source: { tex, display: false } });
  });
  return found;
};

/** Display math inside these stays in the markdown text as `$$…$$` (a part there would split the block). */
const MATH_NESTING = 'li, td, th, blockquote, h1, h2, h3, h4, h5, h6';
const MATH_TOKEN = /VIVIMMATH(\d+)X/g;

/**
 * Replaces the math of `container` (changed in place) by plain tokens, so turndown cannot escape the
 * TeX (`\pi` → `\\pi`, `a_t` → `a\_t`); returns the function that puts `$tex$` / `$$tex$$` back.
 * With `lift`, display math standing on its own becomes `<math display="block" alttext>`, which
 * htmlToParts lifts as a math part; display math inside a list item, a table cell, a quote, a
 * heading or a paragraph with other text stays in the text as `$$tex$$`. Without `lift` (markdown
 * wanted), display math on its own becomes a `$$tex$$` paragraph.
 */
function protectMath($: CheerioAPI, container: Selection, find: MathFinder = katexMath, lift = true): (text: string) => string {
  const formulas: string[] = [];
  const token = (markdown: string) => `VIVIMMATH${formulas.push(markdown) - 1}X`;
  for (const { element, source } of find($, container)) {
    if (!source.display) {
      element.replaceWith(token(`$${source.tex}$`));
      continue;
    }
    if (element.parents(MATH_NESTING).length) {
      element.replaceWith(token(`$$${source.tex}$$`));
      continue;
    }
    const block = lift ? $('<math></math>').attr('display', 'block').attr('alttext', source.tex) : $('<p></p>').text(token(`$$${source.tex}$$`));
    const paragraph = element.closest('p');
    if (paragraph.length) {
      const rest = paragraph.clone();
      rest.find('.katex-display, .math-block, math[display="block"]').remove();
      if (rest.text().trim()) element.replaceWith(token(`$$${source.tex}$$`));
      else paragraph.replaceWith(block);
      continue;
    }
    element.replaceWith(block);
  }
  return (text) => (formulas.length ? text.replace(MATH_TOKEN, (whole, index: string) => formulas[Number(index)] ?? whole) : text);
}

// ——— Code ———

const LANGUAGE_CLASS = /(?:^|\s)(?:language|lang)-([\w+#.-]+)/i;

/** The language of a code block from classes or data attributes on it or its `code`. */
export function languageOf(block: Selection): string | undefined {
  for (const candidate of [block, block.find('code').first(), block.find('pre').first()]) {
    if (!candidate.length) continue;
    const fromClass = LANGUAGE_CLASS.exec(candidate.attr('class') ?? '')?.[1];
    const fromData = candidate.attr('data-language') ?? candidate.attr('data-lang');
    const found = fromClass ?? fromData;
    if (found) return found.toLowerCase();
  }
  return undefined;
}

/** A code block's text, keeping line breaks. */
export function codeText(block: Selection, $: CheerioAPI): string {
  const code = block.is('pre, code') ? block : block.find('pre code, pre, code').first();
  const clone = (code.length ? code : block).clone();
  clone.find('br').replaceWith('\n');
  // Some renderers put one element per line without newline characters between them.
  const lines = clone.children('.line, [data-line]');
  const text = lines.length > 1 && !clone.text().includes('\n') ? lines.map((_, el) => $(el).text()).get().join('\n') : clone.text();
  return text.replace(/\n$/, '');
}

/**
 * Replaces a rendered code widget (header, toolbar, CodeMirror/Monaco/Shiki body…) by a plain
 * `<pre><code class="language-x">`: htmlToParts reads its language, and turndown keeps it on the
 * fence when the block sits inside a list item. The language is lower-cased, spaces become dashes.
 */
export function replaceWithCode($: CheerioAPI, target: Selection, code: string, language?: string): void {
  const inner = $('<code></code>').text(code);
  const name = language?.trim().toLowerCase().replace(/\s+/g, '-');
  if (name) inner.attr('class', `language-${name}`);
  target.replaceWith($('<pre></pre>').append(inner));
}

const NOT_A_LANGUAGE = new Set(['copy', 'copied', 'download', 'run', 'edit', 'wrap', 'collapse', 'expand', 'preview', 'code', 'show more', 'show less']);

/** A short word in a code block's header that names its language ("python", "c++", "text"); buttons and the code are skipped. */
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

/** Where `rebuildCodeBlocks` finds code blocks and their language. */
export interface CodeBlockOptions {
  /** A code block's outer element (header with the language label + the `<pre>`); default: found from each `<pre>`. */
  codeContainer?: string;
  /** The language label of a code block's outer element, when no `language-*` class says it (default `labelLanguage`). */
  codeLabel?: (container: Selection, $: CheerioAPI) => string | undefined;
}

/** The element around a `<pre>` that belongs to it alone (header, toolbar): climbs while the extra text stays short. */
function codeContainerOf(pre: Selection, root: Selection): Selection {
  let container = pre;
  const codeLength = pre.text().length;
  for (let parent = pre.parent(); parent.length && !parent.is(root) && parent.find('pre').length === 1; parent = parent.parent()) {
    if (parent.is('p, li, ul, ol, blockquote, td, th, table, h1, h2, h3, h4, h5, h6') || parent.text().length - codeLength > 60) break;
    container = parent;
  }
  return container;
}

/**
 * Rebuilds every code block of `root` (changed in place), with its header and toolbar, as a plain
 * `<pre><code class="language-x">` (see `replaceWithCode`), so toolbar labels ("Copy") never leak
 * into the text. The language comes from a `language-*` class, else `codeLabel`, else a short word
 * in the block's header (`labelLanguage`).
 */
export function rebuildCodeBlocks($: CheerioAPI, root: Selection, options: CodeBlockOptions = {}): void {
  const containers: AnyNode[] = options.codeContainer ? root.find(options.codeContainer).toArray() : [];
  const handled = new Set<AnyNode>(containers);
  root.find('pre').each((_, pre) => {
    const node = $(pre);
    if (options.codeContainer && node.closest(options.codeContainer).length) return;
    if (node.parents('pre').length) return;
    const outer = codeContainerOf(node, root).get(0);
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
    replaceWithCode($, block, code, language);
  }
}

// ——— Parts ———

function tableRows(table: Selection, $: CheerioAPI): string[][] {
  return table
    .find('tr')
    .map((_, tr) => [
      $(tr)
        .children('th, td')
        .map((__, cell) => htmlToMarkdown($(cell).html() ?? '').replace(/\n+/g, ' '))
        .get(),
    ])
    .get() as string[][];
}

const BLOCK_SELECTOR = 'pre, table, .katex-display, math[display="block"], img, [data-vivim-code]';

/** A working copy of `root`'s content (the root's own tag left out), with `drop` removed. */
function workingCopy($: CheerioAPI, root: Selection, drop: readonly string[] = []): Selection {
  const container = $('<div></div>').append(root.clone().contents());
  for (const selector of drop) container.find(selector).remove();
  return container;
}

/**
 * Turns a rendered message into parts: code blocks (with language), tables, display math, mermaid,
 * images, and markdown text for everything between them (math kept as `$…$` / `$$…$$`, see
 * `protectMath`). `root` is not changed.
 */
export function htmlToParts($: CheerioAPI, root: Selection, options: PartsOptions = {}): ContentPart[] {
  const container = workingCopy($, root, options.drop);
  options.prepare?.(container, $);
  if (options.codeBlock) container.find(options.codeBlock).attr('data-vivim-code', '1');
  const restore = protectMath($, container, options.math);
  const parts: ContentPart[] = [];
  let buffer = '';
  const flush = () => {
    let text = restore(htmlToMarkdown(buffer));
    if (options.tidyBlankLines) text = text.replace(/^[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n');
    if (text) parts.push({ type: 'text', text, format: 'markdown' });
    buffer = '';
  };
  const block = (node: Selection) => {
    if (node.is('[data-vivim-code], pre')) {
      const language = (node.is('[data-vivim-code]') ? options.codeLanguage?.(node, $) : undefined) ?? languageOf(node) ?? options.codeLanguage?.(node, $);
      const code = codeText(node, $);
      parts.push(language === 'mermaid' ? { type: 'mermaid', source: code } : { type: 'code', code, ...(language ? { language } : {}) });
    } else if (node.is('table')) {
      const rows = tableRows(node, $).map((row) => row.map(restore));
      if (rows.length) parts.push({ type: 'table', rows, header: node.find('th').length > 0 });
    } else if (node.is(DISPLAY_MATH)) {
      const tex = texOf(node);
      if (tex) parts.push({ type: 'math', tex, display: true });
    } else if (node.is('img')) {
      const src = node.attr('src');
      if (src && !src.startsWith('data:image/svg')) parts.push({ type: 'image', url: src, ...(node.attr('alt') ? { alt: node.attr('alt') } : {}) });
    }
  };
  const walk = (nodes: Selection) => {
    nodes.each((_, raw) => {
      const node = $(raw as Element);
      if (raw.type !== 'tag') {
        buffer += raw.type === 'text' ? $.html(raw) : '';
        return;
      }
      if (node.is(BLOCK_SELECTOR)) {
        flush();
        block(node);
      } else if (node.find(BLOCK_SELECTOR).length && !node.is('p, li, h1, h2, h3, h4, h5, h6')) {
        // A wrapper around blocks: open it up so text and blocks keep their order.
        if (node.is('ul, ol, blockquote')) {
          flush();
          buffer += $.html(node);
          flush();
        } else walk(node.contents());
      } else {
        buffer += $.html(node);
      }
    });
  };
  walk(container.contents());
  flush();
  return parts;
}

/** Markdown of a rendered fragment (reasoning text), math kept as `$…$` / `$$…$$`. `root` is not changed. */
export function markdownOf($: CheerioAPI, root: Selection, options: Pick<PartsOptions, 'drop' | 'prepare' | 'math'> = {}): string {
  const container = workingCopy($, root, options.drop);
  options.prepare?.(container, $);
  const restore = protectMath($, container, options.math, false);
  return restore(htmlToMarkdown(container.html() ?? ''));
}

/** Markdown of parts (to keep a rendered fragment as one reasoning text). */
export function partsToMarkdown(parts: readonly ContentPart[]): string {
  return parts
    .map((part) => {
      switch (part.type) {
        case 'text':
        case 'reasoning':
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
        case 'citation':
          return `[${part.title ?? part.url}](${part.url})`;
        case 'file':
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

// ——— Text ———

/*
 * Page text is hostile input: no pattern here ends in an unanchored run like `\s+$` or `\n+$`,
 * which V8 retries from every character of a long run that does not end the text (its square).
 */

/** The text without the line feeds it starts and ends with: `text.replace(/^\n+|\n+$/g, '')`, in linear time. */
export function trimLineFeeds(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) === 10) start++;
  while (end > start && text.charCodeAt(end - 1) === 10) end--;
  return text.slice(start, end);
}

/** The text without its leading line feeds and trailing whitespace: `text.replace(/^\n+|\s+$/g, '')`, in linear time. */
export function trimBlock(text: string): string {
  return text.replace(/^\n+/, '').trimEnd();
}

/** Visible text of an element, whitespace collapsed. */
export function textOf(element: Selection): string {
  return element.text().replace(/\s+/g, ' ').trim();
}

/**
 * True when a message's HTML was pretty-printed after it was saved (a formatter indents tags and
 * wraps text; browsers never do): the whitespace inside its `pre-wrap` text is then layout, not the user's.
 */
export function isReformatted(html: string): boolean {
  return /\n[ \t]{4,}<\/?[a-z]/i.test(html);
}

/** Exact plain text of a user message; reformatted HTML (see `isReformatted`) has its layout whitespace collapsed. */
export function plainText(element: Selection, reformatted: boolean): string {
  const text = element.text();
  return reformatted ? text.replace(/\s+/g, ' ').trim() : text.trim();
}

const TEXT_BLOCKS = new Set(['p', 'div', 'li', 'ul', 'ol', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'section', 'article']);

/**
 * The exact text a user typed, from its rendered bubble: line breaks kept (`<br>`, blocks, one blank
 * line between blocks), no markdown escaping. Undefined when the bubble holds rendered markdown
 * structure (lists, code, tables, headings, math…): keep it as markdown parts then.
 */
export function typedText($: CheerioAPI, root: Selection): string | undefined {
  if (root.find('ul, ol, pre, code, table, h1, h2, h3, h4, h5, h6, blockquote, img, .katex, math').length) return undefined;
  const blocks: string[] = [];
  let current = '';
  const visit = (nodes: Selection) => {
    nodes.each((_, node) => {
      if (node.type === 'text') current += $(node).text();
      else if (node.type === 'tag') {
        const tag = node.tagName.toLowerCase();
        if (tag === 'br') current += '\n';
        else if (TEXT_BLOCKS.has(tag)) {
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
    .map(trimBlock)
    .join('\n\n')
    .replace(/\u00a0/g, ' ');
}
