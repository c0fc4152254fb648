// The typed tRPC client of the web app: queries and mutations batched over HTTP, subscriptions
// (capture progress, job status) over SSE. Same origin, so the session cookie authenticates both.
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import type { AppRouter } from 'vivim';

export default defineNuxtPlugin(() => {
  const url = `${window.location.origin}/trpc`;
  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url, eventSourceOptions: { withCredentials: true } }),
        false: httpBatchLink({ url, fetch: (input, init) => fetch(input, { ...init, credentials: 'same-origin' }) }),
      }),
    ],
  });
  return { provide: { trpc } };
});
