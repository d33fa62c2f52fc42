/**
 * Provider timestamps to canonical UTC. Providers write timestamps with an
 * offset (Shipwell), without one (HappyColis, Ongoing, which also writes 7
 * fractional digits); one without an offset is read in a configured zone.
 */
import { DateTime } from 'luxon';

/**
 * The everyday shape of provider timestamps: date, time, optional fraction
 * and optional `Z` or `±hh:mm` offset. Anything else goes to luxon.
 */
const PLAIN_ISO =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))?$/;

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
  const parts = PLAIN_ISO.exec(value);
  if (parts === null) return undefined;
  const [, y = '', mo = '', d = '', h = '', mi = '', s = '', fraction, z, sign, oh, om] = parts;
  if (z === undefined && sign === undefined && zone !== 'UTC') return undefined;
  const [year, month, day, hour, minute, second] = [+y, +mo, +d, +h, +mi, +s];
  const [offsetHours, offsetMinutes] = [Number(oh ?? 0), Number(om ?? 0)];
  if (year < 1000 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  const millis = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  if (offsetHours === 0 && offsetMinutes === 0) {
    // Already UTC: the parts as they are (Date's formatting is the dearer step).
    return `${y}-${mo}-${d}T${h}:${mi}:${s}.${String(millis).padStart(3, '0')}Z`;
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
