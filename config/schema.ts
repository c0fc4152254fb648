import { z } from 'zod';

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const optionalUrl = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .pipe(z.url({ message: 'must be a URL such as https://example.com' }).optional())
  .optional();

const list = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

const flag = (fallback: boolean) =>
  z
    .stringbool({ error: 'must be one of 1/0, true/false, yes/no, on/off' })
    .default(fallback);

const int = (fallback: number, min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

/** A whole number within bounds, or undefined when unset or empty. */
const optionalInt = (min: number, max: number) =>
  optionalString.pipe(
    z.coerce
      .number<string | undefined>({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .optional(),
  );

/**
 * Every environment variable VIVIM reads, with its default. Nothing else in the
 * code base reads `process.env`.
 */
export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: int(3000, 0, 65535),
    HOST: z.string().trim().min(1).default('127.0.0.1'),
    VIVIM_DATA_DIR: z.string().trim().min(1).default('./.vivim-data'),
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
        .optional(),
    ),
    VIVIM_DB_MAX_CONNECTIONS: int(12, 4, 100),
    /** Megabytes of the embedded PostgreSQL's shared buffers (its own page cache; the OS caches the files too). */
    VIVIM_DB_SHARED_BUFFERS_MB: int(32, 8, 4096),
    MEILI_URL: optionalUrl,
    MEILI_API_KEY: optionalString,
    LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PUBLIC_URL: optionalUrl,
    TRUST_PROXY: flag(false),
    CORS_ORIGINS: list,
    GOOGLE_CLIENT_ID: optionalString,
    GOOGLE_CLIENT_SECRET: optionalString,
    GOOGLE_AUTH_URL: z.url().default('https://accounts.google.com/o/oauth2/v2/auth'),
    GOOGLE_TOKEN_URL: z.url().default('https://oauth2.googleapis.com/token'),
    GOOGLE_ISSUER: z.string().default('https://accounts.google.com'),
    EMBEDDING_PROVIDER: z.enum(['local', 'openai', 'off']).default('local'),
    EMBEDDING_MODEL: optionalString,
    EMBEDDING_URL: optionalUrl,
    EMBEDDING_API_KEY: optionalString,
    EMBEDDING_DIMENSIONS: optionalInt(8, 8192),
    EMBEDDING_BATCH: int(64, 1, 2048),
    EMBEDDING_TIMEOUT_MS: int(30000, 1000, 600000),
    EMBEDDING_RETRIES: int(3, 0, 10),
    EMBEDDING_THREADS: int(1, 1, 8),
    LLM_PROVIDER: z.enum(['none', 'openai', 'anthropic', 'gemini']).default('none'),
    LLM_MODEL: optionalString,
    LLM_URL: optionalUrl,
    LLM_API_KEY: optionalString,
    LLM_TIMEOUT_MS: int(60000, 1000, 600000),
    LLM_RETRIES: int(3, 0, 10),
    LLM_MAX_TOKENS_PER_JOB: int(20000, 500, 2000000),
    LLM_MAX_OUTPUT_TOKENS: int(2000, 100, 100000),
    MEMORY_EXTRACTOR: z.enum(['offline', 'llm']).default('offline'),
    VIVIM_PLUGINS: list,
    VIVIM_SECRET_KEY: optionalString.pipe(
      z.string().regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters (32 bytes)').optional(),
    ),
    VIVIM_WORKER: flag(true),
    VIVIM_WORKER_CONCURRENCY: int(2, 1, 32),
    VIVIM_JOB_POLL_MS: int(100, 20, 60000),
    VIVIM_P2P: flag(false),
    SESSION_TTL_DAYS: int(30, 1, 365),
    AUTH_RATE_LIMIT_PER_MINUTE: int(10, 1, 10000),
    CAPTURE_RATE_LIMIT_PER_MINUTE: int(30, 1, 10000),
    MCP_RATE_LIMIT_PER_MINUTE: int(300, 1, 100000),
    /** `vivim mcp` on its own data dir lets go of it (so `vivim start` can take it) after this long idle. */
    MCP_STDIO_IDLE_SECONDS: int(60, 1, 86400),
    /** The API key `vivim mcp` (stdio) acts with; unset: the local operator acting as --email or the only user. */
    VIVIM_API_KEY: optionalString,
    CAPTURE_TIMEOUT_MS: int(30000, 1000, 300000),
    CAPTURE_MAX_PAGE_MB: int(20, 1, 200),
    IMPORT_MAX_UPLOAD_MB: int(2048, 1, 100000),
    SHUTDOWN_TIMEOUT_MS: int(10000, 1000, 120000),
    CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
  });

/** Rules that span variables; checked on the raw environment so they are reported with the rest. */
export function crossFieldIssues(raw: Record<string, string | undefined>): { variable: string; message: string }[] {
  const set = (name: string) => (raw[name] ?? '').trim() !== '';
  const issues: { variable: string; message: string }[] = [];
  if (set('GOOGLE_CLIENT_ID') !== set('GOOGLE_CLIENT_SECRET')) {
    issues.push({
      variable: set('GOOGLE_CLIENT_ID') ? 'GOOGLE_CLIENT_SECRET' : 'GOOGLE_CLIENT_ID',
      message: 'set both GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET, or neither',
    });
  }
  const embedding = (raw.EMBEDDING_PROVIDER ?? '').trim() || 'local';
  if (embedding === 'openai' && !set('EMBEDDING_URL')) {
    issues.push({ variable: 'EMBEDDING_URL', message: 'required when EMBEDDING_PROVIDER=openai (e.g. https://api.openai.com/v1)' });
  }
  if (embedding === 'openai' && !set('EMBEDDING_MODEL')) {
    issues.push({ variable: 'EMBEDDING_MODEL', message: 'required when EMBEDDING_PROVIDER=openai (e.g. text-embedding-3-small)' });
  }
  if (embedding === 'local') {
    const model = (raw.EMBEDDING_MODEL ?? '').trim();
    if (model !== '' && model !== 'use-lite-512') {
      issues.push({ variable: 'EMBEDDING_MODEL', message: 'the local provider has one model, use-lite-512 (set EMBEDDING_PROVIDER=openai for others)' });
    }
    const dims = (raw.EMBEDDING_DIMENSIONS ?? '').trim();
    if (dims !== '' && dims !== '512') {
      issues.push({ variable: 'EMBEDDING_DIMENSIONS', message: 'the local model always gives 512 dimensions' });
    }
  }
  const llm = raw.LLM_PROVIDER;
  if (llm && llm !== 'none' && !set('LLM_MODEL')) issues.push({ variable: 'LLM_MODEL', message: `required when LLM_PROVIDER=${llm}` });
  if (llm === 'openai' && !set('LLM_URL')) issues.push({ variable: 'LLM_URL', message: 'required when LLM_PROVIDER=openai' });
  if (raw.MEMORY_EXTRACTOR === 'llm' && (!llm || llm === 'none')) issues.push({ variable: 'LLM_PROVIDER', message: 'required when MEMORY_EXTRACTOR=llm (openai, anthropic or gemini)' });
  return issues;
}

export type Env = z.infer<typeof envSchema>;
