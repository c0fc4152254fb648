// Shapes of the server's answers, from the router's type. Dates are typed Date but arrive over
// JSON as ISO strings (no transformer): read them with `new Date(value)`.
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from 'vivim';

type Outputs = inferRouterOutputs<AppRouter>;
type Inputs = inferRouterInputs<AppRouter>;

export type ConversationSummary = Outputs['capture']['conversations']['list']['items'][number];
export type ConversationDetail = Outputs['capture']['conversations']['byId'];
export type StoredMessage = ConversationDetail['messages'][number];
export type StoredPart = StoredMessage['parts'][number];
export type Acu = Outputs['capture']['acus']['list']['items'][number];
export type ListConversationsInput = Inputs['capture']['conversations']['list'];
