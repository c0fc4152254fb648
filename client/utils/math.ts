// KaTeX, loaded with its stylesheet on first use. Its output is markup KaTeX generates from the
// TeX (with `trust: false`, no \href/\url/\includegraphics), never HTML from the message.
type Katex = typeof import('katex').default;

let katex: Promise<Katex> | undefined;

function load(): Promise<Katex> {
  katex ??= Promise.all([import('katex'), import('katex/dist/katex.min.css')]).then(([module]) => module.default);
  return katex;
}

/** TeX to HTML (and MathML for screen readers); a TeX error renders in red instead of throwing. */
export async function renderMath(tex: string, display: boolean): Promise<string> {
  const instance = await load();
  return instance.renderToString(tex, { displayMode: display, throwOnError: false, trust: false, strict: 'ignore', output: 'htmlAndMathml', maxSize: 50, maxExpand: 1000 });
}

/** Renders every inline-math placeholder (from renderMarkdown) inside `root`. */
export async function renderInlineMath(root: HTMLElement): Promise<void> {
  const spans = [...root.querySelectorAll<HTMLElement>('span.math-inline[data-tex]:not([data-rendered])')];
  if (!spans.length) return;
  for (const span of spans) {
    span.innerHTML = await renderMath(span.dataset.tex ?? '', false);
    span.dataset.rendered = '1';
  }
}
