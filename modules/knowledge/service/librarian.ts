import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { CaptureService, IndexSource } from '#modules/capture/index.ts';
import type { TermCount } from '../extract/keyphrases.ts';
import { EXTRACTOR_VERSION, type ConversationAnalysis } from '../extract/analyze.ts';
import { knownType, techAliases, techByKey } from '../extract/tech.ts';
import { entityKey, matchTerms } from '../extract/text.ts';
import type { EntityType } from '../schemas.ts';
import { clusterTopics, type ConversationTerms } from '../topics.ts';

/** What processing one conversation did. */
export type ProcessOutcome = 'unchanged' | 'updated' | 'removed';

const json = (value: unknown) => JSON.stringify(value);
const lockOwner = (tx: EntityManager, ownerId: string) => tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`knowledge:${ownerId}`]);

/**
 * Reads a batch of one owner's conversations through capture and stores, for each changed one, its
 * entity mentions and candidate keyphrases; gone ones are removed. An unchanged conversation (same
 * capture version, same extractor) writes nothing.
 */
export async function processConversations(
  em: () => EntityManager,
  capture: CaptureService,
  ownerId: string,
  conversationIds: readonly string[],
  how: { analyze: (source: IndexSource) => Promise<ConversationAnalysis>; yieldToRequests: () => Promise<unknown> },
): Promise<Record<ProcessOutcome, number>> {
  const result: Record<ProcessOutcome, number> = { unchanged: 0, updated: 0, removed: 0 };
  const versions = await capture.indexVersionsOf(ownerId, conversationIds);
  const held = await em().execute<{ conversation_id: string; version: string }[]>(
    'select conversation_id, version from knowledge_conversation where owner_id = ? and conversation_id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))',
    [ownerId, json(conversationIds)],
  );
  const heldVersions = new Map(held.map((h) => [h.conversation_id, h.version]));
  const changed: string[] = [];
  for (const id of conversationIds) {
    const version = versions.get(id);
    if (version === undefined) result[(await removeConversation(em, ownerId, id)) ? 'removed' : 'unchanged'] += 1;
    else if (heldVersions.get(id) === `${version}:${EXTRACTOR_VERSION}`) result.unchanged += 1;
    else changed.push(id);
  }
  // A few at a time: sources hold every message of their conversations. They are read in the
  // analyzer's thread; each is written in its own short transaction, after requests waiting.
  for (let i = 0; i < changed.length; i += 20) {
    const slice = changed.slice(i, i + 20);
    const sources = await capture.indexSources(ownerId, slice);
    const analyses = new Map(await Promise.all([...sources.values()].map(async (source) => [source.conversation.id, await how.analyze(source)] as const)));
    for (const id of slice) {
      const source = sources.get(id);
      const analysis = analyses.get(id);
      await how.yieldToRequests();
      if (!source || !analysis) result[(await removeConversation(em, ownerId, id)) ? 'removed' : 'unchanged'] += 1;
      else {
        await storeAnalysis(em, ownerId, source, analysis, `${versions.get(id)}:${EXTRACTOR_VERSION}`);
        result.updated += 1;
      }
    }
  }
  return result;
}

/** Writes one conversation's analysis: its mentions replace the old ones, touched entities are recomputed. */
async function storeAnalysis(em: () => EntityManager, ownerId: string, source: IndexSource, analysis: ConversationAnalysis, full: string): Promise<void> {
  const conversationId = source.conversation.id;
  const messages = new Map(source.messages.map((m) => [m.id, m]));
  const conversationSeen = analysis.lastSeenAt;
  await em().transactional(async (tx) => {
    await lockOwner(tx, ownerId);
    const old = await tx.execute<{ entity_id: string }[]>('delete from knowledge_mention where owner_id = ? and conversation_id = ? returning entity_id', [ownerId, conversationId]);
    const keys = [...new Map(analysis.mentions.map((m) => [m.key, m])).values()];
    if (keys.length > 0) {
      await tx.execute(
        `insert into knowledge_entity (id, owner_id, key, name, type, aliases, alias_keys, mention_count, conversation_count, last_seen_at)
         select gen_random_uuid(), ?, r.key, r.name, r.type, '{}', array[r.key], 0, 0, null from jsonb_to_recordset(?::jsonb) as r(key text, name text, type text)
         on conflict (owner_id, key) do nothing`,
        [ownerId, json(keys.map((k) => ({ key: k.key, name: k.name, type: k.type })))],
      );
    }
    const ids = keys.length === 0 ? [] : await tx.execute<{ id: string; key: string }[]>('select id, key from knowledge_entity where owner_id = ? and key = any(array(select jsonb_array_elements_text(?::jsonb)))', [ownerId, json(keys.map((k) => k.key))]);
    const idOf = new Map(ids.map((r) => [r.key, r.id]));
    const rows = analysis.mentions.map((m) => {
      const message = m.messageId ? messages.get(m.messageId) : undefined;
      return {
        entity_id: idOf.get(m.key),
        message_id: m.messageId,
        source_message_id: message?.sourceId ?? null,
        surface: m.name,
        type: m.type,
        count: m.count,
        seen_at: message?.createdAt ?? conversationSeen,
      };
    });
    for (let i = 0; i < rows.length; i += 500) {
      await tx.execute(
        `insert into knowledge_mention (id, entity_id, owner_id, conversation_id, message_id, source_conversation_id, source_message_id, surface, type, count, seen_at)
         select gen_random_uuid(), r.entity_id, ?, ?, r.message_id, ?, r.source_message_id, r.surface, r.type, r.count, r.seen_at
         from jsonb_to_recordset(?::jsonb) as r(entity_id uuid, message_id uuid, source_message_id text, surface text, type text, count int, seen_at timestamptz)`,
        [ownerId, conversationId, source.conversation.sourceId, json(rows.slice(i, i + 500))],
      );
    }
    await tx.execute(
      `insert into knowledge_conversation (conversation_id, owner_id, version, title, source_conversation_id, message_count, last_seen_at, terms, processed_at)
       values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, now())
       on conflict (conversation_id) do update set version = excluded.version, title = excluded.title, source_conversation_id = excluded.source_conversation_id,
         message_count = excluded.message_count, last_seen_at = excluded.last_seen_at, terms = excluded.terms, processed_at = now()`,
      [conversationId, ownerId, full, source.conversation.title, source.conversation.sourceId, analysis.messageCount, conversationSeen, json(analysis.terms)],
    );
    await recomputeEntities(tx, ownerId, [...new Set([...old.map((r) => r.entity_id), ...ids.map((r) => r.id)])]);
  });
}

