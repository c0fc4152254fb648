/** Messages between UseLiteEmbedder and its worker thread (use-lite.worker.ts). */
export interface UseLiteEmbedRequest {
  type: 'embed';
  id: number;
  texts: string[];
}
export type ToUseLiteWorker = UseLiteEmbedRequest;

export type FromUseLiteWorker =
  | { type: 'ready'; loadMs: number }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; vectors: Float32Array[] }
  | { type: 'error'; id: number; message: string };
