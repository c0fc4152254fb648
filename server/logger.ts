import pino, { type DestinationStream, type Logger } from 'pino';
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
  'config.embedding.apiKey',
  'config.search.meiliApiKey',
];

/** The one root logger; modules get children of it. */
export function createLogger(config: Pick<Config, 'log'>, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.log.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ dest: 2, sync: false }),
  );
}
