import { describe, expect, it } from 'vitest';
import { DedupWindow, LatestContent } from '../../../src/worker/dedup.ts';

const HOUR = 3_600_000;

describe('DedupWindow', () => {
  it('knows an id within the window and forgets it after', () => {
    const window = new DedupWindow(24 * HOUR, 100);
    window.remember('a', 0);
    expect(window.has('a', 23 * HOUR)).toBe(true);
    expect(window.has('a', 24 * HOUR)).toBe(false);
    expect(window.has('b', 1)).toBe(false);
  });

  it('forgets the oldest ids first past its size', () => {
    const window = new DedupWindow(24 * HOUR, 2);
    window.remember('a', 1);
    window.remember('b', 2);
    window.remember('c', 3);
    expect([window.has('a', 4), window.has('b', 4), window.has('c', 4)]).toEqual([
      false,
      true,
      true,
    ]);
    expect(window.size).toBe(2);
  });

  it('drops expired ids as time goes on', () => {
    const window = new DedupWindow(10, 100);
    window.remember('a', 0);
    window.remember('b', 5);
    window.remember('c', 12);
    expect(window.size).toBe(2);
    expect(window.has('b', 12)).toBe(true);
  });

  it('a seen-again id starts its window anew', () => {
    const window = new DedupWindow(10, 100);
    window.remember('a', 0);
    window.remember('a', 8);
    expect(window.has('a', 15)).toBe(true);
  });

  it('a zero window deduplicates nothing', () => {
    const window = new DedupWindow(0, 100);
    window.remember('a', 0);
    expect(window.has('a', 0)).toBe(false);
  });
});

describe('LatestContent', () => {
  it("tells a repeat of an entity's latest content, not an older state come back", () => {
    const latest = new LatestContent(1_000, 10);
    latest.remember('order/1', 'A', 0);
    expect(latest.isLatest('order/1', 'A', 10)).toBe(true);
    latest.remember('order/1', 'B', 20);
    // A→B→A: A is an older state, so a new event.
    expect(latest.isLatest('order/1', 'A', 30)).toBe(false);
    expect(latest.isLatest('order/1', 'B', 30)).toBe(true);
    expect(latest.isLatest('order/2', 'B', 30)).toBe(false);
  });

  it('forgets past the window and beyond its size, oldest first', () => {
    const latest = new LatestContent(1_000, 2);
    latest.remember('order/1', 'A', 0);
    expect(latest.isLatest('order/1', 'A', 1_000)).toBe(false);
    latest.remember('order/2', 'A', 10);
    latest.remember('order/3', 'A', 20);
    expect(latest.size).toBe(2);
    expect(latest.isLatest('order/1', 'A', 30)).toBe(false);
    expect(latest.isLatest('order/3', 'A', 30)).toBe(true);
  });

  it('remembers nothing when the window is 0', () => {
    const latest = new LatestContent(0, 10);
    latest.remember('order/1', 'A', 0);
    expect(latest.size).toBe(0);
  });
});
