import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { IndexSource } from '#modules/capture/index.ts';
import { analyzeConversation } from './analyze.ts';
import { AnalyzerThread } from './analyzer.ts';

const source = (id: string, text: string): IndexSource => ({
  conversation: { id, ownerId: 'o1', provider: 'chatgpt', sourceId: `s-${id}`, title: 'Deploying Django on Kubernetes', tags: [], createdAt: '2026-01-02T03:04:05.000Z', contentHash: 'h' },
  messages: [
    { id: `${id}-m1`, sourceId: 'a', role: 'user', createdAt: '2026-01-02T03:04:05.000Z', position: 0, isOnCurrentBranch: true, hidden: false, parts: [{ type: 'text', text, format: 'markdown' }] },
    { id: `${id}-m2`, sourceId: 'b', role: 'assistant', createdAt: '2026-01-02T03:05:05.000Z', position: 1, isOnCurrentBranch: true, hidden: false, parts: [{ type: 'text', text: 'Use a Helm chart; PostgreSQL runs as a StatefulSet and Redis caches sessions.', format: 'markdown' }] },
  ],
  acus: [],
});

let analyzer: AnalyzerThread | undefined;
afterEach(async () => analyzer?.close());

describe('AnalyzerThread', () => {
  it('reads conversations in a worker thread exactly as on the main thread, in order, then stops when idle', async () => {
    analyzer = new AnalyzerThread({ log: pino({ level: 'silent' }), idleMs: 200 });
    const sources = [source('c1', 'How do I deploy Django with Gunicorn on Kubernetes?'), source('c2', 'Why does my React app re-render with Redux Toolkit?')];
    const analyses = await Promise.all(sources.map((s) => analyzer!.analyze(s)));
    expect(analyses).toEqual(sources.map((s) => analyzeConversation(s)));
    expect(analyses[0]!.mentions.map((m) => m.name)).toContain('Django');
    expect(analyzer.running).toBe(true);
    await expect.poll(() => analyzer!.running, { timeout: 5_000 }).toBe(false);
    // A later call starts a new worker.
    expect(await analyzer.analyze(sources[1]!)).toEqual(analyzeConversation(sources[1]!));
  });

  it('fails a call the worker cannot answer and refuses calls once closed', async () => {
    analyzer = new AnalyzerThread({ log: pino({ level: 'silent' }) });
    await expect(analyzer.analyze({ conversation: null } as unknown as IndexSource)).rejects.toThrow(/reading the conversation failed/);
    await analyzer.close();
    await expect(analyzer.analyze(source('c3', 'hello'))).rejects.toThrow(/closed/);
  });
});
