/**
 * Canonical event ids are deterministic: the same provider event always gives
 * the same id (so a redelivery or a replay is recognisable downstream), and
 * different events give different ids. They are UUIDv5 names in Wharf's own
 * namespace, over the source and what identifies the event at the provider.
 */
import { v5 as uuidv5 } from 'uuid';

/** Wharf's UUID namespace (a fixed random UUID; changing it changes every id). */
export const WHARF_EVENT_NAMESPACE = '0b6f4a38-3f2e-4b5c-9a7e-6d1f2c8e9a40';

/**
 * The canonical id of a provider event.
 *
 * @param source - the provider (`ongoing`, `shipwell`, `happycolis`).
 * @param identity - what identifies the event at the provider, most specific
 *   first: its event id when it has one; otherwise the entity, the event type
 *   and a digest of the payload. Parts are joined unambiguously.
 */
export function canonicalEventId(source: string, identity: readonly string[]): string {
  // JSON keeps the parts apart: ["a|b"] and ["a","b"] name different events.
  return uuidv5(JSON.stringify([source, ...identity]), WHARF_EVENT_NAMESPACE);
}
