// The conversation pages VIVIM can save, mirrored from the server's providers (plugins/providers/*)
// so the popup can say at once when a tab is not one. The server stays the judge: it answers
// UNSUPPORTED_PROVIDER / INVALID_URL for anything it does not take, and the popup reports that too.

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const uuid = (pattern) => new RegExp(pattern.replace('UUID', UUID), 'i');

/** Hosts with the paths of their private chats and share links. */
const PAGES = [
  { hosts: ['chatgpt.com', 'chat.openai.com'], paths: [uuid('^(?:/g/[\\w-]+(?:/project)?)?/(?:c|share)/UUID/?$')] },
  { hosts: ['claude.ai'], paths: [uuid('^/(?:chat|share)/UUID/?$')] },
  { hosts: ['gemini.google.com'], paths: [/^\/share\/[\w-]{6,64}\/?$/, /^(?:\/u\/\d+)?\/(?:app|gem\/[\w-]+)\/[\w-]{6,64}\/?$/] },
  { hosts: ['grok.com'], paths: [/^\/share\/[\w-]{8,200}\/?$/, /^\/chat\/[A-Za-z0-9-]{8,64}\/?$/] },
  { hosts: ['x.com'], paths: [/^\/i\/grok\/share\/[\w-]{8,200}\/?$/] },
  { hosts: ['chat.deepseek.com'], paths: [/^\/share\/[\w-]{6,64}\/?$/, /^\/a\/chat\/s\/[A-Za-z0-9-]{8,64}\/?$/] },
  { hosts: ['www.kimi.com', 'kimi.com', 'kimi.moonshot.cn'], paths: [/^\/share\/(?:(?:zh|en)\/)?[A-Za-z0-9-]{8,64}\/?$/, /^\/chat\/[A-Za-z0-9-]{8,64}\/?$/] },
  { hosts: ['chat.qwen.ai'], paths: [uuid('^/s/(?:t_)?UUID/?$'), uuid('^/c/UUID/?$')] },
  { hosts: ['chat.z.ai'], paths: [uuid('^/(?:s|c)/UUID/?$')] },
  { hosts: ['chat.mistral.ai'], paths: [uuid('^/chat/UUID/?$'), /^\/share\/[\w-]{8,64}\/?$/] },
  { hosts: ['www.perplexity.ai', 'perplexity.ai'], paths: [/^\/(?:search|page)\/[A-Za-z0-9._~%-]{1,300}\/?$/] },
];

/** The sites, for messages. */
export const PROVIDER_NAMES = 'ChatGPT, Claude, Gemini, Grok, DeepSeek, Kimi, Qwen, Z.ai, Mistral or Perplexity';

/** Whether `url` (a tab's URL, possibly undefined when the extension may not see it) is a page VIVIM saves. */
export function isSupportedPage(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:') return false;
  const page = PAGES.find((entry) => entry.hosts.includes(parsed.hostname));
  return Boolean(page && page.paths.some((path) => path.test(parsed.pathname)));
}
