import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { crossFieldIssues, envSchema, type Env } from './schema.ts';

/** Exit code for a configuration error (sysexits EX_CONFIG). */
export const CONFIG_EXIT_CODE = 78;

/** One invalid variable and why. */
export interface ConfigIssue {
  variable: string;
  message: string;
}

/** Thrown when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((issue) => `  - ${issue.variable}: ${issue.message}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** The whole configuration, one section per concern; frozen after loading. */
export interface Config {
  env: Env['NODE_ENV'];
  server: {
    port: number;
    host: string;
    publicUrl: string;
    trustProxy: boolean;
    corsOrigins: string[];
    shutdownTimeoutMs: number;
  };
  dataDir: string;
  database: { url: string | undefined; maxConnections: number; sharedBuffersMb: number };
  log: { level: Env['LOG_LEVEL']; format: Env['LOG_FORMAT'] };
  auth: {
    sessionTtlDays: number;
    rateLimitPerMinute: number;
    google:
      | { clientId: string; clientSecret: string; authUrl: string; tokenUrl: string; issuer: string }
      | undefined;
  };
  capture: { rateLimitPerMinute: number; timeoutMs: number; maxPageBytes: number; maxUploadBytes: number };
  search: { meiliUrl: string | undefined; meiliApiKey: string | undefined };
  /**
   * The MCP server: per-user request limit on `/mcp`; the API key `vivim mcp` uses (VIVIM_API_KEY);
   * how long `vivim mcp` keeps an idle data dir open.
   */
  mcp: { rateLimitPerMinute: number; apiKey: string | undefined; stdioIdleMs: number };
  /** Vector embeddings: the offline model (`local`), an OpenAI-compatible endpoint, or none. */
  embeddings: {
    provider: Env['EMBEDDING_PROVIDER'];
    /** `use-lite-512` for `local`; the endpoint's model name for `openai`. */
    model: string;
    /** Base URL of the OpenAI-compatible API (`…/v1`); `openai` only. */
    url: string | undefined;
    apiKey: string | undefined;
    /** Requested vector size (`dimensions` in the request); undefined = the model's own size. */
    dimensions: number | undefined;
    /** Texts per request. */
    batchSize: number;
    /** Per request (openai) or per batch (local). */
    timeoutMs: number;
    /** Retries on 429, 5xx, timeouts and network errors (openai). */
    retries: number;
    /** Worker threads running the local model, each with its own copy (~200 MB); a bulk pass splits its batches over them. */
    threads: number;
  };
  llm: {
    provider: Env['LLM_PROVIDER'];
    model: string | undefined;
    url: string | undefined;
    apiKey: string | undefined;
    /** Per request. */
    timeoutMs: number;
    /** Retries on 429, 5xx, timeouts and network errors. */
    retries: number;
    /** Tokens (prompt + answer) one memory-extraction job may spend. */
    maxTokensPerJob: number;
    /** Longest answer asked for per request. */
    maxOutputTokens: number;
  };
  /** Memory extraction: the deterministic rules (`offline`, default) or the configured LLM. */
  memory: { extractor: Env['MEMORY_EXTRACTOR'] };
  plugins: { packages: string[] };
  worker: { inProcess: boolean; concurrency: number; pollIntervalMs: number };
  p2p: { enabled: boolean };
  browser: { chromiumPath: string };
  /** Secret key from VIVIM_SECRET_KEY; otherwise resolved from the data dir by `ensureSecretKey`. */
  secretKeyHex: string | undefined;
}

/** Recursively freezes an object graph. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses the environment into a Config. Throws ConfigError listing every bad
 * variable at once.
 */
