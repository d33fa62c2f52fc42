/**
 * Provider timestamps to canonical UTC. Providers write timestamps with an
 * offset (Shipwell), without one (HappyColis, Ongoing, which also writes 7
 * fractional digits); one without an offset is read in a configured zone.
 */
import { DateTime } from 'luxon';

/**
 * The everyday shape of provider timestamps: date, time, optional fraction
 * and optional `Z` or `±hh:mm` offset, every field at a fixed place except the
 * fraction's end. Anything else goes to luxon.
 */
const PLAIN_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})?$/;

/** A provider timestamp read as an instant. */
export interface ProviderTime {
  /** The instant in UTC, ISO 8601 with milliseconds and `Z`. */
  readonly utc: string;
  /** The string as the provider sent it. */
  readonly original: string;
}

/**
 * Reads a provider timestamp. Returns undefined when it is not an ISO 8601
 * date-time (the caller decides whether that is an error).
 *
 * @param zone - IANA zone for timestamps without an offset, e.g. `UTC` or `Europe/Paris`.
 */
export function readProviderTime(value: unknown, zone: string): ProviderTime | undefined {
  if (typeof value !== 'string') return undefined;
  const original = value;
  const utc = plainUtc(value, zone) ?? luxonUtc(value, zone);
  return utc === undefined ? undefined : { utc, original };
}

/** A date first: luxon would read a time alone (`12:00`) as today's, and the pipeline has no clock. */
const STARTS_WITH_YEAR = /^\d{4}/;

function luxonUtc(value: string, zone: string): string | undefined {
  const trimmed = value.trim();
  if (!STARTS_WITH_YEAR.test(trimmed)) return undefined;
  const parsed = DateTime.fromISO(trimmed, { zone, setZone: true });
  return parsed.isValid ? parsed.toUTC().toISO() : undefined;
}

/**
 * The UTC instant of a plain timestamp that needs no zone rules (it has an
 * offset, or it is read in UTC), computed with Date, as luxon would read it:
 * the fraction truncated to milliseconds. Undefined hands the value to luxon,
 * also for out-of-range parts, so that luxon alone judges the odd cases.
 * Nearly every record has such a timestamp, and the general parser is the
 * dearest step of the pipeline after validation.
 */
function plainUtc(value: string, zone: string): string | undefined {
  if (!PLAIN_ISO.test(value)) return undefined;
  // The shape is known: each field is read from its digits in place.
  const digits = (from: number, to: number) => {
    let n = 0;
    for (let i = from; i < to; i++) n = n * 10 + value.charCodeAt(i) - 48;
    return n;
  };
  // After the seconds come an optional fraction, then `Z`, `±hh:mm` or nothing.
  const utc = value.endsWith('Z');
  const sign = value.charAt(value.length - 6);
  const hasOffset = !utc && (sign === '+' || sign === '-');
  if (!utc && !hasOffset && zone !== 'UTC') return undefined;
  const end = utc ? value.length - 1 : hasOffset ? value.length - 6 : value.length;
  const [year, month, day] = [digits(0, 4), digits(5, 7), digits(8, 10)];
  const [hour, minute, second] = [digits(11, 13), digits(14, 16), digits(17, 19)];
  const [offsetHours, offsetMinutes] = hasOffset
    ? [digits(end + 1, end + 3), digits(end + 4, end + 6)]
    : [0, 0];
  if (year < 1000 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  const millis = end > 20 ? Math.floor(Number(`0.${value.slice(20, end)}`) * 1000) : 0;
  if (offsetHours === 0 && offsetMinutes === 0) {
    // Already UTC: the parts as they are (Date's formatting is the dearer step).
    return `${value.slice(0, 19)}.${String(millis).padStart(3, '0')}Z`;
  }
  const offset = (offsetHours * 60 + offsetMinutes) * (sign === '-' ? -1 : 1);
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  return new Date(local - offset * 60_000).toISOString();
}

/** Days in a month of the proleptic Gregorian calendar (month 1-12; 0 for others). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [0, 31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month] ?? 0;
}

/** Whether a zone name is one the time library knows. */
export function isKnownZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}
