import { defineEntity, p } from '@mikro-orm/core';

/**
 * One memory of a user. Current = `superseded_by is null` and `valid_to` null or in the future.
 * Superseded memories stay for history; forgotten ones are deleted (see MemoryForgotten).
 */
export const MemoryItem = defineEntity({
  name: 'MemoryItem',
  tableName: 'memory_item',
  indexes: [
    { name: 'memory_item_owner_current_index', properties: ['ownerId', 'type', 'supersededBy'] },
    { name: 'memory_item_owner_slot_index', properties: ['ownerId', 'slot'] },
    { name: 'memory_item_owner_hash_index', properties: ['ownerId', 'contentHash'] },
    { name: 'memory_item_content_trgm_index', expression: 'create index "memory_item_content_trgm_index" on "memory_item" using gin ("content" gin_trgm_ops)' },
  ],
  properties: {
    id: p.uuid().primary(),
    ownerId: p.uuid(),
    /** fact | preference | identity | goal | skill | relationship | event | instruction */
    type: p.text(),
    content: p.text(),
    /** sha256 of the normalized content: exact duplicates are found by it. */
    contentHash: p.text(),
    /** What the memory is the value of (`fact:location`): one current memory per single-valued slot. */
    slot: p.text().nullable(),
    confidence: p.double(),
    importance: p.double(),
    pinned: p.boolean().default(false),
    /** extracted | manual */
    source: p.text(),
    /** Which extractor made it (null for manual ones). */
    extractor: p.text().nullable(),
    validFrom: p.datetime().nullable(),
    validTo: p.datetime().nullable(),
    supersededBy: p.uuid().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

/** A message a memory was drawn from, with the user's words. */
export const MemoryProvenance = defineEntity({
  name: 'MemoryProvenance',
  tableName: 'memory_provenance',
  uniques: [{ name: 'memory_provenance_memory_message_unique', properties: ['memory', 'messageId'] }],
  indexes: [{ name: 'memory_provenance_owner_conversation_index', properties: ['ownerId', 'conversationId'] }],
  properties: {
    id: p.uuid().primary(),
    memory: () => p.manyToOne(MemoryItem).deleteRule('cascade'),
    ownerId: p.uuid(),
    conversationId: p.uuid(),
    messageId: p.uuid(),
    sourceConversationId: p.text().nullable(),
    sourceMessageId: p.text().nullable(),
    provider: p.text().nullable(),
    /** The user's sentence (secrets never reach it: masked or dropped before storing). */
    quote: p.text(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

/** One change of a memory: deleted with the memory when it is forgotten. */
export const MemoryRevision = defineEntity({
  name: 'MemoryRevision',
  tableName: 'memory_revision',
  indexes: [{ name: 'memory_revision_memory_at_index', properties: ['memory', 'at'] }],
  properties: {
    id: p.uuid().primary(),
    memory: () => p.manyToOne(MemoryItem).deleteRule('cascade'),
    ownerId: p.uuid(),
    /** ADD | UPDATE | SUPERSEDE | EDIT | PIN | UNPIN */
    action: p.text(),
    previousContent: p.text().nullable(),
    content: p.text().nullable(),
    /** `user` or the extractor's id (`offline@1`, `llm:openai:gpt-4o-mini@1`). */
    actor: p.text(),
    /** A short note: the superseding memory's id, the pinned state… (never another memory's text). */
    detail: p.text().nullable(),
    at: p.datetime().defaultRaw('now()'),
  },
});

/** What was last extracted from a conversation, so an unchanged conversation is not extracted again. */
export const MemoryExtraction = defineEntity({
  name: 'MemoryExtraction',
  tableName: 'memory_extraction',
  properties: {
    conversationId: p.uuid().primary(),
    ownerId: p.uuid(),
    /** The conversation's content hash when it was extracted. */
    contentHash: p.text(),
    extractor: p.text(),
    candidates: p.integer(),
    extractedAt: p.datetime().defaultRaw('now()'),
  },
});

/**
 * A forgotten memory, as a keyed hash (HMAC with the instance secret) of its normalized content:
 * extraction never brings it back, and the text itself is kept nowhere.
 */
export const MemoryForgotten = defineEntity({
  name: 'MemoryForgotten',
  tableName: 'memory_forgotten',
  properties: {
    ownerId: p.uuid().primary(),
    contentKey: p.text().primary(),
    forgottenAt: p.datetime().defaultRaw('now()'),
  },
});

export const memoryEntities = [MemoryItem, MemoryProvenance, MemoryRevision, MemoryExtraction, MemoryForgotten];
