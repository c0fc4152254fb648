import nlp from 'compromise';
import type { MemoryType } from '../schemas.ts';
import type { ExtractionInput, ExtractionOutput, MemoryCandidate, MemoryExtractor } from './types.ts';

/** A rule's reading of one clause. */
interface Reading {
  type: MemoryType;
  content: string;
  slot: string | null;
  confidence: number;
}

interface Rule {
  pattern: RegExp;
  read(m: RegExpExecArray, clause: string): Reading | Reading[] | null;
  /** False for rules whose statement may be negated ("I don't like X"); others skip negated clauses. */
  negatable?: boolean;
}

const IMPORTANCE: Record<MemoryType, number> = { identity: 0.9, instruction: 0.85, relationship: 0.7, goal: 0.7, preference: 0.6, skill: 0.6, fact: 0.6, event: 0.5 };

const CONTRACTIONS: [RegExp, string][] = [
  [/\bi'm\b/gi, 'i am'], [/\bim\b/g, 'i am'], [/\bi've\b/gi, 'i have'], [/\bi'd\b/gi, 'i would'], [/\bi'll\b/gi, 'i will'],
  [/\bdon't\b/gi, 'do not'], [/\bdoesn't\b/gi, 'does not'], [/\bcan't\b/gi, 'cannot'], [/\bwon't\b/gi, 'will not'], [/\bwanna\b/gi, 'want to'],
  [/[’‘]/g, "'"],
];
/** Openers dropped before matching ("Hi, my name is…", "Well, I prefer…"). */
const OPENERS = /^(?:(?:hi|hello|hey|well|so|also|and|but|actually|btw|by the way|oh|ok|okay|yes|yeah|no|um+|uh+|anyway|anyhow|honestly|basically|fyi|just so you know|for context|for the record)\b[\s,!:-]*)+/i;
const HEDGE = /\b(?:i think|i guess|maybe|probably|kind of|sort of|perhaps)\b/i;
const INTERROGATIVE = /^(?:do|does|did|can|could|should|would|will|is|are|am|was|were|what|how|why|who|where|when|which|whether|if|suppose|imagine|let's say)\b/i;
/** Words pointing at the conversation itself: the clause is about the task at hand, not the person. */
const DEICTIC = /\b(?:this|that|these|those|it|above|below|following|here|attached|previous|your|you)\b/i;
/** Verbs of a request in the chat ("I want to know…"), not of a life goal. */
const TASK_VERB = /^(?:know|understand|see|ask|check|make sure|create|write|get|add|change|fix|try|test|do|convert|generate|build a (?:quick|simple)|find out|learn how|clarify|confirm|print|show|compare|draw|use|say|copy|paste|run this|redesign)\b/i;
const CLAUSE_SPLIT = /\s*;\s*|\s+but\s+|\s+and\s+(?=i\b|i'm\b|my\b)|,\s*(?=(?:and |but |so |because |although |though |while )?(?:i|i'm|i've|i'd|my|what|how|why|who|where|when|can|could|would|should|do|does|please|thanks|thank)\b)/i;
const OBJECT_END = /\s+(?:because|since|so that|but|which|as long as|unless|although|though|when you|if you)\b|[.!?;:()]|\s[-–—]\s/i;
const TRAILING = /\s+(?:now|anymore|any more|these days|lately|nowadays|too|as well|though|a lot|very much|so much)$/i;

const cap = (text: string) => (text ? text[0]!.toUpperCase() + text.slice(1) : text);
const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9+#]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);

/** The object phrase of a clause: up to the first clause boundary, without trailing time adverbs. */
function objectOf(text: string, maxWords = 12): string | null {
  let object = text.split(OBJECT_END)[0]!.trim().replace(/^(?:really|also|still|now|just|definitely|totally)\s+/i, '');
  for (let previous = ''; previous !== object; ) {
    previous = object;
    object = object.replace(TRAILING, '').replace(/[\s,]+$/, '');
  }
  const words = object.split(/\s+/).filter(Boolean);
  if (words.length === 0 || words.length > maxWords || DEICTIC.test(object)) return null;
  return object;
}

