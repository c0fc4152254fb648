import { z } from 'zod';

export const entityTypes = ['person', 'project', 'organization', 'technology', 'place', 'other'] as const;
export const entityType = z.enum(entityTypes);
/** What kind of thing an entity is. */
export type EntityType = z.infer<typeof entityType>;

/** A topic: conversations grouped by shared keyphrases (contracts.md TopicDto). */
export const topicDto = z.object({
  id: z.string(),
  label: z.string(),
  keyphrases: z.array(z.string()),
  conversationCount: z.number(),
  messageCount: z.number(),
  lastSeenAt: z.string().nullable(),
  /** The topic's best conversations (top few). */
  conversations: z.array(z.object({ conversationId: z.string(), sourceConversationId: z.string().nullable(), title: z.string() })),
});
export type TopicDto = z.infer<typeof topicDto>;

/** A person, project, organization, technology or place named in the owner's conversations (contracts.md EntityDto). */
export const entityDto = z.object({
  id: z.string(),
  name: z.string(),
  type: entityType,
  aliases: z.array(z.string()),
  mentionCount: z.number(),
  conversationCount: z.number(),
  lastSeenAt: z.string().nullable(),
  /** Latest mentions (top few; all of them up to the limit in `entity`). */
  mentions: z.array(z.object({ conversationId: z.string(), messageId: z.string().nullable(), sourceConversationId: z.string().nullable(), sourceMessageId: z.string().nullable() })),
});
export type EntityDto = z.infer<typeof entityDto>;

const cursor = z.string().max(200).regex(/^[A-Za-z0-9_-]+$/, 'not a valid page cursor').optional();

export const listTopicsInput = z.object({
  /** Label or keyphrase prefix. */
  q: z.string().trim().max(100).optional(),
  cursor,
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListTopicsInput = z.infer<typeof listTopicsInput>;

export const listEntitiesInput = z.object({
  type: entityType.optional(),
  /** Name or alias prefix (case-insensitive). */
  q: z.string().trim().max(100).optional(),
  cursor,
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListEntitiesInput = z.infer<typeof listEntitiesInput>;

export const topicPage = z.object({ items: z.array(topicDto), nextCursor: z.string().nullable() });
export const entityPage = z.object({ items: z.array(entityDto), nextCursor: z.string().nullable() });

export const topicIdInput = z.object({ id: z.uuid({ message: 'must be a topic id' }) });
export const entityIdInput = z.object({
  id: z.uuid({ message: 'must be an entity id' }),
  /** How many mentions to include, newest first. */
  mentions: z.coerce.number().int().min(1).max(500).default(50),
});

/** A topic with all its conversations (up to 200). */
export const topicDetail = topicDto;

/** Input of `topicsFor` / `entitiesFor` (context compile). */
export interface ForPromptInput {
  prompt?: string;
  limit: number;
}
