import { defineProvider, PROVIDER_API_VERSION } from '../sdk/index.ts';
import { extract, HOSTS, matchConversationUrl, matchShareUrl, PROVIDER_ID } from './extract.ts';

/**
 * Kimi (www.kimi.com, formerly kimi.moonshot.cn). Share pages are server-rendered (Vue SSR) and
 * carry the share as `window.HYDRATION_INIT_STATE` (a dehydrated query cache): extraction reads it,
 * and falls back to the rendered DOM. See README.md.
 */
export default defineProvider({
  id: PROVIDER_ID,
  name: 'Kimi',
  apiVersion: PROVIDER_API_VERSION,
  version: '1.0.0',
  hosts: HOSTS,
  matchShareUrl,
  matchConversationUrl,
  rendering: 'static',
  extract,
  fixtures: [
    { name: 'not-found', url: 'https://www.kimi.com/share/19be85a5-0000-8000-8000-000000000000', file: 'fixtures/not-found.html' },
    { name: 'dom-only', url: 'https://www.kimi.com/share/19c0a1b2-0c42-8bc7-8000-0000aabbccdd', file: 'fixtures/dom-only.html' },
  ],
});
