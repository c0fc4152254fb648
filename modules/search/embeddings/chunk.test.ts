import { describe, expect, it } from 'vitest';
import { chunkText, parseBlocks, type Chunk } from './chunk.ts';

const words = (text: string) => text.split(/\s+/).filter((word) => word !== '' && !/^(`{3,}|~{3,})/.test(word));
const allWords = (chunks: Chunk[]) => chunks.flatMap((chunk) => words(chunk.text));
const paragraph = (n: number, seed: string) => Array.from({ length: n }, (_, i) => `${seed}${i}`).join(' ') + '.';

function expectWithin(chunks: Chunk[], maxChars: number, maxWords = Infinity) {
  for (const chunk of chunks) {
    expect(chunk.text.length).toBeLessThanOrEqual(maxChars);
    expect(chunk.text.split(/\s+/).filter(Boolean).length).toBeLessThanOrEqual(maxWords);
  }
  expect(chunks.map((chunk) => chunk.index)).toEqual(chunks.map((_, i) => i));
}

describe('chunkText', () => {
  it('returns a short message as one chunk, trimmed but otherwise unchanged', () => {
    const text = '  Hello there.\n\nHow do I *sort* a list?\r\n';
    expect(chunkText(text)).toEqual([{ index: 0, text: 'Hello there.\n\nHow do I *sort* a list?', isCode: false }]);
  });

  it('marks a message that is only a code block as code', () => {
    expect(chunkText('```py\nprint(1)\n```')).toEqual([{ index: 0, text: '```py\nprint(1)\n```', isCode: true }]);
    expect(chunkText('Run this:\n```py\nprint(1)\n```')[0]!.isCode).toBe(false);
  });

  it('gives no chunks for blank text', () => {
    expect(chunkText(' \n\t\n')).toEqual([]);
  });

  it('packs whole paragraphs into chunks within the limits, losing no word', () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => paragraph(20, `p${i}w`));
    const chunks = chunkText(paragraphs.join('\n\n'), { maxChars: 400 });
    expect(chunks.length).toBeGreaterThan(1);
    expectWithin(chunks, 400);
    expect(allWords(chunks)).toEqual(words(paragraphs.join(' ')));
    // Paragraphs that fit are never cut: each appears whole in exactly one chunk.
    for (const p of paragraphs) expect(chunks.filter((chunk) => chunk.text.includes(p))).toHaveLength(1);
  });

  it('keeps a fenced block that fits whole, moving it to the next chunk instead of splitting it', () => {
    const code = '```ts\n' + Array.from({ length: 8 }, (_, i) => `const value${i} = compute(${i});`).join('\n') + '\n```';
    const text = [paragraph(30, 'intro'), code, paragraph(10, 'outro')].join('\n\n');
    const chunks = chunkText(text, { maxChars: 350 });
    expectWithin(chunks, 350);
    const holder = chunks.filter((chunk) => chunk.text.includes('```ts'));
    expect(holder).toHaveLength(1);
    expect(holder[0]!.text).toContain(code);
  });

  it('does not treat blank lines or headings inside a fence as block breaks', () => {
    const code = '~~~~md\n# not a heading\n\n```\ninner fence\n```\n~~~~';
    const blocks = parseBlocks(`before\n\n${code}\n\nafter`);
    expect(blocks.map((block) => block.kind)).toEqual(['prose', 'code', 'prose']);
    expect(blocks[1]!.text).toBe(code);
  });

  it('keeps a heading with the paragraph after it', () => {
    const first = paragraph(45, 'a'); // 170 chars: the heading (15) would still fit after it, its paragraph (70) not
    const text = `${first}\n\n## Installing\n\n${paragraph(20, 'b')}`;
    const chunks = chunkText(text, { maxChars: 250 });
    expect(chunks).toHaveLength(2);
    expect(chunks[0]!.text).toBe(first);
    expect(chunks[1]!.text.startsWith('## Installing\n\nb0 b1')).toBe(true);
  });

  it('splits an oversized code block on line boundaries, re-fencing every piece', () => {
    const lines = Array.from({ length: 60 }, (_, i) => (i % 7 === 3 ? '' : `  result.push(transform(item${i}, options)); // step ${i}`));
    const text = '```javascript\n' + lines.join('\n') + '\n```';
    const chunks = chunkText(text, { maxChars: 500 });
    expect(chunks.length).toBeGreaterThan(3);
    expectWithin(chunks, 500);
    for (const chunk of chunks) {
      expect(chunk.isCode).toBe(true);
      expect(chunk.text.startsWith('```javascript\n')).toBe(true);
      expect(chunk.text.endsWith('\n```')).toBe(true);
    }
    const body = chunks.flatMap((chunk) => chunk.text.split('\n').slice(1, -1));
    expect(body).toEqual(lines);
  });

  it('closes the pieces of an unclosed fence, which runs to the end of the text', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `echo line ${i}`);
    const chunks = chunkText('Script:\n\n```sh\n' + lines.join('\n'), { maxChars: 200 });
    expectWithin(chunks, 200);
    expect(chunks[0]!.text.startsWith('Script:')).toBe(true);
    expect(chunks.at(-1)!.text.endsWith('\n```')).toBe(true);
    expect(chunks.flatMap((chunk) => chunk.text.split('\n')).filter((line) => line.startsWith('echo'))).toEqual(lines);
  });

  it('splits an oversized paragraph by sentence and keeps its heading on the first piece', () => {
    const sentences = Array.from({ length: 30 }, (_, i) => `Sentence ${i} mentions version 3.14 and keeps going for a while.`);
    const chunks = chunkText(`# Notes\n\n${sentences.join(' ')}`, { maxChars: 300 });
    expectWithin(chunks, 300);
    expect(chunks[0]!.text.startsWith('# Notes\n\nSentence 0 ')).toBe(true);
    // Pieces end at sentence ends, and "3.14" is not a sentence end.
    for (const chunk of chunks) expect(chunk.text.endsWith('a while.')).toBe(true);
    expect(allWords(chunks)).toEqual(words(`# Notes ${sentences.join(' ')}`));
  });

  it('applies the word limit as well as the character limit', () => {
    const chunks = chunkText(Array.from({ length: 100 }, (_, i) => `w${i}`).join(' '), { maxChars: 10_000, maxWords: 30 });
    expect(chunks).toHaveLength(4);
    expectWithin(chunks, 10_000, 30);
  });

  it('cuts a run of text without spaces by characters', () => {
    const blob = 'x'.repeat(2500);
    const chunks = chunkText(blob, { maxChars: 1000 });
    expect(chunks.map((chunk) => chunk.text.length)).toEqual([1000, 1000, 500]);
  });

  it('keeps every word, in order and within the limits, on random markdown', () => {
    let seed = 42;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const word = () => ['alpha', 'beta', 'x', 'const', 'return', 'values', 'the', 'of'][random(8)]! + random(100);
    for (let doc = 0; doc < 40; doc++) {
      const blocks: string[] = [];
      for (let b = random(12) + 1; b > 0; b--) {
        const kind = random(4);
        if (kind === 0) blocks.push(`## ${word()} ${word()}`);
        else if (kind === 1) blocks.push('```js\n' + Array.from({ length: random(40) }, () => Array.from({ length: random(8) }, word).join(' ')).join('\n') + '\n```');
        else blocks.push(Array.from({ length: random(120) + 1 }, () => word() + (random(6) === 0 ? '.' : '')).join(' '));
      }
      const text = blocks.join('\n\n');
      const limits = { maxChars: 120 + random(600), maxWords: 20 + random(100) };
      const chunks = chunkText(text, limits);
      expectWithin(chunks, limits.maxChars, limits.maxWords);
      expect(allWords(chunks)).toEqual(words(text));
    }
  });

  it('never splits a default-sized chat message', () => {
    const text = `${paragraph(60, 'q')}\n\n\`\`\`python\n${'x = 1\n'.repeat(40)}\`\`\``;
    expect(chunkText(text)).toHaveLength(1);
  });
});
