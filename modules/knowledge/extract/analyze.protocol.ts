import type { IndexSource } from '#modules/capture/index.ts';
import type { ConversationAnalysis } from './analyze.ts';

/** Messages between AnalyzerThread and its worker (analyze.worker.ts). */
export type ToAnalyzeWorker = { type: 'analyze'; id: number; source: IndexSource };

export type FromAnalyzeWorker = { type: 'result'; id: number; analysis: ConversationAnalysis } | { type: 'error'; id: number; message: string };
