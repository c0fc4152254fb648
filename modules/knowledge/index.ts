import { defineModule } from '#server/module.ts';
import { captureEvents } from '#modules/capture/index.ts';
import { knowledgeEntities } from './entities.ts';
import { knowledgeJobs } from './jobs.ts';
import { knowledgeRouter } from './router.ts';
import { KnowledgeService } from './service.ts';

declare module '#server/services.ts' {
  interface AppServices {
    knowledge: KnowledgeService;
  }
}

interface ConversationEvent {
  conversationId: string;
  ownerId: string;
}

/** The Librarian: topics and entities of each owner's conversations (for browsing and the context engine). */
export default defineModule({
  name: 'knowledge',
  dependsOn: ['auth', 'capture'],
  entities: knowledgeEntities,
  router: knowledgeRouter,
  jobs: knowledgeJobs,
  services: (deps) => ({ knowledge: new KnowledgeService(deps) }),
  onStart: async (deps) => {
    const knowledge = deps.services.knowledge!;
    // Stored, re-cut and deleted conversations all go the same way: the job sees what is there.
    const learn = (event: ConversationEvent) => knowledge.schedule(event.ownerId, event.conversationId);
    deps.events.on<ConversationEvent>(captureEvents.conversationStored, learn);
    deps.events.on<ConversationEvent>(captureEvents.acusGenerated, learn);
    deps.events.on<ConversationEvent>(captureEvents.conversationDeleted, learn);
    await deps.jobs.enqueue('knowledge.sweep', {}, { jobKey: 'knowledge.sweep', runAt: new Date(Date.now() + 3000), priority: 5 });
  },
  onStop: (deps) => deps.services.knowledge?.stop(),
});

export type { KnowledgeService } from './service.ts';
export type { EntityDto, EntityType, TopicDto, ForPromptInput } from './schemas.ts';
export { knowledgeEvents, type KnowledgeUpdatedEvent } from './events.ts';
