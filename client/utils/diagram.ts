// Mermaid, loaded on first use, with securityLevel 'strict': labels are sanitized (DOMPurify) and
// no click handlers or HTML labels run. The SVG it returns is generated from the diagram source.
type Mermaid = typeof import('mermaid').default;

let mermaid: Promise<Mermaid> | undefined;
let theme = '';
let counter = 0;

function dark(): boolean {
  const set = document.documentElement.dataset.theme;
  return set ? set === 'dark' : window.matchMedia('(prefers-color-scheme: dark)').matches;
}

/** The diagram as SVG markup; throws when the source is not valid mermaid. */
export async function renderDiagram(source: string): Promise<string> {
  mermaid ??= import('mermaid').then((module) => module.default);
  const instance = await mermaid;
  const wanted = dark() ? 'dark' : 'default';
  if (theme !== wanted) {
    instance.initialize({ startOnLoad: false, securityLevel: 'strict', theme: wanted, fontFamily: 'system-ui, sans-serif' });
    theme = wanted;
  }
  counter += 1;
  // Mermaid lays the diagram out in a scratch element (it measures text); by default that element
  // sits in the page's flow and flashes into view. Give it one off-screen, removed afterwards.
  const scratch = document.createElement('div');
  scratch.setAttribute('aria-hidden', 'true');
  scratch.style.cssText = 'position:absolute;left:-10000px;top:0;width:1000px;visibility:hidden;pointer-events:none';
  document.body.append(scratch);
  try {
    const { svg } = await instance.render(`vivim-mermaid-${counter}`, source, scratch);
    return svg;
  } finally {
    scratch.remove();
  }
}
