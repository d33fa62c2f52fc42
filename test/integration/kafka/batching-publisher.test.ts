/**
 * The batching publisher against the broker under test; for the unhappy
 * paths, against a real Kafka of this file's own behind a proxy that delays
 * its answers (skipped when the tests run on the mock broker), and against a
 * mock broker of this file's own for errors on produce, which a real Kafka
 * has no command for (whichever broker the other tests use).
 */
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestBroker } from '../../../src/broker/test-broker.ts';
import { PublishError, PublishTimeoutError, ShuttingDownError } from '../../../src/errors.ts';
import { BatchingPublisher } from '../../../src/kafka/batching-publisher.ts';
import { createProducer } from '../../../src/kafka/client.ts';
import { createMetrics } from '../../../src/metrics/catalog.ts';
import { countRecords } from '../../support/ingress.ts';
import {
  cleanupsAfterEach,
  isRealKafka,
  startPrivateBroker,
  testKafka,
  uniqueName,
  waitFor,
} from '../../support/kafka.ts';
import { privateKafkaBehindProxy } from '../../support/tcp-proxy.ts';

const cleanups = cleanupsAfterEach();

async function setup(
  partitions = 1,
  brokers?: readonly string[],
): Promise<{ producer: Producer; topic: string }> {
  const kafka = testKafka(brokers ? { brokers: [...brokers] } : {});
  const topic = uniqueName('publisher');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
  await admin.disconnect();
  const producer = createProducer(kafka);
  await producer.connect();
  cleanups.push(() => producer.disconnect());
  return { producer, topic };
}

const record = (i: number) => ({
  key: `k${String(i % 7)}`,
  value: Buffer.from(`v${String(i)}`),
  headers: {},
});

describe('BatchingPublisher', () => {
  it('groups concurrent records into few sends and resolves each once stored', async () => {
    const { producer, topic } = await setup(3);
    const metrics = createMetrics({ defaultMetrics: false });
    const publisher = new BatchingPublisher(producer, { lingerMs: 5, metrics });
    await Promise.all(Array.from({ length: 300 }, (_, i) => publisher.publish(topic, record(i))));
    expect(await countRecords(topic)).toBe(300);
    const { values } = await metrics.publishBatchSize.get();
    const sends = values.find((value) => value.metricName === 'wharf_publish_batch_records_count');
    expect(sends?.value).toBeLessThanOrEqual(10);
    expect(publisher.pendingRecords).toBe(0);
  });

  it('splits a burst larger than maxRecords into several sends', async () => {
    const { producer, topic } = await setup();
    const metrics = createMetrics({ defaultMetrics: false });
    const publisher = new BatchingPublisher(producer, { maxRecords: 10, lingerMs: 50, metrics });
    await Promise.all(Array.from({ length: 35 }, (_, i) => publisher.publish(topic, record(i))));
    const { values } = await metrics.publishBatchSize.get();
    const sends = values.find((value) => value.metricName === 'wharf_publish_batch_records_count');
    expect(sends?.value).toBe(4);
    expect(await countRecords(topic)).toBe(35);
  });

  it('refuses new records once closed, after flushing the accepted ones', async () => {
    const { producer, topic } = await setup();
    const publisher = new BatchingPublisher(producer, { lingerMs: 1_000 });
    const accepted = publisher.publish(topic, record(1));
    await publisher.close();
    await expect(accepted).resolves.toBeUndefined();
    await expect(publisher.publish(topic, record(2))).rejects.toBeInstanceOf(ShuttingDownError);
    expect(await countRecords(topic)).toBe(1);
  });
});

