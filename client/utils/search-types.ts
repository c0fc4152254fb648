// Shapes of the search and capture answers, inferred from the server's router (types only).
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from 'vivim';

type Outputs = inferRouterOutputs<AppRouter>;
export type SearchResponse = Outputs['search']['query'];
export type SearchHit = SearchResponse['results'][number];
export type SearchStatusView = Outputs['search']['status'];
export type SearchSuggestion = Outputs['search']['suggest']['suggestions'][number];
/** Dates arrive as ISO strings (no transformer), whatever the inferred type says. */
export type CaptureProgress = Omit<Outputs['capture']['byId'], 'updatedAt'>;
export type ImportReportView = Omit<Outputs['capture']['imports']['byId'], 'createdAt' | 'finishedAt'>;
