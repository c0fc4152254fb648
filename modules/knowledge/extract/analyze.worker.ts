// Runs the Librarian's reading of conversations (compromise NLP: ~100 ms of CPU per conversation)
// in a worker thread, so that after an import the main thread, which serves HTTP and the embedded
// database, stays free. Loaded directly by Node (type stripping): erasable TypeScript only.
import { parentPort } from 'node:worker_threads';
import { analyzeConversation } from './analyze.ts';
import type { FromAnalyzeWorker, ToAnalyzeWorker } from './analyze.protocol.ts';

const port = parentPort;
if (!port) throw new Error('analyze.worker.ts must run in a worker thread');

port.on('message', (message: ToAnalyzeWorker) => {
  let reply: FromAnalyzeWorker;
  try {
    reply = { type: 'result', id: message.id, analysis: analyzeConversation(message.source) };
  } catch (error) {
    reply = { type: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
