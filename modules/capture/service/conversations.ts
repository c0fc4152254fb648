import type { EntityManager } from '@mikro-orm/postgresql';
import type { ContentPart } from '#plugins/providers/sdk/index.ts';
import { NotFoundError, InvalidError } from '#server/errors.ts';
import type { BlobStore } from '../blobs.ts';
import type { ConversationDetail, ConversationSummary, ListConversationsInput } from '../schemas.ts';

interface ConversationRow {
  id: string;
  provider: string;
  source_id: string;
  source_url: string | null;
  title: string;
  model: string | null;
  created_at: string | Date | null;
  updated_at: string | Date | null;
  captured_at: string | Date;
  modified_at: string | Date;
  message_count: number;
  tags: string[];
  origin: string;
  content_hash: string;
  current_leaf_id: string | null;
}

const date = (value: string | Date | null) => (value === null ? null : new Date(value));
const SUMMARY_COLUMNS = 'id, provider, source_id, source_url, title, model, created_at, updated_at, captured_at, modified_at, message_count, tags, origin, content_hash, current_leaf_id';

export function toSummary(row: ConversationRow): ConversationSummary {
  return {
    id: row.id,
    provider: row.provider,
    sourceConversationId: row.source_id,
    sourceUrl: row.source_url,
    title: row.title,
    model: row.model,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    capturedAt: new Date(row.captured_at),
    modifiedAt: new Date(row.modified_at),
    messageCount: Number(row.message_count),
    tags: row.tags ?? [],
    origin: row.origin,
    contentHash: row.content_hash,
  };
}

