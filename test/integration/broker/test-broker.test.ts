/**
 * The broker under test (Apache Kafka, or the mock) through kafkajs, the
 * client Wharf uses: the behaviour the rest of the suite relies on. The
 * fault commands are the mock's own, tested on a mock of this file's own.
 */
import type { EachMessagePayload, KafkaConfig } from 'kafkajs';
import type { TestBroker } from '../../../src/broker/test-broker.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_CONSUMER,
  cleanupsAfterEach,
  startPrivateBroker,
  testKafka,
  uniqueName,
  waitFor,
} from '../../support/kafka.ts';

const cleanups = cleanupsAfterEach();

async function connectedAdmin() {
  const admin = testKafka().admin();
  await admin.connect();
  cleanups.push(() => admin.disconnect());
  return admin;
}

describe('admin', () => {
  it('creates, lists and deletes topics', async () => {
    const admin = await connectedAdmin();
    const topic = uniqueName('admin-topic');

    await expect(admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })).resolves.toBe(true);
    expect(await admin.listTopics()).toContain(topic);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);

    // Creating it again is not an error for kafkajs: it answers false.
    await expect(admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })).resolves.toBe(
      false,
    );

    await admin.deleteTopics({ topics: [topic] });
    expect(await admin.listTopics()).not.toContain(topic);
  });

  it('rejects a replication factor the cluster cannot hold', async () => {
    const admin = await connectedAdmin();
    const failure: unknown = await admin
      .createTopics({
        topics: [{ topic: uniqueName('too-replicated'), numPartitions: 1, replicationFactor: 5 }],
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toMatchObject({ errors: [{ type: 'INVALID_REPLICATION_FACTOR' }] });
  });

  it('lists and describes consumer groups', async () => {
    const admin = await connectedAdmin();
    const topic = uniqueName('groups-topic');
    const groupId = uniqueName('groups-group');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });

    const consumer = testKafka().consumer({ ...TEST_CONSUMER, groupId });
    cleanups.push(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    await consumer.run({ eachMessage: () => Promise.resolve() });
    await waitFor('the consumer to join its group', () => (joined ? true : undefined));

    const { groups } = await admin.listGroups();
    expect(groups).toContainEqual({ groupId, protocolType: 'consumer' });
    const described = await admin.describeGroups([groupId]);
    expect(described.groups[0]).toMatchObject({
      groupId,
      state: 'Stable',
      protocolType: 'consumer',
    });
    expect(described.groups[0]?.members).toHaveLength(1);
  });
});

describe('producing and consuming', () => {
  it('an idempotent producer writes each record once, in order', async () => {
    const admin = await connectedAdmin();
    const topic = uniqueName('idempotent');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });

    const kafka = testKafka();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    for (let batch = 0; batch < 5; batch++) {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 20 }, (_, i) => ({
          key: 'order-1',
          value: String(batch * 20 + i),
        })),
      });
    }

    const seen: string[] = [];
    const consumer = kafka.consumer({ ...TEST_CONSUMER, groupId: uniqueName('idempotent-reader') });
    await consumer.connect();
    cleanups.push(() => consumer.disconnect());
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        seen.push(message.value?.toString() ?? '');
        return Promise.resolve();
      },
    });
    await waitFor('100 records', () => (seen.length >= 100 ? true : undefined));
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets[0]?.high).toBe('100');
  });

  it('a new group member continues from the committed offset within 2 s', async () => {
    const admin = await connectedAdmin();
    const topic = uniqueName('rejoin');
    const groupId = uniqueName('rejoin-group');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const kafka = testKafka();
    const producer = kafka.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const sendRange = (from: number, to: number) =>
      producer.send({
        topic,
        messages: Array.from({ length: to - from }, (_, i) => ({ value: String(from + i) })),
      });

    await sendRange(0, 10);
    const first: string[] = [];
    const firstMember = kafka.consumer({ ...TEST_CONSUMER, groupId });
    await firstMember.connect();
    await firstMember.subscribe({ topic, fromBeginning: true });
    await firstMember.run({
      autoCommit: false,
      eachMessage: async ({ topic: t, partition, message }: EachMessagePayload) => {
        first.push(message.value?.toString() ?? '');
        await firstMember.commitOffsets([
          { topic: t, partition, offset: String(Number(message.offset) + 1) },
        ]);
      },
    });
    await waitFor('the first member to read 10 records', () =>
      first.length >= 10 ? true : undefined,
    );
    await firstMember.disconnect();
    expect(await admin.fetchOffsets({ groupId, topics: [topic] })).toEqual([
      { topic, partitions: [expect.objectContaining({ partition: 0, offset: '10' })] },
    ]);

    await sendRange(10, 15);
    const second: string[] = [];
    const rejoinDeadline = Date.now() + 2_000;
    const secondMember = kafka.consumer({ ...TEST_CONSUMER, groupId });
    cleanups.push(() => secondMember.disconnect());
    await secondMember.connect();
    await secondMember.subscribe({ topic, fromBeginning: true });
    await secondMember.run({
      eachMessage: ({ message }) => {
        second.push(message.value?.toString() ?? '');
        return Promise.resolve();
      },
    });
    await waitFor(
      'the new member to get the records after the commit',
      () => (second.length >= 5 ? true : undefined),
      { timeoutMs: Math.max(0, rejoinDeadline - Date.now()) },
    );
    expect(second).toEqual(['10', '11', '12', '13', '14']);
  });
});

describe('fault injection (on a mock broker of this file its own, whatever the global broker)', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startPrivateBroker();
  });
  afterAll(() => broker.stop());
  const kafka = (overrides: Partial<KafkaConfig> = {}) =>
    testKafka({ brokers: [...broker.brokers], ...overrides });

  async function createTopic(prefix: string): Promise<string> {
    const admin = kafka().admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const topic = uniqueName(prefix);
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    return topic;
  }

  async function highWatermark(topic: string): Promise<number> {
    const admin = kafka().admin();
    await admin.connect();
    try {
      return Number((await admin.fetchTopicOffsets(topic))[0]?.high);
    } finally {
      await admin.disconnect();
    }
  }

  it('a send fails while the broker is down and succeeds once it is up', async () => {
    const topic = await createTopic('outage');
    const producer = kafka({ retry: { retries: 0 }, requestTimeout: 1_000 }).producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    await producer.send({ topic, messages: [{ value: 'before' }] });

    await broker.control.setDown('all');
    cleanups.push(() => broker.control.setUp('all'));
    await expect(producer.send({ topic, messages: [{ value: 'during' }] })).rejects.toThrow();

    await broker.control.setUp('all');
    await waitFor('a send to succeed after the broker is back', async () => {
      try {
        await producer.send({ topic, messages: [{ value: 'after' }] });
        return true;
      } catch {
        return undefined;
      }
    });
    expect(await highWatermark(topic)).toBeGreaterThanOrEqual(2);
  });

  it('an injected produce error is retried by the client', async () => {
    const topic = await createTopic('produce-error');
    const producer = kafka().producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());

    const PRODUCE = 0;
    const NOT_LEADER_OR_FOLLOWER = 6;
    await broker.control.pushRequestErrors(PRODUCE, [NOT_LEADER_OR_FOLLOWER]);
    await producer.send({ topic, messages: [{ value: 'retried' }] });
    expect(await highWatermark(topic)).toBe(1);
  });

  it('answers control errors clearly', async () => {
    await expect(broker.control.send('broker down 99')).rejects.toThrow(/broker id must be/);
    await expect(broker.control.send('no-such-command')).rejects.toThrow(/unknown command/);
  });
});
