import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { executeBound } from '#database/bound.ts';
import type { IndexSource } from '#modules/capture/index.ts';
import type { IndexedDoc, SearchKind } from './engine.ts';
import { CONTEXT_CHARS, detectLang, hashFields, partsToFields, truncate, vocabulary } from './text.ts';

/** A stable document id for (kind, ref id): the same row always maps to the same document (and engine id). */
export function docId(kind: SearchKind, refId: string): string {
  const h = createHash('sha256').update(`${kind}:${refId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** A document as written to `search_doc`, with the hash of its content. */
export interface DocRow extends IndexedDoc {
  contentHash: string;
}

function finish(doc: Omit<DocRow, 'contentHash' | 'lang'> & { lang?: DocRow['lang'] }): DocRow {
  const lang = doc.lang ?? detectLang(`${doc.title}\n${doc.body}`);
  const contentHash = hashFields([doc.kind, doc.title, doc.body, doc.code, doc.context, doc.role, doc.provider, doc.createdAt, doc.sourceConversationId, doc.sourceMessageId, doc.messageId, doc.acuId, lang]);
  return { ...doc, lang, contentHash };
}

const normalized = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * ACUs that repeat the whole text of the one message they were cut from (a one-paragraph question,
 * a code-only answer): message id → ACU id. Such an ACU gets no document of its own (it would be
 * indexed and embedded twice); the message's document stands for it.
 */
function foldedAcus(source: IndexSource, visible: ReadonlyMap<string, { body: string; code: string }>): Map<string, string> {
  const folded = new Map<string, string>();
  for (const acu of source.acus) {
    if (acu.messageIds.length !== 1) continue;
    const messageId = acu.messageIds[0]!;
    const m = visible.get(messageId);
    if (!m || folded.has(messageId)) continue;
    const [own, other] = acu.type === 'code' ? [m.code, m.body] : [m.body, m.code];
    if (other === '' && own !== '' && normalized(own) === normalized(acu.content)) folded.set(messageId, acu.id);
  }
  return folded;
}

/** The documents of one conversation: itself (title, tags), each visible message, each ACU that says more than its message. */
export function buildDocs(source: IndexSource): DocRow[] {
  const c = source.conversation;
  const base = { ownerId: c.ownerId, conversationId: c.id, sourceConversationId: c.sourceId, provider: c.provider, title: c.title };
  const visible = source.messages
    .filter((m) => !m.hidden)
    .map((m) => ({ message: m, ...partsToFields(m.parts) }))
    .filter((m) => m.body !== '' || m.code !== '');
  const folded = foldedAcus(source, new Map(visible.map((m) => [m.message.id, m])));
  const docs: DocRow[] = [];
  const firstUser = visible.find((m) => m.message.role === 'user');
  docs.push(
    finish({
      ...base,
      id: docId('conversation', c.id),
      kind: 'conversation',
      refId: c.id,
      messageId: null,
      acuId: null,
      sourceMessageId: null,
      role: null,
      body: [c.tags.map((t) => `#${t}`).join(' '), truncate(firstUser?.body ?? '', 500)].filter(Boolean).join('\n'),
      code: '',
      context: '',
      createdAt: c.createdAt,
    }),
  );
  const neighbour = (i: number) => {
    const m = visible[i];
    return m ? truncate(`${m.body} ${m.code}`.trim(), CONTEXT_CHARS) : '';
  };
  visible.forEach((m, i) => {
    docs.push(
      finish({
        ...base,
        id: docId('message', m.message.id),
        kind: 'message',
        refId: m.message.id,
        messageId: m.message.id,
        acuId: folded.get(m.message.id) ?? null,
        sourceMessageId: m.message.sourceId,
        role: m.message.role,
        body: m.body,
        code: m.code,
        context: [neighbour(i - 1), neighbour(i + 1)].filter(Boolean).join('\n'),
        createdAt: m.message.createdAt ?? c.createdAt,
      }),
    );
  });
  const byId = new Map(source.messages.map((m) => [m.id, m]));
  const foldedIds = new Set(folded.values());
  for (const acu of source.acus) {
    if (foldedIds.has(acu.id)) continue;
    const first = acu.messageIds.map((id) => byId.get(id)).find(Boolean) ?? null;
    const isCode = acu.type === 'code';
    docs.push(
      finish({
        ...base,
        id: docId('acu', acu.id),
        kind: 'acu',
        refId: acu.id,
        messageId: first?.id ?? null,
        acuId: null,
        sourceMessageId: first?.sourceId ?? null,
        role: first?.role ?? null,
        body: isCode ? '' : acu.content,
        code: isCode ? acu.content : '',
        context: '',
        createdAt: first?.createdAt ?? c.createdAt,
      }),
    );
  }
  return docs;
}

