import type { Logger } from 'pino';
import type { ModuleDeps } from '#server/module.ts';
import { assemble } from './assemble.ts';
import { BundleCache, cacheKey } from './cache.ts';
import { detectIntent } from './intent.ts';
import { retrieveLayers, type LayerSources } from './retrieve.ts';
import { contextLayers, type CompileInput, type CompileOutput, type ContextLayer } from './schemas.ts';
import { MAX_COUNTED_CHARS, preloadTokenizer, tokenCounter } from './tokenizer.ts';

/** L0: how the assistant should use the bundle, longest first (the first that fits is used). */
export const PREAMBLES = [
  "Context from the user's own VIVIM library: their past AI conversations and what was learned from them, selected for the message that follows. Use what is relevant and ignore the rest; the user's new message wins over anything here, and newer items win over older ones. Each item ends with its source in brackets, e.g. [msg:1a2b3c4d] or [mem:…]: cite it when you rely on an item.",
  "Context from the user's VIVIM library for the next message. Use what is relevant; cite the [source] of items you rely on.",
  'User context (VIVIM). Cite [sources].',
];

/** Bundles cached (all users), and how long one stays fresh without new data. */
const CACHE_ENTRIES = 2000;
const CACHE_TTL_MS = 10 * 60_000;
/** Prompts remembered per user for the warm-up; a prompt asked this often is "hot". */
const RECENT_PROMPTS = 20;
const HOT_HITS = 2;
/** Recent topics the warm-up compiles bundles for. */
const WARM_TOPICS = 5;
/** Delay before the warm-up runs after new data (more data in the meantime postpones it). */
const WARMUP_DELAY_MS = 3000;
const EVENT_GATHER_MS = 300;

interface RecentPrompt {
  input: CompileInput;
  hits: number;
}

/** Compiles cited context bundles (L0–L6) within a token budget; caches and warms them per user. */
export class ContextService {
  private readonly deps: ModuleDeps;
  private readonly log: Logger;
  private readonly cache = new BundleCache({ maxEntries: CACHE_ENTRIES, ttlMs: CACHE_TTL_MS });
  private readonly recent = new Map<string, Map<string, RecentPrompt>>();
  private readonly pendingWarmups = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;
  private preloadTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private releaseHold: (() => void) | null = null;

  constructor(deps: ModuleDeps) {
    this.deps = deps;
    this.log = deps.log.child({ module: 'context' });
  }

  private sources(): LayerSources {
    const services = this.deps.services;
    const [capture, search, memory, knowledge] = [services.capture, services.search, services.memory, services.knowledge];
    if (!capture || !search || !memory || !knowledge) throw new Error('the capture, search, memory and knowledge modules must be loaded');
    return { capture, search, memory, knowledge };
  }

  /**
   * The bundle for a prompt: intent, budget split across the wanted layers, every layer retrieved
   * in parallel, ranked, de-duplicated and fitted so the rendered text never exceeds the budget.
   * Served from the owner's cache when the same input was compiled since their data last changed;
   * `refresh` (the warm-up) recomputes and neither reads the cache nor counts as a request.
   */
  async compile(ownerId: string, input: CompileInput, options: { refresh?: boolean } = {}): Promise<CompileOutput> {
    const started = performance.now();
    const counter = await tokenCounter(input.model);
    const key = cacheKey(input, counter.name);
    if (!options.refresh) {
      this.remember(ownerId, key, input);
      const hit = this.cache.get(ownerId, key);
      if (hit) return { ...hit, cached: true, tookMs: round(performance.now() - started) };
    }
    const generation = this.cache.generation(ownerId);
    const wanted = new Set<ContextLayer>(input.layers ?? contextLayers);
    const intent = detectIntent(input.prompt);
    const candidates = await retrieveLayers(this.sources(), {
      ownerId,
      prompt: input.prompt,
      conversationId: input.conversationId,
      layers: wanted,
      // No item can take more than the whole budget; ~16 characters per token is beyond any real text.
      maxChars: Math.min(MAX_COUNTED_CHARS, input.budget * 16),
      budget: input.budget,
    });
    const bundle = assemble({ budget: input.budget, format: input.format, intent, counter, preambles: wanted.has('L0') ? PREAMBLES : [], candidates });
    const output: CompileOutput = {
      totalTokens: bundle.totalTokens,
      budget: input.budget,
      intent,
      model: input.model ?? null,
      tokenizer: counter.name,
      cached: false,
      tookMs: round(performance.now() - started),
      sections: bundle.sections,
      text: bundle.text,
    };
    this.cache.set(ownerId, key, output, generation);
    return output;
  }

