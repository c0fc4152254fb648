import type { CaptureService, MessageText } from '#modules/capture/index.ts';
import type { SearchOutput, SearchResult, SearchService } from '#modules/search/index.ts';
import type { Actor } from '#server/actor.ts';
import type { KnowledgeService } from '#modules/knowledge/index.ts';
import type { MemoryDto, MemoryService, MemoryType } from '#modules/memory/index.ts';
import type { Candidate } from './render.ts';
import type { ContextLayer } from './schemas.ts';

/** The services the layers come from. */
export interface LayerSources {
  capture: CaptureService;
  search: SearchService;
  memory: MemoryService;
  knowledge: KnowledgeService;
}

export interface RetrieveInput {
  ownerId: string;
  prompt: string;
  conversationId?: string;
  layers: ReadonlySet<ContextLayer>;
  /** Longest text kept per candidate (characters; the fitting cuts it further). */
  maxChars: number;
  /** The token budget (larger budgets consider more candidates). */
  budget: number;
}

/**
 * Search hits considered for L6 (and for L5's related conversations): ~1 per 100 tokens of budget,
 * 30..60. Hits come with plain snippets (the start of their text): a highlighted one costs a parse per hit.
 */
const searchLimit = (budget: number) => Math.max(30, Math.min(60, Math.round(budget / 100)));
/** Turns of the given conversation considered for L5. */
const HISTORY_TURNS = 60;
/** Related conversations L5 shows when no conversation is given: 3, and 6 from 6k tokens of budget. */
const relatedCount = (budget: number) => (budget >= 6000 ? 6 : 3);

const STOP = new Set(
  'the and for are but not you your with this that have has had was were what when where which who why how can could should would will shall does did doing done from into onto about over under than then them they their there here these those its it\'s our ours out some any all just also very much more most such only own same too can\'t don\'t i\'m i\'ve let me my mine we us is am be been being of to in on at by as or an a if so do no yes please thanks thank tell give make get want need know think like'.split(' '),
);