const COLUMNS = `id uuid, owner_id uuid, kind text, ref_id uuid, conversation_id uuid, message_id uuid, acu_id uuid, source_conversation_id text,
  source_message_id text, provider text, role text, title text, body text, code text, context text, created_at timestamptz, lang text, content_hash text`;

const TSV = `setweight(to_tsvector(r.lang::regconfig, r.title), 'A') || setweight(to_tsvector(r.lang::regconfig, r.body), 'B')
  || setweight(to_tsvector('simple', r.code), 'C') || setweight(to_tsvector(r.lang::regconfig, r.context), 'D')`;

function toRecord(d: DocRow) {
  return {
    id: d.id,
    owner_id: d.ownerId,
    kind: d.kind,
    ref_id: d.refId,
    conversation_id: d.conversationId,
    message_id: d.messageId,
    acu_id: d.acuId,
    source_conversation_id: d.sourceConversationId,
    source_message_id: d.sourceMessageId,
    provider: d.provider,
    role: d.role,
    title: d.title,
    body: d.body,
    code: d.code,
    context: d.context,
    created_at: d.createdAt,
    lang: d.lang,
    content_hash: d.contentHash,
  };
}

/**
 * Vocabulary words this process has already written (per owner): most words of a new message are
 * known, and skipping them saves a unique-index probe and a trigram-index check per word. Bounded;
 * forgetting a word only costs one redundant insert. Callers remember the words `writeDocs` wrote
 * only after their transaction commits.
 */
const knownTerms = new Set<string>();
const MAX_KNOWN_TERMS = 300_000;
export function rememberTerms(keys: readonly string[]): void {
  if (knownTerms.size + keys.length > MAX_KNOWN_TERMS) knownTerms.clear();
  for (const key of keys) knownTerms.add(key);
}

/** Inserts or replaces documents (tsvector computed in SQL), drops the embeddings whose text changed, adds their words to the vocabulary; returns the vocabulary keys written (pass them to `rememberTerms` after commit). */
export async function writeDocs(tx: EntityManager, docs: readonly DocRow[]): Promise<string[]> {
  const written: string[] = [];
  for (let i = 0; i < docs.length; i += 200) {
    const chunk = docs.slice(i, i + 200);
    // Vectors go stale only when the embedded text changes (embed job: title + body of conversations
    // and memories, body + code of the rest), not when a neighbour, the stand-in ACU or a title does.
    await executeBound(
      tx,
      `delete from search_embedding e using search_doc d, jsonb_to_recordset($1::jsonb) as r(id uuid, kind text, title text, body text, code text)
       where d.id = r.id and e.doc_id = r.id
         and (d.body is distinct from r.body or d.code is distinct from r.code or (r.kind in ('conversation', 'memory') and d.title is distinct from r.title))`,
      [JSON.stringify(chunk.map((d) => ({ id: d.id, kind: d.kind, title: d.title, body: d.body, code: d.code })))],
    );
    await executeBound(
      tx,
      `insert into search_doc (id, owner_id, kind, ref_id, conversation_id, message_id, acu_id, source_conversation_id, source_message_id, provider, role,
         title, body, code, context, created_at, lang, content_hash, tsv, indexed_at)
       select r.id, r.owner_id, r.kind, r.ref_id, r.conversation_id, r.message_id, r.acu_id, r.source_conversation_id, r.source_message_id, r.provider, r.role,
         r.title, r.body, r.code, r.context, r.created_at, r.lang, r.content_hash, ${TSV}, now()
       from jsonb_to_recordset($1::jsonb) as r(${COLUMNS})
       on conflict (id) do update set conversation_id = excluded.conversation_id, message_id = excluded.message_id, acu_id = excluded.acu_id,
         source_conversation_id = excluded.source_conversation_id, source_message_id = excluded.source_message_id, provider = excluded.provider,
         role = excluded.role, title = excluded.title, body = excluded.body, code = excluded.code, context = excluded.context,
         created_at = excluded.created_at, lang = excluded.lang, content_hash = excluded.content_hash, tsv = excluded.tsv, indexed_at = now()`,
      [JSON.stringify(chunk.map(toRecord))],
    );
    const byOwner = new Map<string, Set<string>>();
    for (const doc of chunk) {
      const words = byOwner.get(doc.ownerId) ?? new Set<string>();
      for (const w of vocabulary(`${doc.title} ${doc.body} ${doc.code}`)) words.add(w);
      byOwner.set(doc.ownerId, words);
    }
    for (const [ownerId, words] of byOwner) {
      const fresh = [...words].filter((w) => !knownTerms.has(`${ownerId}:${w}`));
      if (fresh.length === 0) continue;
      await tx.execute('insert into search_term (owner_id, term) select ?, w from jsonb_array_elements_text(?::jsonb) as t(w) on conflict do nothing', [ownerId, JSON.stringify(fresh)]);
      for (const w of fresh) written.push(`${ownerId}:${w}`);
    }
  }
  return written;
}
