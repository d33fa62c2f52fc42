/**
 * Canonical event ids are deterministic: the same provider event always gives
 * the same id (so a redelivery or a replay is recognisable downstream), and
 * different events give different ids. They are name-based UUIDs in Wharf's
 * own namespace, over the source and what identifies the event at the
 * provider: RFC 9562 version 8 UUIDs whose 122 free bits come from XXH3-128.
 *
 * Why not UUIDv5 (SHA-1): two of the three providers send no event id, so an
 * event's identity includes its payload, and the id was digested from up to a
 * few kilobytes per record. Through Node's crypto that cost more than parsing
 * the record (a fixed ~3 µs per call into OpenSSL, then ~1 µs per kilobyte);
 * XXH3-128 in WebAssembly costs ~0.8 µs plus ~0.6 µs per kilobyte on the same
 * machine. A non-cryptographic hash is enough here: the ids must not collide
 * by chance (2^-122 for two events), not withstand a sender crafting
 * collisions, and every sender is authenticated before anything is hashed.
 */
import { createXXHash128 } from 'hash-wasm';
import { parse as parseUuid, stringify as stringifyUuid } from 'uuid';

/** Wharf's UUID namespace (a fixed random UUID; changing it changes every id). */
export const WHARF_EVENT_NAMESPACE = '0b6f4a38-3f2e-4b5c-9a7e-6d1f2c8e9a40';

/** The hash's seed: the namespace's first 64 bits, as XXH3's low and high 32-bit words. */
const NAMESPACE_BYTES = parseUuid(WHARF_EVENT_NAMESPACE);
const SEED = new DataView(NAMESPACE_BYTES.buffer, NAMESPACE_BYTES.byteOffset, 8);

/**
 * One hasher for the process, reset for every id. Creating it compiles the
 * WebAssembly module, which is asynchronous, once at import; every use after
 * that is synchronous (JavaScript is single-threaded, so no two ids interleave).
 */
const hasher = await createXXHash128(SEED.getUint32(4), SEED.getUint32(0));

/**
 * One part of what identifies an event: text (an event id, a type, a
 * subject), or bytes (a payload, e.g. a JSON body). Bytes are named whole
 * rather than digested first: the id's hash digests them with the rest, in
 * one pass.
 */
export type IdentityPart = string | Uint8Array;

/**
 * The canonical id of a provider event.
 *
 * The UUID's name is a JSON array of the source and the parts, with each
 * byte part written as its length, followed by the byte parts in order:
 * ["a|b"] and ["a","b"] name different events, and so do bytes split
 * differently. Text-only identities name exactly `JSON.stringify([source,
 * ...identity])`. The id is XXH3-128 of the name, seeded with the namespace's
 * first 64 bits, with the version (8) and variant bits set.
 *
 * @param source - the provider (`ongoing`, `shipwell`, `happycolis`).
 * @param identity - what identifies the event at the provider, most specific
 *   first: its event id when it has one; otherwise the entity, the event type
 *   and the payload.
 */
export function canonicalEventId(source: string, identity: readonly IdentityPart[]): string {
  const names: (string | number)[] = [source];
  for (const part of identity) names.push(typeof part === 'string' ? part : part.length);
  hasher.init();
  hasher.update(JSON.stringify(names));
  for (const part of identity) if (typeof part !== 'string') hasher.update(part);
  const digest = hasher.digest('binary');
  digest[6] = ((digest[6] ?? 0) & 0x0f) | 0x80;
  digest[8] = ((digest[8] ?? 0) & 0x3f) | 0x80;
  return stringifyUuid(digest);
}
