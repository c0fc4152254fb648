// The context builder's pure logic: layer names, where each cited item links, the token meter.
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from 'vivim';

export type ContextBundle = inferRouterOutputs<AppRouter>['context']['compile'];
export type ContextSection = ContextBundle['sections'][number];
export type ContextItem = ContextSection['items'][number];
export type CompileInput = inferRouterInputs<AppRouter>['context']['compile'];
export type ContextLayer = ContextSection['layer'];

/** The layers, highest priority first, as the builder explains them. */
export const LAYERS: readonly { layer: ContextLayer; label: string }[] = [
  { layer: 'L0', label: 'How to use this context' },
  { layer: 'L1', label: 'About you' },
  { layer: 'L2', label: 'Preferences and instructions' },
  { layer: 'L3', label: 'Related topics' },
  { layer: 'L4', label: 'People, projects and things' },
  { layer: 'L5', label: 'This conversation' },
  { layer: 'L6', label: 'Relevant excerpts' },
];

export const BUDGETS = [500, 1000, 2000, 4000, 8000, 16000, 32000] as const;

/** Where a cited item's source is shown: its message, its conversation, or the memory. */
export function citationHref(item: Pick<ContextItem, 'kind' | 'id' | 'conversationId' | 'messageId'>): string | null {
  if (item.kind === 'memory' && item.id) return `/memories#memory-${encodeURIComponent(item.id)}`;
  if (item.conversationId && item.messageId) return `/conversations/${encodeURIComponent(item.conversationId)}#m-${encodeURIComponent(item.messageId)}`;
  if (item.conversationId) return `/conversations/${encodeURIComponent(item.conversationId)}`;
  return null;
}

/** How full the budget is: the meter's fraction (0..1) and a level for its colour. */
export function meter(total: number, budget: number): { fraction: number; level: 'low' | 'good' | 'full' } {
  const fraction = budget > 0 ? Math.min(1, Math.max(0, total / budget)) : 0;
  return { fraction, level: fraction >= 0.98 ? 'full' : fraction < 0.25 ? 'low' : 'good' };
}

/** The file name and type to download a bundle in its format. */
export function bundleFile(format: 'markdown' | 'xml' | 'json'): { name: string; type: string } {
  if (format === 'json') return { name: 'vivim-context.json', type: 'application/json' };
  if (format === 'xml') return { name: 'vivim-context.xml', type: 'application/xml' };
  return { name: 'vivim-context.md', type: 'text/markdown' };
}
