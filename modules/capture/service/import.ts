import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { capturedConversation, type ProviderPlugin, type ProviderRegistry } from '#plugins/providers/sdk/index.ts';
import { ExportLimitError, openExportFile, type ExportLimits, type OpenedExportFile } from '#plugins/providers/sdk/export-file.ts';
import { NotFoundError } from '#server/errors.ts';
import type { JobQueue } from '#server/jobs.ts';
import type { BlobStore } from '../blobs.ts';
import { CaptureError } from '../errors.ts';
import type { ImportReport } from '../schemas.ts';
import { storeConversation, storeConversations, type StoreInput } from '../store.ts';

const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;
/** Conversations stored per transaction (a failing batch is retried one by one to isolate the bad one). */
const BATCH = 50;

/**
 * The follow-up jobs of what an import stores (ACUs, then indexing and memory) are parked this far
 * ahead and released when the import ends: sharing the one database thread with the import would
 * only slow it down. A resumed import (after a crash) releases those of the run before it too; one
 * never resumed lets them run when the parking time is up.
 */
const FOLLOW_UP_PARK_MS = 10 * 60_000;

/** An import's progress as stored: conversations handled so far (in export order) and their counts. */
interface Counts {
  processed: number;
  conversations: number;
  messages: number;
  unchanged: number;
  errors: ImportReport['errors'];
}

interface ImportRow {
  id: string;
  owner_id: string;
  file_name: string;
  path: string;
  provider: string | null;
  status: ImportReport['status'];
  job_id: string | null;
  processed: number;
  conversations: number;
  messages: number;
  unchanged: number;
  errors: ImportReport['errors'];
  created_at: string | Date;
  finished_at: string | Date | null;
}

function toReport(row: ImportRow): ImportReport {
  return {
    id: row.id,
    fileName: row.file_name,
    provider: row.provider,
    status: row.status,
    jobId: row.job_id,
    conversations: Number(row.conversations),
    messages: Number(row.messages),
    unchanged: Number(row.unchanged),
    errors: row.errors ?? [],
    createdAt: new Date(row.created_at),
    finishedAt: row.finished_at ? new Date(row.finished_at) : null,
  };
}

/** Finds the provider whose importer recognises the file (by content). */
export async function detectProvider(file: OpenedExportFile, providers: ProviderRegistry): Promise<ProviderPlugin | undefined> {
  for (const provider of providers.list()) {
    if (!provider.detectExport || !provider.importExport) continue;
    try {
      if (await provider.detectExport(file)) return provider;
    } catch {
      // A detector that throws does not recognise the file.
    }
  }
  return undefined;
}

/** Official export imports: upload kept on disk, streamed conversation by conversation, resumable, idempotent. */
export class Importer {
  private readonly em: () => EntityManager;
  private readonly jobs: JobQueue;
  private readonly blobs: BlobStore;
  private readonly providers: ProviderRegistry;
  private readonly uploads: string;

  constructor(deps: { em: () => EntityManager; jobs: JobQueue; blobs: BlobStore; providers: ProviderRegistry; dataDir: string }) {
    this.em = deps.em;
    this.jobs = deps.jobs;
    this.blobs = deps.blobs;
    this.providers = deps.providers;
    this.uploads = path.join(deps.dataDir, 'uploads');
  }

  /** A fresh path under the data dir where an upload is written before its import. */
  uploadPath(): string {
    mkdirSync(this.uploads, { recursive: true });
    return path.join(this.uploads, `${randomUUID()}.upload`);
  }

  /** Records an import of a file already on disk (moved, or copied when `copy`) and queues it. */
  async create(ownerId: string, source: { path: string; fileName: string; copy?: boolean }, enqueue = true): Promise<{ importId: string; jobId: string | null }> {
    const target = source.path.startsWith(this.uploads) ? source.path : this.uploadPath();
    if (target !== source.path) {
      if (source.copy) copyFileSync(source.path, target);
      else renameSync(source.path, target);
    }
    const importId = randomUUID();
    return this.em().transactional(async (tx) => {
      await tx.execute(
        `insert into capture_import (id, owner_id, file_name, path, status, processed, conversations, messages, unchanged, errors, created_at) values (?, ?, ?, ?, 'queued', 0, 0, 0, 0, '[]'::jsonb, now())`,
        [importId, ownerId, source.fileName.slice(0, 300), target],
      );
      if (!enqueue) return { importId, jobId: null };
      const { jobId } = await this.jobs.enqueue('capture.import', { importId }, { ownerId, jobKey: `import:${importId}`, maxAttempts: 5 }, tx);
      await tx.execute('update capture_import set job_id = ? where id = ?', [jobId, importId]);
      return { importId, jobId };
    });
  }

