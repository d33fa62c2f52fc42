/**
 * Canonical event ids are deterministic: the same provider event always gives
 * the same id (so a redelivery or a replay is recognisable downstream), and
 * different events give different ids. They are UUIDv5 names in Wharf's own
 * namespace, over the source and what identifies the event at the provider.
 */
import { parse as parseUuid, v5 as uuidv5 } from 'uuid';

/** Wharf's UUID namespace (a fixed random UUID; changing it changes every id). */
export const WHARF_EVENT_NAMESPACE = '0b6f4a38-3f2e-4b5c-9a7e-6d1f2c8e9a40';

/** The namespace as bytes, parsed once: uuid would parse the string on every call. */
const NAMESPACE_BYTES = parseUuid(WHARF_EVENT_NAMESPACE);

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
  // Bytes, not a string: uuid encodes strings to UTF-8 in JavaScript, Buffer natively.
  return uuidv5(Buffer.from(JSON.stringify([source, ...identity])), NAMESPACE_BYTES);
}
