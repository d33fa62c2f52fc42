import { describe, expect, it } from 'vitest';
import { PartitionMemory, WorkerMemory } from '../../../src/worker/memory.ts';
import type { MemoryBound, MemoryBounds } from '../../../src/worker/memory.ts';

const HOUR = 3_600_000;
const windows = { dedupMs: 24 * HOUR, replayMs: 30 * 24 * HOUR };
const roomy: MemoryBounds = {
  maxEntries: 1_000,
  maxBytes: 1_000_000,
  partitionMaxEntries: 1_000,
  partitionMaxBytes: 1_000_000,
};

describe('PartitionMemory', () => {
  it('knows an event id within the window and forgets it after', () => {
    const memory = new PartitionMemory(windows);
    memory.events.set('a', '', 0);
    expect(memory.hasEvent('a', 23 * HOUR)).toBe(true);
    expect(memory.hasEvent('a', 24 * HOUR)).toBe(false);
    expect(memory.hasEvent('b', 1)).toBe(false);
  });

  it('keeps delivery ids for the replay window, longer than event ids', () => {
    const memory = new PartitionMemory(windows);
    memory.deliveries.set('d', '', 0);
    expect(memory.hasDelivery('d', 29 * 24 * HOUR)).toBe(true);
    expect(memory.hasDelivery('d', 30 * 24 * HOUR)).toBe(false);
  });

  it("knows an entity's latest content only: an older state coming back is new (A→B→A)", () => {
    const memory = new PartitionMemory(windows);
    memory.latest.set('order-1', 'A', 0);
    memory.latest.set('order-1', 'B', 1);
    expect(memory.isLatest('order-1', 'B', 2)).toBe(true);
    expect(memory.isLatest('order-1', 'A', 2)).toBe(false);
  });

  it('drops what the window passed as time goes on, and a seen-again id starts anew', () => {
    const memory = new PartitionMemory({ dedupMs: 10, replayMs: 0 });
    memory.events.set('a', '', 0);
    memory.events.set('b', '', 5);
    memory.events.set('b', '', 8);
    memory.events.set('c', '', 12);
    expect(memory.events.size).toBe(2);
    expect(memory.hasEvent('b', 17)).toBe(true);
  });

  it('knows how far its raw partition was processed, never going back', () => {
    const memory = new PartitionMemory(windows);
    expect(memory.processed('0')).toBe(false);
    memory.advance(10n);
    memory.advance(4n);
    expect([memory.processed('9'), memory.processed('10')]).toEqual([true, false]);
  });

  it('a zero window remembers nothing', () => {
    const memory = new PartitionMemory({ dedupMs: 0, replayMs: 0 });
    memory.events.set('a', '', 0);
    memory.deliveries.set('d', '', 0);
    expect([memory.entries, memory.bytes]).toEqual([0, 0]);
  });

  it('counts the bytes of its strings and entries, and gives them back when it forgets', () => {
    const memory = new PartitionMemory(windows);
    memory.events.set('abcd', '', 0);
    const one = memory.bytes;
    expect(one).toBeGreaterThan(8);
    memory.latest.set('order-1', 'content', 1);
    expect(memory.bytes).toBeGreaterThan(one + 2 * 'order-1content'.length);
    memory.dropOldest();
    memory.dropOldest();
    expect([memory.entries, memory.bytes]).toEqual([0, 0]);
  });
});

describe('WorkerMemory', () => {
  const forgetting = (bounds: Partial<MemoryBounds>) => {
    const forgotten: MemoryBound[] = [];
    const memory = new WorkerMemory(windows, { ...roomy, ...bounds }, (bound) => {
      forgotten.push(bound);
    });
    return { memory, forgotten };
  };

  it('holds a partition between open and close only', () => {
    const { memory } = forgetting({});
    memory.open('raw', 0).events.set('a', '', 0);
    expect(memory.partition('raw', 0)?.hasEvent('a', 1)).toBe(true);
    expect(memory.names()).toEqual(['raw/0']);
    memory.close('raw/0');
    expect(memory.partition('raw', 0)).toBeUndefined();
    expect(memory.entries).toBe(0);
  });

  it('keeps a partition within its entries, oldest first, and counts what it forgot', () => {
    const { memory, forgotten } = forgetting({ partitionMaxEntries: 2 });
    const partition = memory.open('raw', 0);
    partition.events.set('a', '', 1);
    partition.deliveries.set('d', '', 2);
    partition.events.set('c', '', 3);
    memory.enforceBounds(partition);
    expect([
      partition.hasEvent('a', 4),
      partition.hasDelivery('d', 4),
      partition.hasEvent('c', 4),
    ]).toEqual([false, true, true]);
    expect(forgotten).toEqual(['partition_entries']);
  });

  it('keeps a partition within its bytes', () => {
    const { memory, forgotten } = forgetting({ partitionMaxBytes: 300 });
    const partition = memory.open('raw', 0);
    for (let i = 0; i < 10; i++) partition.events.set(`event-${String(i)}`, '', i);
    memory.enforceBounds(partition);
    expect(partition.bytes).toBeLessThanOrEqual(300);
    expect(partition.hasEvent('event-9', 10)).toBe(true);
    expect(partition.hasEvent('event-0', 10)).toBe(false);
    expect(forgotten.every((bound) => bound === 'partition_bytes')).toBe(true);
  });

  it('keeps the whole within its bounds by forgetting the oldest entry of any partition', () => {
    const { memory, forgotten } = forgetting({ maxEntries: 3 });
    const zero = memory.open('raw', 0);
    const one = memory.open('raw', 1);
    zero.events.set('old', '', 1);
    one.events.set('older', '', 0);
    zero.events.set('new', '', 5);
    one.events.set('newer', '', 6);
    memory.enforceBounds(one);
    expect(memory.entries).toBe(3);
    expect(one.hasEvent('older', 7)).toBe(false);
    expect(zero.hasEvent('old', 7)).toBe(true);
    expect(forgotten).toEqual(['total_entries']);
  });

  it('keeps the whole within its bytes', () => {
    const { memory, forgotten } = forgetting({ maxBytes: 500 });
    const zero = memory.open('raw', 0);
    for (let i = 0; i < 20; i++) zero.events.set(`event-${String(i)}`, '', i);
    memory.enforceBounds(zero);
    expect(memory.bytes).toBeLessThanOrEqual(500);
    expect(forgotten.length).toBeGreaterThan(0);
    expect(forgotten.every((bound) => bound === 'total_bytes')).toBe(true);
  });
});