  private async row(importId: string, ownerId?: string): Promise<ImportRow> {
    const rows = await this.em().execute<ImportRow[]>(`select * from capture_import where id = ?${ownerId ? ' and owner_id = ?' : ''}`, ownerId ? [importId, ownerId] : [importId]);
    if (!rows[0]) throw new NotFoundError('CAPTURE_IMPORT_NOT_FOUND', { importId });
    return rows[0];
  }

  /** The report of an import (its owner's only). */
  async report(ownerId: string, importId: string): Promise<ImportReport> {
    return toReport(await this.row(importId, ownerId));
  }

  /** The owner's imports, newest first. */
  async list(ownerId: string): Promise<ImportReport[]> {
    return (await this.em().execute<ImportRow[]>('select * from capture_import where owner_id = ? order by created_at desc limit 100', [ownerId])).map(toReport);
  }

  /**
   * Cancels an import that has not finished: a queued one never runs, a running one stops at its
   * next batch. Its upload is removed either way; conversations already stored stay.
   */
  async cancel(ownerId: string, importId: string): Promise<ImportReport> {
    const [cancelled] = await this.em().execute<{ path: string; job_id: string | null }[]>(
      "update capture_import set status = 'cancelled', finished_at = now() where id = ? and owner_id = ? and status in ('queued', 'running') returning path, job_id",
      [importId, ownerId],
    );
    if (cancelled) {
      if (cancelled.job_id) {
        // A locked (running) job is left alone: it sees the status at its next batch and stops.
        await this.em().execute('select graphile_worker.permanently_fail_jobs(array[?::bigint], ?)', [cancelled.job_id, 'cancelled']);
        await this.jobs.update(cancelled.job_id, { state: 'failed', error: 'The import was cancelled', errorCode: 'CANCELLED' });
      }
      rmSync(cancelled.path, { force: true });
    }
    return this.report(ownerId, importId);
  }

