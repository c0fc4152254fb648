import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from '#config';

/** Paths whose values never reach a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.key',
  '*.apiKey',
  '*.secret',
  '*.clientSecret',
  '*.secretKeyHex',
  'config.auth.google.clientSecret',
  'config.llm.apiKey',
  'config.embeddings.apiKey',
  'config.search.meiliApiKey',
];

/** Readable lines for a person at a terminal; JSON lines (one per event) for everything else. */
function defaultDestination(format: Config['log']['format']): DestinationStream {
  const readable = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
  return readable
    ? pretty({ destination: 2, sync: false, colorize: process.stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' })
    : pino.destination({ dest: 2, sync: false });
}

/** The one root logger (to stderr, so `--json` output on stdout stays clean); modules get children of it. */
export function createLogger(config: { log: Pick<Config['log'], 'level'> & Partial<Pick<Config['log'], 'format'>> }, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.log.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? defaultDestination(config.log.format ?? 'auto'),
  );
}
