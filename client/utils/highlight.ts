// Syntax highlighting with shiki, loaded on first use (never in the first page's bundle): the core,
// the JavaScript regex engine (no WebAssembly), two themes and only the grammars a block asks for.
import type { HighlighterCore, LanguageInput } from 'shiki/core';

const GRAMMARS: Record<string, () => Promise<{ default: LanguageInput }>> = {
  bash: () => import('shiki/langs/bash.mjs'),
  c: () => import('shiki/langs/c.mjs'),
  cpp: () => import('shiki/langs/cpp.mjs'),
  css: () => import('shiki/langs/css.mjs'),
  diff: () => import('shiki/langs/diff.mjs'),
  go: () => import('shiki/langs/go.mjs'),
  html: () => import('shiki/langs/html.mjs'),
  java: () => import('shiki/langs/java.mjs'),
  javascript: () => import('shiki/langs/javascript.mjs'),
  json: () => import('shiki/langs/json.mjs'),
  jsx: () => import('shiki/langs/jsx.mjs'),
  python: () => import('shiki/langs/python.mjs'),
  rust: () => import('shiki/langs/rust.mjs'),
  sql: () => import('shiki/langs/sql.mjs'),
  tsx: () => import('shiki/langs/tsx.mjs'),
  typescript: () => import('shiki/langs/typescript.mjs'),
  yaml: () => import('shiki/langs/yaml.mjs'),
};

const ALIASES: Record<string, string> = {
  sh: 'bash', shell: 'bash', zsh: 'bash', console: 'bash', js: 'javascript', mjs: 'javascript', cjs: 'javascript', node: 'javascript',
  ts: 'typescript', mts: 'typescript', py: 'python', python3: 'python', yml: 'yaml', 'c++': 'cpp', cc: 'cpp', h: 'c',
  golang: 'go', rs: 'rust', postgres: 'sql', postgresql: 'sql', mysql: 'sql', sqlite: 'sql', htm: 'html', xml: 'html', patch: 'diff', jsonc: 'json',
};

/** The grammar name for a fence's language, or null when none of ours fits (shown plain). */
export function grammarFor(language: string | undefined): string | null {
  const name = language?.trim().toLowerCase();
  if (!name) return null;
  const resolved = ALIASES[name] ?? name;
  return resolved in GRAMMARS ? resolved : null;
}

let highlighter: Promise<HighlighterCore> | undefined;
const loaded = new Map<string, Promise<void>>();

function core(): Promise<HighlighterCore> {
  highlighter ??= Promise.all([import('shiki/core'), import('shiki/engine/javascript')]).then(([shiki, engine]) =>
    shiki.createHighlighterCore({
      themes: [import('shiki/themes/github-light.mjs'), import('shiki/themes/github-dark.mjs')],
      langs: [],
      engine: engine.createJavaScriptRegexEngine(),
    }),
  );
  return highlighter;
}

/**
 * Highlighted HTML for `code` (shiki's output: spans of escaped text with colours for both
 * themes), or null when the language is not one we load: the caller shows the code plain.
 */
export async function highlight(code: string, language: string | undefined): Promise<string | null> {
  const grammar = grammarFor(language);
  if (!grammar) return null;
  const instance = await core();
  let ready = loaded.get(grammar);
  if (!ready) {
    ready = (GRAMMARS[grammar] as () => Promise<{ default: LanguageInput }>)().then((module) => instance.loadLanguage(module.default));
    loaded.set(grammar, ready);
  }
  await ready;
  return instance.codeToHtml(code, { lang: grammar, themes: { light: 'github-light', dark: 'github-dark' }, defaultColor: 'light' });
}