  /**
   * Runs an import: detect the provider, stream conversations, store them in batches. Each batch's
   * counts and position are written in the batch's own transaction, so a rerun (retry after a
   * crash) resumes exactly after the last stored batch: nothing is counted twice or lost.
   */
  async run(importId: string, options: { log: Logger; signal?: AbortSignal; progress?: (done: number, message: string) => Promise<void>; limits?: ExportLimits }): Promise<ImportReport> {
    const row = await this.row(importId);
    if (row.status === 'cancelled') {
      rmSync(row.path, { force: true });
      throw new CaptureError('CANCELLED', 'The import was cancelled', { importId });
    }
    if (row.status === 'done' || row.status === 'failed') return toReport(row);
    if (!existsSync(row.path)) throw new CaptureError('INVALID_CONTENT', 'The uploaded file is gone', { importId });
    /** What the database holds (committed with the conversations it counts). */
    let committed: Counts = { processed: Number(row.processed), conversations: Number(row.conversations), messages: Number(row.messages), unchanged: Number(row.unchanged), errors: row.errors ?? [] };
    /** Errors of conversations read but not yet committed, by their position in the export. */
    let pendingErrors: { index: number; error: ImportReport['errors'][number] }[] = [];
    let provider: ProviderPlugin | undefined;
    const save = async (counts: Counts, status: ImportReport['status'], options: { finished?: boolean; em?: EntityManager } = {}) => {
      const updated = await (options.em ?? this.em()).execute<{ id: string }[]>(
        `update capture_import set status = ?, provider = ?, processed = ?, conversations = ?, messages = ?, unchanged = ?, errors = ?::jsonb${options.finished ? ', finished_at = now()' : ''}
          where id = ? and status <> 'cancelled' returning id`,
        [status, provider?.id ?? null, counts.processed, counts.conversations, counts.messages, counts.unchanged, JSON.stringify(counts.errors.slice(0, 1000)), importId],
      );
      if (updated.length === 0) throw new CaptureError('CANCELLED', 'The import was cancelled', { importId });
    };
    /** The counts once the results (and errors read) up to `processed` are committed. */
    const advance = (results: { changed: boolean; visible: number }[], processed: number): Counts => {
      const next = { ...committed, processed, errors: [...committed.errors, ...pendingErrors.filter((e) => e.index <= processed).map((e) => e.error)] };
      for (const result of results) {
        if (result.changed) {
          next.conversations++;
          next.messages += result.visible;
        } else next.unchanged++;
      }
      return next;
    };
    const commit = (next: Counts) => {
      committed = next;
      pendingErrors = pendingErrors.filter((e) => e.index > next.processed);
    };
    let file: OpenedExportFile | undefined;
    try {
      try {
        file = await openExportFile(row.path, row.file_name, options.limits);
      } catch (error) {
        if (error instanceof ExportLimitError) throw new CaptureError('TOO_LARGE', error.message, { limit: error.limit });
        throw new CaptureError('INVALID_CONTENT', `The file cannot be read: ${(error as Error).message}`);
      }
      provider = await detectProvider(file, this.providers);
      if (!provider?.importExport) throw new CaptureError('INVALID_CONTENT', 'This file is not an export VIVIM recognises (ChatGPT, Claude, Gemini Takeout, DeepSeek, or the generic JSON/Markdown format)');
      await save(committed, 'running');
      const opened = file;
      const overBudget = () => {
        const exceeded = opened.limitExceeded();
        if (exceeded) throw new CaptureError('TOO_LARGE', exceeded.message, { limit: exceeded.limit });
      };
      const attachments = async (entry: string) => {
        if (!opened.entries.includes(entry)) return undefined;
        return this.blobs.putStream(await opened.open(entry), MAX_ATTACHMENT_BYTES);
      };
      let index = 0;
      let batch: { index: number; input: StoreInput; visible: number }[] = [];
      const flush = async () => {
        overBudget();
        const upTo = index;
        if (batch.length) {
          const after = new Date(Date.now() + FOLLOW_UP_PARK_MS);
          try {
            const items = batch;
            await this.jobs.yieldToRequests();
            await storeConversations(this.em(), items.map((b) => ({ ...b.input, followUpAt: after })), async (tx, results) => {
              const next = advance(results.map((r, i) => ({ changed: r.changed, visible: items[i]?.visible ?? 0 })), upTo);
              await save(next, 'running', { em: tx });
              commit(next);
            });
          } catch (error) {
            if (error instanceof CaptureError && error.code === 'CANCELLED') throw error;
            // One bad conversation must not sink the others: store them one by one, each with its count.
            for (const item of batch) {
              try {
                await storeConversation(this.em(), { ...item.input, followUpAt: after }, async (tx, result) => {
                  const next = advance([{ changed: result.changed, visible: item.visible }], item.index);
                  await save(next, 'running', { em: tx });
                  commit(next);
                });
              } catch (error) {
                if (error instanceof CaptureError && error.code === 'CANCELLED') throw error;
                pendingErrors.push({ index: item.index, error: { source: item.input.conversation.title, code: 'INVALID_CONTENT', message: (error as Error).message.slice(0, 500) } });
              }
            }
          }
        }
        if (committed.processed < upTo) {
          const next = advance([], upTo);
          await save(next, 'running');
          commit(next);
        }
        batch = [];
        await options.progress?.(index, `${index} conversations read`);
      };
      for await (const item of provider.importExport(file, options.log.child({ provider: provider.id }))) {
        if (options.signal?.aborted) throw new Error('import interrupted by shutdown: it resumes on the next run');
        overBudget();
        index++;
        if (index <= committed.processed) continue;
        if (!item.ok) {
          pendingErrors.push({ index, error: { source: item.source, code: item.code, message: item.message } });
        } else {
          const parsed = capturedConversation.safeParse(item.conversation);
          if (!parsed.success || parsed.data.provider !== provider.id) {
            const issue = parsed.success ? 'wrong provider' : `${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`;
            pendingErrors.push({ index, error: { source: item.conversation?.title ?? String(index), code: 'INVALID_CONTENT', message: issue } });
          } else {
            batch.push({
              index,
              input: { ownerId: row.owner_id, conversation: parsed.data, origin: 'import', jobs: this.jobs, blobs: this.blobs, attachments },
              visible: parsed.data.messages.filter((m) => !m.hidden).length,
            });
          }
        }
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      if (committed.conversations === 0 && committed.unchanged === 0) {
        await save(committed, 'failed', { finished: true });
        throw new CaptureError('INVALID_CONTENT', committed.errors.length ? `Nothing was imported: ${committed.errors.length} conversations could not be read` : 'Nothing was imported: the export holds no conversations');
      }
      await save(committed, 'done', { finished: true });
      rmSync(row.path, { force: true });
      return toReport(await this.row(importId));
    } catch (error) {
      if (error instanceof CaptureError && (error.code === 'INVALID_CONTENT' || error.code === 'TOO_LARGE')) {
        // Final: the counts of what was committed, plus why it stopped.
        const failed = { ...committed, errors: [...committed.errors, ...(error.code === 'TOO_LARGE' ? [{ source: row.file_name, code: error.code, message: error.message }] : [])] };
        await save(failed, 'failed', { finished: true }).catch(() => undefined);
        rmSync(row.path, { force: true });
      } else if (error instanceof CaptureError && error.code === 'CANCELLED') {
        rmSync(row.path, { force: true });
      } else await save(committed, 'running').catch(() => undefined);
      throw error;
    } finally {
      file?.close();
      // Done, failed, cancelled or interrupted: what was stored gets its ACUs and index now.
      await this.jobs
        .release('capture.acus', row.owner_id)
        .catch((error: unknown) => options.log.warn({ err: error, importId }, 'could not release the import’s follow-up jobs; they run when their parking time is up'));
    }
  }
}
