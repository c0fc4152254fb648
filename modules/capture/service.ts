import type { Actor } from '#server/actor.ts';
import { NotFoundError, PermanentJobError } from '#server/errors.ts';
import type { JobContext, JobStatus } from '#server/jobs.ts';
import type { ModuleDeps } from '#server/module.ts';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ProviderError, type ContentPart } from '#plugins/providers/sdk/index.ts';
import { executeBound } from '#database/bound.ts';
import { cutAcus } from './acus.ts';
import { BlobStore } from './blobs.ts';
import { BrowserRenderer } from './browser.ts';
import { CaptureError, TRANSIENT_CAPTURE_ERRORS, type CaptureErrorCode } from './errors.ts';
import { MAX_PAGE_UPLOAD_BYTES, type CaptureStatus, type ConversationDetail, type ListConversationsInput } from './schemas.ts';
import { fetchAndExtract, guardedNetwork, resolveShareUrl, runExtractor, type CaptureNetwork, type CaptureStep } from './service/capture-url.ts';
import { ConversationQueries } from './service/conversations.ts';
import { Importer } from './service/import.ts';
import { exportConversation } from './service/export.ts';
import { listIndexVersions, readIndexSources, readIndexVersions, type IndexSource, type IndexVersion } from './service/index-source.ts';
import { storeConversation, type StoreResult } from './store.ts';
import { branchTexts, messageTexts, type MessageText } from './service/context-messages.ts';
import { readConversationTurns, type ConversationTurns } from './service/conversation-turns.ts';

/** Payload of the 'capture.upload' job: the posted page waits in a file under the data dir. */
export interface UploadJobPayload {
  url: string;
  ownerId: string;
  htmlPath: string;
}

/** Payload of the 'capture.url' job. */
export interface CaptureJobPayload {
  url: string;
  ownerId: string;
}

const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36 VIVIM';
/** At most this many conversations have their ACUs cut per read and transaction in the 'capture.acus' job (fewer when slow: ~100 ms a slice). */
const ACU_SLICE = 25;
const STEP_PERCENT: Record<CaptureStep, number> = { fetching: 10, rendering: 25, extracting: 50, storing: 75, indexing: 90 };

/** Capture of share links, the library of conversations, ACUs. */
export class CaptureService {
  private readonly deps: ModuleDeps;
  private readonly network: CaptureNetwork;
  readonly blobs: BlobStore;
  readonly browser: BrowserRenderer;
  readonly conversations: ConversationQueries;
  readonly importer: Importer;

  constructor(deps: ModuleDeps, network: CaptureNetwork = guardedNetwork) {
    this.deps = deps;
    this.network = network;
    this.blobs = new BlobStore(deps.config.dataDir);
    this.browser = new BrowserRenderer({ chromiumPath: deps.config.browser.chromiumPath, timeoutMs: deps.config.capture.timeoutMs, log: deps.log.child({ component: 'browser' }) });
    this.conversations = new ConversationQueries(deps.em, this.blobs);
    this.importer = new Importer({ em: deps.em, jobs: deps.jobs, blobs: this.blobs, providers: deps.providers, dataDir: deps.config.dataDir });
  }

  /** The 'capture.import' job: runs (or resumes) an import; a file that can never import fails at once. */
  async runImportJob(payload: { importId: string }, ctx: JobContext) {
    try {
      return await this.importer.run(payload.importId, { log: ctx.log, signal: ctx.signal, progress: (_done, message) => ctx.progress('importing', undefined, message) });
    } catch (error) {
      if (error instanceof CaptureError && !TRANSIENT_CAPTURE_ERRORS.has(error.code)) throw new PermanentJobError(error.message, { code: error.code, cause: error });
      throw error;
    }
  }

  /**
   * Validates a share link and queues its capture; returns the job id to follow. With `html` (a
   * page the user's browser posted), nothing is fetched: the provider's extractor runs on it.
   */
  async capture(actor: Actor, url: string, html?: string): Promise<{ jobId: string }> {
    if (html !== undefined) return this.captureUpload(actor, url, html);
    const resolved = resolveShareUrl(url, this.deps.providers);
    const payload: CaptureJobPayload = { url: resolved.url.href, ownerId: actor.userId };
    return this.deps.jobs.enqueue('capture.url', payload, { ownerId: actor.userId, maxAttempts: 3 });
  }

