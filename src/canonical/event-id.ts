/**
 * Canonical event ids are deterministic: the same provider event always gives
 * the same id (so a redelivery or a replay is recognisable downstream), and
 * different events give different ids. They are UUIDv5 names in Wharf's own
 * namespace, over the source and what identifies the event at the provider.
 */
import { hash } from 'node:crypto';
import { parse as parseUuid, stringify as stringifyUuid } from 'uuid';

/** Wharf's UUID namespace (a fixed random UUID; changing it changes every id). */
export const WHARF_EVENT_NAMESPACE = '0b6f4a38-3f2e-4b5c-9a7e-6d1f2c8e9a40';

/** The namespace as bytes, parsed once. */
const NAMESPACE_BYTES = Buffer.from(parseUuid(WHARF_EVENT_NAMESPACE));

/**
 * One part of what identifies an event: text (an event id, a type, a
 * subject), or bytes (a payload, e.g. a JSON body). Bytes are named whole
 * rather than digested first: the UUID's own SHA-1 digests them with the
 * rest, in one pass.
 */
export type IdentityPart = string | Uint8Array;

/**
 * The canonical id of a provider event.
 *
 * The UUID's name is a JSON array of the source and the parts, with each
 * byte part written as its length, followed by the byte parts in order:
 * ["a|b"] and ["a","b"] name different events, and so do bytes split
 * differently. Text-only identities name exactly `JSON.stringify([source,
 * ...identity])`.
 *
 * @param source - the provider (`ongoing`, `shipwell`, `happycolis`).
 * @param identity - what identifies the event at the provider, most specific
 *   first: its event id when it has one; otherwise the entity, the event type
 *   and the payload.
 */
export function canonicalEventId(source: string, identity: readonly IdentityPart[]): string {
  const payloads: Uint8Array[] = [];
  const names = identity.map((part) => {
    if (typeof part === 'string') return part;
    payloads.push(part);
    return part.length;
  });
  const header = Buffer.from(JSON.stringify([source, ...names]));
  return uuidV5([header, ...payloads]);
}

/**
 * RFC 9562 UUIDv5 of a name in Wharf's namespace: SHA-1 of namespace and
 * name, version and variant bits set. uuid's v5 computes the same (a test
 * checks it on random names) through a streaming hash object and a copy of
 * the name; Node's one-shot digest halves the cost, and the id was a third of
 * an Ongoing record's transform.
 */
function uuidV5(name: readonly Uint8Array[]): string {
  const digest = hash('sha1', Buffer.concat([NAMESPACE_BYTES, ...name]), 'buffer');
  digest[6] = ((digest[6] ?? 0) & 0x0f) | 0x50;
  digest[8] = ((digest[8] ?? 0) & 0x3f) | 0x80;
  return stringifyUuid(digest.subarray(0, 16));
}
