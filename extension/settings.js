// Settings shared by the popup and the options page: the VIVIM server's origin and the capture key,
// kept in chrome.storage.local (on this device only, never synced).

/** The server's origin from what the user typed (`vivim.example.com` → `https://vivim.example.com`), or null. */
export function normalizeServer(input) {
  const text = String(input || '').trim();
  if (!text) return null;
  try {
    const url = new URL(/^https?:\/\//i.test(text) ? text : `https://${text}`);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : null;
  } catch {
    return null;
  }
}

/** `{ server, key }` as saved (empty strings when not set up). */
export async function loadSettings() {
  const { server = '', key = '' } = await chrome.storage.local.get(['server', 'key']);
  return { server, key };
}

export async function saveSettings(server, key) {
  await chrome.storage.local.set({ server, key });
}

/** The host permission pattern for a server origin (`https://vivim.example.com/*`). */
export function originPattern(server) {
  return `${server}/*`;
}

/** Whether the extension may talk to `server` (granted in the manifest for localhost, else by the user). */
export function canReach(server) {
  return chrome.permissions.contains({ origins: [originPattern(server)] });
}
