/**
 * Deduplication that follows the partitions, on the real broker: three
 * `wharf worker` processes share the raw partitions; mid-stream one is
 * SIGKILLed and another added, so partitions move twice while a provider
 * redelivers 10 % of the events it had already sent. A redelivery lands on
 * whichever worker owns its entity's partition then, which must know the
 * event from the partition's changelog. Only a crash may duplicate, and only
 * what was in flight when it happened.
 */
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import type { Config } from '../../../src/config/config.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { testKafka, topicOffsets, waitFor } from '../../support/kafka.ts';
import { metricValue, spawnWharf } from '../../support/processes.ts';
import { OutputCollector, audit, happycolisRawTopic, rawStream } from '../../support/raw-stream.ts';
import type { StreamRecord } from '../../support/raw-stream.ts';
import {
  landRaw,
  startTestRegistry,
  startTestWorker,
  workerEnvironment,
} from '../../support/worker.ts';

const RECORDS = 2_400;
const CHUNK = 100;
/** One event in ten of the first half is sent again in the second. */
const REDELIVER_EVERY = 10;

/** Waits until the worker group has committed every raw record landed so far. */
async function waitForCommitted(admin: Admin, config: Config, what: string): Promise<void> {
  const topic = happycolisRawTopic(config);
  const ends = await topicOffsets(topic);
  await waitFor(
    what,
    async () => {
      const [committed] = await admin.fetchOffsets({
        groupId: config.worker.groupId,
        topics: [topic],
      });
      const done = ends.every(({ partition, high }) => {
        const at = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        return BigInt(high) === 0n || BigInt(at) >= BigInt(high);
      });
      return done ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 200 },
  );
}

