/** The process logger (pino, JSON lines on stdout). */
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { Config } from './config/config.ts';

/**
 * Names of fields that hold credentials, wherever they are: a config object,
 * request headers, an error's raw request (`rawPacket`, which Node.js keeps
 * on a client error and which carries the Authorization header).
 */
const SECRET_FIELD =
  /pass(word|phrase)?$|secret|token|authorization|cookie|credential|api[-_]?key|private[-_]?key|signature|rawpacket/i;
/** Credentials inside text: an Authorization value, a PEM private key. */
const SECRET_TEXT = [
  /\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]+/gi,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
];
const CENSOR = '[redacted]';
/** Deeper than any log object Wharf writes; past it, nothing is shown. */
const MAX_DEPTH = 12;

function redactText(text: string): string {
  return SECRET_TEXT.reduce(
    (result, pattern) =>
      result.replace(pattern, (match, scheme: unknown) =>
        typeof scheme === 'string' && /^(basic|bearer)$/i.test(scheme)
          ? `${scheme} ${CENSOR}`
          : CENSOR,
      ),
    text,
  );
}

/**
 * A copy of `value` with every credential replaced by `[redacted]`, by the
 * shape of its field name or of its text, at any depth.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return CENSOR;
  // An error as pino would show it (type, message, stack, cause, its own fields), then redacted.
  if (value instanceof Error) return redactSecrets(pino.stdSerializers.err(value), depth + 1);
  if (Buffer.isBuffer(value)) return `[${String(value.length)} bytes]`;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (value instanceof Map) return redactSecrets(Object.fromEntries(value), depth);
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      SECRET_FIELD.test(key) ? CENSOR : redactSecrets(item, depth + 1),
    ]),
  );
}

/** Creates the logger; credentials never reach a log line even if an object carrying them is logged. */
export function createLogger(
  level: Config['logLevel'],
  destination: DestinationStream = pino.destination(1),
): Logger {
  return pino(
    {
      level,
      base: { service: 'wharf' },
      formatters: { log: (object) => redactSecrets(object) as Record<string, unknown> },
      hooks: {
        // The message text too: an error's message may quote a header.
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as typeof args,
          );
        },
      },
    },
    destination,
  );
}
