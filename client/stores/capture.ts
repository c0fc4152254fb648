// Share-link captures of this browser session: what was sent, each one's live progress (the
// capture.progress subscription), and links pasted while offline (kept in localStorage and sent
// when the browser is back online). Lives in Pinia so progress goes on while you browse elsewhere.
import { defineStore } from 'pinia';
import { MAX_LINKS } from '~/utils/capture-links';
import { drainQueue, enqueueLinks, readQueue, type QueuedLink } from '~/utils/capture-queue';
import { shownError, type ShownError } from '~/utils/capture-errors';
import type { CaptureProgress } from '~/utils/search-types';

export type CaptureStep = CaptureProgress['step'];

export interface CaptureItem {
  key: string;
  url: string;
  /** offline: waiting in the queue; sending: being handed to the server; running: a job works on it. */
  phase: 'offline' | 'sending' | 'running' | 'done' | 'failed';
  step: CaptureStep;
  percent: number | null;
  jobId: string | null;
  conversationId: string | null;
  messages: number | null;
  changed: boolean | null;
  /** Set when failed, or while the server retries after a transient failure. */
  error: ShownError | null;
}

const MAX_STREAMS = 3;
/** How long queued links wait before another try when the browser is online but the server did not answer. */
const RETRY_MS = 15_000;

interface Unsubscribable {
  unsubscribe(): void;
}

