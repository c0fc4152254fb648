import nlp from 'compromise';
import { singular, STOP_WORDS } from './text.ts';

/** One candidate keyphrase of a conversation: normalized key, display label, weighted frequency, messages holding it. */
export interface TermCount {
  /** Normalized: lowercase, singular, stop words trimmed. */
  t: string;
  /** How it was most often written. */
  l: string;
  /** Weighted frequency (title ×3, user messages and ACUs ×1; phrases ×1.5). */
  w: number;
  /** Distinct messages containing it. */
  m: number;
}

/** A text the keyphrases are read from. */
export interface KeyText {
  messageId: string | null;
  text: string;
  weight: number;
}

/** Candidate keyphrases kept per conversation (the TF-IDF pass ranks them against the owner's corpus). */
export const TERMS_PER_CONVERSATION = 40;

const WORD = /^[\p{L}][\p{L}\p{N}+#.-]*$/u;

/** Normalized words of one noun phrase, leading and trailing stop words dropped; null if nothing useful is left. */
export function phraseWords(phrase: string): { key: string[]; label: string[] } | null {
  const raw = phrase
    .replace(/[\u2018\u2019]/g, "'")
    .split(/\s+/)
    .map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}+#]+$/gu, '').replace(/'s$/i, ''))
    .filter(Boolean);
  let start = 0;
  let end = raw.length;
  const isStop = (w: string) => STOP_WORDS.has(w.toLowerCase()) || !WORD.test(w) || w.length < 2;
  while (start < end && isStop(raw[start]!)) start++;
  while (end > start && isStop(raw[end - 1]!)) end--;
  const words = raw.slice(start, end);
  if (words.length === 0 || words.length > 4 || words.some((w) => !WORD.test(w))) return null;
  const key = words.map((w, i) => (i === words.length - 1 ? singular(w.toLowerCase()) : w.toLowerCase()));
  return { key, label: words };
}

/**
 * Noun phrases (compromise) of the texts, with every content word of a phrase as a candidate too,
 * counted per conversation; the top TERMS_PER_CONVERSATION by weight are kept.
 */
export function extractKeyphrases(texts: readonly KeyText[]): TermCount[] {
  const terms = new Map<string, { w: number; messages: Set<string>; labels: Map<string, number> }>();
  const bump = (key: string, label: string, weight: number, messageId: string | null) => {
    const entry = terms.get(key) ?? { w: 0, messages: new Set<string>(), labels: new Map<string, number>() };
    entry.w += weight;
    if (messageId) entry.messages.add(messageId);
    entry.labels.set(label, (entry.labels.get(label) ?? 0) + 1);
    terms.set(key, entry);
  };
  for (const { text, weight, messageId } of texts) {
    if (!text.trim()) continue;
    for (const phrase of nlp(text).nouns().out('array') as string[]) {
      const words = phraseWords(phrase);
      if (!words) continue;
      if (words.key.length > 1 && words.key.length <= 3) bump(words.key.join(' '), words.label.join(' '), weight * 1.5, messageId);
      words.key.forEach((word, i) => {
        const w = i === words.key.length - 1 ? word : singular(word);
        if (w.length >= 3 && !STOP_WORDS.has(w) && !/\d/.test(w)) bump(w, words.label[i]!, weight, messageId);
      });
    }
  }
  return [...terms.entries()]
    .map(([t, e]) => ({ t, l: [...e.labels.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0], w: Math.round(e.w * 100) / 100, m: e.messages.size }))
    .sort((a, b) => b.w - a.w || (a.t < b.t ? -1 : 1))
    .slice(0, TERMS_PER_CONVERSATION);
}