  /** Checks a posted page and keeps it under the data dir for its job; returns where. */
  savePostedPage(url: string, html: string): string {
    resolveShareUrl(url, this.deps.providers, { allowConversationUrls: true });
    if (Buffer.byteLength(html) > MAX_PAGE_UPLOAD_BYTES) throw new CaptureError('TOO_LARGE', `The page is larger than ${MAX_PAGE_UPLOAD_BYTES / 1024 / 1024} MB`);
    if (!html.trim()) throw new CaptureError('INVALID_CONTENT', 'The page is empty');
    // The page waits on disk, not in the job table (it may be 20 MB).
    const htmlPath = `${this.importer.uploadPath()}.html`;
    writeFileSync(htmlPath, html);
    return htmlPath;
  }

  private async captureUpload(actor: Actor, url: string, html: string): Promise<{ jobId: string }> {
    const resolved = resolveShareUrl(url, this.deps.providers, { allowConversationUrls: true });
    const htmlPath = this.savePostedPage(url, html);
    const payload: UploadJobPayload = { url: resolved.url.href, ownerId: actor.userId, htmlPath };
    return this.deps.jobs.enqueue('capture.upload', payload, { ownerId: actor.userId, maxAttempts: 2 });
  }

  /** The 'capture.upload' job: extract from the posted page (no network), store, queue indexing. */
  async runUploadJob(payload: UploadJobPayload, ctx: JobContext): Promise<StoreResult & { url: string }> {
    const progress = (step: CaptureStep) => this.step(ctx, step, payload.url);
    try {
      const { url, provider } = resolveShareUrl(payload.url, this.deps.providers, { allowConversationUrls: true });
      if (!path.resolve(payload.htmlPath).startsWith(path.dirname(this.importer.uploadPath()) + path.sep)) throw new CaptureError('INVALID_CONTENT', 'The posted page is not where uploads are kept');
      if (!existsSync(payload.htmlPath)) throw new CaptureError('INVALID_CONTENT', 'The posted page is gone (already processed?)');
      await progress('extracting');
      let conversation;
      try {
        conversation = await runExtractor(provider, { url, html: readFileSync(payload.htmlPath, 'utf8'), via: 'upload' }, ctx.log);
      } catch (error) {
        if (error instanceof ProviderError) throw new CaptureError('EXTRACTION_FAILED', `${provider.name}: the page holds no conversation (${error.message})`, { provider: provider.id, step: error.step });
        throw error;
      }
      await progress('storing');
      const stored = await storeConversation(this.deps.em(), { ownerId: payload.ownerId, conversation: { ...conversation, sourceUrl: conversation.sourceUrl ?? url.href }, origin: 'upload', jobs: this.deps.jobs, blobs: this.blobs });
      await progress('indexing');
      rmSync(payload.htmlPath, { force: true });
      if (stored.changed) this.deps.events.emit('capture.conversationStored', { conversationId: stored.conversationId, ownerId: payload.ownerId });
      return { ...stored, url: url.href };
    } catch (error) {
      if (error instanceof CaptureError && (ctx.attempt >= ctx.maxAttempts || !TRANSIENT_CAPTURE_ERRORS.has(error.code))) {
        rmSync(payload.htmlPath, { force: true });
        throw new PermanentJobError(error.message, { code: error.code, cause: error });
      }
      throw error;
    }
  }

  /** Queues several links; each gets a job id or its validation error. */
  async captureBatch(actor: Actor, urls: string[]): Promise<{ url: string; jobId: string | null; error: { code: string; message: string } | null }[]> {
    const results = [];
    for (const url of urls) {
      try {
        results.push({ url, jobId: (await this.capture(actor, url)).jobId, error: null });
      } catch (error) {
        if (!(error instanceof CaptureError)) throw error;
        results.push({ url, jobId: null, error: { code: error.code, message: error.message } });
      }
    }
    return results;
  }

  /** A capture's progress and outcome, for its owner only. */
  async status(actor: Actor, jobId: string): Promise<CaptureStatus> {
    return this.toCaptureStatus(await this.deps.jobs.get(jobId, actor.userId));
  }

  /** Streams a capture's progress until it is done or failed. */
  async *watch(actor: Actor, jobId: string, signal?: AbortSignal): AsyncGenerator<CaptureStatus> {
    for await (const status of this.deps.jobs.watch(jobId, actor.userId, signal)) yield this.toCaptureStatus(status);
  }

