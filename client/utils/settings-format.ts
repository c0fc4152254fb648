// Small formatters of the settings and admin pages, kept pure so they are tested without a browser.

/** "Chrome on Linux" from a User-Agent header; "Unknown device" when there is none. */
export function describeDevice(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown device';
  const browser = /Edg\//.test(userAgent) ? 'Edge'
    : /OPR\/|Opera/.test(userAgent) ? 'Opera'
    : /Firefox\//.test(userAgent) ? 'Firefox'
    : /Chrom(e|ium)\//.test(userAgent) ? 'Chrome'
    : /Safari\//.test(userAgent) ? 'Safari'
    : /^curl\//.test(userAgent) ? 'curl'
    : /^node|undici/i.test(userAgent) ? 'A script'
    : 'A browser';
  const system = /Android/.test(userAgent) ? 'Android'
    : /iPhone|iPad|iPod/.test(userAgent) ? 'iOS'
    : /Mac OS X|Macintosh/.test(userAgent) ? 'macOS'
    : /Windows/.test(userAgent) ? 'Windows'
    : /CrOS/.test(userAgent) ? 'ChromeOS'
    : /Linux/.test(userAgent) ? 'Linux'
    : '';
  return system ? `${browser} on ${system}` : browser;
}

/** Date and time in the reader's locale ("Mar 10, 2024, 14:05"); '' for nothing or garbage. */
export function formatDateTime(value: Date | string | null | undefined): string {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** "3 d 4 h", "2 h 5 min", "42 s": an uptime or duration, two units at most. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (days) return `${days} d ${hours} h`;
  if (hours) return `${hours} h ${minutes} min`;
  if (minutes) return `${minutes} min ${s % 60} s`;
  return `${s} s`;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago", else the date: how long ago `value` was, seen at `now`. */
export function timeAgo(value: Date | string | null | undefined, now: number = Date.now()): string {
  if (!value) return 'never';
  const at = new Date(value).getTime();
  if (Number.isNaN(at)) return '';
  const seconds = Math.round((now - at) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  if (seconds < 30 * 86_400) return `${Math.floor(seconds / 86_400)} d ago`;
  return formatDateTime(value);
}

/** What each API key scope allows, as the API keys page explains it. */
export const SCOPE_HELP: Record<string, string> = {
  read: 'Read your library, search, memories and context.',
  write: 'Change things: import, tag, delete, edit memories.',
  'capture:write': 'Only add conversations (bookmarklet, extension). Cannot read anything.',
  admin: 'Administer the server (administrators only).',
};