/** The key of a preference: "spaces over tabs" and "tabs over spaces" share one. */
function preferenceSlot(object: string): string {
  const lower = object.toLowerCase();
  if (/\b(?:tabs?|spaces?)\b/.test(lower) && /indent|tab|space/.test(lower)) return 'preference:indentation';
  if (/\b(?:dark|light) (?:mode|theme)\b/.test(lower)) return 'preference:theme';
  const pair = /^(.+?)\s+(?:over|to|rather than|than|instead of)\s+(.+)$/i.exec(object);
  if (pair) return `preference:${[slug(pair[1]!), slug(pair[2]!)].sort().join('-vs-')}`;
  const first = object.split(' ')[0]!;
  const noun = /^[a-z]+ing$/i.test(first) ? [first] : (nlp(object).nouns().out('array') as string[]);
  return `preference:${slug(noun[0] ?? object)}`;
}

const SINGLE_RELATIONS = new Set(['wife', 'husband', 'partner', 'girlfriend', 'boyfriend', 'manager', 'boss', 'mother', 'mom', 'father', 'dad', 'cofounder', 'co-founder']);
const MONTH = '(?:january|february|march|april|may|june|july|august|september|october|november|december)';
const NUMBER = '(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|\\d+)';

const RULES: Rule[] = [
  // identity
  {
    pattern: /^(?:my name is|i am called|call me|my name's)\s+([a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)/i,
    read: (m) => {
      const name = m[1]!.split(/\s+/).filter((w) => !/^(?:and|but|what|how|i|from|by)$/i.test(w)).map(cap).join(' ');
      return name ? { type: 'identity', content: `Name is ${name}`, slot: 'identity:name', confidence: 0.95 } : null;
    },
  },
  { pattern: /^i (?:work|am working|am employed) (?:at|for) (.+)/i, read: (m) => withObject(m[1]!, (o) => ({ type: 'identity', content: `Works at ${o}`, slot: 'identity:employer', confidence: 0.85 })) },
  { pattern: /^i (?:work|am working) as (?:an? )?(.+)/i, read: (m) => withObject(m[1]!, (o) => ({ type: 'identity', content: `Works as ${article(o)}`, slot: 'identity:role', confidence: 0.85 })) },
  { pattern: /^i am (?:a |an )?(?:big |huge )?fan of (.+)/i, read: (m) => withObject(m[1]!, (o) => ({ type: 'preference', content: `Likes ${o}`, slot: preferenceSlot(o), confidence: 0.75 })) },
  {
    pattern: /^i am (?:an?) (.+)/i,
    read: (m) =>
      withObject(m[1]!, (o) => {
        if (/^(?:bit|little|lot|fan|huge|big fan|beginner at|newbie at)\b/i.test(o) || o.split(' ').length > 6 || (nlp(o).nouns().out('array') as string[]).length === 0) return null;
        return { type: 'identity', content: `Is ${article(o)}`, slot: 'identity:role', confidence: 0.75 };
      }),
  },
  { pattern: /^i am (?:originally )?from (.+)/i, read: (m) => withObject(m[1]!, (o) => ({ type: 'fact', content: `Is from ${o}`, slot: 'fact:hometown', confidence: 0.8 })) },
  // location, moves
  { pattern: /^i (?:live|am living|am based|reside|stay) in (.+)/i, read: (m) => withObject(m[1]!, (o) => ({ type: 'fact', content: `Lives in ${o}`, slot: 'fact:location', confidence: 0.85 })) },
  {
    pattern: /^i (?:have )?(?:just |recently )?(?:moved|relocated) to (.+)/i,
    read: (m) =>
      withObject(m[1]!, (o) => {
        const place = o.replace(new RegExp(`\\s+(?:in|on|last|back in)\\s+(?:${MONTH}|(?:19|20)\\d{2}|year|month|week).*$`, 'i'), '');
        return [
          { type: 'event', content: `Moved to ${o}`, slot: null, confidence: 0.8 },
          { type: 'fact', content: `Lives in ${place}`, slot: 'fact:location', confidence: 0.75 },
        ];
      }),
  },
  // preferences
  { pattern: /^i (?:really |much |strongly |definitely |generally |usually )?prefer (.+)/i, read: (m) => withObject(m[1]!, (o) => ({ type: 'preference', content: `Prefers ${o}`, slot: preferenceSlot(o), confidence: 0.85 })) },
  { pattern: /^i would (?:much )?rather (.+)/i, read: (m) => withObject(m[1]!, (o) => ({ type: 'preference', content: `Would rather ${o}`, slot: preferenceSlot(o), confidence: 0.75 })) },
  {
    pattern: /^i (?:really |absolutely |just )?(?:do not like|do not enjoy|dislike|hate|cannot stand|detest|loathe) (.+)/i,
    negatable: true,
    read: (m) => withObject(m[1]!, (o) => ({ type: 'preference', content: `Dislikes ${o}`, slot: preferenceSlot(o), confidence: 0.75 })),
  },
  { pattern: /^i (?:really |absolutely |just )?(?:like|love|enjoy|adore) (.+)/i, read: (m) => withObject(m[1]!, (o) => (/^(?:to )?(?:know|ask|see|thank)\b/i.test(o) ? null : { type: 'preference', content: `Likes ${o}`, slot: preferenceSlot(o), confidence: 0.7 })) },
  // goals
  { pattern: /^my (?:main |long[- ]term )?(?:goal|plan|aim|dream) is (?:to )?(.+)/i, read: (m) => withObject(m[1]!, (o) => ({ type: 'goal', content: `Goal: ${o}`, slot: null, confidence: 0.85 })) },
  { pattern: /^i am (trying|planning|hoping|aiming|preparing) to (.+)/i, read: (m) => withObject(m[2]!, (o) => (TASK_VERB.test(o) ? null : { type: 'goal', content: `Is ${m[1]!.toLowerCase()} to ${o}`, slot: null, confidence: 0.75 })) },
  { pattern: /^i (plan|intend|hope|aim) to (.+)/i, read: (m) => withObject(m[2]!, (o) => (TASK_VERB.test(o) ? null : { type: 'goal', content: `${cap(m[1]!.toLowerCase())}s to ${o}`, slot: null, confidence: 0.75 })) },
  { pattern: /^i (?:want|would like|really want) to (.+)/i, read: (m) => withObject(m[1]!, (o) => (TASK_VERB.test(o) ? null : { type: 'goal', content: `Wants to ${o}`, slot: null, confidence: 0.6 })) },
  // skills
  {
    pattern: /^i have been (using|writing|coding in|programming in|working with|doing|practicing|playing) (.+?) for (\S+ (?:years?|months?))/i,
    read: (m) => withObject(m[2]!, (o) => ({ type: 'skill', content: `Has been ${m[1]!.toLowerCase()} ${o} for ${m[3]!.toLowerCase()}`, slot: `skill:${slug(o)}`, confidence: 0.85 })),
  },
  { pattern: /^i am (?:currently )?learning (.+)/i, read: (m) => withObject(m[1]!, (o) => ({ type: 'skill', content: `Is learning ${o}`, slot: `skill:${slug(o)}`, confidence: 0.75 })) },
  { pattern: /^i am (?:an? )?(?:expert|proficient|fluent|experienced|skilled) (?:in|with|at) (.+)/i, read: (m) => withObject(m[1]!, (o) => ({ type: 'skill', content: `Is proficient in ${o}`, slot: `skill:${slug(o)}`, confidence: 0.8 })) },
  { pattern: /^i (?:know|speak) (.+)/i, read: (m) => withObject(m[1]!, (o) => (/^(?:that|what|how|why|about|if|where|when|who|the answer|a lot)\b/i.test(o) ? null : { type: 'skill', content: `Knows ${o}`, slot: `skill:${slug(o)}`, confidence: 0.65 })) },
  // relationships (the name must be written with a capital letter)
  {
    pattern: /^[Mm]y (wife|husband|partner|girlfriend|boyfriend|son|daughter|mother|mom|father|dad|brother|sister|manager|boss|colleague|coworker|co-worker|friend|cofounder|co-founder|dog|cat)(?:'s name)?(?: is)?(?: (?:called|named))? ([A-Z][a-z]+)\b/,
    read: (m) => {
      const role = m[1]!.toLowerCase();
      return { type: 'relationship', content: `${cap(role)} is ${m[2]!}`, slot: SINGLE_RELATIONS.has(role) ? `relationship:${role}` : `relationship:${role}:${slug(m[2]!)}`, confidence: 0.8 };
    },
  },
  // events: a past change with a time
  {
    pattern: new RegExp(`^i (started|graduated|joined|left|quit|got married|got engaged|retired|finished|founded|launched|graduated from|had a baby|adopted)\\b(.*?\\b(?:in|on|last|back in|since) (?:${MONTH}|(?:19|20)\\d{2}|year|summer|winter|spring|fall)(?: (?:19|20)\\d{2})?)`, 'i'),
    read: (m) => ({ type: 'event', content: `${cap(m[1]!.toLowerCase())}${m[2]!.replace(/[.!,]+$/, '')}`, slot: null, confidence: 0.75 }),
  },
  // instructions for assistants
  {
    pattern: /^(?:(?:from now on|in the future|going forward),?\s+)?(?:please )?(?:always )?(?:respond|reply|answer|write|talk) (?:to me )?in ([a-z]+)\b/i,
    read: (m) => (/^(?:a|the|markdown|json|code|short|bullet)/i.test(m[1]!) ? null : { type: 'instruction', content: `Respond in ${cap(m[1]!.toLowerCase())}`, slot: 'instruction:response-language', confidence: 0.85 }),
  },
  { pattern: /^(?:please )?(always|never) (.+)/i, negatable: true, read: (m) => withObject(m[2]!, (o) => ({ type: 'instruction', content: `${cap(m[1]!.toLowerCase())} ${o}`, slot: null, confidence: 0.8 }), 16) },
  { pattern: /^(?:from now on|in the future|going forward),?\s+(?:please\s+)?(.+)/i, negatable: true, read: (m) => withObject(m[1]!, (o) => ({ type: 'instruction', content: cap(o), slot: null, confidence: 0.8 }), 16) },
  // facts
  {
    pattern: new RegExp(`^i have (${NUMBER}) (kids?|children|sons?|daughters?|dogs?|cats?|brothers?|sisters?|siblings?)\\b`, 'i'),
    read: (m) => {
      const what = m[2]!.toLowerCase();
      const key = /kid|child|son|daughter/.test(what) ? 'children' : /brother|sister|sibling/.test(what) ? 'siblings' : `pets-${what.replace(/s$/, '')}`;
      return { type: 'fact', content: `Has ${m[1]!.toLowerCase()} ${what}`, slot: `fact:${key}`, confidence: 0.85 };
    },
  },
  {
    pattern: /^i (?:mainly |mostly |usually |always |daily )?(?:use|am using|work with|code in|program in|develop in) (.+)/i,
    read: (m) => withObject(m[1]!, (o) => (/^(?:the|a|an)\s/i.test(o) && o.split(' ').length < 3 ? null : { type: 'fact', content: `Uses ${o}`, slot: `fact:tool:${slug(nlp(o).nouns().out('array')[0] ?? o)}`, confidence: 0.65 })),
  },
  { pattern: /^i am (?:currently )?(building|developing|working on|writing|redesigning|designing) (.+)/i, read: (m) => withObject(m[2]!, (o) => ({ type: 'fact', content: `Is ${m[1]!.toLowerCase()} ${o}`, slot: null, confidence: 0.6 }), 16) },
];

/** "software engineer" → "a software engineer" (keeps an article the user wrote). */
function article(object: string): string {
  if (/^(?:a|an|the)\s/i.test(object)) return object;
  return /^[aeiou]/i.test(object) ? `an ${object}` : `a ${object}`;
}

function withObject(raw: string, make: (object: string) => Reading | Reading[] | null, maxWords = 12): Reading | Reading[] | null {
  const object = objectOf(raw, maxWords);
  return object ? make(object) : null;
}

/** "Wants to run my first marathon" → "Wants to run their first marathon". */
function thirdPerson(content: string): string {
  return content
    .replace(/\bmy\b/gi, 'their')
    .replace(/\bmine\b/gi, 'theirs')
    .replace(/\bmyself\b/gi, 'themselves')
    .replace(/\bme\b/gi, 'them')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A paragraph this long is pasted material (a document, a prompt), not the user talking about themselves. */
const MAX_PARAGRAPH_CHARS = 1200;

/** User text worth reading: no fenced code, no quoted (pasted) lines, headings or table rows. */
function proseOf(text: string): string {
  return text
    .replace(/```[\s\S]*?(?:```|$)/g, '\n')
    .split('\n')
    .filter((line) => !/^\s*(?:>|#|\|)/.test(line))
    .join('\n');
}

/** Clauses of a sentence, each starting at a possible "I …"/"my …". */
function clausesOf(sentence: string): string[] {
  return sentence
    .split(CLAUSE_SPLIT)
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}

/** Reads one clause with the rules; null when no rule applies or the clause is a question or hypothetical. */
export function readClause(rawClause: string): Reading[] {
  let clause = rawClause;
  for (const [re, to] of CONTRACTIONS) clause = clause.replace(re, to);
  clause = clause.replace(OPENERS, '').trim();
  if (clause.length < 4 || INTERROGATIVE.test(clause) || (/\?\s*$/.test(clause) && !/^my name is\b/i.test(clause))) return [];
  const hedged = HEDGE.test(clause);
  clause = clause.replace(/^(?:i think|i guess|honestly|personally|actually)[\s,]+/i, '').replace(/^i (?:now|also|still|actually|honestly|personally) /i, 'i ');
  const doc = nlp(clause);
  const negated = doc.has('#Negative');
  for (const rule of RULES) {
    const m = rule.pattern.exec(clause);
    if (!m) continue;
    if (negated && !rule.negatable) return [];
    const read = rule.read(m, clause);
    if (!read) return [];
    return (Array.isArray(read) ? read : [read]).map((r) => ({ ...r, content: thirdPerson(r.content), confidence: hedged ? r.confidence - 0.15 : r.confidence }));
  }
  return [];
}

/**
 * The deterministic extractor: rules over the user's own sentences (compromise splits sentences
 * and spots negation and nouns). Slots make reconciliation decisions deterministic.
 */
export class OfflineExtractor implements MemoryExtractor {
  readonly id = 'offline@1';

  extract(input: ExtractionInput): Promise<ExtractionOutput> {
    const candidates: MemoryCandidate[] = [];
    for (const message of input.messages) {
      if (message.role !== 'user') continue;
      for (const paragraph of proseOf(message.text).split(/\n+/)) {
        if (paragraph.trim().length < 4 || paragraph.length > MAX_PARAGRAPH_CHARS) continue;
        for (const sentence of nlp(paragraph).sentences().out('array') as string[]) {
          for (const clause of clausesOf(sentence)) {
            for (const reading of readClause(clause)) {
              candidates.push({ ...reading, importance: IMPORTANCE[reading.type], messageId: message.id, quote: sentence.trim() });
            }
          }
        }
      }
    }
    return Promise.resolve({ candidates, tokens: 0, truncated: false });
  }

  /** The slot of a statement of the given type, written in the first person or as a stored memory ("Prefers …"). */
  slotOf(type: MemoryType, content: string): string | null {
    for (const text of [content, firstPerson(content)]) {
      const reading = readClause(text).find((r) => r.type === type);
      if (reading) return reading.slot;
    }
    return null;
  }
}

/** A stored memory's wording back in the first person ("Prefers X" → "I prefer X"), to find its slot. */
function firstPerson(content: string): string {
  const verbs: [RegExp, string][] = [
    [/^name is /i, 'my name is '], [/^prefers /i, 'i prefer '], [/^likes /i, 'i like '], [/^dislikes /i, 'i dislike '], [/^lives in /i, 'i live in '],
    [/^works at /i, 'i work at '], [/^works as /i, 'i work as '], [/^is from /i, 'i am from '], [/^uses /i, 'i use '], [/^is learning /i, 'i am learning '],
    [/^knows /i, 'i know '], [/^has /i, 'i have '], [/^is /i, 'i am '], [/^would rather /i, 'i would rather '],
  ];
  for (const [re, to] of verbs) if (re.test(content)) return content.replace(re, to);
  return content;
}
