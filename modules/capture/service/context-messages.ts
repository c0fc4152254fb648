import type { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError } from '#server/errors.ts';

/** A message as plain text with the ids that cite it (for the context module). */
export interface MessageText {
  id: string;
  conversationId: string;
  conversationTitle: string;
  provider: string;
  sourceConversationId: string;
  sourceMessageId: string;
  parentId: string | null;
  role: string;
  position: number;
  createdAt: string | null;
  text: string;
}

interface Row {
  id: string;
  conversation_id: string;
  title: string;
  provider: string;
  conversation_source_id: string;
  source_id: string;
  parent_id: string | null;
  role: string;
  position: number;
  created_at: string | Date | null;
  text: string;
}

const COLUMNS = `m.id, m.conversation_id, c.title, c.provider, c.source_id as conversation_source_id, m.source_id, m.parent_id, m.role, m.position, m.created_at, m.text`;

const toMessageText = (r: Row): MessageText => ({
  id: r.id,
  conversationId: r.conversation_id,
  conversationTitle: r.title,
  provider: r.provider,
  sourceConversationId: r.conversation_source_id,
  sourceMessageId: r.source_id,
  parentId: r.parent_id,
  role: r.role,
  position: Number(r.position),
  createdAt: r.created_at === null ? null : new Date(r.created_at).toISOString(),
  text: r.text,
});

/**
 * The owner's messages with these ids (others' ids are ignored); with `neighbours`, also each
 * one's parent and its child on the current branch (the question of an answer, the answer of a question).
 */
export async function messageTexts(em: EntityManager, ownerId: string, ids: readonly string[], options: { neighbours?: boolean } = {}): Promise<MessageText[]> {
  if (ids.length === 0) return [];
  // A union of indexed lookups (by id, by parent id): an `or` of them made the planner scan every message of the owner.
  const neighbours = options.neighbours
    ? ` union select h.parent_id from hit h where h.parent_id is not null
        union select n.id from capture_message n join hit h on n.parent_id = h.id where n.is_on_current_branch and n.owner_id = ?`
    : '';
  const rows = await em.execute<Row[]>(
    `with hit as (select id, parent_id from capture_message where owner_id = ? and id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))),
     wanted as (select h.id from hit h${neighbours})
     select ${COLUMNS} from capture_message m join capture_conversation c on c.id = m.conversation_id
     where m.id in (select w.id from wanted w) and m.owner_id = ? and not m.hidden
     order by m.conversation_id, m.position`,
    options.neighbours ? [ownerId, JSON.stringify(ids), ownerId, ownerId] : [ownerId, JSON.stringify(ids), ownerId],
  );
  return rows.map(toMessageText);
}

/** The last `limit` visible messages on a conversation's current branch, newest first (NOT_FOUND for anyone else's). */
export async function branchTexts(em: EntityManager, ownerId: string, conversationId: string, limit: number): Promise<MessageText[]> {
  const rows = await em.execute<Row[]>(
    `select ${COLUMNS} from capture_message m join capture_conversation c on c.id = m.conversation_id
     where m.conversation_id = ? and m.owner_id = ? and c.owner_id = ? and m.is_on_current_branch and not m.hidden
     order by m.position desc limit ?`,
    [conversationId, ownerId, ownerId, limit],
  );
  if (rows.length === 0) {
    const [exists] = await em.execute<{ id: string }[]>('select id from capture_conversation where id = ? and owner_id = ?', [conversationId, ownerId]);
    if (!exists) throw new NotFoundError('CAPTURE_CONVERSATION_NOT_FOUND', { id: conversationId });
  }
  return rows.map(toMessageText);
}
