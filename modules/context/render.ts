import type { ContextLayer } from './schemas.ts';

/** A retrieved piece of context before it is fitted: text plus where it comes from. */
export interface Candidate {
  kind: string;
  id: string | null;
  conversationId: string | null;
  messageId: string | null;
  sourceConversationId: string | null;
  sourceMessageId: string | null;
  text: string;
  score: number;
  /** Shown before the text (e.g. `user · 2026-01-31`). */
  label?: string;
  /** Identity keys for de-duplication across layers (`message:<id>`, `memory:<id>`…). */
  keys: string[];
  /** When set, the section shows its items in this order (e.g. conversation order) instead of rank order. */
  sortKey?: number;
}

export type Format = 'markdown' | 'xml' | 'json';

/**
 * How one format renders a bundle. The text is exactly the concatenation, in order, of
 * `open`, then per section `sectionOpen`, its `item`s and `sectionClose`, then `close`; so the
 * pieces can be counted separately while filling and the whole counted once at the end.
 */
export interface Renderer {
  open: string;
  close: string;
  sectionOpen(layer: ContextLayer, title: string, index: number): string;
  sectionClose(layer: ContextLayer): string;
  item(layer: ContextLayer, item: Candidate, index: number): string;
}

/**
 * The short source reference printed after an item: kind and the first 8 characters of the row id
 * (`[msg:1a2b3c4d]`, `[mem:…]`); the full ids (and the provider's own) are in the structured items.
 * Full UUIDs would cost ~20 tokens each; 8 hex digits are unique within one library in practice.
 */
export function refOf(item: Pick<Candidate, 'kind' | 'id' | 'messageId'>): string {
  const short = (id: string) => id.replace(/-/g, '').slice(0, 8);
  const id = item.id ?? item.messageId;
  if (!id) return '';
  const prefix: Record<string, string> = { memory: 'mem', message: 'msg', acu: 'acu', topic: 'topic', entity: 'ent', conversation: 'conv' };
  return `${prefix[item.kind] ?? item.kind}:${short(id)}`;
}

const xmlEscape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

const withLabel = (item: Candidate) => (item.label ? `(${item.label}) ${item.text}` : item.text);

const markdown: Renderer = {
  open: '',
  close: '',
  sectionOpen: (_layer, title, index) => `${index > 0 ? '\n' : ''}## ${title}\n`,
  sectionClose: () => '',
  item(layer, item) {
    if (layer === 'L0') return `${item.text}\n`;
    const ref = refOf(item);
    return `- ${withLabel(item).replace(/\n/g, '\n  ')}${ref ? ` [${ref}]` : ''}\n`;
  },
};

const xml: Renderer = {
  open: '<vivim_context>\n',
  close: '</vivim_context>',
  sectionOpen: (layer, title) => `<section layer="${layer}" title="${xmlEscape(title)}">\n`,
  sectionClose: () => '</section>\n',
  item(layer, item) {
    if (layer === 'L0') return `<instructions>${xmlEscape(item.text)}</instructions>\n`;
    const ref = refOf(item);
    return `<item${ref ? ` ref="${ref}"` : ''}${item.label ? ` label="${xmlEscape(item.label)}"` : ''}>${xmlEscape(item.text)}</item>\n`;
  },
};

const json: Renderer = {
  open: '{"sections":[',
  close: ']}',
  sectionOpen: (layer, title, index) => `${index > 0 ? ',' : ''}{"layer":"${layer}","title":${JSON.stringify(title)},"items":[`,
  sectionClose: () => ']}',
  item(_layer, item, index) {
    const ref = refOf(item);
    return `${index > 0 ? ',' : ''}{${ref ? `"ref":"${ref}",` : ''}${item.label ? `"label":${JSON.stringify(item.label)},` : ''}"text":${JSON.stringify(item.text)}}`;
  },
};

/** The renderer of a format. */
export function rendererFor(format: Format): Renderer {
  return format === 'markdown' ? markdown : format === 'xml' ? xml : json;
}
