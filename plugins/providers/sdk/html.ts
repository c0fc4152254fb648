import * as cheerio from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import TurndownService from 'turndown';
import { gfm } from 'turndown-plugin-gfm';
import type { ContentPart } from './index.ts';

export type CheerioAPI = cheerio.CheerioAPI;
export type Selection = cheerio.Cheerio<AnyNode>;

/** Parses a page (or fragment) for extraction. */
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
}

const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-', emDelimiter: '*', strongDelimiter: '**', hr: '---' });
turndown.use(gfm);
turndown.remove(['script', 'style', 'noscript', 'button', 'svg']);

/** Markdown for a fragment of HTML (inline math already replaced by `$…$`). */
export function htmlToMarkdown(html: string): string {
  return turndown.turndown(html).replace(/\n{3,}/g, '\n\n').trim();
}

/** TeX of a KaTeX or MathML element, from its annotation (or MathML alttext). */
export function texOf(element: Selection): string | undefined {
  const annotation = element.find('annotation[encoding="application/x-tex"]').first();
  if (annotation.length) return annotation.text().trim();
  const alt = element.is('math') ? element.attr('alttext') : element.find('math').attr('alttext');
  return alt?.trim() || undefined;
}

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

/**
 * Turns a rendered message into parts: code blocks (with language), tables, display math, mermaid,
 * images, and markdown text for everything between them (inline math as `$…$`).
 */
export function htmlToParts($: CheerioAPI, root: Selection, options: PartsOptions = {}): ContentPart[] {
  const container = root.clone();
  for (const selector of options.drop ?? []) container.find(selector).remove();
  if (options.codeBlock) container.find(options.codeBlock).attr('data-vivim-code', '1');
  // Inline math becomes $tex$ inside the text (through a placeholder, so turndown does not escape
  // the TeX); display math is lifted out as its own part below.
  const inlineMath = new Map<string, string>();
  container.find('.katex, math').each((_, el) => {
    const node = $(el);
    if (node.closest('.katex-display, math[display="block"]').length && !node.is('.katex-display, math[display="block"]')) return;
    if (node.is('.katex-display, math[display="block"]') || node.parents('.katex-display').length) return;
    const tex = texOf(node);
    if (!tex) return;
    const token = `VIVIMINLINEMATH${inlineMath.size}X`;
    inlineMath.set(token, `$${tex}$`);
    node.replaceWith(token);
  });
  const restoreMath = (text: string) => (inlineMath.size ? text.replace(/VIVIMINLINEMATH\d+X/g, (token) => inlineMath.get(token) ?? token) : text);
  const parts: ContentPart[] = [];
  let buffer = '';
  const flush = () => {
    const text = restoreMath(htmlToMarkdown(buffer));
    if (text) parts.push({ type: 'text', text, format: 'markdown' });
    buffer = '';
  };
  const block = (node: Selection) => {
    if (node.is('[data-vivim-code], pre')) {
      const language = (node.is('[data-vivim-code]') ? options.codeLanguage?.(node, $) : undefined) ?? languageOf(node) ?? options.codeLanguage?.(node, $);
      const code = codeText(node, $);
      parts.push(language === 'mermaid' ? { type: 'mermaid', source: code } : { type: 'code', code, ...(language ? { language } : {}) });
    } else if (node.is('table')) {
      const rows = tableRows(node, $);
      if (rows.length) parts.push({ type: 'table', rows, header: node.find('th').length > 0 });
    } else if (node.is('.katex-display, math[display="block"]')) {
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

/** Visible text of an element, whitespace collapsed. */
export function textOf(element: Selection): string {
  return element.text().replace(/\s+/g, ' ').trim();
}
