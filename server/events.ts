import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';

/**
 * In-process domain events, named `<module>.<pastTense>` and emitted after commit.
 * Listeners that do I/O enqueue a job instead of working inline.
 */
export class EventBus {
  private readonly emitter = new EventEmitter({ captureRejections: true });
  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log;
    this.emitter.setMaxListeners(100);
  }

  /** Emits an event; a failing listener is logged, never thrown back at the emitter. */
  emit<T>(name: string, payload: T): void {
    for (const listener of this.emitter.listeners(name)) {
      try {
        const result = (listener as (payload: T) => unknown)(payload);
        if (result instanceof Promise) {
          result.catch((err: unknown) => this.log.error({ err, event: name }, 'event listener failed'));
        }
      } catch (err) {
        this.log.error({ err, event: name }, 'event listener failed');
      }
    }
  }

  /** Subscribes; returns the unsubscribe function. */
  on<T>(name: string, listener: (payload: T) => unknown): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
