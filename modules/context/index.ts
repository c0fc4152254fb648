import { defineModule } from '#server/module.ts';
import { captureEvents } from '#modules/capture/index.ts';
import { knowledgeEvents } from '#modules/knowledge/index.ts';
import { memoryEvents } from '#modules/memory/index.ts';
import { contextJobs } from './jobs.ts';
import { contextRouter } from './router.ts';
import { ContextService } from './service.ts';

/** When the default encoding is loaded after start (if no request or warm-up needed it before). */
const TOKENIZER_PRELOAD_MS = 20_000;

declare module '#server/services.ts' {
  interface AppServices {
    context: ContextService;
  }
}

interface OwnerEvent {
  ownerId: string;
}

/** Data events after which an owner's cached bundles are stale. */
const DATA_EVENTS = [captureEvents.conversationStored, captureEvents.acusGenerated, captureEvents.conversationDeleted, memoryEvents.changed, knowledgeEvents.updated];

/** The context engine: cited L0–L6 bundles for a prompt within a token budget, cached and warmed per user. */
export default defineModule({
  name: 'context',
  dependsOn: ['auth', 'capture', 'search', 'memory', 'knowledge'],
  router: contextRouter,
  jobs: contextJobs,
  services: (deps) => ({ context: new ContextService(deps) }),
  onStart: (deps) => {
    const context = deps.services.context!;
    for (const event of DATA_EVENTS) deps.events.on<OwnerEvent>(event, (payload) => context.dataChanged(payload.ownerId));
    // The BPE ranks take ~1 s and ~70 MB of heap to load: loaded before the first request is
    // likely (and by the first warm-up), not during start-up or while an import is running.
    context.schedulePreload(TOKENIZER_PRELOAD_MS);
  },
  onStop: (deps) => deps.services.context?.stop(),
});

export type { ContextService } from './service.ts';
export type { CompileInput, CompileOutput, ContextItem, ContextSection, ContextLayer } from './schemas.ts';
export { compileInput, compileOutput } from './schemas.ts';
