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

/**
 * Reads several conversations of one owner for indexing in three queries (not three per conversation:
 * round trips to the embedded database dominate a batch of small conversations). Missing ones are absent.
 */
export async function readIndexSources(em: EntityManager, ownerId: string, conversationIds: readonly string[]): Promise<Map<string, IndexSource>> {
  const out = new Map<string, IndexSource>();
  if (conversationIds.length === 0) return out;
  const ids = JSON.stringify([...new Set(conversationIds)]);
  const conversations = await em.execute<{ id: string; owner_id: string; provider: string; source_id: string; title: string; tags: string[]; created_at: string | Date | null; captured_at: string | Date; content_hash: string }[]>(
    `select id, owner_id, provider, source_id, title, tags, created_at, captured_at, content_hash from capture_conversation
     where owner_id = ? and id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))`,
    [ownerId, ids],
  );
  if (conversations.length === 0) return out;
  const found = JSON.stringify(conversations.map((c) => c.id));
  const messages = await em.execute<{ conversation_id: string; id: string; source_id: string; role: string; created_at: string | Date | null; position: number; is_on_current_branch: boolean; hidden: boolean; parts: ContentPart[] | null }[]>(
    `select conversation_id, id, source_id, role, created_at, position, is_on_current_branch, hidden, parts from capture_message
     where owner_id = ? and conversation_id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid)) order by conversation_id, position`,
    [ownerId, found],
  );
  const acus = await em.execute<{ conversation_id: string; id: string; type: string; content: string; language: string | null; message_ids: string[]; created_at: string | Date }[]>(
    `select conversation_id, id, type, content, language, message_ids, created_at from capture_acu
     where owner_id = ? and conversation_id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid)) order by conversation_id, id`,
    [ownerId, found],
  );
  for (const c of conversations) {
    out.set(c.id, {
      conversation: {
        id: c.id,
        ownerId: c.owner_id,
        provider: c.provider,
        sourceId: c.source_id,
        title: c.title,
        tags: c.tags,
        createdAt: iso(c.created_at ?? c.captured_at),
        contentHash: c.content_hash,
      },
      messages: [],
      acus: [],
    });
  }
  for (const m of messages) {
    out.get(m.conversation_id)?.messages.push({ id: m.id, sourceId: m.source_id, role: m.role, createdAt: iso(m.created_at), position: m.position, isOnCurrentBranch: m.is_on_current_branch, hidden: m.hidden, parts: m.parts ?? [] });
  }
  for (const a of acus) {
    out.get(a.conversation_id)?.acus.push({ id: a.id, type: a.type, content: a.content, language: a.language, messageIds: a.message_ids, createdAt: iso(a.created_at)! });
  }
  return out;
}

/** Index versions of some conversations of one owner (absent: gone). */
export async function readIndexVersions(em: EntityManager, ownerId: string, conversationIds: readonly string[]): Promise<Map<string, string>> {
  if (conversationIds.length === 0) return new Map();
  const rows = await em.execute<{ id: string; version: string }[]>(
    `select c.id, ${INDEX_VERSION_SQL} as version from capture_conversation c where c.owner_id = ? and c.id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))`,
    [ownerId, JSON.stringify([...new Set(conversationIds)])],
  );
  return new Map(rows.map((r) => [r.id, r.version]));
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
