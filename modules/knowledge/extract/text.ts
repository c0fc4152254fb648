/** Words that never make an entity or a keyphrase on their own (pronouns, determiners, fillers, generic nouns). */
export const STOP_WORDS = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both but by can
  could did do does doing down during each even every few for from further had has have having he her here hers herself him himself
  his how i if in into is it its itself just let me more most my myself no nor not now of off on once only or other our ours ourselves
  out over own same she should so some such than that the their theirs them themselves then there these they this those through to too
  under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves
  thing things something anything everything nothing someone anyone everyone way ways lot lots kind sort bit stuff one ones
  yes no ok okay please thanks thank hi hello hey sure well maybe really actually basically
  here's there's it's that's what's let's i'm you're we're they're i've you've i'd you'd i'll you'll don't doesn't can't won't isn't
  time times day days week weeks year years today tomorrow yesterday first second third last next new old good great best better
  part parts step steps example examples note notes section sections point points option options idea ideas question questions answer answers
  problem problems issue issues case cases use uses way result results type types number numbers level levels end start
  overview summary conclusion introduction detail details list item items approach approaches version versions
  chat conversation message response request help user assistant model page pages file files link links
  core key main full simple clear quick short long high low real big small right left top bottom same different
  verdict tip tips copy content line lines true false null word words stuff etc via
  like just use using used make makes made get gets got need needs want wants`.split(/\s+/).filter(Boolean),
);

/** Lowercase alphanumerics (plus `+` and `#`, for C++ and C#), accents and possessives removed: the merge key of an entity. */
export function entityKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]s\b/g, '')
    .replace(/[^a-z0-9+#]/g, '');
}

/** A crude singular for keyphrase words: rollouts → rollout, queries → query (not class, status, analysis). */
export function singular(word: string): string {
  if (word.length <= 3) return word;
  if (/ies$/.test(word) && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(ss|us|is|ics|ous|sis)$/.test(word)) return word;
  if (/(ches|shes|xes|sses)$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s')) return word.slice(0, -1);
  return word;
}

/** Words of a text for term matching: lowercase, singular, stop words dropped. */
export function matchTerms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}+#.-]*/gu) ?? [])
    .map((w) => singular(w.replace(/[.-]+$/, '')))
    .filter((w) => w.length >= 2 && !STOP_WORDS.has(w));
}

const FENCE = /^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm;

/**
 * Markdown → plain prose for the NLP: code fences and inline code out, links to their text, URLs
 * out, emphasis and heading marks out, table rows and box-drawing lines dropped.
 */
export function plainProse(markdown: string): string {
  return markdown
    .replace(FENCE, '\n')
    .replace(/`[^`\n]*`/g, ' ')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/https?:\/\/\S+/g, ' ')
    .split('\n')
    .filter((line) => !/^\s*\|/.test(line) && !/[\u2500-\u257f]{2,}/.test(line))
    .map((line) =>
      line
        .replace(/^\s{0,3}#{1,6}\s+/, '')
        .replace(/^\s*(?:[-*+•]|\d+[.)])\s+/, '')
        .replace(/^\s*>\s?/, '')
        .replace(/(\*\*|__|\*|~~)/g, '')
        .replace(/[\u2500-\u257f\u25a0-\u25ff\u2190-\u21ff]/g, ' ')
        .trim(),
    )
    .filter(Boolean)
    // A line without final punctuation (a heading, a bullet) is its own sentence.
    .map((line) => (/[.!?:;]$/.test(line) ? line : `${line}.`))
    .join('\n');
}

/** Inline code spans (`like_this`) of a markdown text, outside code fences. */
export function inlineCode(markdown: string): string[] {
  return [...markdown.replace(FENCE, '\n').matchAll(/`([^`\n]{1,80})`/g)].map((m) => m[1]!.trim());
}
