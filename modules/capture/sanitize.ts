import type { CapturedConversation, ContentPart } from '#plugins/providers/sdk/index.ts';

// C0 controls other than tab, newline and carriage return; NUL is also refused by PostgreSQL text.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const SAFE_URL = /^(https?:|mailto:|data:image\/(png|jpe?g|gif|webp|avif);base64,)/i;

const clean = (text: string) => text.replace(CONTROL, '');
const safeUrl = (url: string | undefined) => (url && SAFE_URL.test(url.trim()) ? url.trim() : undefined);

/**
 * Makes extracted content safe to store and to hand to renderers: no control characters, only
 * http(s)/mailto/data-image URLs. Text stays byte-exact otherwise (markdown is data: renderers
 * must not interpret raw HTML in it).
 */
export function sanitizePart(part: ContentPart): ContentPart | undefined {
  switch (part.type) {
    case 'text':
      return { ...part, text: clean(part.text) };
    case 'code':
      return { ...part, code: clean(part.code), ...(part.language ? { language: clean(part.language).slice(0, 40) } : {}) };
    case 'reasoning':
      return { ...part, text: clean(part.text) };
    case 'table':
      return { ...part, rows: part.rows.map((row) => row.map(clean)) };
    case 'math':
      return { ...part, tex: clean(part.tex) };
    case 'mermaid':
      return { ...part, source: clean(part.source) };
    case 'tool_call':
      return { ...part, name: clean(part.name), arguments: JSON.parse(clean(JSON.stringify(part.arguments ?? null))) as unknown };
    case 'tool_result':
      return { ...part, content: clean(part.content) };
    case 'citation': {
      const url = safeUrl(part.url);
      return url ? { ...part, url, ...(part.title ? { title: clean(part.title) } : {}), ...(part.snippet ? { snippet: clean(part.snippet) } : {}) } : undefined;
    }
    case 'image': {
      const url = safeUrl(part.url);
      const { url: _dropped, ...rest } = part;
      return url || part.data || part.entry ? { ...rest, ...(url ? { url } : {}), ...(part.alt ? { alt: clean(part.alt) } : {}) } : undefined;
    }
    case 'file': {
      const url = safeUrl(part.url);
      const { url: _dropped, ...rest } = part;
      return { ...rest, name: clean(part.name), ...(url ? { url } : {}) };
    }
  }
}

/** Sanitizes a whole conversation (title, every part). */
export function sanitizeConversation(conversation: CapturedConversation): CapturedConversation {
  return {
    ...conversation,
    title: clean(conversation.title).trim().slice(0, 500) || 'Untitled conversation',
    // Lower-cased like the tags users set (setTags), so a project tag and the user's own never differ by case.
    ...(conversation.tags ? { tags: [...new Set(conversation.tags.map((tag) => clean(tag).trim().toLowerCase()).filter(Boolean))] } : {}),
    messages: conversation.messages.map((message) => ({
      ...message,
      parts: message.parts.map(sanitizePart).filter((part): part is ContentPart => part !== undefined),
    })),
  };
}
