import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityDto, EntityType, TopicDto } from '../schemas.ts';

const iso = (value: string | Date | null): string | null => (value === null ? null : new Date(value).toISOString());
const json = (value: unknown) => JSON.stringify(value);

/** A knowledge_topic row as the read queries select it. */
export interface TopicRow {
  id: string;
  label: string;
  keyphrases: string[];
  terms: string[];
  conversation_count: number;
  message_count: number;
  last_seen_at: string | Date | null;
}

/** A knowledge_entity row as the read queries select it. */
export interface EntityRow {
  id: string;
  key: string;
  name: string;
  type: string;
  aliases: string[];
  alias_keys: string[];
  mention_count: number;
  conversation_count: number;
  last_seen_at: string | Date | null;
}

export const TOPIC_COLUMNS = 't.id, t.label, t.keyphrases, t.terms, t.conversation_count, t.message_count, t.last_seen_at';
export const ENTITY_COLUMNS = 'e.id, e.key, e.name, e.type, e.aliases, e.alias_keys, e.mention_count, e.conversation_count, e.last_seen_at';

/**
 * Topic rows → DTOs with their best `perTopic` conversations (one query on the links' primary key).
 * The rows come from owner-scoped queries; filtering the links by owner too made the planner AND in
 * the owner index, reading every link of the owner once per topic.
 */
export async function topicDtos(em: EntityManager, ownerId: string, rows: readonly TopicRow[], perTopic: number): Promise<TopicDto[]> {
  if (rows.length === 0) return [];
  const links = await em.execute<{ topic_id: string; conversation_id: string; source_conversation_id: string | null; title: string }[]>(
    `select l.topic_id, l.conversation_id, c.source_conversation_id, c.title
     from (select (jsonb_array_elements_text(?::jsonb))::uuid as id) t
     cross join lateral (select x.topic_id, x.conversation_id from knowledge_topic_conversation x where x.topic_id = t.id order by x.weight desc, x.conversation_id limit ?) l
     join knowledge_conversation c on c.conversation_id = l.conversation_id and c.owner_id = ?`,
    [json(rows.map((r) => r.id)), perTopic, ownerId],
  );
  const byTopic = new Map<string, TopicDto['conversations']>();
  for (const l of links) {
    const list = byTopic.get(l.topic_id) ?? [];
    list.push({ conversationId: l.conversation_id, sourceConversationId: l.source_conversation_id, title: l.title });
    byTopic.set(l.topic_id, list);
  }
  return rows.map((r) => ({
    id: r.id,
    label: r.label,
    keyphrases: r.keyphrases,
    conversationCount: r.conversation_count,
    messageCount: r.message_count,
    lastSeenAt: iso(r.last_seen_at),
    conversations: byTopic.get(r.id) ?? [],
  }));
}

/** Entity rows (from owner-scoped queries) → DTOs with their latest `perEntity` mentions (one query on (entity, seen_at)). */
export async function entityDtos(em: EntityManager, rows: readonly EntityRow[], perEntity: number): Promise<EntityDto[]> {
  if (rows.length === 0) return [];
  const mentions = await em.execute<{ entity_id: string; conversation_id: string; message_id: string | null; source_conversation_id: string | null; source_message_id: string | null }[]>(
    `select m.entity_id, m.conversation_id, m.message_id, m.source_conversation_id, m.source_message_id
     from (select (jsonb_array_elements_text(?::jsonb))::uuid as id) e
     cross join lateral (select x.entity_id, x.conversation_id, x.message_id, x.source_conversation_id, x.source_message_id from knowledge_mention x
       where x.entity_id = e.id order by x.seen_at desc, x.id limit ?) m`,
    [json(rows.map((r) => r.id)), perEntity],
  );
  const byEntity = new Map<string, EntityDto['mentions']>();
  for (const m of mentions) {
    const list = byEntity.get(m.entity_id) ?? [];
    list.push({ conversationId: m.conversation_id, messageId: m.message_id, sourceConversationId: m.source_conversation_id, sourceMessageId: m.source_message_id });
    byEntity.set(m.entity_id, list);
  }
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    type: r.type as EntityType,
    aliases: r.aliases,
    mentionCount: r.mention_count,
    conversationCount: r.conversation_count,
    lastSeenAt: iso(r.last_seen_at),
    mentions: byEntity.get(r.id) ?? [],
  }));
}

/** Keyset page cursor: the sort value and the id of the last row. */
export interface PageCursor {
  n: number;
  id: string;
}

export const encodeCursor = (cursor: PageCursor): string => Buffer.from(json(cursor)).toString('base64url');

/** The cursor's content, or null when it is not one of ours. */
export function decodeCursor(cursor: string): PageCursor | null {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<PageCursor>;
    if (typeof parsed.n === 'number' && typeof parsed.id === 'string' && /^[0-9a-f-]{36}$/.test(parsed.id)) return { n: parsed.n, id: parsed.id };
  } catch {
    // not JSON: refused below
  }
  return null;
}
