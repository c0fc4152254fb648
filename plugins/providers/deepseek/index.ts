import { defineProvider, PROVIDER_API_VERSION } from '../sdk/index.ts';
import { extract, HOST, matchConversationUrl, matchShareUrl, PROVIDER_ID } from './extract.ts';
import { detectExport, importExport } from './import.ts';

/**
 * DeepSeek (chat.deepseek.com). Share pages and chat pages are rendered by the app in the browser
 * (no conversation data in the served HTML): extraction reads the rendered DOM. Imports DeepSeek's
 * own data export (conversations.json, alone or in its zip). See README.md.
 */
export default defineProvider({
  id: PROVIDER_ID,
  name: 'DeepSeek',
  apiVersion: PROVIDER_API_VERSION,
  version: '1.0.0',
  hosts: [HOST],
  matchShareUrl,
  matchConversationUrl,
  rendering: 'browser',
  extract,
  detectExport,
  importExport,
  fixtures: [
    { name: 'not-found', url: 'https://chat.deepseek.com/share/missing', file: 'fixtures/not-found.html' },
    { name: 'chat-page', url: 'https://chat.deepseek.com/a/chat/s/7f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f', file: 'fixtures/chat-page.html' },
  ],
});
