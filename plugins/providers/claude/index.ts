import { defineProvider, PROVIDER_API_VERSION } from '../sdk/index.ts';
import { extractClaude } from './extract.ts';
import { detectClaudeExport, importClaudeExport } from './import.ts';
import { CLAUDE_HOSTS, matchConversationUrl, matchShareUrl } from './urls.ts';

/**
 * Claude (claude.ai): public shares claude.ai/share/<uuid> and signed-in chats
 * claude.ai/chat/<uuid>, rendered by the browser; the official data export
 * (conversations.json, in a zip or alone) is imported too. See README.md.
 */
export default defineProvider({
  id: 'claude',
  name: 'Claude',
  apiVersion: PROVIDER_API_VERSION,
  version: '1.0.0',
  hosts: CLAUDE_HOSTS,
  matchShareUrl,
  matchConversationUrl,
  rendering: 'browser',
  readySelector: '.font-claude-response',
  extract: extractClaude,
  detectExport: detectClaudeExport,
  importExport: importClaudeExport,
  fixtures: [
    { name: 'thinking-artifacts', url: 'https://claude.ai/share/0b7c2f4e-3a51-4d8e-9c6a-5f2e1d0c9b8a', file: 'fixtures/share-thinking-artifacts.html' },
    { name: 'cloudflare-challenge', url: 'https://claude.ai/share/ca5ad573-749e-40a2-93f1-dc0473215fa5', file: 'fixtures/cloudflare-challenge.html' },
    { name: 'not-found', url: 'https://claude.ai/share/00000000-0000-4000-8000-000000000000', file: 'fixtures/not-found.html' },
  ],
});
