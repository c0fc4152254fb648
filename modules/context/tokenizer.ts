import type { Tiktoken } from 'js-tiktoken/lite';

/** Token counting for one target model: an exact BPE encoding or a calibrated estimate. */
export interface TokenCounter {
  /** `o200k_base`, `cl100k_base` or `estimate:o200k_base*1.3`. */
  readonly name: string;
  count(text: string): number;
}

type Encoding = 'o200k_base' | 'cl100k_base';

/**
 * Non-OpenAI models (Claude, Gemini, Llama, Mistral…) have no public offline tokenizer we may ship,
 * so their count is o200k's count times a factor. Calibration (measured on /work/shared/fixtures/captured,
 * 224 texts, 268,784 chars of real captured chats with code, tables and markdown): o200k_base gives
 * 3.14 chars/token, cl100k_base 2.91 chars/token, i.e. cl100k needs 1.077× the tokens of o200k.
 * Older/smaller vocabularies (Claude's ~65k, Llama 2's 32k) sit at or above cl100k; we take
 * cl100k's ratio (1.08) and add a 20% safety margin: 1.08 × 1.2 ≈ 1.3. Over-counting only costs
 * a little unused budget; under-counting would overflow the caller's context window.
 */
export const ESTIMATE_FACTOR = 1.3;

/** Text longer than this is cut before it is counted or rendered (BPE cost grows fast on long runs). */
export const MAX_COUNTED_CHARS = 200_000;

/** Distinct pre-tokens whose counts are remembered per encoding (cleared when full). */
const PIECE_CACHE = 300_000;

/**
 * Exact BPE token counts with a memo per pre-token. tiktoken splits text with the encoding's regex
 * (and at special tokens) and encodes each piece on its own, so the count of a text is the sum of
 * its pieces' counts; js-tiktoken's merge loop is slow (~4 µs a token), and chat text repeats its
 * words, so remembering pieces makes counting several times faster with identical results.
 */
class PieceCounter {
  private readonly bpe: Tiktoken;
  private readonly pattern: RegExp;
  private readonly special: RegExp | null;
  private readonly cache = new Map<string, number>();

  constructor(bpe: Tiktoken, patStr: string, specialTokens: string[]) {
    this.bpe = bpe;
    this.pattern = new RegExp(patStr, 'ug');
    this.special = specialTokens.length > 0 ? new RegExp(specialTokens.map((t) => t.replace(/[\\^$*+?.()|[\]{}]/g, '\\$&')).join('|'), 'g') : null;
  }

  count(text: string): number {
    if (text === '') return 0;
    let total = 0;
    let start = 0;
    if (this.special) {
      for (const match of text.matchAll(this.special)) {
        total += this.countPlain(text.slice(start, match.index)) + 1;
        start = match.index + match[0].length;
      }
    }
    return total + this.countPlain(start === 0 ? text : text.slice(start));
  }

  private countPlain(text: string): number {
    let total = 0;
    for (const match of text.matchAll(this.pattern)) {
      const piece = match[0];
      let n = this.cache.get(piece);
      if (n === undefined) {
        n = this.bpe.encode(piece).length;
        if (this.cache.size >= PIECE_CACHE) this.cache.clear();
        this.cache.set(piece, n);
      }
      total += n;
    }
    return total;
  }
}

const loaded = new Map<Encoding, Promise<PieceCounter>>();

/** Loads an encoding's ranks once (≈1 s each), on first use. */
function encoding(name: Encoding): Promise<PieceCounter> {
  let promise = loaded.get(name);
  if (!promise) {
    promise = (async () => {
      const { Tiktoken } = await import('js-tiktoken/lite');
      const ranks = name === 'o200k_base' ? (await import('js-tiktoken/ranks/o200k_base')).default : (await import('js-tiktoken/ranks/cl100k_base')).default;
      return new PieceCounter(new Tiktoken(ranks), ranks.pat_str, Object.keys(ranks.special_tokens));
    })();
    loaded.set(name, promise);
    promise.catch(() => loaded.delete(name));
  }
  return promise;
}

/** Which encoding (or estimate) a model name calls for; no model means o200k_base (today's OpenAI models). */
export function encodingFor(model: string | undefined): { encoding: Encoding; estimate: boolean } {
  const m = (model ?? '').trim().toLowerCase();
  if (m === '' || /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|o\d)/.test(m) || m.startsWith('openai/')) return { encoding: 'o200k_base', estimate: false };
  if (/^(gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada)/.test(m)) return { encoding: 'cl100k_base', estimate: false };
  return { encoding: 'o200k_base', estimate: true };
}

/** The token counter for a target model (loads the ranks on first call). */
export async function tokenCounter(model: string | undefined): Promise<TokenCounter> {
  const choice = encodingFor(model);
  const bpe = await encoding(choice.encoding);
  const exact = (text: string) => bpe.count(text);
  if (!choice.estimate) return { name: choice.encoding, count: exact };
  return { name: `estimate:${choice.encoding}*${ESTIMATE_FACTOR}`, count: (text) => Math.ceil(exact(text) * ESTIMATE_FACTOR) };
}

/** True once the default encoding is loaded (or loading). */
export function tokenizerLoaded(): boolean {
  return loaded.has('o200k_base');
}

/** Starts loading the default encoding in the background (so the first request does not wait). */
export function preloadTokenizer(): Promise<void> {
  return encoding('o200k_base').then(() => undefined);
}