/** Drops what the Librarian holds of a conversation (mentions, topic links, keyphrases); entity counts follow. */
export async function removeConversation(em: () => EntityManager, ownerId: string, conversationId: string): Promise<boolean> {
  return em().transactional(async (tx) => {
    await lockOwner(tx, ownerId);
    const old = await tx.execute<{ entity_id: string }[]>('delete from knowledge_mention where owner_id = ? and conversation_id = ? returning entity_id', [ownerId, conversationId]);
    const gone = await tx.execute<{ conversation_id: string }[]>('delete from knowledge_conversation where owner_id = ? and conversation_id = ? returning conversation_id', [ownerId, conversationId]);
    await tx.execute('delete from knowledge_topic_conversation where owner_id = ? and conversation_id = ?', [ownerId, conversationId]);
    await recomputeEntities(tx, ownerId, [...new Set(old.map((r) => r.entity_id))]);
    return old.length > 0 || gone.length > 0;
  });
}

/**
 * Recomputes the given entities from their mentions: counts, last seen, name (the dictionary's
 * canonical name or the most written form), type (the most frequent) and aliases; entities
 * without mentions are dropped.
 */
async function recomputeEntities(tx: EntityManager, ownerId: string, entityIds: readonly string[]): Promise<void> {
  if (entityIds.length === 0) return;
  const ids = json(entityIds);
  const forms = await tx.execute<{ entity_id: string; key: string; surface: string; type: string; n: number }[]>(
    `select m.entity_id, e.key, m.surface, m.type, sum(m.count)::int as n from knowledge_mention m join knowledge_entity e on e.id = m.entity_id
     where m.owner_id = ? and m.entity_id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid)) group by m.entity_id, e.key, m.surface, m.type`,
    [ownerId, ids],
  );
  const byEntity = new Map<string, { key: string; forms: { surface: string; type: string; n: number }[] }>();
  for (const f of forms) {
    const entry = byEntity.get(f.entity_id) ?? { key: f.key, forms: [] };
    entry.forms.push({ surface: f.surface, type: f.type, n: f.n });
    byEntity.set(f.entity_id, entry);
  }
  const updates = [...byEntity.entries()].map(([id, { key, forms: list }]) => {
    const tech = techByKey(key);
    const surfaces = new Map<string, number>();
    const types = new Map<string, number>();
    for (const f of list) {
      surfaces.set(f.surface, (surfaces.get(f.surface) ?? 0) + f.n);
      types.set(f.type, (types.get(f.type) ?? 0) + f.n);
    }
    // Most written first; on a tie, the capitalized form ("Tasklet" over "tasklet").
    const capitals = (s: string) => (s.match(/\p{Lu}/gu) ?? []).length;
    const ranked = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1] || capitals(b[0]) - capitals(a[0]) || a[0].localeCompare(b[0])).map(([value]) => value);
    const written = ranked(surfaces);
    const name = tech ?? written[0]!;
    const type: EntityType = tech ? knownType(tech) : (ranked(types)[0] as EntityType);
    const seen = new Set([name.toLowerCase()]);
    const aliases: string[] = [];
    for (const alias of [...written, ...(tech ? techAliases(tech) : [])]) {
      if (seen.has(alias.toLowerCase())) continue;
      seen.add(alias.toLowerCase());
      aliases.push(alias);
    }
    const aliasKeys = [...new Set([key, ...aliases.map(entityKey)].filter((k) => k.length >= 2))];
    return { id, name, type, aliases, alias_keys: aliasKeys };
  });
  await tx.execute(
    `update knowledge_entity e set name = r.name, type = r.type,
       aliases = array(select jsonb_array_elements_text(r.aliases)), alias_keys = array(select jsonb_array_elements_text(r.alias_keys)),
       mention_count = s.mentions, conversation_count = s.conversations, last_seen_at = s.last
     from jsonb_to_recordset(?::jsonb) as r(id uuid, name text, type text, aliases jsonb, alias_keys jsonb),
       lateral (select sum(m.count)::int as mentions, count(distinct m.conversation_id)::int as conversations, max(m.seen_at) as last from knowledge_mention m where m.entity_id = r.id) s
     where e.id = r.id and e.owner_id = ?`,
    [json(updates), ownerId],
  );
  await tx.execute(
    `delete from knowledge_entity e where e.owner_id = ? and e.id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))
     and not exists (select 1 from knowledge_mention m where m.entity_id = e.id)`,
    [ownerId, ids],
  );
}