describe.skipIf(!isRealKafka())(
  'BatchingPublisher against a slow Kafka (its own, behind a proxy)',
  () => {
    const stack = privateKafkaBehindProxy();

    it('fails with a timeout when the broker answers too slowly', async () => {
      const { producer, topic } = await setup(1, stack.brokers);
      const publisher = new BatchingPublisher(producer, { timeoutMs: 1_000 });
      const delayedBefore = stack.proxy.stats.delayedChunks;
      stack.proxy.setLatency({ toClientMs: 4_000 });
      const started = Date.now();
      await expect(publisher.publish(topic, record(1))).rejects.toBeInstanceOf(PublishTimeoutError);
      // Answered at its deadline, not when the broker's answer came.
      expect(Date.now() - started).toBeLessThan(3_000);
      stack.proxy.setLatency({ toClientMs: 0 });
      await publisher.flush();
      // The answer did come, late: the record is stored, its caller told it was not.
      expect(stack.proxy.stats.delayedChunks).toBeGreaterThan(delayedBefore);
      expect(await countRecords(topic, stack.brokers)).toBe(1);
    });

    it('refuses at once, without queueing, when too much is pending', async () => {
      const { producer, topic } = await setup(1, stack.brokers);
      const publisher = new BatchingPublisher(producer, { timeoutMs: 5_000, maxPendingRecords: 5 });
      stack.proxy.setLatency({ toClientMs: 1_000 });
      const first = Array.from({ length: 5 }, (_, i) => publisher.publish(topic, record(i)));
      const started = Date.now();
      await expect(publisher.publish(topic, record(99))).rejects.toBeInstanceOf(PublishError);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(publisher.pendingRecords).toBe(5);
      await Promise.all(first);
      expect(await countRecords(topic, stack.brokers)).toBe(5);
    });

    it('abort answers queued and in-flight records at once', async () => {
      const { producer, topic } = await setup(1, stack.brokers);
      const publisher = new BatchingPublisher(producer, { timeoutMs: 30_000, lingerMs: 0 });
      stack.proxy.setLatency({ toClientMs: 3_000 });
      const inFlight = publisher.publish(topic, record(1));
      await waitFor('the first batch to leave', () =>
        publisher.inFlightRecords === 1 ? true : undefined,
      );
      const queued = publisher.publish(topic, record(2));
      const started = Date.now();
      publisher.abort(new ShuttingDownError());
      await expect(inFlight).rejects.toBeInstanceOf(ShuttingDownError);
      await expect(queued).rejects.toBeInstanceOf(ShuttingDownError);
      expect(Date.now() - started).toBeLessThan(1_000);
      await expect(publisher.publish(topic, record(3))).rejects.toBeInstanceOf(ShuttingDownError);
    });
  },
);

describe('BatchingPublisher under Kafka errors on produce (a mock broker of its own)', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startPrivateBroker();
  });
  afterAll(() => broker.stop());

  it('records of a batch the broker keeps failing are answered as not stored by their deadline', async () => {
    const { producer, topic } = await setup(1, broker.brokers);
    const publisher = new BatchingPublisher(producer, { timeoutMs: 1_000, lingerMs: 20 });
    const PRODUCE = 0;
    const NOT_LEADER_OR_FOLLOWER = 6; // retriable: the idempotent producer keeps trying
    await broker.control.pushRequestErrors(
      PRODUCE,
      Array.from({ length: 50 }, () => NOT_LEADER_OR_FOLLOWER),
    );
    cleanups.push(() => broker.control.clearRequestErrors(PRODUCE));
    const outcomes = await Promise.allSettled(
      [1, 2, 3].map((i) => publisher.publish(topic, record(i))),
    );
    for (const outcome of outcomes) {
      expect(outcome.status === 'rejected' && outcome.reason).toBeInstanceOf(PublishTimeoutError);
    }
    await broker.control.clearRequestErrors(PRODUCE);
    // The stuck send goes through once the broker accepts again (its callers
    // were already told "not stored", so they send again: a duplicate, not a loss).
    await publisher.flush();
    await publisher.publish(topic, record(4));
    expect(publisher.pendingRecords).toBe(0);
    expect(await countRecords(topic, broker.brokers)).toBeGreaterThanOrEqual(1);
  });

  it('a batch the broker refuses for good fails every record in it with PUBLISH_FAILED', async () => {
    const { producer, topic } = await setup(1, broker.brokers);
    const publisher = new BatchingPublisher(producer, { timeoutMs: 5_000, lingerMs: 20 });
    const PRODUCE = 0;
    const MESSAGE_TOO_LARGE = 10; // not retriable
    await broker.control.pushRequestErrors(PRODUCE, [MESSAGE_TOO_LARGE]);
    cleanups.push(() => broker.control.clearRequestErrors(PRODUCE));
    const outcomes = await Promise.allSettled(
      [1, 2, 3].map((i) => publisher.publish(topic, record(i))),
    );
    for (const outcome of outcomes) {
      expect(outcome.status === 'rejected' && outcome.reason).toBeInstanceOf(PublishError);
    }
    await publisher.publish(topic, record(4));
    expect(await countRecords(topic, broker.brokers)).toBe(1);
  });
});
