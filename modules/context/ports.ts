/**
 * What the context engine needs from the memory and knowledge services, as written in the team's
 * contracts (issue 6). The real services satisfy these structurally.
 */

/** A memory as `memory.forContext` returns it (the fields context uses). */
export interface MemoryForContext {
  id: string;
  type: string;
  content: string;
  confidence: number;
  importance: number;
  pinned: boolean;
  updatedAt: string;
  provenance: { conversationId: string; messageId: string; sourceConversationId: string | null; sourceMessageId: string | null }[];
}

export interface MemoryPort {
  forContext(ownerId: string, options: { types: ('fact' | 'preference' | 'identity' | 'goal' | 'skill' | 'relationship' | 'event' | 'instruction')[]; limit: number }): Promise<MemoryForContext[]>;
}

export interface TopicForContext {
  id: string;
  label: string;
  keyphrases: string[];
  conversationCount: number;
  messageCount: number;
  lastSeenAt: string | null;
  conversations: { conversationId: string; sourceConversationId: string | null; title: string }[];
  score: number;
}

export interface EntityForContext {
  id: string;
  name: string;
  type: string;
  aliases: string[];
  mentionCount: number;
  conversationCount: number;
  lastSeenAt: string | null;
  mentions: { conversationId: string; messageId: string; sourceConversationId: string | null; sourceMessageId: string | null }[];
  score: number;
}

export interface KnowledgePort {
  topicsFor(ownerId: string, options: { prompt?: string; limit: number }): Promise<TopicForContext[]>;
  entitiesFor(ownerId: string, options: { prompt?: string; limit: number }): Promise<EntityForContext[]>;
}
