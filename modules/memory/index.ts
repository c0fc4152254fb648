import { defineModule } from '#server/module.ts';
import { captureEvents } from '#modules/capture/index.ts';
import { memoryEntities } from './entities.ts';
import { memoryJobs } from './jobs.ts';
import { memoryRouter } from './router.ts';
import { MemoryService } from './service.ts';

declare module '#server/services.ts' {
  interface AppServices {
    memory: MemoryService;
  }
}

interface ConversationEvent {
  conversationId: string;
  ownerId: string;
}

/** Memories about each user: extracted from their conversations or added by hand; served to context and search. */
export default defineModule({
  name: 'memory',
  dependsOn: ['auth', 'capture', 'search'],
  entities: memoryEntities,
  router: memoryRouter,
  jobs: memoryJobs,
  services: (deps) => ({ memory: new MemoryService(deps) }),
  onStart: async (deps) => {
    const memory = deps.services.memory!;
    const extract = (event: ConversationEvent) => memory.scheduleExtract(event.ownerId, event.conversationId);
    deps.events.on<ConversationEvent>(captureEvents.conversationStored, extract);
    // Imports store conversations without conversationStored; their ACU pass follows every store.
    deps.events.on<ConversationEvent>(captureEvents.acusGenerated, extract);
    // A deleted conversation takes its provenance along (and extracted memories left without any).
    deps.events.on<ConversationEvent>(captureEvents.conversationDeleted, extract);
    // Conversations never extracted (stored before this module, or while no worker ran) catch up.
    await deps.jobs.enqueue('memory.sweep', {}, { jobKey: 'memory.sweep', runAt: new Date(Date.now() + 3000) });
  },
  onStop: (deps) => deps.services.memory?.stop(),
});

export type { MemoryService } from './service.ts';
export type { MemoryDto, MemoryType, MemoryProvenance, ForContextOptions } from './schemas.ts';
export type { MemoryChangedEvent } from './events.ts';
export { memoryEvents } from './events.ts';
