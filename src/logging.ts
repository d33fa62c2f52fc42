/** The process logger (pino, JSON lines on stdout). */
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Config } from './config/config.ts';

/** Creates the logger; credentials never reach a log line even if an object carrying them is logged. */
export function createLogger(level: Config['logLevel']): Logger {
  return pino({
    level,
    base: { service: 'wharf' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
        '*.secrets',
        '*.credentials',
        '*.tokens',
      ],
      censor: '[redacted]',
    },
  });
}
