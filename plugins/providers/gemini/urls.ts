/** Gemini URL forms. Share ids are short hex strings (12 characters seen), chat ids longer hex. */
export const GEMINI_HOSTS = ['gemini.google.com', 'g.co'] as const;

const ID = '([A-Za-z0-9_-]{6,64})';
const SHARE_PATH = new RegExp(`^/share/${ID}/?$`);
const SHORT_SHARE_PATH = new RegExp(`^/gemini/share/${ID}/?$`);
/** /app/<id>, /u/<n>/app/<id> (another signed-in account), /gem/<gem>/<id> (a chat with a Gem). */
const CHAT_PATH = new RegExp(`^(?:/u/\\d+)?/(?:app|gem/[A-Za-z0-9_-]+)/${ID}/?$`);

function isWeb(url: URL): boolean {
  return url.protocol === 'https:' || url.protocol === 'http:';
}

/** A public share: gemini.google.com/share/<id> or the short g.co/gemini/share/<id>. */
export function matchShareUrl(url: URL): { sourceId: string } | null {
  if (!isWeb(url)) return null;
  const id = url.hostname === 'gemini.google.com' ? SHARE_PATH.exec(url.pathname)?.[1] : url.hostname === 'g.co' ? SHORT_SHARE_PATH.exec(url.pathname)?.[1] : undefined;
  return id ? { sourceId: id } : null;
}

/** A signed-in chat: gemini.google.com/app/<id> (also under /u/<n>/ and in a Gem). */
export function matchConversationUrl(url: URL): { sourceId: string } | null {
  const id = isWeb(url) && url.hostname === 'gemini.google.com' ? CHAT_PATH.exec(url.pathname)?.[1] : undefined;
  return id ? { sourceId: id } : null;
}