function encodeCursor(row: ConversationRow): string {
  return Buffer.from(JSON.stringify([new Date(row.modified_at).toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string' && !Number.isNaN(Date.parse(value[0]))) return [value[0], value[1]];
  } catch {
    // fall through
  }
  throw new InvalidError('CAPTURE_INVALID_CURSOR', 'The page cursor is not valid: start from the first page');
}

/** Conversation queries and edits, always scoped to the owner. */
export class ConversationQueries {
  private readonly em: () => EntityManager;
  private readonly blobs: BlobStore;

  constructor(em: () => EntityManager, blobs: BlobStore) {
    this.em = em;
    this.blobs = blobs;
  }

  /** Newest first, filtered, cursor-paginated. */
  async list(ownerId: string, input: ListConversationsInput): Promise<{ items: ConversationSummary[]; nextCursor: string | null }> {
    const where = ['owner_id = ?'];
    const params: unknown[] = [ownerId];
    if (input.provider) {
      where.push('provider = ?');
      params.push(input.provider);
    }
    if (input.tag) {
      where.push('? = any(tags)');
      params.push(input.tag);
    }
    if (input.from) {
      where.push('coalesce(created_at, captured_at) >= ?');
      params.push(input.from);
    }
    if (input.to) {
      where.push('coalesce(created_at, captured_at) < ?');
      params.push(input.to);
    }
    if (input.q?.trim()) {
      where.push("title ilike ? escape '\\'");
      params.push(`%${input.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    if (input.cursor) {
      const [modifiedAt, id] = decodeCursor(input.cursor);
      where.push('(modified_at, id) < (?::timestamptz, ?::uuid)');
      params.push(modifiedAt, id);
    }
    const rows = await this.em().execute<ConversationRow[]>(
      `select ${SUMMARY_COLUMNS} from capture_conversation where ${where.join(' and ')} order by modified_at desc, id desc limit ?`,
      [...params, input.limit + 1],
    );
    const page = rows.slice(0, input.limit);
    return { items: page.map(toSummary), nextCursor: rows.length > input.limit && page.length ? encodeCursor(page[page.length - 1] as ConversationRow) : null };
  }

  private async row(ownerId: string, id: string): Promise<ConversationRow> {
    const row = (await this.em().execute<ConversationRow[]>(`select ${SUMMARY_COLUMNS} from capture_conversation where id = ? and owner_id = ?`, [id, ownerId]))[0];
    if (!row) throw new NotFoundError('CAPTURE_CONVERSATION_NOT_FOUND', { id });
    return row;
  }

  /** A conversation with its messages: the provider's current branch, another branch, or all of them. */
  async get(ownerId: string, id: string, options: { leafMessageId?: string; allBranches?: boolean } = {}): Promise<ConversationDetail> {
    const conversation = await this.row(ownerId, id);
    const messages = await this.em().execute<
      {
        id: string; source_id: string; parent_id: string | null; branch_index: number; is_on_current_branch: boolean; role: string; model: string | null;
        created_at: string | Date | null; hidden: boolean; sibling_count: number; parts: (ContentPart & { blobSha?: string })[];
      }[]
    >(
      `select m.id, m.source_id, m.parent_id, m.branch_index, m.is_on_current_branch, m.role, m.model, m.created_at, m.hidden, m.parts,
              count(*) over (partition by m.parent_id) as sibling_count
         from capture_message m where m.conversation_id = ? and m.owner_id = ? order by m.position`,
      [id, ownerId],
    );
    let selected = messages;
    if (options.leafMessageId) {
      const byId = new Map(messages.map((m) => [m.id, m]));
      if (!byId.has(options.leafMessageId)) throw new NotFoundError('CAPTURE_MESSAGE_NOT_FOUND', { id: options.leafMessageId });
      // The chosen branch: its ancestors, then down the first child at each step.
      const path = new Set<string>();
      for (let cursor: string | null = options.leafMessageId; cursor && !path.has(cursor); cursor = byId.get(cursor)?.parent_id ?? null) path.add(cursor);
      for (let cursor: string | undefined = options.leafMessageId; cursor; ) {
        const child = messages.find((m) => m.parent_id === cursor && m.branch_index === 0);
        cursor = child && !path.has(child.id) ? (path.add(child.id), child.id) : undefined;
      }
      selected = messages.filter((m) => path.has(m.id));
    } else if (!options.allBranches) {
      selected = messages.filter((m) => m.is_on_current_branch);
    }
    return {
      ...toSummary(conversation),
      currentLeafId: conversation.current_leaf_id,
      messages: selected.map((m) => ({
        id: m.id,
        sourceMessageId: m.source_id,
        parentId: m.parent_id,
        branchIndex: Number(m.branch_index),
        siblingCount: Number(m.sibling_count),
        isOnCurrentBranch: m.is_on_current_branch,
        role: m.role,
        model: m.model,
        createdAt: date(m.created_at),
        hidden: m.hidden,
        parts: (m.parts ?? []).map((part, position) => ({ ...part, position, blobSha: part.blobSha ?? null })),
      })),
    };
  }

  async rename(ownerId: string, id: string, title: string): Promise<ConversationSummary> {
    await this.row(ownerId, id);
    await this.em().execute('update capture_conversation set title = ?, modified_at = now() where id = ? and owner_id = ?', [title, id, ownerId]);
    return toSummary(await this.row(ownerId, id));
  }

  async setTags(ownerId: string, id: string, tags: string[]): Promise<ConversationSummary> {
    await this.row(ownerId, id);
    const unique = [...new Set(tags.map((t) => t.toLowerCase()))];
    await this.em().execute('update capture_conversation set tags = array(select jsonb_array_elements_text(?::jsonb)), modified_at = now() where id = ? and owner_id = ?', [JSON.stringify(unique), id, ownerId]);
    return toSummary(await this.row(ownerId, id));
  }

  /** Deletes a conversation with its messages, parts and ACUs (cascade) and blobs nobody references any more. */
  async remove(ownerId: string, id: string): Promise<{ id: string; blobsRemoved: number }> {
    await this.row(ownerId, id);
    const orphaned = await this.em().transactional(async (tx) => {
      const shas = await tx.execute<{ blob_sha: string }[]>(
        "select distinct part->>'blobSha' as blob_sha from capture_message m, jsonb_array_elements(m.parts) part where m.conversation_id = ? and part->>'blobSha' is not null",
        [id],
      );
      await tx.execute('delete from capture_conversation where id = ? and owner_id = ?', [id, ownerId]);
      const gone: string[] = [];
      for (const { blob_sha } of shas) {
        const stillOwned = await tx.execute<{ n: number }[]>(
          "select count(*)::int as n from capture_message m, jsonb_array_elements(m.parts) part where m.owner_id = ? and part->>'blobSha' = ?",
          [ownerId, blob_sha],
        );
        if ((stillOwned[0]?.n ?? 0) === 0) await tx.execute('delete from capture_blob where owner_id = ? and sha256 = ?', [ownerId, blob_sha]);
        const anyOwner = await tx.execute<{ n: number }[]>('select count(*)::int as n from capture_blob where sha256 = ?', [blob_sha]);
        if ((anyOwner[0]?.n ?? 0) === 0) gone.push(blob_sha);
      }
      return gone;
    });
    for (const sha of orphaned) this.blobs.remove(sha);
    return { id, blobsRemoved: orphaned.length };
  }
}
