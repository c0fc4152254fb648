import type { EntityManager } from '@mikro-orm/postgresql';
import type { ContentPart } from '#plugins/providers/sdk/index.ts';

/** What the search module indexes for one conversation (plain DTOs, owner-scoped). */
export interface IndexSource {
  conversation: { id: string; ownerId: string; provider: string; sourceId: string; title: string; tags: string[]; createdAt: string | null; contentHash: string };
  messages: { id: string; sourceId: string; role: string; createdAt: string | null; position: number; isOnCurrentBranch: boolean; hidden: boolean; parts: ContentPart[] }[];
  acus: { id: string; type: string; content: string; language: string | null; messageIds: string[]; createdAt: string }[];
}

/** One conversation's index version: changes whenever anything search shows changes (content, title, tags, ACUs). */
export interface IndexVersion {
  id: string;
  ownerId: string;
  version: string;
}

const iso = (value: string | Date | null): string | null => (value === null ? null : new Date(value).toISOString());

/** Reads a conversation for indexing; null when it does not exist (deleted meanwhile). */
export async function readIndexSource(em: EntityManager, ownerId: string, conversationId: string): Promise<IndexSource | null> {
  const [conversation] = await em.execute<{ id: string; owner_id: string; provider: string; source_id: string; title: string; tags: string[]; created_at: string | Date | null; captured_at: string | Date; content_hash: string }[]>(
    'select id, owner_id, provider, source_id, title, tags, created_at, captured_at, content_hash from capture_conversation where id = ? and owner_id = ?',
    [conversationId, ownerId],
  );
  if (!conversation) return null;
  const messages = await em.execute<{ id: string; source_id: string; role: string; created_at: string | Date | null; position: number; is_on_current_branch: boolean; hidden: boolean; parts: ContentPart[] | null }[]>(
    'select id, source_id, role, created_at, position, is_on_current_branch, hidden, parts from capture_message where conversation_id = ? and owner_id = ? order by position',
    [conversationId, ownerId],
  );
  const acus = await em.execute<{ id: string; type: string; content: string; language: string | null; message_ids: string[]; created_at: string | Date }[]>(
    'select id, type, content, language, message_ids, created_at from capture_acu where conversation_id = ? and owner_id = ? order by id',
    [conversationId, ownerId],
  );
  return {
    conversation: {
      id: conversation.id,
      ownerId: conversation.owner_id,
      provider: conversation.provider,
      sourceId: conversation.source_id,
      title: conversation.title,
      tags: conversation.tags,
      createdAt: iso(conversation.created_at ?? conversation.captured_at),
      contentHash: conversation.content_hash,
    },
    messages: messages.map((m) => ({ id: m.id, sourceId: m.source_id, role: m.role, createdAt: iso(m.created_at), position: m.position, isOnCurrentBranch: m.is_on_current_branch, hidden: m.hidden, parts: m.parts ?? [] })),
    acus: acus.map((a) => ({ id: a.id, type: a.type, content: a.content, language: a.language, messageIds: a.message_ids, createdAt: iso(a.created_at)! })),
  };
}

/** SQL expression of a conversation's index version (alias `c`). */
export const INDEX_VERSION_SQL = `md5(c.content_hash || '|' || c.title || '|' || array_to_string(c.tags, ',') || '|' ||
  coalesce((select string_agg(a.hash, ',' order by a.hash) from capture_acu a where a.conversation_id = c.id), ''))`;

/** Index versions of every conversation, in id order, after `afterId` (keyset pages for the search sweep). */
export async function listIndexVersions(em: EntityManager, afterId: string | null, limit: number): Promise<IndexVersion[]> {
  const rows = await em.execute<{ id: string; owner_id: string; version: string }[]>(
    `select c.id, c.owner_id, ${INDEX_VERSION_SQL} as version from capture_conversation c where c.id > ?::uuid order by c.id limit ?`,
    [afterId ?? '00000000-0000-0000-0000-000000000000', limit],
  );
  return rows.map((r) => ({ id: r.id, ownerId: r.owner_id, version: r.version }));
}
