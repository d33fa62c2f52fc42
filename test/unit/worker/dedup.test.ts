import { describe, expect, it } from 'vitest';
import { DedupWindow } from '../../../src/worker/dedup.ts';

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
