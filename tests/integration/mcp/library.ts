import { turnsExportJson } from '../../factories/chatgpt-export.ts';
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
export const libraryExport = (prefix: string): string => turnsExportJson(prefix, LIBRARY);
