import { describe, expect, it } from 'vitest';
import { Accumulator } from '../../../src/worker/accumulator.ts';

/** A promise settled from outside. */
function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

const roomy = { maxRecords: 1_000, maxBytes: 1_000_000, lingerMs: 60_000 };

describe('Accumulator', () => {
  it('stores the batches in hand together once every one of them has planned', async () => {
    const stored: string[][] = [];
    const accumulator = new Accumulator<string>((items) => {
      stored.push(items);
      return Promise.resolve();
    }, roomy);
    const slow = deferred<undefined>();
    const first = accumulator.handle(() => Promise.resolve({ item: 'a', records: 1, bytes: 1 }));
    const second = accumulator.handle(async () => {
      await slow.promise;
      return { item: 'b', records: 1, bytes: 1 };
    });
    expect(stored).toEqual([]);
    slow.resolve(undefined);
    await Promise.all([first, second]);
    expect(stored).toEqual([['a', 'b']]);
  });

  it('stores a gathering that reaches its records bound without waiting for the others', async () => {
    const stored: string[][] = [];
    const accumulator = new Accumulator<string>(
      (items) => {
        stored.push(items);
        return Promise.resolve();
      },
      { ...roomy, maxRecords: 3 },
    );
    const never = deferred<{ item: string; records: number; bytes: number }>();
    void accumulator.handle(() => never.promise);
    await accumulator.handle(() => Promise.resolve({ item: 'big', records: 3, bytes: 1 }));
    expect(stored).toEqual([['big']]);
  });

  it('stores a gathering past its bytes bound, or after the linger time', async () => {
    const stored: string[][] = [];
    const store = (items: string[]) => {
      stored.push(items);
      return Promise.resolve();
    };
    const never = deferred<{ item: string; records: number; bytes: number }>();
    const bytes = new Accumulator<string>(store, { ...roomy, maxBytes: 10 });
    void bytes.handle(() => never.promise);
    await bytes.handle(() => Promise.resolve({ item: 'wide', records: 1, bytes: 10 }));
    const linger = new Accumulator<string>(store, { ...roomy, lingerMs: 1 });
    void linger.handle(() => never.promise);
    await linger.handle(() => Promise.resolve({ item: 'late', records: 1, bytes: 1 }));
    expect(stored).toEqual([['wide'], ['late']]);
  });

  it('rejects every batch of a gathering whose store failed, and the next gathering starts clean', async () => {
    let fail = true;
    const stored: string[][] = [];
    const accumulator = new Accumulator<string>((items) => {
      if (fail) return Promise.reject(new Error('Kafka said no'));
      stored.push(items);
      return Promise.resolve();
    }, roomy);
    const gate = deferred<undefined>();
    const one = accumulator.handle(async () => {
      await gate.promise;
      return { item: 'a', records: 1, bytes: 1 };
    });
    const two = accumulator.handle(async () => {
      await gate.promise;
      return { item: 'b', records: 1, bytes: 1 };
    });
    gate.resolve(undefined);
    await expect(one).rejects.toThrow('Kafka said no');
    await expect(two).rejects.toThrow('Kafka said no');
    fail = false;
    await accumulator.handle(() => Promise.resolve({ item: 'c', records: 1, bytes: 1 }));
    expect(stored).toEqual([['c']]);
  });

  it('a batch that fails in planning does not hold the others back', async () => {
    const stored: string[][] = [];
    const accumulator = new Accumulator<string>((items) => {
      stored.push(items);
      return Promise.resolve();
    }, roomy);
    const gate = deferred<undefined>();
    const failing = accumulator.handle(async () => {
      await gate.promise;
      throw new Error('plan failed');
    });
    const fine = accumulator.handle(() => Promise.resolve({ item: 'ok', records: 1, bytes: 1 }));
    gate.resolve(undefined);
    await expect(failing).rejects.toThrow('plan failed');
    await fine;
    expect(stored).toEqual([['ok']]);
  });
});
