import { INTENT_WEIGHTS, LAYER_MINIMUMS } from './intent.ts';
import { rendererFor, type Candidate, type Format, type Renderer } from './render.ts';
import type { ContextIntent, ContextItem, ContextLayer, ContextSection } from './schemas.ts';
import { MAX_COUNTED_CHARS, type TokenCounter } from './tokenizer.ts';

/** Section titles, as rendered. */
export const LAYER_TITLES: Record<ContextLayer, string> = {
  L0: 'VIVIM',
  L1: 'About the user',
  L2: 'Preferences and instructions',
  L3: 'Related topics',
  L4: 'People, projects and things',
  L5: 'Conversation history',
  L6: 'Relevant excerpts',
};

/**
 * Characters per token no real text exceeds for long (o200k gives ~3–5 on chat text; runs of one
 * repeated character or whitespace can go higher, and such items are only cut shorter than needed).
 */
const MAX_CHARS_PER_TOKEN = 10;

/** A truncated item is only worth keeping with at least this many tokens of its own. */
const MIN_TRUNCATED_TOKENS = 20;

export interface AssembleInput {
  budget: number;
  format: Format;
  intent: ContextIntent;
  counter: TokenCounter;
  /** L0's preamble, longest first: the first that fits is used. */
  preambles: string[];
  /** Ranked candidates per layer (L1–L6), only for the layers wanted. */
  candidates: Partial<Record<ContextLayer, Candidate[]>>;
}

export interface Assembled {
  sections: ContextSection[];
  text: string;
  totalTokens: number;
}

interface Placed {
  layer: ContextLayer;
  candidate: Candidate;
  /** Order of addition (the last added is removed first if the whole overflows). */
  seq: number;
}

