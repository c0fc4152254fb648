import { describe, expect, it } from 'vitest';
import { htmlToParts, loadHtml } from './html.ts';

describe('htmlToParts', () => {
  it('splits text, code with language, tables and display math, keeping inline TeX unescaped', () => {
    const $ = loadHtml(`<div id="m">
      <p>Energy <span class="katex"><span class="katex-mathml"><math><semantics><annotation encoding="application/x-tex">E = mc^2_{\\text{rest}}</annotation></semantics></math></span></span> is <strong>famous</strong>.</p>
      <pre><code class="language-python">print("hi")\nprint("there")</code></pre>
      <table><thead><tr><th>Country</th><th>Hours</th></tr></thead><tbody><tr><td>Denmark</td><td>37</td></tr></tbody></table>
      <span class="katex-display"><span class="katex"><annotation encoding="application/x-tex">e^{i\\pi} + 1 = 0</annotation></span></span>
      <pre><code class="language-mermaid">graph TD; A--&gt;B</code></pre>
      <p>The end.</p></div>`);
    expect(htmlToParts($, $('#m'))).toEqual([
      { type: 'text', text: 'Energy $E = mc^2_{\\text{rest}}$ is **famous**.', format: 'markdown' },
      { type: 'code', code: 'print("hi")\nprint("there")', language: 'python' },
      { type: 'table', rows: [['Country', 'Hours'], ['Denmark', '37']], header: true },
      { type: 'math', tex: 'e^{i\\pi} + 1 = 0', display: true },
      { type: 'mermaid', source: 'graph TD; A-->B' },
      { type: 'text', text: 'The end.', format: 'markdown' },
    ]);
  });
});
