import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { capturedConversation, type ProviderPlugin, type ProviderRegistry } from '#plugins/providers/sdk/index.ts';
import { openExportFile, type OpenedExportFile } from '#plugins/providers/sdk/export-file.ts';
import { NotFoundError } from '#server/errors.ts';
import type { JobQueue } from '#server/jobs.ts';
import type { BlobStore } from '../blobs.ts';
import { CaptureError } from '../errors.ts';
import type { ImportReport } from '../schemas.ts';
import { storeConversation, storeConversations, type StoreInput } from '../store.ts';

const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;
/** Conversations stored per transaction (a failing batch is retried one by one to isolate the bad one). */
const BATCH = 50;

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
   * Runs an import: detect the provider, stream conversations, store each in its own transaction,
   * record progress every few conversations. A rerun (retry after a crash) skips the conversations
   * already handled; storing is idempotent anyway, so nothing is lost or doubled.
   */
  async run(importId: string, options: { log: Logger; signal?: AbortSignal; progress?: (done: number, message: string) => Promise<void> }): Promise<ImportReport> {
    const row = await this.row(importId);
    if (row.status === 'done' || row.status === 'failed') return toReport(row);
    if (!existsSync(row.path)) throw new CaptureError('INVALID_CONTENT', 'The uploaded file is gone', { importId });
    const state = { processed: Number(row.processed), conversations: Number(row.conversations), messages: Number(row.messages), unchanged: Number(row.unchanged), errors: row.errors ?? [] };
    const save = (status: ImportReport['status'], finished = false) =>
      this.em().execute(
        `update capture_import set status = ?, provider = ?, processed = ?, conversations = ?, messages = ?, unchanged = ?, errors = ?::jsonb${finished ? ', finished_at = now()' : ''} where id = ?`,
        [status, provider?.id ?? null, state.processed, state.conversations, state.messages, state.unchanged, JSON.stringify(state.errors.slice(0, 1000)), importId],
      );
    let file: OpenedExportFile | undefined;
    let provider: ProviderPlugin | undefined;
    try {
      try {
        file = await openExportFile(row.path, row.file_name);
      } catch (error) {
        throw new CaptureError('INVALID_CONTENT', `The file cannot be read: ${(error as Error).message}`);
      }
      provider = await detectProvider(file, this.providers);
      if (!provider?.importExport) throw new CaptureError('INVALID_CONTENT', 'This file is not an export VIVIM recognises (ChatGPT, Claude, Gemini Takeout, DeepSeek, or the generic JSON/Markdown format)');
      await save('running');
      const opened = file;
      const attachments = async (entry: string) => {
        if (!opened.entries.includes(entry)) return undefined;
        return this.blobs.putStream(await opened.open(entry), MAX_ATTACHMENT_BYTES);
      };
      let index = 0;
      let batch: { input: StoreInput; visible: number }[] = [];
      const record = (result: { changed: boolean }, visible: number) => {
        if (result.changed) {
          state.conversations++;
          state.messages += visible;
        } else state.unchanged++;
      };
      const flush = async () => {
        if (batch.length === 0) return;
        try {
          const results = await storeConversations(this.em(), batch.map((b) => b.input));
          results.forEach((result, i) => record(result, batch[i]?.visible ?? 0));
        } catch {
          // One bad conversation must not sink the others: store them one by one.
          for (const item of batch) {
            try {
              record(await storeConversation(this.em(), item.input), item.visible);
            } catch (error) {
              state.errors.push({ source: item.input.conversation.title, code: 'INVALID_CONTENT', message: (error as Error).message.slice(0, 500) });
            }
          }
        }
        batch = [];
        state.processed = index;
        await save('running');
        await options.progress?.(index, `${index} conversations read`);
      };
      for await (const item of provider.importExport(file, options.log.child({ provider: provider.id }))) {
        if (options.signal?.aborted) throw new Error('import interrupted by shutdown: it resumes on the next run');
        index++;
        if (index <= state.processed) continue;
        if (!item.ok) {
          state.errors.push({ source: item.source, code: item.code, message: item.message });
        } else {
          const parsed = capturedConversation.safeParse(item.conversation);
          if (!parsed.success || parsed.data.provider !== provider.id) {
            const issue = parsed.success ? 'wrong provider' : `${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`;
            state.errors.push({ source: item.conversation?.title ?? String(index), code: 'INVALID_CONTENT', message: issue });
          } else {
            batch.push({
              input: { ownerId: row.owner_id, conversation: parsed.data, origin: 'import', jobs: this.jobs, blobs: this.blobs, attachments },
              visible: parsed.data.messages.filter((m) => !m.hidden).length,
            });
          }
        }
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      state.processed = index;
      if (state.conversations === 0 && state.unchanged === 0) {
        await save('failed', true);
        throw new CaptureError('INVALID_CONTENT', state.errors.length ? `Nothing was imported: ${state.errors.length} conversations could not be read` : 'Nothing was imported: the export holds no conversations');
      }
      await save('done', true);
      rmSync(row.path, { force: true });
      return toReport(await this.row(importId));
    } catch (error) {
      if (error instanceof CaptureError && error.code === 'INVALID_CONTENT') {
        await save('failed', true).catch(() => undefined);
        rmSync(row.path, { force: true });
      } else await save('running').catch(() => undefined);
      throw error;
    } finally {
      file?.close();
    }
  }
}
