import type { TermCount } from './extract/keyphrases.ts';

/** What the clustering reads of one conversation. */
export interface ConversationTerms {
  conversationId: string;
  terms: readonly TermCount[];
  lastSeenAt: string | null;
  messageCount: number;
}

/** One computed topic: a group of conversations sharing keyphrases. */
export interface ComputedTopic {
  /** Normalized seed keyphrase: the topic's identity across recomputes. */
  key: string;
  label: string;
  /** Normalized keyphrases, best first. */
  keyphrases: string[];
  /** Display form of each keyphrase, same order. */
  labels: string[];
  conversations: { conversationId: string; weight: number; messageCount: number }[];
  messageCount: number;
  lastSeenAt: string | null;
}

/** Keyphrases per conversation after TF-IDF ranking. */
export const KEYPHRASES_PER_CONVERSATION = 8;
/** A conversation belongs to at most this many topics. */
const MAX_TOPICS_PER_CONVERSATION = 3;
/** Conversation overlap (Jaccard) above which a keyphrase joins an existing topic instead of starting one. */
const MERGE_OVERLAP = 0.6;

interface Scored {
  t: string;
  l: string;
  score: number;
  m: number;
}

/** TF-IDF of each conversation's candidate terms against the corpus; the best few per conversation. */
export function rankKeyphrases(corpus: readonly ConversationTerms[]): Map<string, Scored[]> {
  const df = new Map<string, number>();
  for (const c of corpus) for (const term of c.terms) df.set(term.t, (df.get(term.t) ?? 0) + 1);
  const n = corpus.length;
  const ranked = new Map<string, Scored[]>();
  for (const c of corpus) {
    const scored = c.terms
      // A term in most conversations of a sizeable library describes none of them.
      .filter((term) => n < 10 || (df.get(term.t) ?? 0) <= n * 0.4)
      .map((term) => ({ t: term.t, l: term.l, m: term.m, score: (1 + Math.log(term.w)) * Math.log(1 + n / (df.get(term.t) ?? 1)) * (term.t.includes(' ') ? 1.2 : 1) }))
      .sort((a, b) => b.score - a.score || (a.t < b.t ? -1 : 1))
      .slice(0, KEYPHRASES_PER_CONVERSATION);
    ranked.set(c.conversationId, scored);
  }
  return ranked;
}

const capitalize = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/**
 * Clusters conversations into topics by shared keyphrases, greedily: keyphrases by total TF-IDF
 * weight; one shared by ≥2 conversations starts a topic unless its conversations mostly belong to
 * an existing topic (then it becomes one of that topic's keyphrases); conversations left over get a
 * topic of their own best keyphrase. O(conversations × keyphrases) time and memory.
 */
export function clusterTopics(input: readonly ConversationTerms[]): ComputedTopic[] {
  const corpus = [...input].sort((a, b) => (a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0));
  const ranked = rankKeyphrases(corpus);
  const info = new Map(corpus.map((c) => [c.conversationId, c]));
  const candidates = new Map<string, { label: string; labels: Map<string, number>; support: number; members: Set<string> }>();
  for (const [conversationId, terms] of ranked) {
    for (const term of terms) {
      const entry = candidates.get(term.t) ?? { label: term.l, labels: new Map<string, number>(), support: 0, members: new Set<string>() };
      entry.support += term.score;
      entry.members.add(conversationId);
      entry.labels.set(term.l, (entry.labels.get(term.l) ?? 0) + 1);
      candidates.set(term.t, entry);
    }
  }
  // The most written form names a keyphrase; on a tie, the capitalized one.
  for (const entry of candidates.values()) entry.label = [...entry.labels.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
  const order = [...candidates.entries()].sort((a, b) => b[1].members.size - a[1].members.size || b[1].support - a[1].support || (a[0] < b[0] ? -1 : 1));
  const topics: { key: string; keyphrases: string[]; labels: string[]; members: Set<string> }[] = [];
  const topicsOf = new Map<string, number[]>();
  const join = (topicIndex: number, conversationId: string) => {
    const list = topicsOf.get(conversationId) ?? [];
    if (list.includes(topicIndex) || list.length >= MAX_TOPICS_PER_CONVERSATION) return;
    list.push(topicIndex);
    topicsOf.set(conversationId, list);
    topics[topicIndex]!.members.add(conversationId);
  };
  for (const [term, candidate] of order) {
    if (candidate.members.size < 2) break;
    const near = new Set<number>();
    for (const id of candidate.members) for (const index of topicsOf.get(id) ?? []) near.add(index);
    const host = [...near].find((index) => jaccard(topics[index]!.members, candidate.members) >= MERGE_OVERLAP);
    if (host !== undefined) {
      const topic = topics[host]!;
      if (topic.keyphrases.length < 6) {
        topic.keyphrases.push(term);
        topic.labels.push(candidate.label);
      }
      continue;
    }
    const free = [...candidate.members].filter((id) => (topicsOf.get(id)?.length ?? 0) < MAX_TOPICS_PER_CONVERSATION);
    if (free.length < 2) continue;
    topics.push({ key: term, keyphrases: [term], labels: [candidate.label], members: new Set() });
    for (const id of free) join(topics.length - 1, id);
  }
  const byKey = new Map(topics.map((t, i) => [t.key, i]));
  for (const [conversationId, terms] of ranked) {
    if (topicsOf.has(conversationId) || terms.length === 0) continue;
    const best = terms[0]!;
    const existing = byKey.get(best.t);
    if (existing !== undefined) join(existing, conversationId);
    else {
      topics.push({ key: best.t, keyphrases: terms.slice(0, 3).map((t) => t.t), labels: terms.slice(0, 3).map((t) => t.l), members: new Set() });
      byKey.set(best.t, topics.length - 1);
      join(topics.length - 1, conversationId);
    }
  }
  return topics.map((topic) => {
    const phrases = new Set(topic.keyphrases);
    const conversations = [...topic.members].map((conversationId) => {
      const terms = (ranked.get(conversationId) ?? []).filter((t) => phrases.has(t.t));
      const messages = Math.max(0, ...terms.map((t) => t.m));
      return { conversationId, weight: Math.round(terms.reduce((sum, t) => sum + t.score, 0) * 1000) / 1000, messageCount: messages > 0 ? messages : (info.get(conversationId)?.messageCount ?? 0) };
    });
    conversations.sort((a, b) => b.weight - a.weight || (a.conversationId < b.conversationId ? -1 : 1));
    const lastSeenAt = conversations.map((c) => info.get(c.conversationId)?.lastSeenAt ?? null).reduce<string | null>((max, at) => (at && (!max || at > max) ? at : max), null);
    // A phrase that contains the seed word names the topic better ("sourdough starter" over "starter").
    const phraseIndex = topic.keyphrases.findIndex((k) => k.includes(' ') && k.split(' ').includes(topic.key));
    const label = capitalize(topic.labels[phraseIndex >= 0 ? phraseIndex : 0]!);
    return {
      key: topic.key,
      label,
      keyphrases: topic.keyphrases,
      labels: topic.labels,
      conversations,
      messageCount: conversations.reduce((sum, c) => sum + c.messageCount, 0),
      lastSeenAt,
    };
  });
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared || 1);
}
