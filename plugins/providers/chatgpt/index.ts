import { defineProvider, PROVIDER_API_VERSION } from '../sdk/index.ts';
import { extractChatgpt, HOSTS, matchConversationUrl, matchShareUrl } from './extract.ts';
import { detectChatgptExport, importChatgptExport } from './import.ts';

/**
 * ChatGPT (chatgpt.com, formerly chat.openai.com). Share pages embed the whole conversation tree in
 * the server-rendered HTML (React Router stream payload), so a plain fetch is enough; the data
 * export (a zip with conversations.json) is imported with its branches and attachments.
 */
export default defineProvider({
  id: 'chatgpt',
  name: 'ChatGPT',
  apiVersion: PROVIDER_API_VERSION,
  version: '1.0.0',
  hosts: HOSTS,
  matchShareUrl,
  matchConversationUrl,
  rendering: 'static',
  // Only used when a fetched page lacks the payload and the core renders it in Chromium.
  readySelector: '[data-message-author-role]',
  extract: extractChatgpt,
  detectExport: detectChatgptExport,
  importExport: importChatgptExport,
  fixtures: [{ name: 'private-chat', url: 'https://chatgpt.com/c/68a0c3f2-1b2c-4d5e-8f90-a1b2c3d4e5f6', file: 'fixtures/private-chat.html' }],
});
