import { InvalidError } from '#server/errors.ts';
import type { ParsedQuery } from './engine.ts';

/** Longest query accepted (characters). */
export const MAX_QUERY_CHARS = 1000;

/** A query that cannot be searched. */
export class SearchQueryError extends InvalidError {
  override readonly code: 'QUERY_EMPTY' | 'QUERY_TOO_LONG';
  constructor(code: SearchQueryError['code'], message: string) {
    super(code, message);
    this.name = 'SearchQueryError';
    this.code = code;
  }
}

const WORD = /[\p{L}\p{N}_]+(?:['.-][\p{L}\p{N}_]+)*/gu;

function words(text: string): string[] {
  return [...text.toLowerCase().matchAll(WORD)].map((m) => m[0]);
}

/**
 * Parses websearch syntax: `"exact phrase"`, `-excluded`, `or`; everything else is a term.
 * Throws QUERY_EMPTY for a blank query and QUERY_TOO_LONG past 1000 characters. A query made only of
 * operators parses to no terms (and finds nothing).
 */
export function parseQuery(input: string): ParsedQuery {
  const raw = input.replace(/\s+/g, ' ').trim();
  if (raw === '') throw new SearchQueryError('QUERY_EMPTY', 'Type something to search for');
  if (raw.length > MAX_QUERY_CHARS) throw new SearchQueryError('QUERY_TOO_LONG', `A query can be at most ${MAX_QUERY_CHARS} characters (this one has ${raw.length})`);
  const phrases: string[][] = [];
  const excluded: string[] = [];
  const terms: string[] = [];
  const rest = raw.replace(/(-?)"([^"]*)"?/g, (_all, minus: string, inner: string) => {
    const phrase = words(inner);
    if (phrase.length === 0) return ' ';
    if (minus) excluded.push(...phrase);
    else phrases.push(phrase);
    return ' ';
  });
  for (const token of rest.split(' ')) {
    if (!token) continue;
    if (token.startsWith('-')) {
      excluded.push(...words(token.slice(1)));
      continue;
    }
    for (const word of words(token)) if (word !== 'or') terms.push(word);
  }
  return { raw, terms: [...new Set(terms)], phrases, excluded: [...new Set(excluded)] };
}

/** True when the query has something to match (not only exclusions/operators). */
export function hasPositive(query: ParsedQuery): boolean {
  return query.terms.length > 0 || query.phrases.length > 0;
}

/** The query text to embed: terms and phrases, without operators or exclusions. */
export function semanticText(query: ParsedQuery): string {
  return [...query.phrases.map((p) => p.join(' ')), ...query.terms].join(' ');
}
