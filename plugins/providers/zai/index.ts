import { defineProvider, PROVIDER_API_VERSION } from '../sdk/index.ts';
import { extract, matchConversationUrl, matchShareUrl, ZAI_HOST } from './extract.ts';

/**
 * z.ai (GLM) chat, built on Open WebUI. Share pages (chat.z.ai/s/<uuid>) are a Svelte app that
 * loads the conversation with scripts: the fetched HTML is an empty shell, so the core renders
 * the page and the extractor reads the rendered DOM (see README.md).
 */
export default defineProvider({
  id: 'zai',
  name: 'Z.ai',
  apiVersion: PROVIDER_API_VERSION,
  version: '1.0.0',
  hosts: [ZAI_HOST],
  matchShareUrl,
  matchConversationUrl,
  rendering: 'browser',
  /** Present once the conversation has rendered (an answer is on the page). */
  readySelector: '[id^="message-"] .chat-assistant',
  extract,
  fixtures: [{ name: 'synthetic-share', url: 'https://chat.z.ai/s/0b9c2f1e-5d4a-4e8b-9c7d-2a1f3e4d5c6b', file: 'fixtures/share-page.html' }],
});
