import { defineModule } from '#server/module.ts';
import { captureEvents } from '#modules/capture/index.ts';
import { searchEntities } from './entities.ts';
import { searchJobs } from './jobs.ts';
import { searchRouter } from './router.ts';
import { SearchService } from './service.ts';

declare module '#server/services.ts' {
  interface AppServices {
    search: SearchService;
  }
}

interface ConversationEvent {
  conversationId: string;
  ownerId: string;
}

/** Hybrid search (Postgres full-text or Meilisearch, fused with pgvector) and embeddings. */
export default defineModule({
  name: 'search',
  dependsOn: ['auth', 'capture', 'knowledge'],
  entities: searchEntities,
  router: searchRouter,
  jobs: searchJobs,
  services: (deps) => ({ search: new SearchService(deps) }),
  onStart: async (deps) => {
    const search = deps.services.search!;
    const reindex = (event: ConversationEvent) => search.scheduleIndex(event.ownerId, event.conversationId);
    deps.events.on<ConversationEvent>(captureEvents.conversationStored, reindex);
    deps.events.on<ConversationEvent>(captureEvents.acusGenerated, reindex);
    deps.events.on<ConversationEvent>(captureEvents.conversationDeleted, (event) =>
      deps.jobs.enqueue('search.remove', event, { ownerId: event.ownerId }),
    );
    await search.engine.init();
    // Catch up on whatever changed while no process was listening (crash between commit and event).
    await deps.jobs.enqueue('search.sweep', {}, { jobKey: 'search.sweep', runAt: new Date(Date.now() + 2000) });
  },
  onStop: (deps) => deps.services.search?.stop(),
});

export type { SearchService, ExternalDoc } from './service.ts';
export type { SearchInput, SearchOutput, SearchResult } from './schemas.ts';
