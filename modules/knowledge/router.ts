import { z } from 'zod';
import { adminProcedure, protectedProcedure, router } from '#server/trpc.ts';
import { entityDto, entityIdInput, entityPage, listEntitiesInput, listTopicsInput, topicDetail, topicIdInput, topicPage } from './schemas.ts';

export const knowledgeRouter = router({
  /** The caller's topics, most conversations first. */
  topics: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/topics', tags: ['knowledge'] }, scope: 'read' })
    .input(listTopicsInput)
    .output(topicPage)
    .query(({ ctx, input }) => ctx.services.knowledge.listTopics(ctx.actor.userId, input)),
  /** One topic with its conversations. */
  topic: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/topics/{id}', tags: ['knowledge'] }, scope: 'read' })
    .input(topicIdInput)
    .output(topicDetail)
    .query(({ ctx, input }) => ctx.services.knowledge.getTopic(ctx.actor.userId, input.id)),
  /** The caller's entities (people, projects, organizations, technologies, places), most mentioned first. */
  entities: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/entities', tags: ['knowledge'] }, scope: 'read' })
    .input(listEntitiesInput)
    .output(entityPage)
    .query(({ ctx, input }) => ctx.services.knowledge.listEntities(ctx.actor.userId, input)),
  /** One entity with its latest mentions. */
  entity: protectedProcedure
    .meta({ openapi: { method: 'GET', path: '/v1/entities/{id}', tags: ['knowledge'] }, scope: 'read' })
    .input(entityIdInput)
    .output(entityDto)
    .query(({ ctx, input }) => ctx.services.knowledge.getEntity(ctx.actor.userId, input.id, input.mentions)),
  /** Admin (the CLI): a user's topics by email. */
  topicsFor: adminProcedure
    .input(listTopicsInput.extend({ email: z.email() }))
    .output(topicPage)
    .query(async ({ ctx, input }) => ctx.services.knowledge.listTopics((await ctx.services.auth.findByEmail(input.email.toLowerCase())).id, input)),
  /** Admin (the CLI): a user's entities by email. */
  entitiesFor: adminProcedure
    .input(listEntitiesInput.extend({ email: z.email() }))
    .output(entityPage)
    .query(async ({ ctx, input }) => ctx.services.knowledge.listEntities((await ctx.services.auth.findByEmail(input.email.toLowerCase())).id, input)),
});
