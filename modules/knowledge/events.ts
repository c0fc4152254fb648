/** Events the knowledge module emits (after commit). */
export const knowledgeEvents = {
  /** The Librarian changed an owner's topics or entities: `{ ownerId }`. */
  updated: 'knowledge.updated',
} as const;

/** Payload of `knowledge.updated`. */
export interface KnowledgeUpdatedEvent {
  ownerId: string;
}
