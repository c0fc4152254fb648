/** The most links one submission sends (the server's batch limit). */
export const MAX_LINKS = 50;

/**
 * The share links in pasted text: one per line (or separated by spaces), trimmed, duplicates
 * dropped, in the order given. A line without a scheme gets https://.
 */
export function parseLinks(text: string): string[] {
  const links: string[] = [];
  for (const raw of text.split(/\s+/)) {
    const token = raw.trim().replace(/^<|>$/g, '');
    if (!token) continue;
    const link = /^[a-z][a-z0-9+.-]*:/i.test(token) ? token : `https://${token}`;
    if (!links.includes(link)) links.push(link);
  }
  return links;
}
