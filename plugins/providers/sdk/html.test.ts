import { describe, expect, it } from 'vitest';
import { htmlToParts, isReformatted, labelLanguage, loadHtml, markdownOf, partsToMarkdown, plainText, rebuildCodeBlocks, replaceWithCode, texOf, typedText } from './html.ts';

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

const katex = (tex: string, display = false) =>
  `<span class="katex"><span class="katex-mathml"><math${display ? ' display="block"' : ''}><semantics><mi>v</mi><annotation encoding="application/x-tex">${tex}</annotation></semantics></math></span><span class="katex-html" aria-hidden="true">VISUAL</span></span>`;
const displayMath = (tex: string) => `<span class="katex-display">${katex(tex, true)}</span>`;
const text = (t: string) => ({ type: 'text' as const, text: t, format: 'markdown' as const });

describe('texOf', () => {
  it('reads the TeX annotation, else MathML alttext, else the bare TeX left in <math>', () => {
    const $ = loadHtml(`<div id="a">${katex('a_1')}</div><math id="b" alttext="b^2"><mi>b</mi></math><math id="c">\\pi r^2</math><math id="d"><mi>x</mi></math>`);
    expect(texOf($('#a'))).toBe('a_1');
    expect(texOf($('#b'))).toBe('b^2');
    expect(texOf($('#c'))).toBe('\\pi r^2');
    expect(texOf($('#d'))).toBeUndefined();
  });
});

describe('htmlToParts math', () => {
  it('lifts display math standing alone, keeps nested display math as $$…$$ and restores inline math in table cells', () => {
    const $ = loadHtml(`<div id="m">
      <p>${displayMath('\\int_0^1 x\\,dx')}</p>
      <p>So ${displayMath('y=x^2')} holds.</p>
      <ol><li><p>Step:</p>${displayMath('E=mc^2')}</li></ol>
      <table><tr><th>Name</th><th>Value</th></tr><tr><td>alpha</td><td>${katex('\\alpha_i')}</td></tr></table>
      <p><math>\\beta_2</math> is bare.</p></div>`);
    expect(htmlToParts($, $('#m'))).toEqual([
      { type: 'math', tex: '\\int_0^1 x\\,dx', display: true },
      text('So $$y=x^2$$ holds.\n\n1.  Step:\n    \n    $$E=mc^2$$'),
      { type: 'table', rows: [['Name', 'Value'], ['alpha', '$\\alpha_i$']], header: true },
      text('$\\beta_2$ is bare.'),
    ]);
  });

  it('takes math from a provider finder, rewrites widgets in prepare, and leaves the root unchanged', () => {
    const $ = loadHtml('<div id="m"><p>Area <span class="math" data-tex="\\pi r^2">πr²</span>.</p><div class="widget"><b>Rust</b><i>fn main() {}</i></div><button>Copy</button></div>');
    const before = $.html($('#m'));
    const parts = htmlToParts($, $('#m'), {
      drop: ['button'],
      math: (_, container) => container.find('[data-tex]').toArray().map((el) => ({ element: $(el), source: { tex: $(el).attr('data-tex') ?? '', display: false } })),
      prepare: (container) => container.find('.widget').each((_, el) => replaceWithCode($, $(el), $(el).find('i').text(), $(el).find('b').text())),
    });
    expect(parts).toEqual([text('Area $\\pi r^2$.'), { type: 'code', code: 'fn main() {}', language: 'rust' }]);
    expect($.html($('#m'))).toBe(before);
  });

  it('empties the blank lines of loose list items with tidyBlankLines', () => {
    const $ = loadHtml('<div id="m"><ol><li><p>One</p><p>more</p></li><li>Two</li></ol></div>');
    expect(htmlToParts($, $('#m'))).toEqual([text('1.  One\n    \n    more\n    \n2.  Two')]);
    expect(htmlToParts($, $('#m'), { tidyBlankLines: true })).toEqual([text('1.  One\n\n    more\n\n2.  Two')]);
  });
});