  /** Cancels a queued capture (a running one stops at its next step). */
  async cancel(actor: Actor, jobId: string): Promise<CaptureStatus> {
    const status = await this.deps.jobs.get(jobId, actor.userId);
    if (status.state === 'queued' || status.state === 'retrying' || status.state === 'running') {
      await this.deps.em().execute('select graphile_worker.permanently_fail_jobs(array[?::bigint], ?)', [jobId, 'cancelled']);
      await this.deps.jobs.update(jobId, { state: 'failed', error: 'The capture was cancelled', errorCode: 'CANCELLED' });
    }
    return this.status(actor, jobId);
  }

  private toCaptureStatus(job: JobStatus): CaptureStatus {
    const result = (job.result ?? {}) as Partial<StoreResult & { url: string }>;
    const step = job.state === 'done' ? 'done' : job.state === 'failed' ? 'failed' : ((job.step as CaptureStatus['step'] | null) ?? 'queued');
    return {
      jobId: job.id,
      url: result.url ?? job.message ?? null,
      state: job.state,
      step,
      percent: job.percent,
      conversationId: result.conversationId ?? null,
      sourceConversationId: result.sourceConversationId ?? null,
      messages: result.messages ?? null,
      changed: result.changed ?? null,
      error: job.state === 'failed' || job.state === 'retrying' ? { code: job.errorCode ?? 'EXTRACTION_FAILED', message: job.error ?? 'Failed' } : null,
      updatedAt: job.updatedAt,
    };
  }

  /** Reports a step; a capture cancelled meanwhile stops here. */
  private async step(ctx: JobContext, step: CaptureStep, url: string): Promise<void> {
    // Inline runs (CLI, benchmarks) have no job row: nothing to cancel them.
    const cancelled = await this.deps.jobs.get(ctx.jobId, null).then((status) => status.errorCode === 'CANCELLED', () => false);
    if (cancelled) {
      throw new PermanentJobError('The capture was cancelled', { code: 'CANCELLED' });
    }
    await ctx.progress(step, STEP_PERCENT[step], url);
  }

  /** The 'capture.url' job: fetch → (render) → extract → store → queue indexing. Retries only transient failures. */
  async runCaptureJob(payload: CaptureJobPayload, ctx: JobContext): Promise<StoreResult & { url: string }> {
    const progress = (step: CaptureStep) => this.step(ctx, step, payload.url);
    try {
      const { url, provider } = resolveShareUrl(payload.url, this.deps.providers);
      const conversation = await fetchAndExtract({
        url,
        provider,
        network: this.network,
        browser: this.browser,
        limits: { timeoutMs: this.deps.config.capture.timeoutMs, maxBytes: this.deps.config.capture.maxPageBytes, maxRedirects: 5, userAgent: USER_AGENT, signal: ctx.signal },
        log: ctx.log,
        progress,
      });
      await progress('storing');
      const stored = await storeConversation(this.deps.em(), { ownerId: payload.ownerId, conversation: { ...conversation, sourceUrl: conversation.sourceUrl ?? url.href }, origin: 'capture', jobs: this.deps.jobs, blobs: this.blobs });
      await progress('indexing');
      ctx.log.info({ conversationId: stored.conversationId, provider: provider.id, messages: stored.messages, changed: stored.changed }, 'conversation captured');
      if (stored.changed) this.deps.events.emit('capture.conversationStored', { conversationId: stored.conversationId, ownerId: payload.ownerId });
      return { ...stored, url: url.href };
    } catch (error) {
      if (error instanceof CaptureError) {
        const final = ctx.attempt >= ctx.maxAttempts || !TRANSIENT_CAPTURE_ERRORS.has(error.code);
        if (final) throw new PermanentJobError(error.message, { code: error.code, cause: error });
      }
      throw error;
    }
  }

  /**
   * The 'capture.acus' job: (re)cuts the ACUs of some conversations of one owner, ACU_SLICE at a time
   * (one read and one transaction each); safe to run any number of times. A conversation with no
   * messages (deleted meanwhile) is skipped.
   */
  async runAcusBatch(payload: { conversationIds: readonly string[]; ownerId: string }): Promise<{ acus: number }> {
    const ids = [...new Set(payload.conversationIds)];
    let acus = 0;
    for (const n of await this.deps.jobs.inSlices(ids, (slice) => this.cutAcusOf(payload.ownerId, slice), { max: ACU_SLICE })) acus += n;
    return { acus };
  }

