import type { ContextIntent, ContextLayer } from './schemas.ts';

const CODE_FENCE = /```|^( {4}|\t)\S/m;
const ERROR_TRACE = /\b(error|exception|traceback|stack ?trace|segfault|panic|undefined is not|cannot read propert|null ?pointer|TypeError|SyntaxError|ReferenceError|ENOENT|EADDRINUSE|exit code|failed to compile|compiler|stderr)\b/i;
const IDENTIFIER = /\b[a-z]+[A-Z][A-Za-z0-9]*\b|\b[a-z0-9]+_[a-z0-9_]+\b|\w+\(\)|\w+\.\w+\(|=>|::|\bnpm\b|\bgit\b|\b(import|function|class|const|def|return|async|await|SELECT|INSERT)\b|\.(ts|js|py|rs|go|sql|json|yaml|yml|tsx|css|html|sh)\b/;
const CODE_WORDS = /\b(code|bug|debug|refactor|compile|deploy|function|api|endpoint|regex|query|database|script|library|dependency|unit test|typescript|javascript|python|rust|golang|kubernetes|docker|sql)\b/i;
const RECALL = /\b(remember|remind me|recall|what did (i|we)|did i (ever |already )?(say|tell|mention|ask)|last time|previously|earlier (we|i|you)|have i (ever )?(told|mentioned|said)|what was (that|the)|you (told|said) me|we (talked|discussed|spoke) about|do you know (my|what i))\b/i;
const PLANNING = /\b(plan|planning|schedule|roadmap|itinerary|next steps?|milestones?|prioriti[sz]e|organi[sz]e|timeline|agenda|goals?|strategy|by (next|this) (week|month|year)|to-?do)\b/i;
const WRITING = /\b(write|rewrite|draft|edit|proofread|polish|essay|email|letter|cover letter|blog post|article|speech|story|poem|tone|paragraph|summari[sz]e|translate|caption|tweet)\b/i;
const QUESTION = /\?\s*$|^(who|what|when|where|why|how|which|is|are|can|could|should|would|does|do|did|will)\b/i;

/**
 * Detects what the prompt is for with deterministic rules, strongest signal first: recall phrasing
 * ("remember", "what did I", "last time"), code (fences, identifiers, stack traces, code words),
 * planning, writing, then any question; anything else is chat.
 */
export function detectIntent(prompt: string): ContextIntent {
  const text = prompt.trim();
  if (RECALL.test(text)) return 'recall';
  const codeSignals = [CODE_FENCE.test(text), ERROR_TRACE.test(text), IDENTIFIER.test(text), CODE_WORDS.test(text)].filter(Boolean).length;
  if (CODE_FENCE.test(text) || codeSignals >= 2) return 'coding';
  if (PLANNING.test(text)) return 'planning';
  if (WRITING.test(text)) return 'writing';
  if (codeSignals === 1) return 'coding';
  if (QUESTION.test(text)) return 'question';
  return 'chat';
}

type Weights = Record<Exclude<ContextLayer, 'L0'>, number>;

/**
 * Share of the budget (after L0) each layer gets per intent. Coding leans on retrieval and the
 * current conversation; recall on retrieval and memories; writing on identity and preferences
 * (voice, style); planning on goals, topics and entities.
 */
export const INTENT_WEIGHTS: Record<ContextIntent, Weights> = {
  coding: { L1: 0.04, L2: 0.12, L3: 0.06, L4: 0.08, L5: 0.3, L6: 0.4 },
  recall: { L1: 0.08, L2: 0.08, L3: 0.1, L4: 0.1, L5: 0.14, L6: 0.5 },
  planning: { L1: 0.12, L2: 0.14, L3: 0.14, L4: 0.12, L5: 0.2, L6: 0.28 },
  writing: { L1: 0.16, L2: 0.22, L3: 0.08, L4: 0.08, L5: 0.22, L6: 0.24 },
  question: { L1: 0.1, L2: 0.12, L3: 0.1, L4: 0.1, L5: 0.2, L6: 0.38 },
  chat: { L1: 0.14, L2: 0.14, L3: 0.1, L4: 0.1, L5: 0.24, L6: 0.28 },
};

/** Tokens a layer is given before shares are applied, when it has candidates and the budget allows. */
export const LAYER_MINIMUMS: Weights = { L1: 40, L2: 40, L3: 24, L4: 24, L5: 60, L6: 60 };
