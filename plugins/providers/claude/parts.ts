import { htmlToParts, texOf, type CheerioAPI, type PartsOptions, type Selection } from '../sdk/html.ts';
import type { ContentPart } from '../sdk/index.ts';

/*
 * Local helpers around the SDK's htmlToParts (see README "Suggested SDK changes"):
 * - the SDK writes inline math as `$tex$` text BEFORE turndown, which then escapes the TeX
 *   (`\sigma_x` → `\\sigma\_x`), and drops display math nested in a list item or table cell;
 *   here math becomes a placeholder turndown leaves alone, restored after conversion.
 * - code blocks are rebuilt as a clean `<pre><code class="language-x">` so both the SDK's
 *   block splitter and turndown (code inside lists) see the language and nothing else.
 */

const PLACEHOLDER = /VIVIMMATH(\d+)X/g;
const NESTING_BLOCKS = 'li, td, th, blockquote, h1, h2, h3, h4, h5, h6';

/** What one rendered math element holds. */
export interface MathSource {
  tex: string;
  display: boolean;
}

/** Lists the math elements of a container in document order, with their TeX. */
export type MathFinder = ($: CheerioAPI, container: Selection) => { element: Selection; source: MathSource }[];

/**
 * Replaces rendered math inside `container` (mutated) with placeholders; display math that
 * stands alone becomes `<math display="block" alttext>` (lifted by the SDK as a math part).
 * `find` lists the math elements in document order with their TeX.
 */
export function protectMath($: CheerioAPI, container: Selection, find: MathFinder): (text: string) => string {
  const formulas: string[] = [];
  const token = (markdown: string) => {
    formulas.push(markdown);
    return `VIVIMMATH${formulas.length - 1}X`;
  };
  for (const { element, source } of find($, container)) {
    if (!source.display) {
      element.replaceWith(token(`$${source.tex}$`));
      continue;
    }
    const block = $('<math></math>').attr('display', 'block').attr('alttext', source.tex);
    if (element.parents(NESTING_BLOCKS).length) {
      element.replaceWith(token(`$$${source.tex}$$`));
      continue;
    }
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
  return (text) => text.replace(PLACEHOLDER, (whole, index: string) => formulas[Number(index)] ?? whole);
}

/** KaTeX (with its TeX annotation) and MathML, the way claude.ai renders math. */
export const katexMath: MathFinder = ($, container) => {
  const found: { element: Selection; source: MathSource }[] = [];
  container.find('.katex-display, math[display="block"]').each((_, el) => {
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

/** Applies `restore` to every text-bearing field of the parts. */
export function restoreMath(parts: ContentPart[], restore: (text: string) => string): ContentPart[] {
  return parts.map((part) => {
    if (part.type === 'text' || part.type === 'reasoning') return { ...part, text: restore(part.text) };
    if (part.type === 'table') return { ...part, rows: part.rows.map((row) => row.map(restore)) };
    return part;
  });
}

/** Replaces a code block element with a clean `<pre><code class="language-x">`. */
export function replaceCodeBlock($: CheerioAPI, element: Selection, code: string, language: string | undefined): void {
  const codeElement = $('<code></code>').text(code);
  if (language) codeElement.attr('class', `language-${language}`);
  element.replaceWith($('<pre></pre>').append(codeElement));
}

/** htmlToParts with math protected; `prepare` rewrites the (cloned) container first. */
export function partsOf($: CheerioAPI, root: Selection, options: PartsOptions & { prepare?: (container: Selection) => void; math: MathFinder }): ContentPart[] {
  const container = $('<div></div>').append(root.clone().contents());
  for (const selector of options.drop ?? []) container.find(selector).remove();
  options.prepare?.(container);
  const restore = protectMath($, container, options.math);
  return restoreMath(htmlToParts($, container, { ...(options.codeLanguage ? { codeLanguage: options.codeLanguage } : {}) }), restore);
}

const FENCE = /^(`{3,}|~{3,})(.*)$/;

/** Splits markdown into text parts and its top-level fenced code blocks (with their language). */
export function markdownToParts(markdown: string): ContentPart[] {
  const parts: ContentPart[] = [];
  const lines = markdown.split('\n');
  let text: string[] = [];
  const flushText = () => {
    const joined = text.join('\n').replace(/^\n+|\s+$/g, '');
    if (joined.trim()) parts.push({ type: 'text', text: joined, format: 'markdown' });
    text = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const open = FENCE.exec(line);
    // An info string with a backtick cannot open a backtick fence (CommonMark).
    if (!open?.[1] || (open[1].startsWith('`') && (open[2] ?? '').includes('`'))) {
      text.push(line);
      continue;
    }
    const fence = open[1];
    const language = (open[2] ?? '').trim().split(/\s+/)[0]?.toLowerCase() || undefined;
    const code: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const candidate = lines[j] ?? '';
      if (candidate.startsWith(fence[0]!.repeat(fence.length)) && new RegExp(`^\\${fence[0]}{${fence.length},}\\s*$`).test(candidate)) break;
      code.push(candidate);
    }
    flushText();
    const source = code.join('\n');
    parts.push(language === 'mermaid' ? { type: 'mermaid', source } : { type: 'code', code: source, ...(language ? { language } : {}) });
    i = j;
  }
  flushText();
  return parts;
}