  private async cutAcusOf(ownerId: string, conversationIds: readonly string[]): Promise<number> {
    const em = this.deps.em();
    const messages = await em.execute<{ conversation_id: string; id: string; role: string; hidden: boolean; parts: ContentPart[] | null }[]>(
      `select m.conversation_id, m.id, m.role, m.hidden, m.parts from capture_message m
       where m.owner_id = ? and m.conversation_id = any(array(select (jsonb_array_elements_text(?::jsonb))::uuid)) order by m.conversation_id, m.position`,
      [ownerId, JSON.stringify(conversationIds)],
    );
    const byConversation = new Map<string, typeof messages>();
    for (const m of messages) {
      const list = byConversation.get(m.conversation_id);
      if (list) list.push(m);
      else byConversation.set(m.conversation_id, [m]);
    }
    if (byConversation.size === 0) return 0;
    const cut = [...byConversation].map(([conversationId, rows]) => ({ conversationId, drafts: cutAcus(rows.map((m) => ({ ...m, parts: m.parts ?? [] }))) }));
    const rows = cut.flatMap(({ conversationId, drafts }) =>
      drafts.map((d) => ({ conversation_id: conversationId, type: d.type, content: d.content, language: d.language, quality: d.quality, hash: d.hash, message_ids: d.messageIds })),
    );
    await em.transactional(async (tx) => {
      await executeBound(
        tx,
        `delete from capture_acu a where a.conversation_id = any(array(select (jsonb_array_elements_text($1::jsonb))::uuid))
           and not exists (select 1 from jsonb_to_recordset($2::jsonb) as r(conversation_id uuid, hash text) where r.conversation_id = a.conversation_id and r.hash = a.hash)`,
        [JSON.stringify(cut.map((c) => c.conversationId)), JSON.stringify(rows.map((r) => ({ conversation_id: r.conversation_id, hash: r.hash })))],
      );
      for (let i = 0; i < rows.length; i += 500) {
        await executeBound(
          tx,
          `insert into capture_acu (id, conversation_id, owner_id, type, content, language, quality, hash, message_ids, created_at)
           select gen_random_uuid(), r.conversation_id, $1::uuid, r.type, r.content, r.language, r.quality, r.hash, array(select jsonb_array_elements_text(r.message_ids)), now()
           from jsonb_to_recordset($2::jsonb) as r(conversation_id uuid, type text, content text, language text, quality float8, hash text, message_ids jsonb)
           on conflict (conversation_id, hash) do update set content = excluded.content, quality = excluded.quality, message_ids = excluded.message_ids`,
          [ownerId, JSON.stringify(rows.slice(i, i + 500))],
        );
      }
    });
    for (const { conversationId, drafts } of cut) this.deps.events.emit('capture.acusGenerated', { conversationId, ownerId, count: drafts.length });
    return rows.length;
  }

  /** Library listing (owner-scoped). */
  list(actor: Actor, input: ListConversationsInput) {
    return this.conversations.list(actor.userId, input);
  }

  /** One conversation with the chosen branch. */
  get(actor: Actor, id: string, options: { leafMessageId?: string; allBranches?: boolean }): Promise<ConversationDetail> {
    return this.conversations.get(actor.userId, id, options);
  }

  /** Markdown or JSON export of a conversation. */
  async export(actor: Actor, id: string, format: 'markdown' | 'json') {
    return exportConversation(await this.conversations.get(actor.userId, id, { allBranches: format === 'json' }), format);
  }

  /** ACUs of the owner, optionally of one conversation or type. */
  async listAcus(actor: Actor, input: { conversationId?: string; type?: string; cursor?: string; limit: number }) {
    const where = ['owner_id = ?'];
    const params: unknown[] = [actor.userId];
    if (input.conversationId) {
      where.push('conversation_id = ?');
      params.push(input.conversationId);
    }
    if (input.type) {
      where.push('type = ?');
      params.push(input.type);
    }
    if (input.cursor) {
      where.push('id > ?::uuid');
      params.push(input.cursor);
    }
    const rows = await this.acuRows(where, params, input.limit + 1);
    const page = rows.slice(0, input.limit);
    return { items: page, nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null };
  }

