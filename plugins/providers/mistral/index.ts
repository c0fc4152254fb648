import { defineProvider, PROVIDER_API_VERSION } from '../sdk/index.ts';
import { extract, matchConversationUrl, matchShareUrl, MISTRAL_HOST } from './extract.ts';

/**
 * Mistral Le Chat. Its pages are a Next.js app whose messages carry `data-message-author-role`;
 * the extractor reads the rendered DOM (answers, code widgets, rich tables, KaTeX). See README.md.
 */
export default defineProvider({
  id: 'mistral',
  name: 'Le Chat (Mistral)',
  apiVersion: PROVIDER_API_VERSION,
  version: '1.0.0',
  hosts: [MISTRAL_HOST],
  matchShareUrl,
  matchConversationUrl,
  rendering: 'browser',
  /** Present once the conversation has rendered (an answer is on the page). */
  readySelector: '[data-message-author-role="assistant"] [data-message-part-type]',
  extract,
  fixtures: [{ name: 'synthetic-share', url: 'https://chat.mistral.ai/share/4f0c2b7e-9d1a-4c3b-8e6f-5a7d9c1b3e20', file: 'fixtures/share-page.html' }],
});
