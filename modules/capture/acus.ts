import { createHash } from 'node:crypto';
import type { ContentPart } from '#plugins/providers/sdk/index.ts';

/** Kinds of atomic chat units. */
export const acuTypes = ['question', 'instruction', 'answer', 'code', 'decision', 'fact', 'definition', 'list'] as const;
export type AcuType = (typeof acuTypes)[number];

/** One unit cut from a message: self-contained, typed, scored, linked to its messages. */
export interface AcuDraft {
  type: AcuType;
  content: string;
  language: string | null;
  quality: number;
  hash: string;
  messageIds: string[];
}

/** The message fields ACU cutting needs. */
export interface AcuSourceMessage {
  id: string;
  role: string;
  hidden: boolean;
  parts: ContentPart[];
}

const normalize = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();
const hashOf = (type: string, text: string) => createHash('sha256').update(`${type}\n${normalize(text)}`).digest('hex');
const QUESTION = /\?\s*$|^(who|what|when|where|why|how|which|can|could|should|would|is|are|do|does|did|will)\b/i;
const DECISION = /\b(we('| wi)ll go with|let'?s go with|i('| wi)ll use|decided|decision|we chose|settle on|the plan is)\b/i;
const DEFINITION = /^[\w\s`'"-]{1,60}\b(is|are|means|refers to)\s+(a|an|the)\b/i;
const BOILERPLATE = /^(sure|certainly|of course|great question|here('s| is| are)|absolutely|i hope this helps|let me know)\b[^.!?\n]{0,60}[.!:]?$/i;

/** Quality in 0..1: long enough to stand alone, not boilerplate, not a wall of text. */
function quality(type: AcuType, text: string): number {
  const words = text.split(/\s+/).filter(Boolean).length;
  if (words === 0) return 0;
  let score = type === 'code' ? 0.7 : Math.min(1, 0.3 + words / 40);
  if (BOILERPLATE.test(text.trim())) score -= 0.5;
  if (words > 400) score -= 0.2;
  if (type === 'question' && words < 3) score -= 0.3;
  return Math.max(0, Math.min(1, Math.round(score * 100) / 100));
}

/** Splits markdown into paragraph-level blocks, keeping lists together. */
function paragraphs(text: string): string[] {
  return text
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0 && !/^#{1,6}\s*\S{0,40}$/.test(p));
}

/**
 * Cuts messages into ACUs: user questions and instructions, answer paragraphs, code snippets (with
 * language), decisions, definitions/facts and lists. Duplicates (same type, same normalized text)
 * merge, keeping every message they came from. Low-quality units (boilerplate, fragments) are dropped.
 */
export function cutAcus(messages: readonly AcuSourceMessage[]): AcuDraft[] {
  const byHash = new Map<string, AcuDraft>();
  const add = (type: AcuType, content: string, messageId: string, language: string | null = null) => {
    const text = content.trim();
    if (!text) return;
    const score = quality(type, text);
    if (score < 0.25) return;
    const hash = hashOf(type, text);
    const existing = byHash.get(hash);
    if (existing) {
      if (!existing.messageIds.includes(messageId)) existing.messageIds.push(messageId);
      return;
    }
    byHash.set(hash, { type, content: text, language, quality: score, hash, messageIds: [messageId] });
  };
  for (const message of messages) {
    if (message.hidden) continue;
    for (const part of message.parts) {
      if (part.type === 'code') {
        if (part.code.trim().split('\n').length >= 1 && part.code.trim().length >= 10) add('code', part.code, message.id, part.language ?? null);
        continue;
      }
      if (part.type !== 'text') continue;
      if (message.role === 'user') {
        add(QUESTION.test(part.text.trim()) ? 'question' : 'instruction', part.text, message.id);
        continue;
      }
      if (message.role !== 'assistant') continue;
      for (const block of paragraphs(part.text)) {
        if (/^(\s*([-*+]|\d+[.)])\s+)/.test(block)) add('list', block, message.id);
        else if (DECISION.test(block)) add('decision', block, message.id);
        else if (DEFINITION.test(block)) add('definition', block, message.id);
        else add('answer', block, message.id);
      }
    }
  }
  return [...byHash.values()];
}
