import { defineEntity, p } from '@mikro-orm/core';
import type { TermCount } from './extract/keyphrases.ts';

/** What the Librarian holds for each conversation: the capture version it read, and its candidate keyphrases. */
export const KnowledgeConversation = defineEntity({
  name: 'KnowledgeConversation',
  tableName: 'knowledge_conversation',
  indexes: [{ name: 'knowledge_conversation_owner_index', properties: ['ownerId'] }],
  properties: {
    conversationId: p.uuid().primary(),
    ownerId: p.uuid(),
    /** Capture's index version plus the extractor version: equal, nothing to do. */
    version: p.text(),
    title: p.text(),
    sourceConversationId: p.text().nullable(),
    messageCount: p.integer().default(0),
    lastSeenAt: p.datetime().nullable(),
    /** Candidate keyphrases with weighted counts (TF; IDF is computed per owner when topics are clustered). */
    terms: p.json<TermCount[]>(),
    processedAt: p.datetime().defaultRaw('now()'),
  },
});

/** A topic of one owner: conversations sharing keyphrases. */
export const KnowledgeTopic = defineEntity({
  name: 'KnowledgeTopic',
  tableName: 'knowledge_topic',
  uniques: [{ name: 'knowledge_topic_owner_key_unique', properties: ['ownerId', 'key'] }],
  indexes: [
    { name: 'knowledge_topic_owner_seen_index', properties: ['ownerId', 'lastSeenAt'] },
    { name: 'knowledge_topic_terms_index', expression: 'create index "knowledge_topic_terms_index" on "knowledge_topic" using gin ("terms")' },
  ],
  properties: {
    id: p.uuid().primary(),
    ownerId: p.uuid(),
    /** The seed keyphrase (normalized): stable across recomputes. */
    key: p.text(),
    label: p.text(),
    keyphrases: p.array(),
    /** Words of the keyphrases (normalized) for prompt matching. */
    terms: p.array(),
    conversationCount: p.integer(),
    messageCount: p.integer(),
    lastSeenAt: p.datetime().nullable(),
    /** Hash of everything above and the links: an unchanged topic is not rewritten. */
    signature: p.text(),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

/** A conversation of a topic, with its weight (TF-IDF of the topic's keyphrases) and message count. */
export const KnowledgeTopicConversation = defineEntity({
  name: 'KnowledgeTopicConversation',
  tableName: 'knowledge_topic_conversation',
  indexes: [{ name: 'knowledge_topic_conversation_owner_conversation_index', properties: ['ownerId', 'conversationId'] }],
  properties: {
    topic: () => p.manyToOne(KnowledgeTopic).primary().deleteRule('cascade'),
    conversationId: p.uuid().primary(),
    ownerId: p.uuid(),
    weight: p.double(),
    messageCount: p.integer(),
  },
});

/** A named thing of one owner, merged by normalized name and aliases. */
export const KnowledgeEntity = defineEntity({
  name: 'KnowledgeEntity',
  tableName: 'knowledge_entity',
  uniques: [{ name: 'knowledge_entity_owner_key_unique', properties: ['ownerId', 'key'] }],
  indexes: [
    { name: 'knowledge_entity_owner_type_key_index', properties: ['ownerId', 'type', 'key'] },
    { name: 'knowledge_entity_owner_seen_index', properties: ['ownerId', 'lastSeenAt'] },
    { name: 'knowledge_entity_alias_keys_index', expression: 'create index "knowledge_entity_alias_keys_index" on "knowledge_entity" using gin ("alias_keys")' },
  ],
  properties: {
    id: p.uuid().primary(),
    ownerId: p.uuid(),
    /** Merge key: lowercase alphanumerics of the canonical name. */
    key: p.text(),
    name: p.text(),
    /** person | project | organization | technology | place | other */
    type: p.text(),
    aliases: p.array(),
    /** Merge keys of the name and every alias (prompt matching). */
    aliasKeys: p.array(),
    mentionCount: p.integer().default(0),
    conversationCount: p.integer().default(0),
    lastSeenAt: p.datetime().nullable(),
  },
});

/** An entity named in a conversation's message (or its title: no message), with how often and as what. */
export const KnowledgeMention = defineEntity({
  name: 'KnowledgeMention',
  tableName: 'knowledge_mention',
  indexes: [
    { name: 'knowledge_mention_entity_seen_index', properties: ['entity', 'seenAt'] },
    { name: 'knowledge_mention_owner_conversation_index', properties: ['ownerId', 'conversationId'] },
  ],
  properties: {
    id: p.uuid().primary(),
    entity: () => p.manyToOne(KnowledgeEntity).deleteRule('cascade'),
    ownerId: p.uuid(),
    conversationId: p.uuid(),
    messageId: p.uuid().nullable(),
    sourceConversationId: p.text().nullable(),
    sourceMessageId: p.text().nullable(),
    /** The name as written there. */
    surface: p.text(),
    type: p.text(),
    count: p.integer(),
    seenAt: p.datetime().nullable(),
  },
});

export const knowledgeEntities = [KnowledgeConversation, KnowledgeTopic, KnowledgeTopicConversation, KnowledgeEntity, KnowledgeMention];
