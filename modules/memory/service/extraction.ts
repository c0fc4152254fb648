import type { EntityManager } from '@mikro-orm/postgresql';
import { PermanentJobError } from '#server/errors.ts';
import type { ModuleDeps } from '#server/module.ts';
import type { ConversationTurns } from '#modules/capture/index.ts';
import { checkCandidate } from '../extract/quality.ts';
import type { ExtractionInput, MemoryExtractor } from '../extract/types.ts';
import type { ExtractionResult } from '../schemas.ts';
import { reconcile } from './reconcile.ts';

interface Context {
  deps: ModuleDeps;
  extractor: MemoryExtractor;
  signal?: AbortSignal;
  lock: (tx: EntityManager, ownerId: string) => Promise<unknown>;
}

/** A run's summary plus the memories search must re-index or drop (after commit). */
export interface ExtractionRun {
  summary: ExtractionResult;
  reindex: string[];
  unindex: string[];
}

/** The text of a message (text parts only: code, tables and images say nothing about the user). */
function textOf(message: ConversationTurns['messages'][number]): string {
  return message.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n\n');
}

/**
 * Extracts one conversation. An unchanged conversation (same content hash, same extractor) is
 * skipped without a write unless forced; even forced, duplicates are NOOPs that write nothing.
 * Messages that disappeared take their provenance with them, and extracted memories left without
 * any provenance are deleted.
 */
export async function runExtraction(ctx: Context, payload: { ownerId: string; conversationId: string; force: boolean }): Promise<ExtractionRun> {
  const { deps, extractor } = ctx;
  const { ownerId, conversationId } = payload;
  const summary: ExtractionResult = { skipped: false, extractor: extractor.id, candidates: 0, rejected: 0, added: 0, updated: 0, superseded: 0, unchanged: 0, removed: 0, tokens: 0, truncated: false };
  const source = await deps.services.capture!.conversationTurns(ownerId, conversationId);
  const em = deps.em();
  if (!source) {
    const removed = await em.transactional((tx) => dropProvenance(tx, ctx, ownerId, conversationId, null));
    await em.execute('delete from memory_extraction where conversation_id = ? and owner_id = ?', [conversationId, ownerId]);
    return { summary: { ...summary, skipped: true, removed: removed.unindex.length }, ...removed };
  }
  const [done] = await em.execute<{ content_hash: string; extractor: string; candidates: number }[]>('select content_hash, extractor, candidates from memory_extraction where conversation_id = ? and owner_id = ?', [conversationId, ownerId]);
  if (!payload.force && done?.content_hash === source.conversation.contentHash && done.extractor === extractor.id) return { summary: { ...summary, skipped: true }, reindex: [], unindex: [] };

  const live = source.messages;
  const input: ExtractionInput = { conversationId, title: source.conversation.title, messages: live.map((m) => ({ id: m.id, role: m.role, text: textOf(m), createdAt: m.createdAt })) };
  let output;
  try {
    output = await extractor.extract(input, ctx.signal);
  } catch (error) {
    if (error instanceof PermanentJobError) throw error;
    throw new Error(`memory extraction with ${extractor.id} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const byId = new Map(input.messages.map((m) => [m.id, m]));
  const sources = new Map(live.map((m) => [m.id, m]));
  const position = new Map(live.map((m, i) => [m.id, i]));
  const kept = output.candidates
    .map((c) => checkCandidate(c, byId))
    .flatMap((r) => (r.ok ? [r.candidate] : ((summary.rejected += 1), [])))
    .sort((a, b) => position.get(a.messageId)! - position.get(b.messageId)!);
  summary.candidates = output.candidates.length;
  summary.tokens = output.tokens;
  summary.truncated = output.truncated;
  return em.transactional(async (tx) => {
    await ctx.lock(tx, ownerId);
    const run: ExtractionRun = { summary, reindex: [], unindex: [] };
    for (const c of kept) {
      const message = sources.get(c.messageId)!;
      const outcome = await reconcile(tx, ownerId, deps.secretKey, {
        type: c.type,
        content: c.content,
        slot: c.slot,
        confidence: c.confidence,
        importance: c.importance,
        source: 'extracted',
        actor: extractor.id,
        observedAt: message.createdAt ?? source.conversation.createdAt,
        provenance: { conversationId, messageId: message.id, sourceConversationId: source.conversation.sourceId, sourceMessageId: message.sourceId, provider: source.conversation.provider, quote: c.quote },
      });
      run.reindex.push(...outcome.reindex);
      run.unindex.push(...outcome.unindex);
      if (outcome.decision === 'ADD' || outcome.decision === 'HISTORY') summary.added += 1;
      else if (outcome.decision === 'UPDATE') summary.updated += 1;
      else if (outcome.decision === 'SUPERSEDE') summary.superseded += 1;
      else summary.unchanged += 1;
    }
    const dropped = await dropProvenance(tx, ctx, ownerId, conversationId, live.map((m) => m.id));
    run.reindex.push(...dropped.reindex);
    run.unindex.push(...dropped.unindex);
    summary.removed = dropped.unindex.length;
    if (!done || done.content_hash !== source.conversation.contentHash || done.extractor !== extractor.id || done.candidates !== kept.length) {
      await tx.execute(
        `insert into memory_extraction (conversation_id, owner_id, content_hash, extractor, candidates, extracted_at) values (?, ?, ?, ?, ?, now())
         on conflict (conversation_id) do update set content_hash = excluded.content_hash, extractor = excluded.extractor, candidates = excluded.candidates, extracted_at = now()`,
        [conversationId, ownerId, source.conversation.contentHash, extractor.id, kept.length],
      );
    }
    return run;
  });
}

/**
 * Drops provenance of a conversation's messages that no longer exist (all of them when `liveIds` is
 * null: the conversation is gone); extracted memories left with none are deleted.
 */
async function dropProvenance(tx: EntityManager, ctx: Context, ownerId: string, conversationId: string, liveIds: string[] | null): Promise<{ reindex: string[]; unindex: string[] }> {
  if (liveIds === null) await ctx.lock(tx, ownerId);
  const rows = await tx.execute<{ memory_id: string }[]>(
    `delete from memory_provenance where owner_id = ? and conversation_id = ?
       and (?::jsonb is null or not (message_id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid)))) returning memory_id`,
    [ownerId, conversationId, liveIds === null ? null : JSON.stringify(liveIds), JSON.stringify(liveIds ?? [])],
  );
  const touched = [...new Set(rows.map((r) => r.memory_id))];
  if (touched.length === 0) return { reindex: [], unindex: [] };
  const orphans = await tx.execute<{ id: string }[]>(
    `select m.id from memory_item m where m.id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid)) and m.source = 'extracted'
       and not exists (select 1 from memory_provenance p where p.memory_id = m.id)`,
    [JSON.stringify(touched)],
  );
  const orphanIds = orphans.map((o) => o.id);
  if (orphanIds.length > 0) {
    const json = JSON.stringify(orphanIds);
    await tx.execute('update memory_item set superseded_by = null where owner_id = ? and superseded_by = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))', [ownerId, json]);
    await tx.execute('delete from memory_item where owner_id = ? and id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid))', [ownerId, json]);
  }
  return { reindex: touched.filter((id) => !orphanIds.includes(id)), unindex: orphanIds };
}