  /** One ACU (owner-scoped). */
  async getAcu(actor: Actor, id: string) {
    const [acu] = await this.acuRows(['owner_id = ?', 'id = ?'], [actor.userId, id], 1);
    if (!acu) throw new NotFoundError('CAPTURE_ACU_NOT_FOUND', { id });
    return acu;
  }

  private async acuRows(where: string[], params: unknown[], limit: number) {
    const rows = await this.deps.em().execute<{ id: string; conversation_id: string; type: string; content: string; language: string | null; quality: number; message_ids: string[]; created_at: string | Date }[]>(
      `select id, conversation_id, type, content, language, quality, message_ids, created_at from capture_acu where ${where.join(' and ')} order by id limit ?`,
      [...params, limit],
    );
    return rows.map((r) => ({ id: r.id, conversationId: r.conversation_id, type: r.type, content: r.content, language: r.language, quality: Number(r.quality), messageIds: r.message_ids, createdAt: new Date(r.created_at) }));
  }

  /** Renames a conversation (owner-scoped); search re-indexes its title. */
  async rename(actor: Actor, id: string, title: string) {
    const summary = await this.conversations.rename(actor.userId, id, title);
    this.deps.events.emit('capture.conversationStored', { conversationId: id, ownerId: actor.userId });
    return summary;
  }

  /** Replaces a conversation's tags (owner-scoped). */
  async setTags(actor: Actor, id: string, tags: string[]) {
    const summary = await this.conversations.setTags(actor.userId, id, tags);
    this.deps.events.emit('capture.conversationStored', { conversationId: id, ownerId: actor.userId });
    return summary;
  }

  /** Deletes a conversation with everything that hangs from it; search drops its documents. */
  async remove(actor: Actor, id: string) {
    const removed = await this.conversations.remove(actor.userId, id);
    this.deps.events.emit('capture.conversationDeleted', { conversationId: id, ownerId: actor.userId });
    return removed;
  }

  /** A stored image or file of the owner's (NOT_FOUND for anyone else's, or when the file is gone). */
  async blobOf(ownerId: string, sha256: string): Promise<{ mimeType: string | null; size: number }> {
    const [row] = await this.deps.em().execute<{ sha256: string }[]>('select sha256 from capture_blob where owner_id = ? and sha256 = ?', [ownerId, sha256]);
    if (!row || !existsSync(this.blobs.pathOf(sha256))) throw new NotFoundError('CAPTURE_BLOB_NOT_FOUND', { sha256 });
    // The bytes decide, not the declared type: only a real PNG/JPEG/GIF/WebP/AVIF is called an image.
    return { mimeType: this.blobs.sniffImageType(sha256), size: this.blobs.size(sha256) };
  }

  /** For the search module: some conversations' messages, parts and ACUs (three queries); gone ones are absent. */
  indexSources(ownerId: string, conversationIds: readonly string[]): Promise<Map<string, IndexSource>> {
    return readIndexSources(this.deps.em(), ownerId, conversationIds);
  }

  /** For the search module's sweep: every conversation's index version, in id pages. */
  indexVersions(afterId: string | null, limit: number): Promise<IndexVersion[]> {
    return listIndexVersions(this.deps.em(), afterId, limit);
  }

  /** The index versions of some conversations of one owner (gone ones are absent). */
  indexVersionsOf(ownerId: string, conversationIds: readonly string[]): Promise<Map<string, string>> {
    return readIndexVersions(this.deps.em(), ownerId, conversationIds);
  }

  /** For the context module: the owner's messages as plain text (with `neighbours`: their parent and current-branch child too). */
  messageTexts(ownerId: string, ids: readonly string[], options: { neighbours?: boolean } = {}): Promise<MessageText[]> {
    return messageTexts(this.deps.em(), ownerId, ids, options);
  }

  /** For the context module: a conversation's last messages on its current branch, newest first. */
  branchTexts(ownerId: string, conversationId: string, limit: number): Promise<MessageText[]> {
    return branchTexts(this.deps.em(), ownerId, conversationId, limit);
  }

  /** For the memory module: a conversation's visible current-branch messages with their parts; null when not the owner's. */
  conversationTurns(ownerId: string, conversationId: string): Promise<ConversationTurns | null> {
    return readConversationTurns(this.deps.em(), ownerId, conversationId);
  }

  /** Stops the browser. */
  async stop(): Promise<void> {
    await this.browser.close();
  }
}

export type { CaptureErrorCode, ConversationTurns, IndexSource, IndexVersion, MessageText };
