import { katexMath, type MathFinder, type MathSource, type Selection } from '../sdk/html.ts';

/**
 * Gemini renders math with KaTeX but without the TeX annotation: the source is in `data-math`
 * on `.math-inline` / `.math-block`. KaTeX or MathML with an annotation is read too.
 */
export const geminiMath: MathFinder = ($, container) => {
  const found: { element: Selection; source: MathSource }[] = [];
  container.find('[data-math]').each((_, el) => {
    const element = $(el);
    const tex = element.attr('data-math')?.trim();
    if (!tex || element.parents('[data-math]').length) return;
    element.attr('data-vivim-math', '1');
    const display = element.is('.math-block, div') || element.find('.katex-display').length > 0;
    found.push({ element, source: { tex, display } });
  });
  for (const other of katexMath($, container)) {
    if (!other.element.closest('[data-vivim-math]').length) found.push(other);
  }
  return found;
};
