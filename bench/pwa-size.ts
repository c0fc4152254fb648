// What the web app's first page costs: the JavaScript a browser actually fetched for it, summed as
// gzip (level 9, as the server's precompressed .gz files) from the built files in .output/public.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';

export interface JsBudget {
  files: { path: string; bytes: number; gzip: number }[];
  bytes: number;
  gzip: number;
}

/** Starts recording the same-origin `.js` responses of `page`; call the returned function to total them. */
export function recordJs(page: Page, publicDir: string): () => JsBudget {
  const seen = new Set<string>();
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.endsWith('.js') && url.pathname.startsWith('/_nuxt/')) seen.add(url.pathname);
  });
  return () => {
    const files = [...seen].map((file) => {
      const body = readFileSync(path.join(publicDir, file));
      return { path: file, bytes: body.length, gzip: gzipSync(body, { level: 9 }).length };
    });
    return { files, bytes: files.reduce((n, f) => n + f.bytes, 0), gzip: files.reduce((n, f) => n + f.gzip, 0) };
  };
}

/**
 * Strings found only inside each library's own code (not in the app code that loads it on demand):
 * these libraries must stay out of the first page.
 */
export const LAZY_MARKERS = { katex: 'KaTeX parse error', mermaid: 'mermaidAPI', shiki: 'ShikiError' } as const;

/** Which lazy libraries a set of loaded files contains (should be none for the first page). */
export function lazyLibrariesIn(budget: JsBudget, publicDir: string): string[] {
  const found = new Set<string>();
  for (const file of budget.files) {
    const text = readFileSync(path.join(publicDir, file.path), 'utf8');
    for (const [library, marker] of Object.entries(LAZY_MARKERS)) if (text.includes(marker)) found.add(library);
  }
  return [...found];
}
