// Compile-time check (tsc, part of `npm run typecheck`): a third party importing only the type
// `AppRouter` from the package entry gets full inference, and wrong inputs fail to compile.
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from 'vivim';

const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: 'http://localhost:3000/trpc' })] });

export async function typedCalls(): Promise<string> {
  const me = await client.auth.me.query();
  const key = await client.auth.apiKeys.create.mutate({ name: 'typed', scopes: ['read'] });
  // @ts-expect-error: 'delete' is not a scope
  await client.auth.apiKeys.create.mutate({ scopes: ['delete'] });
  // @ts-expect-error: sign-in needs a password
  await client.auth.signIn.mutate({ email: 'a@example.com' });
  return `${me.email} ${key.key}`;
}