  private remember(ownerId: string, key: string, input: CompileInput): void {
    const prompts = this.recent.get(ownerId) ?? new Map<string, RecentPrompt>();
    const entry = prompts.get(key) ?? { input, hits: 0 };
    entry.hits += 1;
    prompts.delete(key);
    prompts.set(key, entry);
    while (prompts.size > RECENT_PROMPTS) prompts.delete(prompts.keys().next().value!);
    this.recent.set(ownerId, prompts);
  }

  /**
   * New data for an owner: drops their bundles now and queues the warm-up (which drops them again
   * once indexing is done). Events are gathered for a moment: an import emits thousands.
   */
  dataChanged(ownerId: string): void {
    this.cache.invalidate(ownerId);
    this.pendingWarmups.add(ownerId);
    this.releaseHold ??= this.deps.jobs.hold();
    this.flushTimer ??= setTimeout(() => void this.flushWarmups().catch((error: unknown) => this.log.error({ err: error }, 'could not queue the context warm-up')), EVENT_GATHER_MS);
  }

  /** Enqueues the gathered warm-ups (one job per owner, keyed: a pending one is postponed, not doubled). */
  async flushWarmups(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const owners = [...this.pendingWarmups];
    this.pendingWarmups.clear();
    const release = this.releaseHold;
    this.releaseHold = null;
    try {
      for (const ownerId of owners) {
        await this.deps.jobs.enqueue('context.warmup', { ownerId }, { ownerId, jobKey: `context.warmup:${ownerId}`, runAt: new Date(Date.now() + WARMUP_DELAY_MS), priority: 10 });
      }
    } finally {
      release?.();
    }
  }

  /**
   * The 'context.warmup' job: runs after the indexing jobs new data queued (lower priority), drops
   * the bundles compiled meanwhile on a half-indexed library, then compiles the owner's hot prompts
   * (asked at least twice) and their recent topics. Idempotent: it only recomputes.
   */
  async runWarmupJob(payload: { ownerId: string }): Promise<{ warmed: number }> {
    const { ownerId } = payload;
    this.cache.invalidate(ownerId);
    const inputs = [...(this.recent.get(ownerId)?.values() ?? [])].filter((p) => p.hits >= HOT_HITS).map((p) => p.input);
    const topics = await this.sources().knowledge.topicsFor(ownerId, { limit: WARM_TOPICS });
    for (const topic of topics) if (topic.label.trim()) inputs.push({ prompt: topic.label, budget: 2000, format: 'markdown' });
    let warmed = 0;
    for (const input of inputs) {
      try {
        await this.compile(ownerId, input, { refresh: true });
        warmed += 1;
      } catch (error) {
        // A prompt whose conversation was deleted since: nothing to warm.
        this.log.warn({ err: error }, 'a warm-up bundle failed');
      }
    }
    return { warmed };
  }

  /**
   * Loads the default encoding (~1 s and ~70 MB of heap) `afterMs` from now, before the first
   * request is likely, but not while jobs are queued or running (an import, its indexing): then it
   * tries again as long later. A request that needs it first loads it itself.
   */
  schedulePreload(afterMs: number): void {
    if (this.stopped) return;
    this.preloadTimer = setTimeout(() => {
      void this.deps.jobs
        .pendingCount()
        .then((pending) => {
          if (this.stopped) return;
          if (pending > 0) return this.schedulePreload(afterMs);
          return preloadTokenizer();
        })
        .catch((error: unknown) => this.log.warn({ err: error }, 'tokenizer preload failed'));
    }, afterMs);
    this.preloadTimer.unref();
  }

  /** Queues what is gathered (at shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.preloadTimer) clearTimeout(this.preloadTimer);
    await this.flushWarmups().catch((error: unknown) => this.log.warn({ err: error }, 'context warm-up not queued at stop'));
  }

  /** Drops every cached bundle (benchmarks time cold compiles with it). */
  clearCache(): void {
    this.cache.clear();
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;
