/**
 * The `--since` / `--until` bounds of the operator commands: an ISO 8601
 * time (`2025-03-01T08:00:00Z`, a date alone, or a local time read in UTC)
 * or a duration back from now, written short (`90s`, `30m`, `2h`, `7d`, `1w`)
 * or as ISO 8601 (`PT2H`, `P1D`). Parsed with luxon.
 */
import { DateTime, Duration } from 'luxon';

/** A bound that could not be read; the message says what was expected. */
export class TimeBoundError extends Error {
  override readonly name = 'TimeBoundError';
}

const SHORT_DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/i;

const UNITS: Readonly<Record<string, string>> = {
  ms: 'milliseconds',
  s: 'seconds',
  m: 'minutes',
  h: 'hours',
  d: 'days',
  w: 'weeks',
};

function duration(text: string): Duration | undefined {
  const short = SHORT_DURATION.exec(text);
  if (short) {
    const [, amount = '', unit = ''] = short;
    const name = UNITS[unit.toLowerCase()];
    return name === undefined ? undefined : Duration.fromObject({ [name]: Number(amount) });
  }
  if (/^P/i.test(text)) {
    const iso = Duration.fromISO(text.toUpperCase());
    return iso.isValid ? iso : undefined;
  }
  return undefined;
}

/**
 * Reads one bound as milliseconds since the epoch.
 *
 * @param option - the option's name, for the error message.
 * @param now - milliseconds since the epoch that durations count back from.
 * @throws {TimeBoundError} when the text is neither a time nor a duration.
 */
export function parseTimeBound(option: string, text: string, now: number): number {
  const trimmed = text.trim();
  const ago = duration(trimmed);
  if (ago !== undefined) return DateTime.fromMillis(now).minus(ago).toMillis();
  const time = DateTime.fromISO(trimmed, { zone: 'UTC', setZone: true });
  if (time.isValid) return time.toMillis();
  throw new TimeBoundError(
    `${option} ${JSON.stringify(text)}: expected an ISO 8601 time (2025-03-01T08:00:00Z) ` +
      'or a duration back from now (90s, 30m, 2h, 7d, 1w, PT2H)',
  );
}