export function loadConfig(
  source: Record<string, string | undefined> = process.env,
  options: { cwd?: string; defaults?: Record<string, string> } = {},
): Config {
  const cwd = options.cwd ?? process.cwd();
  const raw = { ...options.defaults, ...source };
  const parsed = envSchema.safeParse(raw);
  const issues = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? 'environment'), message: issue.message }))),
    ...crossFieldIssues(raw),
  ];
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues);
  const env = parsed.data;
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, '');
  return deepFreeze({
    env: env.NODE_ENV,
    server: {
      port: env.PORT,
      host: env.HOST,
      publicUrl,
      trustProxy: env.TRUST_PROXY,
      corsOrigins: [...new Set([new URL(publicUrl).origin, ...env.CORS_ORIGINS])],
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    },
    dataDir: path.resolve(cwd, env.VIVIM_DATA_DIR),
    database: { url: env.DATABASE_URL, maxConnections: env.VIVIM_DB_MAX_CONNECTIONS, sharedBuffersMb: env.VIVIM_DB_SHARED_BUFFERS_MB },
    log: { level: env.LOG_LEVEL, format: env.LOG_FORMAT },
    auth: {
      sessionTtlDays: env.SESSION_TTL_DAYS,
      rateLimitPerMinute: env.AUTH_RATE_LIMIT_PER_MINUTE,
      google:
        env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET
          ? {
              clientId: env.GOOGLE_CLIENT_ID,
              clientSecret: env.GOOGLE_CLIENT_SECRET,
              authUrl: env.GOOGLE_AUTH_URL,
              tokenUrl: env.GOOGLE_TOKEN_URL,
              issuer: env.GOOGLE_ISSUER,
            }
          : undefined,
    },
    capture: {
      rateLimitPerMinute: env.CAPTURE_RATE_LIMIT_PER_MINUTE,
      timeoutMs: env.CAPTURE_TIMEOUT_MS,
      maxPageBytes: env.CAPTURE_MAX_PAGE_MB * 1024 * 1024,
      maxUploadBytes: env.IMPORT_MAX_UPLOAD_MB * 1024 * 1024,
    },
    search: { meiliUrl: env.MEILI_URL, meiliApiKey: env.MEILI_API_KEY },
    mcp: { rateLimitPerMinute: env.MCP_RATE_LIMIT_PER_MINUTE, apiKey: env.VIVIM_API_KEY, stdioIdleMs: env.MCP_STDIO_IDLE_SECONDS * 1000 },
    embeddings: {
      provider: env.EMBEDDING_PROVIDER,
      model: env.EMBEDDING_PROVIDER === 'openai' ? (env.EMBEDDING_MODEL ?? '') : 'use-lite-512',
      url: env.EMBEDDING_URL,
      apiKey: env.EMBEDDING_API_KEY,
      dimensions: env.EMBEDDING_PROVIDER === 'local' ? 512 : env.EMBEDDING_DIMENSIONS,
      batchSize: env.EMBEDDING_BATCH,
      timeoutMs: env.EMBEDDING_TIMEOUT_MS,
      retries: env.EMBEDDING_RETRIES,
      threads: env.EMBEDDING_THREADS,
    },
    llm: {
      provider: env.LLM_PROVIDER,
      model: env.LLM_MODEL,
      url: env.LLM_URL,
      apiKey: env.LLM_API_KEY,
      timeoutMs: env.LLM_TIMEOUT_MS,
      retries: env.LLM_RETRIES,
      maxTokensPerJob: env.LLM_MAX_TOKENS_PER_JOB,
      maxOutputTokens: env.LLM_MAX_OUTPUT_TOKENS,
    },
    memory: { extractor: env.MEMORY_EXTRACTOR },
    plugins: { packages: env.VIVIM_PLUGINS },
    worker: {
      inProcess: env.VIVIM_WORKER,
      concurrency: env.VIVIM_WORKER_CONCURRENCY,
      pollIntervalMs: env.VIVIM_JOB_POLL_MS,
    },
    p2p: { enabled: env.VIVIM_P2P },
    browser: { chromiumPath: env.CHROMIUM_PATH },
    secretKeyHex: env.VIVIM_SECRET_KEY,
  } satisfies Config);
}

/**
 * Returns the 32-byte secret key: VIVIM_SECRET_KEY when set, otherwise the key
 * kept in `<dataDir>/secret.key`, generated (mode 0600) on first start.
 */
export function ensureSecretKey(config: Config): Buffer {
  if (config.secretKeyHex) return Buffer.from(config.secretKeyHex, 'hex');
  mkdirSync(config.dataDir, { recursive: true });
  const file = path.join(config.dataDir, 'secret.key');
  if (existsSync(file)) {
    const hex = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/i.test(hex)) {
      throw new ConfigError([{ variable: 'VIVIM_DATA_DIR', message: `${file} is corrupt (expected 64 hex characters)` }]);
    }
    return Buffer.from(hex, 'hex');
  }
  const key = randomBytes(32);
  writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}

/** Secret-bearing config paths, for the logger's redaction list. */
export const SECRET_PATHS = [
  'auth.google.clientSecret',
  'search.meiliApiKey',
  'embeddings.apiKey',
  'llm.apiKey',
  'mcp.apiKey',
  'secretKeyHex',
];
