/**
 * Provider timestamps to canonical UTC. Providers write timestamps with an
 * offset (Shipwell), without one (HappyColis, Ongoing, which also writes 7
 * fractional digits); one without an offset is read in a configured zone.
 */
import { DateTime } from 'luxon';

/** ISO 8601 UTC with milliseconds, as Date.prototype.toISOString writes it. */
const CANONICAL_UTC =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

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
  // Wharf's own timestamps (the ingress's received-at) are already canonical:
  // no need to run the general parser on every record for them.
  if (CANONICAL_UTC.test(value) && new Date(value).toISOString() === value) {
    return { utc: value, original };
  }
  const parsed = DateTime.fromISO(value.trim(), { zone, setZone: true });
  if (!parsed.isValid) return undefined;
  return { utc: parsed.toUTC().toISO(), original };
}

/** Whether a zone name is one the time library knows. */
export function isKnownZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}