describe('markdownOf', () => {
  it('keeps inline and display math as TeX, drops what it is told, leaves the root unchanged', () => {
    const $ = loadHtml(`<div id="r"><p>Let ${katex('x_i')} be.</p>${displayMath('\\sum_i x_i')}<ul><li>${displayMath('a')}</li></ul><button>Copy</button></div>`);
    const before = $.html($('#r'));
    expect(markdownOf($, $('#r'), { drop: ['button'] })).toBe('Let $x_i$ be.\n\n$$\\sum_i x_i$$\n\n-   $$a$$');
    expect($.html($('#r'))).toBe(before);
  });
});

describe('code blocks', () => {
  it('replaceWithCode writes a plain pre > code.language-x, lower-cased, spaces as dashes', () => {
    const $ = loadHtml('<div id="w">widget</div><div id="v">other</div>');
    replaceWithCode($, $('#w'), 'x = 1', 'Plain Text');
    replaceWithCode($, $('#v'), 'y');
    expect($('body').html()).toBe('<pre><code class="language-plain-text">x = 1</code></pre><pre><code>y</code></pre>');
  });

  it('labelLanguage finds the language word of a code header, not its buttons', () => {
    const $ = loadHtml('<div id="h"><span>Copy</span><span>Python</span><button>Run</button><pre>x</pre></div><div id="n"><span>Copied</span></div>');
    expect(labelLanguage($('#h'), $)).toBe('python');
    expect(labelLanguage($('#n'), $)).toBeUndefined();
  });

  it('rebuildCodeBlocks rebuilds each block with its header, so the language stays on a fence inside a list', () => {
    const $ = loadHtml(`<div id="m">
      <div class="block"><div class="head"><span>TypeScript</span><button>Copy</button></div><pre><code>let a = 1;</code></pre></div>
      <ol><li>Run:<div class="block"><div class="head">bash</div><pre>npm test</pre></div></li></ol>
      <div class="custom"><div class="label">go</div><pre>package main</pre></div></div>`);
    const parts = htmlToParts($, $('#m'), {
      prepare: (container) => rebuildCodeBlocks($, container, { codeContainer: '.custom', codeLabel: (block) => block.find('.label').text() || undefined }),
    });
    expect(parts).toEqual([
      { type: 'code', code: 'let a = 1;', language: 'typescript' },
      text('1.  Run:\n    \n    ```bash\n    npm test\n    ```'),
      { type: 'code', code: 'package main', language: 'go' },
    ]);
  });
});

describe('partsToMarkdown', () => {
  it('writes parts back as one markdown text', () => {
    expect(
      partsToMarkdown([
        text('Intro'),
        { type: 'code', code: 'x', language: 'js' },
        { type: 'mermaid', source: 'graph TD' },
        { type: 'math', tex: 'e^x', display: true },
        { type: 'table', rows: [['a', 'b|c'], ['1', '2']], header: true },
        { type: 'image', url: 'https://example.com/i.png', alt: 'pic' },
        { type: 'citation', url: 'https://example.com', title: 'Example' },
        { type: 'file', name: 'notes.txt' },
      ]),
    ).toBe('Intro\n\n```js\nx\n```\n\n```mermaid\ngraph TD\n```\n\n$$\ne^x\n$$\n\n| a | b\\|c |\n| --- | --- |\n| 1 | 2 |\n\n![pic](https://example.com/i.png)\n\n[Example](https://example.com)');
  });
});

describe('user text', () => {
  it('typedText keeps line breaks and blocks without markdown escaping, and gives up on rendered markdown', () => {
    const $ = loadHtml('<div id="u"><p>Hello *you*<br>second line</p><p>Next&nbsp;para</p></div><div id="r"><p>Rich</p><ul><li>list</li></ul></div>');
    expect(typedText($, $('#u'))).toBe('Hello *you*\nsecond line\n\nNext para');
    expect(typedText($, $('#r'))).toBeUndefined();
  });

  it('plainText collapses layout whitespace only in reformatted HTML', () => {
    const $ = loadHtml('<div id="u">  two  spaces\nkept  </div>');
    const reformatted = '<div>\n        <span>x</span>\n    </div>';
    expect(isReformatted(reformatted)).toBe(true);
    expect(isReformatted($.html($('#u')))).toBe(false);
    expect(plainText($('#u'), false)).toBe('two  spaces\nkept');
    expect(plainText($('#u'), true)).toBe('two spaces kept');
  });
});
