import { defineProvider, PROVIDER_API_VERSION } from '../sdk/index.ts';
import { extract, matchConversationUrl, matchShareUrl, QWEN_HOST } from './extract.ts';

/**
 * Qwen Chat (chat.qwen.ai). Share pages (chat.qwen.ai/s/<uuid>) are a React app that loads the
 * conversation with scripts: the core renders them and the extractor reads the rendered DOM
 * (`#qwen-chat-message-user-<id>` / `#qwen-chat-message-assistant-<id>`). See README.md.
 */
export default defineProvider({
  id: 'qwen',
  name: 'Qwen Chat',
  apiVersion: PROVIDER_API_VERSION,
  version: '1.0.0',
  hosts: [QWEN_HOST],
  matchShareUrl,
  matchConversationUrl,
  rendering: 'browser',
  /** Present once the conversation has rendered (an answer is on the page). */
  readySelector: '.qwen-chat-message-assistant .response-message-content',
  extract,
  fixtures: [{ name: 'share-page', url: 'https://chat.qwen.ai/s/3b05d2cf-5483-4c5a-ba5a-ffdadd53312a?fev=0.1.34', file: 'fixtures/share-page.html' }],
});