/**
 * Clusters the owner's conversations into topics from the stored keyphrases (no message is read
 * again) and writes only the topics that differ. Returns how many topics were written or dropped.
 */
export async function recomputeTopics(em: () => EntityManager, ownerId: string): Promise<number> {
  const rows = await em().execute<{ conversation_id: string; terms: TermCount[]; last_seen_at: string | Date | null; message_count: number }[]>(
    'select conversation_id, terms, last_seen_at, message_count from knowledge_conversation where owner_id = ? order by conversation_id',
    [ownerId],
  );
  const corpus: ConversationTerms[] = rows.map((r) => ({
    conversationId: r.conversation_id,
    terms: r.terms,
    lastSeenAt: r.last_seen_at === null ? null : new Date(r.last_seen_at).toISOString(),
    messageCount: r.message_count,
  }));
  const wanted = clusterTopics(corpus).map((topic) => {
    const signature = createHash('sha256').update(json([topic.label, topic.keyphrases, topic.messageCount, topic.lastSeenAt, topic.conversations])).digest('hex');
    return { ...topic, signature, terms: [...new Set(matchTerms(topic.keyphrases.join(' ')))] };
  });
  return em().transactional(async (tx) => {
    await lockOwner(tx, ownerId);
    const existing = await tx.execute<{ id: string; key: string; signature: string }[]>('select id, key, signature from knowledge_topic where owner_id = ?', [ownerId]);
    const held = new Map(existing.map((t) => [t.key, t]));
    const keep = new Set(wanted.map((t) => t.key));
    const stale = existing.filter((t) => !keep.has(t.key)).map((t) => t.id);
    if (stale.length > 0) await tx.execute('delete from knowledge_topic where owner_id = ? and id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))', [ownerId, json(stale)]);
    const changed = wanted.filter((t) => held.get(t.key)?.signature !== t.signature);
    for (let i = 0; i < changed.length; i += 200) {
      const chunk = changed.slice(i, i + 200);
      const ids = await tx.execute<{ id: string; key: string }[]>(
        `insert into knowledge_topic (id, owner_id, key, label, keyphrases, terms, conversation_count, message_count, last_seen_at, signature, updated_at)
         select gen_random_uuid(), ?, r.key, r.label, array(select jsonb_array_elements_text(r.keyphrases)), array(select jsonb_array_elements_text(r.terms)),
           r.conversation_count, r.message_count, r.last_seen_at, r.signature, now()
         from jsonb_to_recordset(?::jsonb) as r(key text, label text, keyphrases jsonb, terms jsonb, conversation_count int, message_count int, last_seen_at timestamptz, signature text)
         on conflict (owner_id, key) do update set label = excluded.label, keyphrases = excluded.keyphrases, terms = excluded.terms, conversation_count = excluded.conversation_count,
           message_count = excluded.message_count, last_seen_at = excluded.last_seen_at, signature = excluded.signature, updated_at = now()
         returning id, key`,
        [ownerId, json(chunk.map((t) => ({ key: t.key, label: t.label, keyphrases: t.labels, terms: t.terms, conversation_count: t.conversations.length, message_count: t.messageCount, last_seen_at: t.lastSeenAt, signature: t.signature })))],
      );
      const idOf = new Map(ids.map((r) => [r.key, r.id]));
      const links = chunk.flatMap((t) => t.conversations.map((c) => ({ topic_id: idOf.get(t.key), conversation_id: c.conversationId, weight: c.weight, message_count: c.messageCount })));
      await tx.execute('delete from knowledge_topic_conversation where topic_id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))', [json(ids.map((r) => r.id))]);
      for (let j = 0; j < links.length; j += 1000) {
        await tx.execute(
          `insert into knowledge_topic_conversation (topic_id, conversation_id, owner_id, weight, message_count)
           select r.topic_id, r.conversation_id, ?, r.weight, r.message_count from jsonb_to_recordset(?::jsonb) as r(topic_id uuid, conversation_id uuid, weight float8, message_count int)`,
          [ownerId, json(links.slice(j, j + 1000))],
        );
      }
    }
    return stale.length + changed.length;
  });
}
