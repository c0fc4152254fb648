import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestServer } from '../../helpers/server.ts';
import { turnsExportJson } from '../../factories/chatgpt-export.ts';

/** A small library in ChatGPT's export shape: realistic turns that name technologies, people, places and projects. */
export const LIBRARY: { id: string; title: string; turns: string[] }[] = [
  {
    id: 'pg1',
    title: 'Postgres slow query',
    turns: [
      'This query on the orders table takes 4 seconds in Postgres: select * from orders where customer_email = $1 order by created_at desc limit 20',
      'Add a composite index so PostgreSQL can read the newest rows directly:\n\n```sql\ncreate index orders_email_created on orders (customer_email, created_at desc);\n```\nThen run EXPLAIN ANALYZE again in `psql`.',
      'The composite index worked, the orders query now takes 3 ms.',
      'Great. Keep an eye on the index size as the orders table grows.',
    ],
  },
  {
    id: 'pg2',
    title: 'Tuning autovacuum',
    turns: [
      "Autovacuum on my pg cluster can't keep up with the orders table. What does Postgres's autovacuum need?",
      'Lower autovacuum_vacuum_scale_factor for the big table and give PostgreSQL more maintenance_work_mem.',
    ],
  },
  {
    id: 'js',
    title: 'Shrinking a JS bundle',
    turns: [
      'My app called Tasklet ships a 2 MB JS bundle. The repo is github.com/alice/tasklet and it uses React.',
      'Split the React routes with dynamic import() and check what JavaScript ends up in the bundle with a bundle analyzer:\n\n```javascript\nconst Settings = lazy(() => import("./Settings"));\n```',
    ],
  },
  {
    id: 'k8s1',
    title: 'Kubernetes rollout stuck',
    turns: [
      'My kubernetes deployment rollout is stuck at 2 of 3 replicas. The readiness probe keeps failing.',
      'Check the readiness probe with `kubectl describe pod`: a readiness probe that never passes keeps the rollout waiting.',
      'The readiness probe hits port 8080 but the container listens on 3000.',
      'That mismatch is the cause: point the readiness probe at port 3000.',
    ],
  },
  {
    id: 'k8s2',
    title: 'Readiness probe for a worker',
    turns: [
      'How should a readiness probe look for a kubernetes worker that has no HTTP server?',
      'Use an exec readiness probe that checks a file the worker touches, or a tiny health endpoint.',
    ],
  },
  {
    id: 'bread1',
    title: 'Sourdough starter questions',
    turns: [
      'How often should I feed my sourdough starter if I keep it in the fridge?',
      'Once a week is enough in the fridge. Take the sourdough starter out the day before baking.',
    ],
  },
  {
    id: 'bread2',
    title: 'Sourdough starter smells',
    turns: [
      'My sourdough starter smells like acetone. Chad Robertson says that means it is hungry?',
      'Yes: feed the sourdough starter more often and it will recover.',
    ],
  },
  {
    id: 'trip',
    title: 'A week in Lisbon',
    turns: [
      'I am planning a week in Lisbon in March with my friend Maria Santos, who works at Google.',
      'Stay in Alfama or Baixa; take tram 28 early in the morning to avoid the crowds.',
    ],
  },
];

/** `conversations.json` of the library (ids prefixed, one day apart). */
export const exportJson = (prefix: string, library = LIBRARY): string => turnsExportJson(prefix, library);

/** The shared fixtures (../shared/fixtures): real pages saved from providers. */
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'fixtures');

/** Saved share pages posted as the user's browser would (no network). */
export const PAGES = {
  gemini: { file: 'share-pages/gemini-2026/page.html', url: 'https://gemini.google.com/share/61e1c5a8d372' },
  zai: { file: 'share-pages/zai/page.html', url: 'https://chat.z.ai/s/e6b0a2c9-8439-4869-94aa-e46bed7e8040' },
  grok: { file: 'share-pages/grok/page.html', url: 'https://grok.com/share/bGVnYWN5LWNvcHk_32845a54-452d-4563-b9ca-8d9871b40595' },
  chatgpt: { file: 'share-pages/chatgpt/page.html', url: 'https://chatgpt.com/share/6972e35f-2944-8006-a2ea-b005ff22c02c' },
} as const;

/** Posts a saved page for the key's owner and waits for its capture; returns the stored conversation's ids. */
export async function postPage(t: TestServer, bearer: string, page: { file: string; url: string }): Promise<{ conversationId: string; sourceConversationId: string }> {
  if (!existsSync(FIXTURES)) throw new Error(`the shared fixtures are missing at ${FIXTURES}`);
  const started = await t.call('POST', '/api/v1/capture', { bearer, body: { url: page.url, html: readFileSync(path.join(FIXTURES, page.file), 'utf8') } });
  if (started.status !== 200) throw new Error(`capture refused: ${JSON.stringify(started.body)}`);
  await t.server.runtime.jobs.waitFor(started.body.jobId, 60_000);
  const status = (await t.call('GET', `/api/v1/capture/${started.body.jobId}`, { bearer })).body;
  if (status.state !== 'done') throw new Error(`capture failed: ${JSON.stringify(status)}`);
  return { conversationId: status.conversationId, sourceConversationId: status.sourceConversationId };
}
