/**
 * After a broker crash an idempotent producer's sequence numbers can be lost
 * for good (OUT_OF_ORDER_SEQUENCE_NUMBER on every send: seen on a real Kafka
 * in the SIGKILL reliability test). The publisher then fails that batch and
 * continues on a new producer, once however many sends failed.
 */
import type { Producer, ProducerRecord, RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BatchingPublisher } from '../../../src/kafka/batching-publisher.ts';
import { isProducerSequenceLost } from '../../../src/kafka/client.ts';

/** kafkajs's shape of a broker's error answer. */
function kafkaError(type: string): Error {
  return Object.assign(new Error(`broker answered ${type}`), { type, retriable: false });
}

/** A producer that fails every send with `failWith` (a broker's answer, 5 ms later), or stores the records. */
function producer(failWith?: Error): Producer & { sent: ProducerRecord[] } {
  const sent: ProducerRecord[] = [];
  const send = (record: ProducerRecord): Promise<RecordMetadata[]> => {
    if (failWith)
      return new Promise((_resolve, reject) => {
        setTimeout(() => {
          reject(failWith);
        }, 5);
      });
    sent.push(record);
    return Promise.resolve([]);
  };
  return { send, sent } as unknown as Producer & { sent: ProducerRecord[] };
}

const record = (n: number) => ({
  key: String(n),
  value: Buffer.from(`r${String(n)}`),
  headers: {},
});

describe('isProducerSequenceLost', () => {
  it('knows the answers only a new producer id recovers from, also as a cause', () => {
    expect(isProducerSequenceLost(kafkaError('OUT_OF_ORDER_SEQUENCE_NUMBER'))).toBe(true);
    expect(isProducerSequenceLost(kafkaError('UNKNOWN_PRODUCER_ID'))).toBe(true);
    expect(
      isProducerSequenceLost(new Error('wrapped', { cause: kafkaError('INVALID_PRODUCER_EPOCH') })),
    ).toBe(true);
    expect(isProducerSequenceLost(kafkaError('NOT_LEADER_OR_FOLLOWER'))).toBe(false);
    expect(isProducerSequenceLost(new Error('REQUEST_TIMED_OUT'))).toBe(false);
  });
});

describe('BatchingPublisher with a producer whose sequence numbers are lost', () => {
  it('fails the batches in flight, then publishes through one new producer', async () => {
    const broken = producer(kafkaError('OUT_OF_ORDER_SEQUENCE_NUMBER'));
    const fresh = producer();
    let renewals = 0;
    const publisher = new BatchingPublisher(broken, {
      lingerMs: 0,
      renewProducer: () => {
        renewals++;
        return Promise.resolve(fresh);
      },
    });

    const failed = await Promise.allSettled([
      publisher.publish('a', record(1)),
      publisher.publish('b', record(2)),
    ]);
    expect(failed.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    await publisher.publish('a', record(3));

    expect(renewals).toBe(1);
    expect(fresh.sent.map((sent) => sent.messages.map((m) => m.key))).toEqual([['3']]);
    await publisher.close();
  });

  it('keeps its producer on other errors', async () => {
    let renewals = 0;
    const publisher = new BatchingPublisher(producer(kafkaError('NOT_ENOUGH_REPLICAS')), {
      lingerMs: 0,
      renewProducer: () => {
        renewals++;
        return Promise.resolve(producer());
      },
    });
    await expect(publisher.publish('a', record(1))).rejects.toThrow(/did not store/);
    expect(renewals).toBe(0);
    await publisher.close();
  });
});
