/**
 * The deduplication window: a provider's redelivery of an event it already
 * sent (same canonical event id, which is derived from the provider's event
 * identity) within the window produces no second canonical event.
 *
 * The window lives in memory and is kept across restarts in a compacted
 * Kafka topic: the worker writes one record per routed event (key = event
 * id, value = when it was seen) in the same send as the event itself, and a
 * starting worker reads that topic back into the window before consuming.
 */

/** Remembers event ids for a time, oldest forgotten first. */
export class DedupWindow {
  readonly #windowMs: number;
  readonly #maxEntries: number;
  /** id → when it was seen (ms). Map order is insertion order: oldest first. */
  readonly #seen = new Map<string, number>();

  /**
   * @param windowMs - how long an id is remembered (0 turns deduplication off).
   * @param maxEntries - most ids remembered; the oldest go first past it.
   */
  constructor(windowMs: number, maxEntries: number) {
    this.#windowMs = windowMs;
    this.#maxEntries = maxEntries;
  }

  /** Ids remembered now. */
  get size(): number {
    return this.#seen.size;
  }

  /** How long an id is remembered (0: deduplication is off). */
  get windowMs(): number {
    return this.#windowMs;
  }

  /** Whether `id` was seen within the window before `now` (ms since epoch). */
  has(id: string, now: number): boolean {
    const at = this.#seen.get(id);
    return at !== undefined && now - at < this.#windowMs;
  }

  /** Remembers that `id` was seen at `at` (ms since epoch). */
  remember(id: string, at: number): void {
    if (this.#windowMs === 0) return;
    // Re-inserting moves the id to the young end, keeping the map in time order.
    this.#seen.delete(id);
    this.#seen.set(id, at);
    this.#evict(at);
  }

  #evict(now: number): void {
    for (const [id, at] of this.#seen) {
      if (this.#seen.size <= this.#maxEntries && now - at < this.#windowMs) break;
      this.#seen.delete(id);
    }
  }
}

/**
 * Remembers each entity's latest content for a time: an event known only by
 * its content (no provider event id) is a redelivery when it repeats its
 * entity's latest content within the window, and a new event otherwise, even
 * if an older state comes back (A→B→A).
 */
export class LatestContent {
  readonly #windowMs: number;
  readonly #maxEntries: number;
  /** subject → its latest content key and when it was seen. Oldest first. */
  readonly #latest = new Map<string, { readonly key: string; readonly at: number }>();

  /**
   * @param windowMs - how long a content stays recognisable (the provider's retry horizon).
   * @param maxEntries - most entities remembered; the oldest go first past it.
   */
  constructor(windowMs: number, maxEntries: number) {
    this.#windowMs = windowMs;
    this.#maxEntries = maxEntries;
  }

  /** Entities remembered now. */
  get size(): number {
    return this.#latest.size;
  }

  /** Whether `key` is the latest content of `subject`, seen within the window before `now`. */
  isLatest(subject: string, key: string, now: number): boolean {
    const latest = this.#latest.get(subject);
    return latest?.key === key && now - latest.at < this.#windowMs;
  }

  /** Remembers `key` as the latest content of `subject`, seen at `at`. */
  remember(subject: string, key: string, at: number): void {
    if (this.#windowMs === 0) return;
    this.#latest.delete(subject);
    this.#latest.set(subject, { key, at });
    for (const [oldest, { at: seen }] of this.#latest) {
      if (this.#latest.size <= this.#maxEntries && at - seen < this.#windowMs) break;
      this.#latest.delete(oldest);
    }
  }
}
