/**
 * Provider timestamps to canonical UTC. Providers write timestamps with an
 * offset (Shipwell), without one (HappyColis, Ongoing, which also writes 7
 * fractional digits); one without an offset is read in a configured zone.
 */
import { DateTime } from 'luxon';

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
  const parsed = DateTime.fromISO(value.trim(), { zone, setZone: true });
  if (!parsed.isValid) return undefined;
  return { utc: parsed.toUTC().toISO(), original };
}

/** Whether a zone name is one the time library knows. */
export function isKnownZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}
