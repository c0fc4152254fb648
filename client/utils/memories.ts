// The memories page's pure logic: labels, grouping by type, provenance links.
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from 'vivim';

type Outputs = inferRouterOutputs<AppRouter>;
export type Memory = Outputs['memory']['list']['items'][number];
export type MemoryType = Memory['type'];
export type MemoryRevision = Outputs['memory']['history']['revisions'][number];
export type Provenance = Memory['provenance'][number];

/** Every type, in the order the page lists them, with how a person would name it. */
export const MEMORY_TYPES: readonly { type: MemoryType; label: string; hint: string }[] = [
  { type: 'identity', label: 'About you', hint: 'who you are: name, work, where you live' },
  { type: 'preference', label: 'Preferences', hint: 'what you like and how you like things done' },
  { type: 'instruction', label: 'Instructions', hint: 'how assistants should answer you' },
  { type: 'goal', label: 'Goals', hint: 'what you are working towards' },
  { type: 'skill', label: 'Skills', hint: 'what you know and use' },
  { type: 'relationship', label: 'People', hint: 'people and teams in your life' },
  { type: 'fact', label: 'Facts', hint: 'things that hold about your world' },
  { type: 'event', label: 'Events', hint: 'things that happened or will' },
];

/** The label of a memory type. */
export function typeLabel(type: string): string {
  return MEMORY_TYPES.find((t) => t.type === type)?.label ?? type;
}

/** Memories in sections by type (the page's order), pinned first within each, empty types left out. */
export function groupByType(items: readonly Memory[]): { type: MemoryType; label: string; items: Memory[] }[] {
  return MEMORY_TYPES.map(({ type, label }) => ({
    type,
    label,
    items: items.filter((m) => m.type === type).sort((a, b) => Number(b.pinned) - Number(a.pinned)),
  })).filter((group) => group.items.length > 0);
}

/** Where a memory came from: the message in its conversation, as the conversation page anchors it. */
export function provenanceHref(source: Pick<Provenance, 'conversationId' | 'messageId'>): string {
  return `/conversations/${encodeURIComponent(source.conversationId)}#m-${encodeURIComponent(source.messageId)}`;
}

/** "82%" for a 0..1 score. */
export function percent(value: number): string {
  return `${Math.round(Math.max(0, Math.min(1, value)) * 100)}%`;
}

/** What a history entry did, in words. */
const ACTION_LABELS: Record<string, string> = {
  ADD: 'Learned',
  UPDATE: 'Updated',
  SUPERSEDE: 'Replaced',
  EDIT: 'Edited',
  PIN: 'Pinned',
  UNPIN: 'Unpinned',
};

/** A history entry's action in words (the server's name for an action this page does not know). */
export function actionLabel(action: MemoryRevision['action']): string {
  return ACTION_LABELS[action] ?? action;
}

/** The memories drawn (at least in part) from one conversation. */
export function memoriesFrom(items: readonly Memory[], conversationId: string): Memory[] {
  return items.filter((m) => m.provenance.some((p) => p.conversationId === conversationId));
}