export const useCaptureStore = defineStore('capture', () => {
  const { $trpc } = useNuxtApp();
  const items = ref<CaptureItem[]>([]);
  /** Live progress streams (SSE), at most MAX_STREAMS: each holds one of the browser's ~6 connections to the server. */
  const streams = new Map<string, Unsubscribable>();
  /** Captures followed by polling instead (key → job id), all in one batched request per tick. */
  const polled = new Map<string, string>();
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  let started = false;

  function item(key: string): CaptureItem | undefined {
    return items.value.find((i) => i.key === key);
  }

  function add(links: QueuedLink[], phase: CaptureItem['phase']): void {
    const fresh = links.filter((link) => !item(link.id));
    items.value.unshift(...fresh.map((link) => ({ key: link.id, url: link.url, phase, step: 'queued' as const, percent: null, jobId: null, conversationId: null, messages: null, changed: null, error: null })));
    for (const link of links) {
      const existing = item(link.id);
      if (existing) Object.assign(existing, { phase, error: null });
    }
  }

  function stopWatching(key: string): void {
    streams.get(key)?.unsubscribe();
    streams.delete(key);
    polled.delete(key);
    if (polled.size === 0) {
      clearInterval(pollTimer);
      pollTimer = undefined;
    }
  }

  function apply(key: string, status: CaptureProgress): void {
    const target = item(key);
    if (!target) return;
    const finished = status.step === 'done' || status.step === 'failed';
    Object.assign(target, {
      phase: status.step === 'done' ? 'done' : status.step === 'failed' ? 'failed' : 'running',
      step: status.step,
      percent: status.percent,
      conversationId: status.conversationId,
      messages: status.messages,
      changed: status.changed,
      error: status.error ? { code: status.error.code, message: status.error.message } : null,
    });
    if (finished) stopWatching(key);
  }

  /** Polls the status: for captures beyond the stream limit, and when a stream breaks. */
  function poll(key: string, jobId: string): void {
    stopWatching(key);
    polled.set(key, jobId);
    pollTimer ??= setInterval(() => {
      for (const [polledKey, polledJob] of polled) {
        $trpc.capture.byId.query({ jobId: polledJob }).then(
          (status) => apply(polledKey, status),
          // Offline or a restarting server: the next tick tries again.
          () => undefined,
        );
      }
    }, 1500);
  }

  function follow(key: string, jobId: string): void {
    stopWatching(key);
    if (streams.size >= MAX_STREAMS) {
      poll(key, jobId);
      return;
    }
    const subscription = $trpc.capture.progress.subscribe(
      { jobId },
      {
        onData: (status) => apply(key, status),
        onError: () => poll(key, jobId),
      },
    );
    streams.set(key, subscription);
  }

  function fail(keys: string[], error: ShownError): void {
    for (const key of keys) {
      const target = item(key);
      if (target) Object.assign(target, { phase: 'failed', step: 'failed', error });
    }
  }

  /** Hands links to the server (one create, or batches of 50); returns those that could not reach it. */
  async function send(links: QueuedLink[]): Promise<QueuedLink[]> {
    add(links, 'sending');
    const unsent: QueuedLink[] = [];
    for (let start = 0; start < links.length; start += MAX_LINKS) {
      const chunk = links.slice(start, start + MAX_LINKS);
      try {
        if (chunk.length === 1 && chunk[0]) {
          const { jobId } = await $trpc.capture.create.mutate({ url: chunk[0].url });
          Object.assign(item(chunk[0].id) ?? {}, { phase: 'running', jobId });
          follow(chunk[0].id, jobId);
          continue;
        }
        const answers = await $trpc.capture.batch.mutate({ urls: chunk.map((link) => link.url) });
        chunk.forEach((link, index) => {
          const answer = answers[index];
          if (answer?.jobId) {
            Object.assign(item(link.id) ?? {}, { phase: 'running', jobId: answer.jobId });
            follow(link.id, answer.jobId);
          } else {
            fail([link.id], answer?.error ?? { code: 'UNKNOWN', message: 'The server did not take this link' });
          }
        });
      } catch (caught) {
        const error = shownError(caught);
        if (error.code === 'NETWORK') unsent.push(...chunk);
        else fail(chunk.map((link) => link.id), error);
      }
    }
    return unsent;
  }

  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  /** Online but the server out of reach (restarting, a dead Wi-Fi): no 'online' event will come, so try again later. */
  function retryLater(): void {
    clearTimeout(retryTimer);
    if (navigator.onLine) retryTimer = setTimeout(() => void flush(), RETRY_MS);
  }

  /** Sends what waits in the offline queue; what still cannot reach the server stays queued. */
  async function flush(): Promise<void> {
    clearTimeout(retryTimer);
    await drainQueue(localStorage, async (links) => {
      const unsent = await send(links);
      add(unsent, 'offline');
      if (unsent.length) retryLater();
      return unsent;
    });
  }

  /** Captures the links now, or queues them when the browser is offline. */
  async function submit(urls: string[]): Promise<void> {
    const links = urls.map((url, index) => ({ id: `link-${Date.now().toString(36)}-${index}-${Math.random().toString(36).slice(2, 6)}`, url, queuedAt: Date.now() }));
    if (!navigator.onLine) {
      add(enqueueLinks(localStorage, urls), 'offline');
      return;
    }
    const unsent = await send(links);
    if (unsent.length) {
      add(enqueueLinks(localStorage, unsent.map((link) => link.url)), 'offline');
      retryLater();
    }
    // Items that became queue entries carry the queue's ids from now on.
    items.value = items.value.filter((i) => !unsent.some((link) => link.id === i.key));
  }

  /** Shows links queued earlier (even in another session) and sends them once online. */
  function start(): void {
    if (started) return;
    started = true;
    add(readQueue(localStorage), 'offline');
    window.addEventListener('online', () => void flush());
    if (navigator.onLine) void flush();
  }

  /** Stops a capture that has not finished (the server stops it at its next step). */
  async function cancel(key: string): Promise<void> {
    const target = item(key);
    if (!target?.jobId || target.phase !== 'running') return;
    try {
      apply(key, await $trpc.capture.cancel.mutate({ jobId: target.jobId }));
    } catch (caught) {
      target.error = shownError(caught);
    }
  }

  function dismiss(key: string): void {
    stopWatching(key);
    items.value = items.value.filter((i) => i.key !== key);
  }

  function clearFinished(): void {
    items.value = items.value.filter((i) => i.phase !== 'done' && i.phase !== 'failed');
  }

  return { items, submit, start, flush, cancel, dismiss, clearFinished };
});
