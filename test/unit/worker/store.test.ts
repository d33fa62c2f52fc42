import { describe, expect, it } from 'vitest';
import { byTopic, chunks } from '../../../src/worker/store.ts';

const record = (topic: string, bytes: number) => ({
  topic,
  message: { key: 'k', value: Buffer.alloc(bytes) },
});

describe('sending a round', () => {
  it('cuts records into sends that stay under a record batch Kafka accepts, in order', () => {
    const records = Array.from({ length: 10 }, (_, i) => record(`t${String(i % 2)}`, 200 * 1024));
    const runs = chunks(records);
    expect(runs.map((run) => run.length)).toEqual([4, 4, 2]);
    expect(runs.flat()).toEqual(records);
  });

  it('sends a record larger than a send alone, not never', () => {
    const runs = chunks([record('t', 10), record('t', 2 * 1024 * 1024), record('t', 10)]);
    expect(runs.map((run) => run.length)).toEqual([1, 1, 1]);
    expect(chunks([])).toEqual([]);
  });

  it('groups a send by topic, keeping each topic in order', () => {
    const [a, b, c] = [record('x', 1), record('y', 2), record('x', 3)];
    expect(byTopic([a, b, c])).toEqual([
      { topic: 'x', messages: [a.message, c.message] },
      { topic: 'y', messages: [b.message] },
    ]);
  });
});
