import { describe, expect, it } from 'vitest';
import { markdownToParts } from './markdown.ts';
import { sharedFixture } from './testing/fixtures.ts';

const text = (t: string) => ({ type: 'text', text: t, format: 'markdown' });

describe('markdownToParts', () => {
  it('splits the ChatGPT parser torture test answer (shared fixture)', () => {
    // The prototype stored this ChatGPT answer's raw markdown inside a JSON code block (content.text).
    const stored = JSON.parse(sharedFixture('captured/chatgpt-parser-torture-test.json')) as { messages: { parts: { content: string }[] }[] };
    const raw = JSON.parse(stored.messages[1]?.parts[0]?.content ?? '') as Record<string, { message: { content: { text: string } } }>;
    const markdown = Object.values(raw)[0]?.message.content.text ?? '';
    expect(markdown.startsWith('# Ultimate Parser Torture Test')).toBe(true);

    const parts = markdownToParts(markdown);
    expect(parts.map((p) => (p.type === 'code' ? `code:${p.language ?? ''}` : p.type))).toEqual([
      'text',
      'code:python',
      'code:typescript',
      'code:html',
      'code:diff',
      'code:json',
      'code:yaml',
      'text',
      'math',
      'text',
      'math',
      'text',
      'table',
      'text',
      'mermaid',
      'mermaid',
      'mermaid',
      'text',
    ]);
    // Text runs are the document's own bytes, blank lines around lifted blocks dropped.
    expect(parts[0]).toEqual(
      text(
        '# Ultimate Parser Torture Test\n\n## 1. Typography & Nesting\nThis paragraph includes **bold**, *italics*, ~~strikethrough~~, `inline code`, and ***bold italics*** with emojis 🚀🌈👨‍💻 and symbols ©™½.\n\n- Level 1\n  1. Level 2\n     - Level 3\n       1. Level 4\n\n> Blockquote level 1\n> > Nested blockquote level 2\n> > - List item A\n> >   - List item B\n\n## 2. Complex Code Blocks (Polyglot)',
      ),
    );
    expect(parts[1]).toEqual({ type: 'code', language: 'python', code: 'from dataclasses import dataclass\n\n@dataclass\nclass User:\n    id: int\n    name: str\n\n    def greet(self) -> str:\n        """Return a greeting."""\n        return f"Hello, {self.name}" ' });
    expect(parts[4]).toEqual({ type: 'code', language: 'diff', code: '- old line\n+ new line' });
    expect(parts[7]).toEqual(text('## 3. Advanced Mathematics (LaTeX)\nInline math example: $E=mc^2$ mixed in text.'));
    expect(parts[8]).toEqual({
      type: 'math',
      display: true,
      tex: '\\color{red}{\\nabla \\cdot \\mathbf{E} = \\frac{\\rho}{\\varepsilon_0}}\\\\\n\\nabla \\times \\mathbf{B} = \\mu_0 \\mathbf{J} + \\mu_0\\varepsilon_0 \\frac{\\partial \\mathbf{E}}{\\partial t}',
    });
    expect(parts[9]).toEqual(text('Matrix:'));
    expect(parts[10]).toEqual({ type: 'math', display: true, tex: '\\begin{bmatrix}\n1 & 2\\\\\n3 & 4\n\\end{bmatrix}' });
    expect(parts[12]).toEqual({
      type: 'table',
      header: true,
      rows: [
        ['Text', 'Numbers', 'Code', 'Links'],
        ['Left', '123', '`x=1`', 'https://example.com'],
        ['—', '', '—', ''],
      ],
    });
    expect(parts[14]).toEqual({ type: 'mermaid', source: 'graph TD\nA-->B{Decision}\nB-->|Yes|C\nB-->|No|D' });
    expect(parts[16]).toEqual({ type: 'mermaid', source: 'gantt\nsection Test\nTask1: a1, 2024-01-01, 10d' });
    const last = parts[17] as { text: string };
    expect(last.text.startsWith('## 6. Edge Cases & Hybrid Content\n\n<details>\n<summary>Collapsible</summary>')).toBe(true);
    expect(last.text.endsWith('![Alt Text](https://example.com/image.png)\n\n> AI Image Prompt: "A futuristic dashboard visualizing data streams"')).toBe(true);
    // Nothing lost: every non-blank line of the source is in some part.
    const joined = parts.map((p) => ('text' in p ? p.text : 'code' in p ? p.code : 'tex' in p ? p.tex : 'source' in p ? p.source : 'rows' in p ? p.rows.flat().join('|') : '')).join('\n');
    for (const line of markdown.split('\n')) {
      const body = line.trim().replace(/^(\$\$|```\w*|\|[-:| ]+\|)$/, '');
      for (const cell of body.startsWith('|') ? body.split('|').map((c) => c.trim()) : [body]) expect(joined).toContain(cell);
    }
  });

  it('keeps a text without blocks as one part, byte for byte', () => {
    const source = 'Line one  \nline two with `code` and $x$\n\n- a\n- b\n\n> quote  \n';
    expect(markdownToParts(source)).toEqual([text('Line one  \nline two with `code` and $x$\n\n- a\n- b\n\n> quote')]);
    expect(markdownToParts('')).toEqual([]);
    expect(markdownToParts('\n\n  \n')).toEqual([]);
  });

  it('reads fences: tildes, longer fences, info strings, unclosed blocks', () => {
    expect(markdownToParts('~~~ Rust ignore\nfn main() {}\n~~~')).toEqual([{ type: 'code', language: 'rust', code: 'fn main() {}' }]);
    expect(markdownToParts('````markdown\n```js\nx\n```\n````\nafter')).toEqual([{ type: 'code', language: 'markdown', code: '```js\nx\n```' }, text('after')]);
    expect(markdownToParts('before\n```\nno language\n```')).toEqual([text('before'), { type: 'code', code: 'no language' }]);
    expect(markdownToParts('```python\nprint(1)\n\nprint(2)')).toEqual([{ type: 'code', language: 'python', code: 'print(1)\n\nprint(2)' }]);
    expect(markdownToParts('  ```sh\n  ls -la\n    indented\n  ```')).toEqual([{ type: 'code', language: 'sh', code: 'ls -la\n  indented' }]);
    expect(markdownToParts('```\n```')).toEqual([{ type: 'code', code: '' }]);
    // Not fences: inline triple backticks, indented code blocks.
    expect(markdownToParts('use ```js``` inline')).toEqual([text('use ```js``` inline')]);
    expect(markdownToParts('para\n\n    ```\n    code\n    ```')).toEqual([text('para\n\n    ```\n    code\n    ```')]);
  });

  it('leaves blocks inside lists and blockquotes in the text', () => {
    const list = '1. Install:\n   ```bash\n   npm i\n   $$\n   ```\n2. Then:\n\n   | a | b |\n   |---|---|\n   | 1 | 2 |\n\nDone.';
    expect(markdownToParts(list)).toEqual([text(list)]);
    const quote = '> ```js\n> x()\n> ```\n>\n> $$\n> y\n> $$';
    expect(markdownToParts(quote)).toEqual([text(quote)]);
    // A fence at column 0 ends the list.
    expect(markdownToParts('- item\n```js\nx\n```\n- next')).toEqual([text('- item'), { type: 'code', language: 'js', code: 'x' }, text('- next')]);
    // After the list, blocks are lifted again.
    expect(markdownToParts('- item\n\nPara\n\n$$x$$')).toEqual([text('- item\n\nPara'), { type: 'math', tex: 'x', display: true }]);
  });

  it('lifts display math in both notations, not inline math', () => {
    expect(markdownToParts('A:\n\\[\n\\int_0^1 x\\,dx\n\\]\nB')).toEqual([text('A:'), { type: 'math', tex: '\\int_0^1 x\\,dx', display: true }, text('B')]);
    expect(markdownToParts('\\[ a^2 + b^2 = c^2 \\]')).toEqual([{ type: 'math', tex: 'a^2 + b^2 = c^2', display: true }]);
    expect(markdownToParts('$$ e^{i\\pi} + 1 = 0 $$')).toEqual([{ type: 'math', tex: 'e^{i\\pi} + 1 = 0', display: true }]);
    expect(markdownToParts('$$x = 1\ny = 2$$')).toEqual([{ type: 'math', tex: 'x = 1\ny = 2', display: true }]);
    expect(markdownToParts('$$a$$ and $$b$$ inline')).toEqual([text('$$a$$ and $$b$$ inline')]);
    expect(markdownToParts('It costs $$\n\nnothing')).toEqual([text('It costs $$\n\nnothing')]);
    expect(markdownToParts('$$\nunclosed')).toEqual([text('$$\nunclosed')]);
  });

  it('lets a block whose delimiters stand alone on their lines hold blank lines, like a fence', () => {
    expect(markdownToParts('$$\na = 1\n\nb = 2\n$$\nafter')).toEqual([{ type: 'math', tex: 'a = 1\n\nb = 2', display: true }, text('after')]);
    expect(markdownToParts('\\[\n\\begin{aligned}\n\nx\n\\end{aligned}\n\\]')).toEqual([{ type: 'math', tex: '\\begin{aligned}\n\nx\n\\end{aligned}', display: true }]);
    expect(markdownToParts('$$\n\n$$')).toEqual([text('$$\n\n$$')]);
  });

  it('reads CRLF line ends and keeps the text bytes', () => {
    expect(markdownToParts('Intro\r\n```py\r\nx = 1\r\n```\r\n| a | b |\r\n|---|---|\r\n| 1 | 2 |\r\nEnd\r\n')).toEqual([
      text('Intro'),
      { type: 'code', code: 'x = 1', language: 'py' },
      { type: 'table', header: true, rows: [['a', 'b'], ['1', '2']] },
      text('End'),
    ]);
  });

  it('reads GFM tables: alignment, escaped pipes, short rows; needs the delimiter row', () => {
    expect(markdownToParts('| a | b \\| c |\n|:--|--:|\n| 1 |\n| `x` | **y** |\nafter')).toEqual([
      {
        type: 'table',
        header: true,
        rows: [
          ['a', 'b | c'],
          ['1', ''],
          ['`x`', '**y**'],
        ],
      },
      text('after'),
    ]);
    expect(markdownToParts('Name | Value\n--- | ---\nx | 1')).toEqual([
      {
        type: 'table',
        header: true,
        rows: [
          ['Name', 'Value'],
          ['x', '1'],
        ],
      },
    ]);
    expect(markdownToParts('a | b\nc | d')).toEqual([text('a | b\nc | d')]);
    expect(markdownToParts('| a | b |\n|---|')).toEqual([text('| a | b |\n|---|')]);
  });
});

describe('markdownToParts on DeepSeek and Kimi answers', () => {
  it('lifts top-level code, mermaid, tables and display math; leaves nested blocks in the text', () => {
    expect(
      markdownToParts(
        [
          'Intro with $x$ inline.',
          '',
          '~~~mermaid',
          'graph TD; A-->B',
          '~~~',
          '',
          '$$E = mc^2$$',
          '',
          '\\[',
          'a^2 + b^2',
          '\\]',
          '',
          '1. step',
          '   ```js',
          '   run()',
          '   ```',
          '',
          'a | b',
          ':-- | --:',
          '`x\\|y` | 2',
          '',
          '```',
          'unclosed fence',
        ].join('\n'),
      ),
    ).toEqual([
      { type: 'text', format: 'markdown', text: 'Intro with $x$ inline.' },
      { type: 'mermaid', source: 'graph TD; A-->B' },
      { type: 'math', tex: 'E = mc^2', display: true },
      { type: 'math', tex: 'a^2 + b^2', display: true },
      { type: 'text', format: 'markdown', text: '1. step\n   ```js\n   run()\n   ```' },
      { type: 'table', header: true, rows: [['a', 'b'], ['`x|y`', '2']] },
      { type: 'code', code: 'unclosed fence' },
    ]);
  });

  it('does not take prices or a lone pipe for math or tables', () => {
    const text = 'It costs $5 and $$10 a month.\n\na | b without a delimiter row';
    expect(markdownToParts(text)).toEqual([{ type: 'text', format: 'markdown', text }]);
  });
});
