import MarkdownIt from 'markdown-it';
import type { StateInline } from 'markdown-it';

/**
 * Markdown of stored messages, rendered to HTML for v-html. `html: false` escapes every raw HTML
 * tag in the source, and markdown-it's validateLink refuses javascript:, vbscript:, file: and
 * non-image data: URLs: the output holds only the tags markdown itself produces.
 */
const md = new MarkdownIt({ html: false, linkify: true, breaks: false, typographer: false });

// Links open outside the app, without handing it the opener or the referrer.
md.renderer.rules.link_open = (tokens, index, options, _env, self) => {
  const token = tokens[index];
  token?.attrSet('target', '_blank');
  token?.attrSet('rel', 'noopener noreferrer nofollow');
  return self.renderToken(tokens, index, options);
};

/**
 * Inline math, `\(…\)` or `$…$` (no blank just inside the dollars, no digit right after the closing
 * one: "$5 and $6" stays text): emitted as an escaped placeholder that KaTeX fills in after mount.
 */
function inlineMath(state: StateInline, silent: boolean): boolean {
  const src = state.src;
  const start = state.pos;
  let open: string;
  let close: string;
  if (src.startsWith('\\(', start)) [open, close] = ['\\(', '\\)'];
  else if (src[start] === '$' && src[start + 1] !== '$') [open, close] = ['$', '$'];
  else return false;
  const from = start + open.length;
  const end = src.indexOf(close, from);
  if (end <= from) return false;
  const tex = src.slice(from, end);
  if (open === '$' && (/^\s|\s$/.test(tex) || /\d/.test(src[end + 1] ?? '') || tex.includes('\n\n'))) return false;
  if (!silent) {
    const token = state.push('math_inline', 'span', 0);
    token.content = tex;
  }
  state.pos = end + close.length;
  return true;
}
md.inline.ruler.before('escape', 'math_inline', inlineMath);
md.renderer.rules.math_inline = (tokens, index) => `<span class="math-inline" data-tex="${md.utils.escapeHtml(tokens[index]?.content ?? '')}">${md.utils.escapeHtml(tokens[index]?.content ?? '')}</span>`;

/** Markdown to safe HTML (see above). */
export function renderMarkdown(source: string): string {
  return md.render(source);
}

/** Plain text to safe HTML: escaped, paragraphs and line breaks kept. */
export function renderPlain(source: string): string {
  return source
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${md.utils.escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

/** One line of markdown (a table cell) to safe inline HTML. */
export function renderInlineMarkdown(source: string): string {
  return md.renderInline(source);
}
