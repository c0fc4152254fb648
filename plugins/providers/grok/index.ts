import { defineProvider, PROVIDER_API_VERSION } from '../sdk/index.ts';
import { extract, HOSTS, matchConversationUrl, matchShareUrl, PROVIDER_ID } from './extract.ts';

/**
 * Grok (grok.com; shares also at x.com/i/grok/share/<id>). The saved share page is the rendered
 * DOM with no conversation data in scripts: extraction reads one `#response-<id>` element per turn.
 * See README.md.
 */
export default defineProvider({
  id: PROVIDER_ID,
  name: 'Grok',
  apiVersion: PROVIDER_API_VERSION,
  version: '1.0.0',
  hosts: HOSTS,
  matchShareUrl,
  matchConversationUrl,
  rendering: 'browser',
  extract,
  fixtures: [
    { name: 'not-found', url: 'https://grok.com/share/bGVnYWN5_00000000-0000-4000-8000-000000000000', file: 'fixtures/not-found.html' },
    { name: 'chat-page', url: 'https://grok.com/chat/0b6f1c2a-1111-4a2b-9c3d-0000000000aa', file: 'fixtures/chat-page.html' },
  ],
});
