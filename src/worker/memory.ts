/**
 * What the worker remembers, kept per raw partition: a provider's redelivery
 * of an event shares its raw partition (raw records are keyed by entity), so
 * the partition's owner alone needs to know the event was seen.
 *
 * Each raw partition holds three time-ordered maps: canonical event ids
 * (deduplication window), each entity's latest content (events known only by
 * their content, same window) and signed delivery ids (replay window). The
 * memory is bounded per partition and in total, in entries and in bytes (an
 * estimate of the strings and map entries held); past a bound the oldest
 * entry, whichever partition holds it, is forgotten first, and counted.
 */

/** The size of an entry beyond its strings: the map's slot, the record, the number. */
const ENTRY_OVERHEAD_BYTES = 96;

/** The bounds that can make the memory forget an entry before its window ended. */
export const MEMORY_BOUNDS = [
  'partition_entries',
  'partition_bytes',
  'total_entries',
  'total_bytes',
] as const;

/** Which bound made the memory forget an entry before its window ended. */
export type MemoryBound = (typeof MEMORY_BOUNDS)[number];

/** The bounds of {@link WorkerMemory}. */
export interface MemoryBounds {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly partitionMaxEntries: number;
  readonly partitionMaxBytes: number;
}

/** How long each kind is remembered (0 turns it off). */
export interface MemoryWindows {
  /** Event ids and latest contents. */
  readonly dedupMs: number;
  /** Signed delivery ids. */
  readonly replayMs: number;
}

interface Entry {
  readonly at: number;
  /** The partition's insertion sequence: entries remembered together leave together. */
  readonly seq: number;
  readonly value: string;
  readonly bytes: number;
}

/** Keys remembered for a window, in the order they were (last) seen: oldest first. */
class TimedKeys {
  readonly windowMs: number;
  readonly #entries = new Map<string, Entry>();
  readonly #sequence: () => number;
  #bytes = 0;

