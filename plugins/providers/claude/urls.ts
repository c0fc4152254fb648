/** claude.ai URL forms. Conversation and share ids are UUIDs. */
export const CLAUDE_HOSTS = ['claude.ai'] as const;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SHARE_PATH = new RegExp(`^/share/(${UUID})/?$`, 'i');
const CHAT_PATH = new RegExp(`^/chat/(${UUID})/?$`, 'i');

function isClaudeHost(url: URL): boolean {
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname === 'claude.ai';
}

/** A public share: https://claude.ai/share/<uuid>. */
export function matchShareUrl(url: URL): { sourceId: string } | null {
  const id = isClaudeHost(url) ? SHARE_PATH.exec(url.pathname)?.[1] : undefined;
  return id ? { sourceId: id.toLowerCase() } : null;
}

/** A signed-in private chat: https://claude.ai/chat/<uuid>. */
export function matchConversationUrl(url: URL): { sourceId: string } | null {
  const id = isClaudeHost(url) ? CHAT_PATH.exec(url.pathname)?.[1] : undefined;
  return id ? { sourceId: id.toLowerCase() } : null;
}
