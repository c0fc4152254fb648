/** A small library in ChatGPT's export format for the MCP suites: distinct subjects, one message per turn. */
const LIBRARY: { id: string; title: string; turns: string[] }[] = [
  {
    id: 'k8s',
    title: 'Kubernetes rollout stuck',
    turns: [
      'My kubernetes deployment rollout is stuck at 2 of 3 replicas. What should I check first?',
      'Check the pod events with `kubectl describe pod`. A readiness probe that never passes keeps the rollout waiting.',
      'The readiness probe hits /healthz on port 8080 but the container listens on 3000.',
      'That mismatch is the cause: point the probe at port 3000 or make the app listen on 8080.',
    ],
  },
  {
    id: 'bread',
    title: 'Sourdough starter questions',
    turns: [
      'How often should I feed my sourdough starter if I keep it in the fridge?',
      'Once a week is enough in the fridge. Take it out the day before baking and feed it twice at room temperature.',
    ],
  },
];

/** `conversations.json` of the library above, conversation ids `<prefix>-k8s` and `<prefix>-bread`. */
export function libraryExport(prefix: string): string {
  return JSON.stringify(
    LIBRARY.map((conv, index) => {
      const id = `${prefix}-${conv.id}`;
      const base = 1_750_000_000 + index * 86_400;
      const mapping: Record<string, unknown> = { [`${id}-root`]: { id: `${id}-root`, parent: null, children: [`${id}-0`], message: null } };
      conv.turns.forEach((text, i) => {
        const mid = `${id}-${i}`;
        mapping[mid] = {
          id: mid,
          parent: i === 0 ? `${id}-root` : `${id}-${i - 1}`,
          children: i + 1 < conv.turns.length ? [`${id}-${i + 1}`] : [],
          message: { id: mid, author: { role: i % 2 === 0 ? 'user' : 'assistant' }, create_time: base + i * 60, content: { content_type: 'text', parts: [text] }, status: 'finished_successfully', metadata: {} },
        };
      });
      return { id, conversation_id: id, title: conv.title, create_time: base, update_time: base + 600, mapping, current_node: `${id}-${conv.turns.length - 1}` };
    }),
  );
}