  constructor(windowMs: number, sequence: () => number) {
    this.windowMs = windowMs;
    this.#sequence = sequence;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The value of `key` when it was seen within the window before `now`. */
  get(key: string, now: number): string | undefined {
    const entry = this.#entries.get(key);
    return entry !== undefined && now - entry.at < this.windowMs ? entry.value : undefined;
  }

  /** Remembers `key` (seen again: its window starts anew), dropping what the window passed. */
  set(key: string, value: string, at: number): void {
    if (this.windowMs === 0) return;
    this.delete(key);
    const bytes = ENTRY_OVERHEAD_BYTES + 2 * (key.length + value.length);
    this.#entries.set(key, { at, seq: this.#sequence(), value, bytes });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (at - entry.at < this.windowMs) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  /** When the oldest key was seen (Infinity when empty). */
  oldestAt(): number {
    for (const entry of this.#entries.values()) return entry.at;
    return Infinity;
  }

  /** The insertion sequence of the oldest key (Infinity when empty). */
  oldestSeq(): number {
    for (const entry of this.#entries.values()) return entry.seq;
    return Infinity;
  }

  dropOldest(): void {
    for (const key of this.#entries.keys()) {
      this.delete(key);
      return;
    }
  }
}

/** What one raw partition remembers. */
export class PartitionMemory {
  readonly events: TimedKeys;
  readonly latest: TimedKeys;
  readonly deliveries: TimedKeys;
  #sequence = 0;
  /** The raw offset this partition was processed up to (its next offset), when known. */
  #position: bigint | undefined;

  constructor(windows: MemoryWindows) {
    const sequence = () => this.#sequence++;
    this.events = new TimedKeys(windows.dedupMs, sequence);
    this.latest = new TimedKeys(windows.dedupMs, sequence);
    this.deliveries = new TimedKeys(windows.replayMs, sequence);
  }

  get entries(): number {
    return this.events.size + this.latest.size + this.deliveries.size;
  }

  /** Records that the raw partition was processed up to `next` (exclusive). */
  advance(next: bigint): void {
    if (this.#position === undefined || next > this.#position) this.#position = next;
  }

  /** Whether the raw record at `offset` was processed and stored already. */
  processed(offset: string): boolean {
    return this.#position !== undefined && BigInt(offset) < this.#position;
  }

  get bytes(): number {
    return this.events.bytes + this.latest.bytes + this.deliveries.bytes;
  }

  /** Whether the canonical event `id` was produced within the window. */
  hasEvent(id: string, now: number): boolean {
    return this.events.get(id, now) !== undefined;
  }

  /** Whether `contentKey` is `subject`'s latest content, seen within the window. */
  isLatest(subject: string, contentKey: string, now: number): boolean {
    return this.latest.get(subject, now) === contentKey;
  }

  /** Whether the signed delivery `key` was seen within the replay window. */
  hasDelivery(key: string, now: number): boolean {
    return this.deliveries.get(key, now) !== undefined;
  }

  /** When its oldest entry was seen (Infinity when empty). */
  oldestAt(): number {
    return Math.min(this.events.oldestAt(), this.latest.oldestAt(), this.deliveries.oldestAt());
  }

  /** Forgets the entry it was given first of those it holds. */
  dropOldest(): void {
    const kinds = [this.events, this.latest, this.deliveries];
    const first = Math.min(...kinds.map((kind) => kind.oldestSeq()));
    kinds.find((kind) => kind.oldestSeq() === first)?.dropOldest();
  }
}

/** A raw partition's name in the memory. */
export function partitionName(topic: string, partition: number): string {
  return `${topic}/${String(partition)}`;
}

/** Every assigned raw partition's memory, within the bounds. */
export class WorkerMemory {
  readonly windows: MemoryWindows;
  readonly #bounds: MemoryBounds;
  readonly #forgotten: (bound: MemoryBound) => void;
  readonly #partitions = new Map<string, PartitionMemory>();

  /** @param forgotten - called for each entry a bound made it forget. */
  constructor(
    windows: MemoryWindows,
    bounds: MemoryBounds,
    forgotten: (bound: MemoryBound) => void = () => undefined,
  ) {
    this.windows = windows;
    this.#bounds = bounds;
    this.#forgotten = forgotten;
  }

  /** The memory of a raw partition, undefined when it is not held here. */
  partition(topic: string, partition: number): PartitionMemory | undefined {
    return this.#partitions.get(partitionName(topic, partition));
  }

  /** Starts an empty memory for a raw partition (replacing any it had). */
  open(topic: string, partition: number): PartitionMemory {
    const memory = new PartitionMemory(this.windows);
    this.#partitions.set(partitionName(topic, partition), memory);
    return memory;
  }

  /** Forgets a raw partition that is no longer assigned here. */
  close(name: string): void {
    this.#partitions.delete(name);
  }

  /** The names of the raw partitions held. */
  names(): string[] {
    return [...this.#partitions.keys()];
  }

  get entries(): number {
    let entries = 0;
    for (const memory of this.#partitions.values()) entries += memory.entries;
    return entries;
  }

  get bytes(): number {
    let bytes = 0;
    for (const memory of this.#partitions.values()) bytes += memory.bytes;
    return bytes;
  }

  /** Brings a partition, then the whole, back within the bounds, oldest entries first. */
  enforceBounds(memory: PartitionMemory): void {
    const bounds = this.#bounds;
    while (memory.entries > bounds.partitionMaxEntries) this.#drop(memory, 'partition_entries');
    while (memory.bytes > bounds.partitionMaxBytes) this.#drop(memory, 'partition_bytes');
    let entries = this.entries;
    let bytes = this.bytes;
    while (entries > bounds.maxEntries || bytes > bounds.maxBytes) {
      const oldest = this.#oldestPartition();
      if (oldest === undefined) return;
      const before = oldest.bytes;
      this.#drop(oldest, entries > bounds.maxEntries ? 'total_entries' : 'total_bytes');
      entries--;
      bytes -= before - oldest.bytes;
    }
  }

  #drop(memory: PartitionMemory, bound: MemoryBound): void {
    memory.dropOldest();
    this.#forgotten(bound);
  }

  #oldestPartition(): PartitionMemory | undefined {
    let oldest: PartitionMemory | undefined;
    for (const memory of this.#partitions.values()) {
      if (memory.entries > 0 && (!oldest || memory.oldestAt() < oldest.oldestAt())) oldest = memory;
    }
    return oldest;
  }
}
