import { hasSecret, maskSecrets } from './secrets.ts';
import type { ExtractionMessage, MemoryCandidate } from './types.ts';
import { MEMORY_TYPES } from '../schemas.ts';

/** Why a candidate was not kept. */
export type Rejection = 'not-from-user' | 'quote-not-found' | 'secret' | 'transient' | 'vague' | 'low-confidence';

/** Below this confidence a candidate is dropped. */
export const MIN_CONFIDENCE = 0.5;

/** Words that make a statement about the moment rather than about the person. */
const TRANSIENT = /\b(?:today|tonight|this (?:morning|afternoon|evening|week)|right now|at the moment|for now|currently feeling|just now|yesterday)\b/i;
const MOOD = /\b(?:is|am|feels?|feeling)\s+(?:so |very |really |a bit |kind of |a little )?(?:tired|hungry|sleepy|sick|bored|stressed|exhausted|confused|lost|stuck|busy|sorry|sure|unsure|not sure|happy|sad|angry|annoyed|frustrated|excited|nervous|worried|ready|done|back|here|curious|wondering|glad|afraid)\b/i;
/** Content that says nothing specific. */
const VAGUE = /^(?:\w+\s+){0,3}(?:it|this|that|these|those|them|him|her|you|something|anything|everything|things|stuff|one|so|too|more|the (?:above|below|following|same))\.?$/i;

const normalizeSpace = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * Checks one candidate (from any extractor): about the user (drawn from a user message, whose text
 * holds the quote), specific, not transient, confident enough, and free of secrets (a candidate
 * whose content holds one is dropped; the quote is masked). Returns the cleaned candidate.
 */
export function checkCandidate(candidate: MemoryCandidate, messages: ReadonlyMap<string, ExtractionMessage>): { ok: true; candidate: MemoryCandidate } | { ok: false; reason: Rejection } {
  const message = messages.get(candidate.messageId);
  if (!message || message.role !== 'user' || !MEMORY_TYPES.includes(candidate.type)) return { ok: false, reason: 'not-from-user' };
  const quote = normalizeSpace(candidate.quote);
  // An LLM saw the text with secrets masked, and may quote it so.
  const said = (text: string) => normalizeSpace(text).toLowerCase().includes(quote.toLowerCase());
  if (quote.length < 3 || !(said(message.text) || said(maskSecrets(message.text)))) return { ok: false, reason: 'quote-not-found' };
  const content = normalizeSpace(candidate.content);
  if (hasSecret(content)) return { ok: false, reason: 'secret' };
  if (candidate.type !== 'event' && candidate.type !== 'instruction' && (TRANSIENT.test(content) || MOOD.test(content))) return { ok: false, reason: 'transient' };
  if (content.length < 6 || VAGUE.test(content) || content.split(' ').length < 2) return { ok: false, reason: 'vague' };
  if (candidate.confidence < MIN_CONFIDENCE) return { ok: false, reason: 'low-confidence' };
  const maskedQuote = maskSecrets(quote);
  return {
    ok: true,
    candidate: {
      ...candidate,
      content: content.slice(0, 500),
      quote: maskedQuote.length > 500 ? `${maskedQuote.slice(0, 497)}…` : maskedQuote,
      slot: candidate.slot ? normalizeSlot(candidate.type, candidate.slot) : null,
      confidence: clamp(candidate.confidence),
      importance: clamp(candidate.importance),
    },
  };
}

/** `<type>:<key>` in lower case, with only letters, digits, dashes and colons. */
export function normalizeSlot(type: string, slot: string): string | null {
  const key = slot.toLowerCase().replace(/^[a-z]+:/, '').replace(/[^a-z0-9:-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
  return key ? `${type}:${key}` : null;
}

const clamp = (value: number) => Math.round(Math.min(1, Math.max(0, value)) * 100) / 100;
