import { defineProvider, PROVIDER_API_VERSION } from '../sdk/index.ts';
import { extractGemini } from './extract.ts';
import { detectGeminiExport, importGeminiExport } from './import.ts';
import { GEMINI_HOSTS, matchConversationUrl, matchShareUrl } from './urls.ts';

/**
 * Gemini (gemini.google.com): public shares gemini.google.com/share/<id> (short form
 * g.co/gemini/share/<id>) and signed-in chats gemini.google.com/app/<id>, rendered by the
 * browser; Google Takeout's "My Activity → Gemini Apps" (JSON or HTML) is imported too.
 * See README.md.
 */
export default defineProvider({
  id: 'gemini',
  name: 'Gemini',
  apiVersion: PROVIDER_API_VERSION,
  version: '1.0.0',
  hosts: GEMINI_HOSTS,
  matchShareUrl,
  matchConversationUrl,
  rendering: 'browser',
  readySelector: 'message-content',
  extract: extractGemini,
  detectExport: detectGeminiExport,
  importExport: importGeminiExport,
  fixtures: [
    { name: 'versatile-output', url: 'https://gemini.google.com/share/2f2e3626ab00', file: 'fixtures/share-2f2e3626ab00.html' },
    { name: 'rich-answer', url: 'https://gemini.google.com/share/a1b2c3d4e5f6', file: 'fixtures/share-rich-answer.html' },
    { name: 'app-chat', url: 'https://gemini.google.com/app/9f8e7d6c5b4a3921', file: 'fixtures/app-chat.html' },
    { name: 'not-found', url: 'https://gemini.google.com/share/000000000000', file: 'fixtures/not-found.html' },
    { name: 'unusual-traffic', url: 'https://gemini.google.com/share/61e1c5a8d372', file: 'fixtures/unusual-traffic.html' },
  ],
});
