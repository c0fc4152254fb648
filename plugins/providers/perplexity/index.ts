import { defineProvider, PROVIDER_API_VERSION } from '../sdk/index.ts';
import { extract, matchConversationUrl, matchShareUrl, PERPLEXITY_HOSTS } from './extract.ts';

/**
 * Perplexity threads (www.perplexity.ai/search/<slug>) and Pages (/page/<slug>). The extractor
 * reads the rendered thread: each question (`.group/query`) and answer (`#markdown-content-N`),
 * with its code, tables, KaTeX and sources. See README.md.
 */
export default defineProvider({
  id: 'perplexity',
  name: 'Perplexity',
  apiVersion: PROVIDER_API_VERSION,
  version: '1.0.0',
  hosts: [...PERPLEXITY_HOSTS],
  matchShareUrl,
  matchConversationUrl,
  rendering: 'browser',
  /** Present once the conversation has rendered (an answer is on the page). */
  readySelector: '[id^="markdown-content-"]',
  extract,
  fixtures: [{ name: 'synthetic-thread', url: 'https://www.perplexity.ai/search/how-do-tides-work-Xq3.Lm9_Tz2bWc4Rv8Ys1A', file: 'fixtures/share-page.html' }],
});
