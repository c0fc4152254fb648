import type { EntityManager } from '@mikro-orm/postgresql';
import type { ContentPart } from '#plugins/providers/sdk/index.ts';

/** One conversation's visible messages on its current branch, with their parts (for memory extraction). */
export interface ConversationTurns {
  conversation: { id: string; provider: string; sourceId: string; title: string; createdAt: string | null; contentHash: string };
  messages: { id: string; sourceId: string; role: string; createdAt: string | null; parts: ContentPart[] }[];
}

const iso = (value: string | Date | null): string | null => (value === null ? null : new Date(value).toISOString());

/** Reads a conversation's current branch in order; null when it is not the owner's (or gone). */
export async function readConversationTurns(em: EntityManager, ownerId: string, conversationId: string): Promise<ConversationTurns | null> {
  const [c] = await em.execute<{ id: string; provider: string; source_id: string; title: string; created_at: string | Date | null; captured_at: string | Date; content_hash: string }[]>(
    'select id, provider, source_id, title, created_at, captured_at, content_hash from capture_conversation where id = ? and owner_id = ?',
    [conversationId, ownerId],
  );
  if (!c) return null;
  const messages = await em.execute<{ id: string; source_id: string; role: string; created_at: string | Date | null; parts: ContentPart[] | null }[]>(
    'select id, source_id, role, created_at, parts from capture_message where conversation_id = ? and owner_id = ? and is_on_current_branch and not hidden order by position',
    [conversationId, ownerId],
  );
  return {
    conversation: { id: c.id, provider: c.provider, sourceId: c.source_id, title: c.title, createdAt: iso(c.created_at ?? c.captured_at), contentHash: c.content_hash },
    messages: messages.map((m) => ({ id: m.id, sourceId: m.source_id, role: m.role, createdAt: iso(m.created_at), parts: m.parts ?? [] })),
  };
}
