import { describe, expect, it } from 'vitest';
import { MB, withinBudget } from '../sdk/testing/budget.ts';
import { looksLikeTranscript, parseTranscript } from './transcript.ts';

/*
 * Hostile Markdown transcripts (uploaded files): lines that made the turn-heading and title
 * patterns backtrack for seconds (a power of a blank run's length, on every line).
 */

const TURNS = '\n## User\nq\n## Assistant\na\n';

/** `line` repeated on about `length` characters of lines. */
const lines = (line: string, length = MB) => Array.from({ length: Math.ceil(length / (line.length + 1)) }, () => line).join('\n');

/** What the title pattern this replaces gave for a file whose first line is `line`. */
function titleBefore(line: string): { title?: string; preamble: string } {
  const match = line.length <= 1000 ? /^#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/.exec(line) : null;
  const title = match?.[1]?.trim();
  return { ...(title ? { title } : {}), preamble: match ? '' : line.trim() };
}

describe('transcript parsing on hostile lines', () => {
  it('100 lines "# user", 190 blanks, "x" (the reported 20 KB file), then 1 MB of them', async () => {
    const reported = lines(`# user${' '.repeat(190)}x`, 20_000);
    expect(await withinBudget(() => parseTranscript(reported))).toBeUndefined();
    expect(await withinBudget(() => parseTranscript(lines(`# user${' '.repeat(190)}x`)))).toBeUndefined();
    expect(await withinBudget(() => looksLikeTranscript(lines(`# user${' '.repeat(190)}x`), true))).toBe(false);
  });

  it.each([
    ['blanks then a parenthesis', `#\tme\t${'\t'.repeat(190)})`],
    ['blanks around a model and a colon', `## assistant ${' '.repeat(60)}(m)${' '.repeat(60)}:${' '.repeat(60)}x`],
    ['blanks after "said"', `### you said${' \t'.repeat(90)}:x`],
  ])('turn headings: 1 MB of lines with %s', async (_, line) => {
    expect(await withinBudget(() => parseTranscript(lines(line) + TURNS)?.messages.length)).toBe(2);
  });

  it.each([
    ['blanks then a line separator', `#${' '.repeat(998)}\u2028`],
    ['a word, blanks, a line separator', `# a${' '.repeat(995)}\u2028`],
    ['a word, blanks, a word', `# a${' '.repeat(995)}b`],
    ['blanks then closing #s and a line separator', `# a${' #'.repeat(497)}\u2028`],
  ])('titles: 1 MB of title lines with %s', async (_, line) => {
    const transcript = await withinBudget(() => parseTranscript(lines(line) + TURNS));
    expect(transcript?.messages.length).toBe(2);
  });

  it('reads turn headings and titles as before', () => {
    const headings = ['## Assistant (gpt-4o):  ##  ', '## You said:', '##\tChatGPT:', '## **User** #', '## Le  Chat\t(Mistral Large) ', '## AI  said**:'];
    expect(parseTranscript(headings.map((line) => `${line}\ntext`).join('\n'))?.messages.map((m) => [m.role, m.model])).toEqual([
      ['assistant', 'gpt-4o'],
      ['user', undefined],
      ['assistant', undefined],
      ['user', undefined],
      ['assistant', 'Mistral Large'],
      ['assistant', undefined],
    ]);
    // The title pattern, on every short line of `#`, blanks, `a` and line separators.
    let layer = [''];
    for (let length = 1; length <= 6; length++) {
      layer = layer.flatMap((prefix) => ['#', ' ', '\t', 'a', '\u2028'].map((char) => prefix + char));
      for (const line of layer) {
        const { title, preamble } = parseTranscript(line + TURNS)!;
        expect({ ...(title ? { title } : {}), preamble }, JSON.stringify(line)).toEqual(titleBefore(line));
      }
    }
  });
});