const ORDER: ContextLayer[] = ['L0', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6'];

/** Lowercased words only: what "near-identical" compares. */
function normalize(text: string): string {
  return text.slice(0, 1000).toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/**
 * Fits ranked candidates into the budget: L0 first, then per-intent shares of the rest (with
 * per-layer minimums), whole items in rank order, the first item of an otherwise empty layer
 * truncated to fit; unused tokens go to the layers that still have candidates, in priority
 * order, and what is left at the end to one truncated item. Items already placed in a
 * higher-priority layer (same row, or near-identical text) are skipped. Finally the rendered
 * text is counted whole, and the last-added items are dropped until it fits: the returned text
 * never exceeds the budget and `totalTokens` is its exact count.
 */
export function assemble(input: AssembleInput): Assembled {
  const r = rendererFor(input.format);
  // The same pieces are counted while filling, rendering and checking: remember them.
  const memo = new Map<string, number>();
  const count = (text: string) => {
    let n = memo.get(text);
    if (n === undefined) memo.set(text, (n = input.counter.count(text)));
    return n;
  };
  const placed: Placed[] = [];
  const seenKeys = new Set<string>();
  const seenTexts: string[] = [];
  let seq = 0;
  const perLayer = new Map<ContextLayer, Placed[]>();
  const used = new Map<ContextLayer, number>();
  const sectionIndex = () => [...perLayer.values()].filter((items) => items.length > 0).length;
  // A section's wrapper tokens, counted once when its first item is placed.
  const wrappers = new Map<ContextLayer, number>();
  const wrapperCost = (layer: ContextLayer) => {
    let cost = wrappers.get(layer);
    if (cost === undefined) wrappers.set(layer, (cost = count(r.sectionOpen(layer, LAYER_TITLES[layer], Math.max(1, sectionIndex())) + r.sectionClose(layer))));
    return cost;
  };
  // Pieces are counted once per candidate and position (first in its section or not).
  const costs = new Map<Candidate, [number | undefined, number | undefined]>();
  const itemCost = (layer: ContextLayer, c: Candidate) => {
    const index = (perLayer.get(layer)?.length ?? 0) > 0 ? 1 : 0;
    const known = costs.get(c) ?? [undefined, undefined];
    let cost = known[index];
    if (cost === undefined) {
      cost = count(r.item(layer, c, index));
      known[index] = cost;
      costs.set(c, known);
    }
    return cost;
  };

  const norms = new Map<Candidate, string>();
  const normOf = (c: Candidate) => {
    let norm = norms.get(c);
    if (norm === undefined) norms.set(c, (norm = normalize(c.text)));
    return norm;
  };
  const isDuplicate = (c: Candidate) => {
    if (c.keys.some((k) => seenKeys.has(k))) return true;
    const norm = normOf(c);
    if (norm.length < 12) return false;
    return seenTexts.some((other) => other === norm || (other.includes(norm) && norm.length >= 20) || (norm.includes(other) && other.length >= 0.8 * norm.length));
  };
  const place = (layer: ContextLayer, c: Candidate, cost: number) => {
    const list = perLayer.get(layer) ?? [];
    const extra = list.length === 0 ? wrapperCost(layer) : 0;
    list.push({ layer, candidate: c, seq: seq++ });
    perLayer.set(layer, list);
    placed.push(list.at(-1)!);
    for (const k of c.keys) seenKeys.add(k);
    seenTexts.push(normOf(c));
    used.set(layer, (used.get(layer) ?? 0) + cost + extra);
  };
  const costWithWrapper = (layer: ContextLayer, c: Candidate) => itemCost(layer, c) + ((perLayer.get(layer)?.length ?? 0) === 0 ? wrapperCost(layer) : 0);

  const overhead = count(r.open + r.close);
  let free = input.budget - overhead;

  // L0: the longest preamble that fits in a tenth of the budget (or the shortest, if it fits at all).
  if (input.preambles.length > 0) {
    for (const [i, text] of input.preambles.entries()) {
      const c: Candidate = { kind: 'instruction', id: null, conversationId: null, messageId: null, sourceConversationId: null, sourceMessageId: null, text, score: 1, keys: [] };
      const cost = costWithWrapper('L0', c);
      const last = i === input.preambles.length - 1;
      if (cost <= input.budget * 0.1 || (last && cost <= free * 0.5)) {
        place('L0', c, itemCost('L0', c));
        free -= used.get('L0') ?? 0;
        break;
      }
    }
  }

  const queues = new Map<ContextLayer, Candidate[]>();
  for (const layer of ORDER.slice(1)) {
    const list = input.candidates[layer];
    if (list && list.length > 0) queues.set(layer, [...list]);
  }
  const active = [...queues.keys()];
  const weights = INTENT_WEIGHTS[input.intent];
  const allocation = new Map<ContextLayer, number>();
  if (active.length > 0 && free > 0) {
    const total = active.reduce((sum, l) => sum + weights[l as Exclude<ContextLayer, 'L0'>], 0);
    const raw = active.map((l) => Math.max(LAYER_MINIMUMS[l as Exclude<ContextLayer, 'L0'>], (free * weights[l as Exclude<ContextLayer, 'L0'>]) / total));
    const scale = Math.min(1, free / raw.reduce((a, b) => a + b, 0));
    active.forEach((l, i) => allocation.set(l, Math.floor(raw[i]! * scale)));
  }

  /** Places whole items of a layer while they fit in `limit` tokens for that layer; returns whether any was placed. */
  const fillWhole = (layer: ContextLayer, limit: number) => {
    const queue = queues.get(layer)!;
    let progress = false;
    for (let i = 0; i < queue.length; ) {
      const c = queue[i]!;
      const room = limit - (used.get(layer) ?? 0);
      // Longer than any real text at this many tokens: skipped without counting (only a few too-long items are missed).
      if (c.text.length > room * MAX_CHARS_PER_TOKEN) {
        i++;
        continue;
      }
      if (isDuplicate(c)) {
        queue.splice(i, 1);
        continue;
      }
      const cost = costWithWrapper(layer, c);
      if (cost <= room) {
        place(layer, c, itemCost(layer, c));
        queue.splice(i, 1);
        progress = true;
      } else i++;
    }
    return progress;
  };
  /** Places the layer's best remaining item cut down to `room` tokens (wrapper included); false when not worth it. */
  const fillTruncated = (layer: ContextLayer, room: number) => {
    const queue = queues.get(layer)!;
    while (queue.length > 0 && isDuplicate(queue[0]!)) queue.shift();
    const c = queue[0];
    if (!c) return false;
    const wrapper = (perLayer.get(layer)?.length ?? 0) === 0 ? wrapperCost(layer) : 0;
    if (room - wrapper < MIN_TRUNCATED_TOKENS) return false;
    const cut = truncateToFit(c, (text) => itemCost(layer, { ...c, text }), room - wrapper);
    if (!cut) return false;
    queue.shift();
    place(layer, cut, itemCost(layer, cut));
    return true;
  };

  // Pass 1: each layer within its share.
  for (const layer of active) {
    const limit = allocation.get(layer) ?? 0;
    fillWhole(layer, limit);
    if ((perLayer.get(layer)?.length ?? 0) === 0) fillTruncated(layer, limit);
  }
  // Pass 2: what is left goes to layers that still have candidates, in priority order.
  const spent = () => [...used.entries()].filter(([l]) => l !== 'L0').reduce((sum, [, n]) => sum + n, 0);
  for (let progress = true; progress; ) {
    progress = false;
    for (const layer of active) {
      const left = free - spent();
      if (left <= 0) break;
      if (fillWhole(layer, (used.get(layer) ?? 0) + left)) progress = true;
    }
  }
  // Pass 3: one truncated item in the remaining room.
  for (const layer of active) {
    if (fillTruncated(layer, free - spent())) break;
  }

  // Count the whole; drop last-added items while it overflows (pieces are not exactly additive).
  for (;;) {
    const result = render(r, perLayer, count);
    if (result.totalTokens <= input.budget) return result;
    const last = placed.reduce<Placed | null>((max, p) => (max === null || p.seq > max.seq ? p : max), null);
    if (!last) return result;
    placed.splice(placed.indexOf(last), 1);
    const list = perLayer.get(last.layer)!;
    list.splice(list.indexOf(last), 1);
  }
}

function render(r: Renderer, perLayer: Map<ContextLayer, Placed[]>, count: (text: string) => number): Assembled {
  const sections: ContextSection[] = [];
  const parts: string[] = [r.open];
  let index = 0;
  for (const layer of ORDER) {
    const ranked = perLayer.get(layer);
    if (!ranked || ranked.length === 0) continue;
    const list = ranked.every((p) => p.candidate.sortKey !== undefined) ? [...ranked].sort((a, b) => a.candidate.sortKey! - b.candidate.sortKey!) : ranked;
    const title = LAYER_TITLES[layer];
    const open = r.sectionOpen(layer, title, index);
    const close = r.sectionClose(layer);
    parts.push(open);
    let tokens = count(open) + count(close);
    const items: ContextItem[] = list.map((p, i) => {
      const piece = r.item(layer, p.candidate, i);
      parts.push(piece);
      const itemTokens = count(piece);
      tokens += itemTokens;
      const c = p.candidate;
      return { kind: c.kind, id: c.id, conversationId: c.conversationId, messageId: c.messageId, sourceConversationId: c.sourceConversationId, sourceMessageId: c.sourceMessageId, text: c.text, tokens: itemTokens, score: Math.round(c.score * 10000) / 10000 };
    });
    parts.push(close);
    sections.push({ layer, title, tokens, items });
    index += 1;
  }
  parts.push(r.close);
  const text = sections.length === 0 ? '' : parts.join('');
  return { sections, text, totalTokens: count(text) };
}

/**
 * The candidate with its text cut so its rendered piece costs at most `room` tokens: at the
 * last sentence or line end that fits, else at a word boundary, with an ellipsis. Null when
 * not even a few words fit.
 */
export function truncateToFit(c: Candidate, cost: (text: string) => number, room: number): Candidate | null {
  const cap = Math.min(MAX_COUNTED_CHARS, room * MAX_CHARS_PER_TOKEN);
  const text = c.text.length > cap ? c.text.slice(0, cap) : c.text;
  if (text === c.text && cost(text) <= room) return c;
  const sentenceEnds: number[] = [];
  for (const match of text.matchAll(/[.!?。！？](?=\s)|\n/g)) sentenceEnds.push(match.index + match[0].length);
  const fits = (end: number, ellipsis: boolean) => cost(text.slice(0, end).trimEnd() + (ellipsis ? ' …' : '')) <= room;
  // Binary search the longest prefix ending at a boundary that fits.
  const best = (ends: number[], ellipsis: boolean) => {
    let lo = 0;
    let hi = ends.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (fits(ends[mid]!, ellipsis)) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? null : ends[found]!;
  };
  const sentence = best(sentenceEnds, false);
  // A sentence cut is preferred unless it throws away more than half of what a word cut keeps.
  const words: number[] = [];
  for (const match of text.matchAll(/\s+/g)) words.push(match.index);
  const word = best(words, true);
  if (sentence !== null && (word === null || sentence >= word * 0.5)) return { ...c, text: text.slice(0, sentence).trimEnd() };
  if (word !== null && word > 0) return { ...c, text: `${text.slice(0, word).trimEnd()} …` };
  return null;
}