/** Content words of a text (lowercase, no stop words, ≥ 3 characters), in order of appearance. */
export function contentWords(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+(?:['.-][\p{L}\p{N}_]+)*/gu) ?? [];
  return [...new Set(words.filter((w) => w.length >= 3 && !STOP.has(w)))];
}

/** The search query for a prompt: its first 30 content words (search ORs terms and ranks documents having all of them first). */
export function searchQueryOf(prompt: string): string {
  return contentWords(prompt.slice(0, 20_000)).slice(0, 30).join(' ').slice(0, 1000).trim();
}

/** Share of the prompt's content words found in a text (0..1). */
function relevance(promptWords: readonly string[], text: string): number {
  if (promptWords.length === 0) return 0;
  const words = new Set(contentWords(text));
  return promptWords.filter((w) => words.has(w)).length / promptWords.length;
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : null);
const clip = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text);
const plainSnippet = (snippet: string) =>
  snippet.replace(/<\/?mark>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

function memoryCandidate(m: MemoryDto, promptWords: readonly string[], maxChars: number, label: string | undefined): Candidate {
  const source = m.provenance[0];
  const score = (m.pinned ? 1 : 0) + m.importance * m.confidence + relevance(promptWords, m.content);
  return {
    kind: 'memory',
    id: m.id,
    conversationId: source?.conversationId ?? null,
    messageId: source?.messageId ?? null,
    sourceConversationId: source?.sourceConversationId ?? null,
    sourceMessageId: source?.sourceMessageId ?? null,
    text: clip(m.content, maxChars),
    score,
    label,
    keys: [`memory:${m.id}`],
  };
}

function messageCandidate(m: MessageText, score: number, label: string, maxChars: number, sortKey?: number): Candidate {
  return {
    kind: 'message',
    id: m.id,
    conversationId: m.conversationId,
    messageId: m.id,
    sourceConversationId: m.sourceConversationId,
    sourceMessageId: m.sourceMessageId,
    text: clip(m.text.trim(), maxChars),
    score,
    label,
    keys: [`message:${m.id}`],
    sortKey,
  };
}

/** "1 conversation", "2 conversations". */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const titleOf = (title: string) => (title.length > 60 ? `${title.slice(0, 57)}…` : title);

/**
 * Retrieves every wanted layer in parallel. The one search (L6) is shared with L5, which, when no
 * conversation is given, shows the conversations most related to the prompt: their best-matching
 * turns with the turn before or after.
 */
export async function retrieveLayers(sources: LayerSources, input: RetrieveInput): Promise<Partial<Record<ContextLayer, Candidate[]>>> {
  const { ownerId, layers, maxChars } = input;
  const promptWords = contentWords(input.prompt).slice(0, 200);
  const actor: Actor = { userId: ownerId, isAdmin: false, via: 'local', scopes: undefined };
  const q = searchQueryOf(input.prompt);
  const needsSearch = layers.has('L6') || (layers.has('L5') && !input.conversationId);
  const searched: Promise<SearchOutput | null> = needsSearch && q ? sources.search.query(actor, { q, limit: searchLimit(input.budget), collapse: false, mode: 'hybrid' }, { snippets: 'plain' }) : Promise.resolve(null);

  // One memory query for L1 and L2 (the embedded database answers one query at a time).
  const L1_TYPES: MemoryType[] = ['identity', 'relationship', 'skill', 'goal'];
  const L2_TYPES: MemoryType[] = ['preference', 'instruction'];
  const memoryTypes = [...(layers.has('L1') ? L1_TYPES : []), ...(layers.has('L2') ? L2_TYPES : [])];
  const memories = memoryTypes.length > 0 ? sources.memory.forContext(ownerId, { types: memoryTypes, limit: 60 }) : Promise.resolve([]);
  const memoryLayer = async (types: MemoryType[], labelled: (type: string) => string | undefined) =>
    (await memories)
      .filter((m) => types.includes(m.type))
      .map((m) => memoryCandidate(m, promptWords, maxChars, labelled(m.type)))
      .sort((a, b) => b.score - a.score);

  const l1 = async () => (layers.has('L1') ? memoryLayer(L1_TYPES, (type) => type) : []);
  const l2 = async () => (layers.has('L2') ? memoryLayer(L2_TYPES, (type) => (type === 'instruction' ? 'instruction' : undefined)) : []);

  const l3 = async (): Promise<Candidate[]> => {
    if (!layers.has('L3')) return [];
    const topics = await sources.knowledge.topicsFor(ownerId, { prompt: input.prompt, limit: 8 });
    return topics.map((t) => {
      const first = t.conversations[0];
      const examples = t.conversations.slice(0, 2).map((c) => `"${titleOf(c.title)}"`).join(', ');
      const facts = [count(t.conversationCount, 'conversation'), t.lastSeenAt ? `last ${day(t.lastSeenAt)}` : null].filter(Boolean).join(', ');
      const phrases = t.keyphrases.filter((k) => k.toLowerCase() !== t.label.toLowerCase()).slice(0, 5).join(', ');
      return {
        kind: 'topic',
        id: t.id,
        conversationId: first?.conversationId ?? null,
        messageId: null,
        sourceConversationId: first?.sourceConversationId ?? null,
        sourceMessageId: null,
        text: `${t.label}${phrases ? `: ${phrases}` : ''} (${facts}${examples ? `; e.g. ${examples}` : ''})`,
        score: t.score,
        keys: [`topic:${t.id}`],
      };
    });
  };

  const l4 = async (): Promise<Candidate[]> => {
    if (!layers.has('L4')) return [];
    const entities = await sources.knowledge.entitiesFor(ownerId, { prompt: input.prompt, limit: 10 });
    return entities.map((e) => {
      const mention = e.mentions[0];
      const aliases = e.aliases.filter((a) => a.toLowerCase() !== e.name.toLowerCase()).slice(0, 3);
      const seen = `${count(e.mentionCount, 'mention')} in ${count(e.conversationCount, 'conversation')}${e.lastSeenAt ? `, last ${day(e.lastSeenAt)}` : ''}`;
      return {
        kind: 'entity',
        id: e.id,
        conversationId: mention?.conversationId ?? null,
        messageId: mention?.messageId ?? null,
        sourceConversationId: mention?.sourceConversationId ?? null,
        sourceMessageId: mention?.sourceMessageId ?? null,
        text: `${e.name} (${e.type}${aliases.length > 0 ? `; also ${aliases.join(', ')}` : ''}): ${seen}`,
        score: e.score,
        keys: [`entity:${e.id}`],
      };
    });
  };

  const l5 = async (): Promise<Candidate[]> => {
    if (!layers.has('L5')) return [];
    if (input.conversationId) {
      const turns = await sources.capture.branchTexts(ownerId, input.conversationId, HISTORY_TURNS);
      // Newest first is the fitting order; the section shows them in conversation order (sortKey).
      return turns.filter((m) => m.text.trim() !== '').map((m, i) => messageCandidate(m, 1 - i / turns.length, `${m.role}${m.createdAt ? ` · ${day(m.createdAt)}` : ''}`, maxChars, m.position));
    }
    const result = await searched;
    if (!result) return [];
    const related = relatedConversations(result.results, relatedCount(input.budget));
    if (related.length === 0) return [];
    const texts = await sources.capture.messageTexts(ownerId, related.flatMap((r) => r.messageIds), { neighbours: true });
    const rank = new Map(related.map((r, i) => [r.conversationId, i]));
    const hits = new Set(related.flatMap((r) => r.messageIds));
    const candidates = texts
      .filter((m) => m.text.trim() !== '' && rank.has(m.conversationId))
      .map((m) => {
        const r = rank.get(m.conversationId)!;
        const score = (1 - r / related.length) * (hits.has(m.id) ? 1 : 0.8);
        return messageCandidate(m, score, `${m.role} · ${titleOf(m.conversationTitle)}`, maxChars, r * 1e7 + m.position);
      });
    return candidates.sort((a, b) => b.score - a.score);
  };

  const l6 = async (): Promise<Candidate[]> => {
    if (!layers.has('L6')) return [];
    const result = await searched;
    if (!result) return [];
    const hits = result.results.filter((r) => r.kind !== 'conversation');
    const messageIds = hits.filter((r) => r.kind === 'message').map((r) => r.id);
    const texts = new Map((await sources.capture.messageTexts(ownerId, messageIds)).map((m) => [m.id, m]));
    const top = hits[0]?.score || 1;
    return hits.flatMap((r): Candidate[] => {
      const score = r.score / top;
      const date = day(r.createdAt);
      if (r.kind === 'message') {
        const m = texts.get(r.id);
        return m ? [messageCandidate(m, score, [m.role, date, titleOf(m.conversationTitle)].filter(Boolean).join(' · '), maxChars)] : [];
      }
      return [snippetCandidate(r, score, maxChars)];
    });
  };

  const [L1, L2, L3, L4, L5, L6] = await Promise.all([l1(), l2(), l3(), l4(), l5(), l6()]);
  return { L1, L2, L3, L4, L5, L6 };
}

function snippetCandidate(r: SearchResult, score: number, maxChars: number): Candidate {
  const keys = [`${r.kind}:${r.id}`];
  return {
    kind: r.kind,
    id: r.id,
    conversationId: r.conversationId,
    messageId: r.messageId,
    sourceConversationId: r.sourceConversationId,
    sourceMessageId: r.sourceMessageId,
    text: clip(plainSnippet(r.snippet).trim(), maxChars),
    score,
    label: r.kind === 'memory' ? 'memory' : [day(r.createdAt), titleOf(r.title)].filter(Boolean).join(' · '),
    keys,
  };
}

/** The conversations of the best message/ACU hits, best first, with up to two hit messages each. */
function relatedConversations(results: readonly SearchResult[], count: number): { conversationId: string; messageIds: string[] }[] {
  const related = new Map<string, string[]>();
  for (const r of results) {
    if ((r.kind !== 'message' && r.kind !== 'acu') || !r.conversationId || !r.messageId) continue;
    const ids = related.get(r.conversationId) ?? [];
    if (!related.has(r.conversationId)) {
      if (related.size >= count) continue;
      related.set(r.conversationId, ids);
    }
    if (ids.length < 2 && !ids.includes(r.messageId)) ids.push(r.messageId);
  }
  return [...related.entries()].map(([conversationId, messageIds]) => ({ conversationId, messageIds }));
}