describe('workers at scale', () => {
  let registry: EmbeddedRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry();
  });
  afterAll(() => registry.close());

  it('three workers, one SIGKILLed and one added mid-stream, a provider redelivering 10 % across the rebalances: every event once, duplicates only from the crash', async () => {
    const env = workerEnvironment(registry.url, {
      WHARF_TOPIC_PARTITIONS: '6',
      // A killed member holds its partitions until its session expires.
      WHARF_WORKER_SESSION_TIMEOUT_MS: '6000',
    });
    const config = loadConfig(env, 'worker');
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const stream = rawStream(RECORDS);
    const firstHalf = stream.slice(0, RECORDS / 2);
    const redelivered = firstHalf.filter((_, i) => i % REDELIVER_EVERY === 0);
    // The provider's retry: the same body, in a new request.
    const again = (record: StreamRecord): StreamRecord => ({
      ...record,
      headers: { ...record.headers, 'wharf-request-id': `${record.requestId}-again` },
    });
    const workers: Awaited<ReturnType<typeof spawnWharf>>[] = [];
    // The first worker creates the topics.
    workers.push(await spawnWharf('worker', env));
    const collector = await OutputCollector.start(kafka, config);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const land = async (records: readonly StreamRecord[]) => {
      await producer.send({
        topic: happycolisRawTopic(config),
        acks: -1,
        messages: records.map(({ key, value, headers }) => ({ key, value, headers })),
      });
    };
    try {
      for (let i = 1; i < 3; i++) workers.push(await spawnWharf('worker', env));
      for (let start = 0; start < firstHalf.length; start += CHUNK)
        await land(firstHalf.slice(start, start + CHUNK));
      await waitForCommitted(admin, config, 'the first half committed');

      // The second half, with the redeliveries spread through it; a worker
      // killed after a third of it, another added after two thirds.
      const secondHalf = stream.slice(RECORDS / 2);
      const chunks: (readonly StreamRecord[])[] = [];
      for (let start = 0; start < secondHalf.length; start += CHUNK) {
        const at = start / CHUNK;
        chunks.push([
          ...secondHalf.slice(start, start + CHUNK),
          ...redelivered.filter((_, i) => i % (secondHalf.length / CHUNK) === at).map(again),
        ]);
      }
      for (const [i, chunk] of chunks.entries()) {
        await land(chunk);
        if (i === Math.floor(chunks.length / 3)) await workers[1]?.stop('SIGKILL');
        if (i === Math.floor((2 * chunks.length) / 3))
          workers.push(await spawnWharf('worker', env));
      }

      await waitFor(
        `all ${String(RECORDS)} records processed`,
        () => (collector.arrived(stream) === RECORDS ? true : undefined),
        { timeoutMs: 180_000, intervalMs: 100 },
      );
      await waitForCommitted(admin, config, 'the second half and the redeliveries committed');
      const { problems, duplicates } = audit(stream, collector);
      const twice = redelivered.filter((record) => collector.seen(record).eventIds.length !== 1);
      const alive = workers.filter((_, i) => i !== 1);
      const deduplicated = (
        await Promise.all(
          alive.map((worker) =>
            metricValue(
              `${worker.metricsUrl ?? ''}/metrics`,
              'wharf_worker_deduplicated_records_total',
              'source="happycolis"',
            ),
          ),
        )
      ).reduce((sum: number, value) => sum + (value ?? 0), 0);
      console.info(
        `workers at scale: ${String(RECORDS)} raw records and ${String(redelivered.length)} redeliveries over 3 workers, one SIGKILLed and one added: ` +
          `${String(collector.total)} output records, ${String(duplicates)} duplicates from the crash, ` +
          `${String(deduplicated)} redeliveries recognised by the surviving workers`,
      );
      expect(problems.slice(0, 20)).toEqual([]);
      // A redelivery, sent after its event was committed, is never a second event.
      expect(twice.map((record) => record.requestId)).toEqual([]);
      // Only the killed worker's batch in flight may come out twice.
      expect(duplicates).toBeLessThanOrEqual(config.worker.batch.maxRecords);
      // The redeliveries the killed worker saw are not counted here.
      expect(deduplicated).toBeGreaterThan(0);
    } finally {
      await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
      await producer.disconnect();
      await collector.stop();
      await admin.disconnect();
    }
  }, 300_000);

  it('keeps its memory within the bound a stream exceeds, forgetting the oldest first and counting it', async () => {
    const env = workerEnvironment(registry.url, {
      WHARF_TOPIC_PARTITIONS: '2',
      WHARF_DEDUP_MAX_ENTRIES: '50',
      WHARF_DEDUP_PARTITION_MAX_ENTRIES: '40',
    });
    const worker = await startTestWorker(env);
    try {
      const records = rawStream(300);
      const processed = async (count: number) =>
        waitFor(
          `${String(count)} records processed`,
          async () => {
            const { values } = await worker.metrics.workerRecords.get();
            const sum = values.reduce((total, value) => total + value.value, 0);
            return sum === count ? values : undefined;
          },
          { timeoutMs: 60_000 },
        );
      await landRaw(
        worker.config,
        'happycolis',
        records.map((record) => record.value),
      );
      await processed(records.length);
      const entries = (await worker.metrics.workerMemoryEntries.get()).values[0]?.value ?? 0;
      const forgotten = (await worker.metrics.workerMemoryForgotten.get()).values;
      const count = (bound: string) =>
        forgotten.find((value) => value.labels.bound === bound)?.value ?? 0;
      expect(entries).toBeLessThanOrEqual(50);
      expect(entries).toBeGreaterThan(0);
      // Each event leaves its id (and, by its kind, a latest content or a delivery id):
      // what is not held now was forgotten, and counted.
      expect(count('partition_entries') + count('total_entries')).toBeGreaterThanOrEqual(
        records.length - entries,
      );

      // The oldest was forgotten first: a redelivery of the newest is recognised, of the oldest not.
      const [oldest] = records;
      const newest = records.at(-1);
      if (!oldest || !newest) throw new Error('unreachable');
      await landRaw(worker.config, 'happycolis', [oldest.value, newest.value]);
      const outcomes = await processed(records.length + 2);
      const outcome = (name: string) =>
        outcomes
          .filter((value) => value.labels.outcome === name)
          .reduce((sum, value) => sum + value.value, 0);
      expect([outcome('routed'), outcome('deduplicated')]).toEqual([records.length + 1, 1]);
    } finally {
      await worker.shutdown();
    }
  });

  it('exactly-once in this process: every event in a committed transaction, once', async () => {
    const env = workerEnvironment(registry.url, {
      WHARF_TOPIC_PARTITIONS: '2',
      WHARF_WORKER_DELIVERY: 'exactly-once',
    });
    const worker = await startTestWorker(env);
    const collector = await OutputCollector.start(testKafka(), worker.config);
    try {
      const records = rawStream(200);
      await landRaw(
        worker.config,
        'happycolis',
        records.map((record) => record.value),
      );
      await waitFor(
        'every event read by a read_committed consumer',
        () => (collector.arrived(records) === records.length ? true : undefined),
        { timeoutMs: 60_000 },
      );
      const { problems, duplicates } = audit(records, collector);
      expect([problems, duplicates]).toEqual([[], 0]);
      const entries = (await worker.metrics.workerMemoryEntries.get()).values[0]?.value ?? 0;
      expect(entries).toBeGreaterThan(0);
    } finally {
      await collector.stop();
      await worker.shutdown();
    }
  });
});
