/** Display helpers for stored content parts and conversation summaries (pure: no DOM, no I/O). */

/** Providers VIVIM knows, with a short badge and a colour; others show their id. */
export const PROVIDERS: Record<string, { name: string; badge: string; color: string }> = {
  chatgpt: { name: 'ChatGPT', badge: 'GPT', color: '#10a37f' },
  claude: { name: 'Claude', badge: 'Cl', color: '#d97757' },
  gemini: { name: 'Gemini', badge: 'Ge', color: '#4285f4' },
  grok: { name: 'Grok', badge: 'Gk', color: '#6b7280' },
  deepseek: { name: 'DeepSeek', badge: 'DS', color: '#4d6bfe' },
  kimi: { name: 'Kimi', badge: 'Ki', color: '#7c3aed' },
  qwen: { name: 'Qwen', badge: 'Qw', color: '#615ced' },
  zai: { name: 'z.ai', badge: 'Z', color: '#0f766e' },
  mistral: { name: 'Le Chat', badge: 'Mi', color: '#fa520f' },
  perplexity: { name: 'Perplexity', badge: 'Px', color: '#1f8a8a' },
  generic: { name: 'Imported', badge: 'Im', color: '#6b7280' },
};

export function providerInfo(id: string): { name: string; badge: string; color: string } {
  return PROVIDERS[id] ?? { name: id, badge: id.slice(0, 2).toUpperCase(), color: '#6b7280' };
}

/** Only http(s) URLs become links or image sources; anything else (javascript:, sediment://) does not. */
export function safeHttpUrl(url: string | undefined | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

const IMAGE_TYPES = /^image\/(png|jpe?g|gif|webp|avif|bmp)$/;

/** Where an image part's bytes come from: the server's copy, inline base64, or the remote URL. */
export function imageSrc(part: { blobSha?: string | null; data?: string; mimeType?: string; url?: string }): string | null {
  if (part.blobSha && /^[0-9a-f]{64}$/.test(part.blobSha)) return `/api/v1/blobs/${part.blobSha}`;
  // svg is left out: an inline svg is a document with scripts, not a picture.
  if (part.data && IMAGE_TYPES.test(part.mimeType ?? 'image/png')) return `data:${part.mimeType ?? 'image/png'};base64,${part.data.replace(/[^A-Za-z0-9+/=]/g, '')}`;
  return safeHttpUrl(part.url);
}

/** A tool call's arguments as readable text (JSON pretty-printed; strings as they are). */
export function formatArguments(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2) ?? String(value);
}

/** A citation's visible label: its title, else the host and path. */
export function citationLabel(part: { url: string; title?: string }): string {
  if (part.title?.trim()) return part.title.trim();
  try {
    const url = new URL(part.url);
    return `${url.hostname}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return part.url;
  }
}

/** "12 Mar 2025" (this locale), or '' for no date. Accepts Date or the ISO string JSON delivers. */
export function formatDate(value: Date | string | null | undefined): string {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** Tags typed by a person ("Work, ideas  ,work") as the server stores them: trimmed, lower-case, unique. */
export function parseTags(input: string): string[] {
  return [...new Set(input.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean))].slice(0, 50);
}
