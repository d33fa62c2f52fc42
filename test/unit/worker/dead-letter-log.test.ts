/**
 * Each dead letter is one warn line, `record dead-lettered`, written once its
 * round is stored: none for a round that fails (it is processed again), one
 * per dead letter for the round that succeeds, at least once and exactly
 * once alike. The worker's real logger writes them, captured here.
 */
import { Writable } from 'node:stream';
import type { Kafka, Producer, RecordMetadata, Transaction } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { RAW_HEADERS } from '../../../src/kafka/headers.ts';
import { createLogger } from '../../../src/logging.ts';
import { createMetrics } from '../../../src/metrics/catalog.ts';
import { TransactionalProducers, storeExactlyOnce } from '../../../src/worker/exactly-once.ts';
import { WorkerMemory } from '../../../src/worker/memory.ts';
import type { RawRecord } from '../../../src/worker/pipeline.ts';
import { planBatch } from '../../../src/worker/plan.ts';
import type { Plan } from '../../../src/worker/plan.ts';
import { storeAtLeastOnce } from '../../../src/worker/store.ts';
import type { StoreDependencies } from '../../../src/worker/store.ts';
import { fixtureText } from '../../support/fixtures.ts';
import { pipelineDefaults } from '../../support/pipeline.ts';

const config = pipelineDefaults();
const RAW_TOPIC = config.rawTopics.ongoing;
const PARTITION = 3;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const PICKED = fixtureText('ongoing', 'order-picked.json');
/** The picked order without the field its schema needs a number in. */
const PICKED_WITH_TEXT_ORDER_ID = JSON.stringify({
  ...(JSON.parse(PICKED) as Record<string, unknown>),
  orderId: { not: 'a number' },
});

function raw(offset: number, body: string, headers: Record<string, string> = {}): RawRecord {
  return {
    topic: RAW_TOPIC,
    partition: PARTITION,
    offset: String(offset),
    key: null,
    value: Buffer.from(body),
    headers: {
      [RAW_HEADERS.source]: 'ongoing',
      [RAW_HEADERS.requestId]: `req-${String(offset)}`,
      [RAW_HEADERS.receivedAt]: '2026-12-05T12:00:00.000Z',
      [RAW_HEADERS.urlEventType]: 'order-picked',
      ...headers,
    },
  };
}

/** The worker's logger writing into `lines`. */
function capturedLogger(): {
  lines: () => Record<string, unknown>[];
  logger: StoreDependencies['logger'];
} {
  const written: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString());
      done();
    },
  });
  return {
    logger: createLogger('info', destination),
    lines: () =>
      written
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const deadLetterLines = (lines: Record<string, unknown>[]) =>
  lines.filter((line) => line.msg === 'record dead-lettered');

/** A producer whose sends fail `failures` times, then succeed; `tooLarge` sends are refused for size. */
function fakeProducer({
  failures = 0,
  tooLarge = () => false,
}: {
  failures?: number;
  tooLarge?: (topic: string) => boolean;
}): Producer {
  let left = failures;
  const refusal = () => Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });
  const ack = (): Promise<RecordMetadata[]> => Promise.resolve([]);
  return {
    sendBatch({ topicMessages }: { topicMessages?: { topic: string }[] }) {
      if (left > 0) {
        left--;
        return Promise.reject(new Error('the broker went away'));
      }
      if (topicMessages?.some(({ topic }) => tooLarge(topic))) return Promise.reject(refusal());
      return ack();
    },
    send({ topic }: { topic: string }) {
      return tooLarge(topic) ? Promise.reject(refusal()) : ack();
    },
  } as unknown as Producer;
}

function dependencies(producer: Producer, logger: StoreDependencies['logger']): StoreDependencies {
  return {
    producer,
    config,
    memory: new WorkerMemory(
      { dedupMs: 86_400_000, replayMs: 0 },
      { maxEntries: 1000, maxBytes: 1e6, partitionMaxEntries: 1000, partitionMaxBytes: 1e6 },
    ),
    changelogs: { dedup: 'wharf.dedup.v2', replay: undefined },
    metrics: createMetrics({ defaultMetrics: false }),
    now: () => Date.parse('2026-12-05T12:00:01.000Z'),
    logger,
  };
}

async function planned(deps: StoreDependencies, records: readonly RawRecord[]): Promise<Plan> {
  deps.memory.open(RAW_TOPIC, PARTITION);
  const memory = deps.memory.partition(RAW_TOPIC, PARTITION);
  if (!memory) throw new Error('no memory');
  return planBatch(
    { topic: RAW_TOPIC, partition: PARTITION, records, nextOffset: String(records.length) },
    memory,
    { ...deps, encode: () => Buffer.from('avro'), dataSchema: () => undefined },
  );
}

/** A routed record, a dead letter with a trace context, one without. */
const BATCH = [
  raw(0, PICKED, { [RAW_HEADERS.traceparent]: TRACEPARENT }),
  raw(1, PICKED_WITH_TEXT_ORDER_ID, { [RAW_HEADERS.traceparent]: TRACEPARENT }),
  raw(2, '{"not json'),
];

const EXPECTED = [
  {
    level: 40,
    msg: 'record dead-lettered',
    source: 'ongoing',
    eventType: 'order.picked',
    stage: 'validate',
    code: 'SCHEMA_VALIDATION_FAILED',
    path: 'orderId',
    topic: RAW_TOPIC,
    partition: PARTITION,
    offset: '1',
    traceId: TRACE_ID,
  },
  {
    level: 40,
    msg: 'record dead-lettered',
    source: 'ongoing',
    stage: 'parse',
    code: 'INVALID_JSON',
    path: '',
    topic: RAW_TOPIC,
    partition: PARTITION,
    offset: '2',
  },
];

describe('the dead-letter log line', () => {
  it('is written once per dead letter, after its round is stored, not for a round that failed', async () => {
    const { logger, lines } = capturedLogger();
    const deps = dependencies(fakeProducer({ failures: 1 }), logger);
    const commit = () => Promise.resolve();
    const plan = await planned(deps, BATCH);
    await expect(storeAtLeastOnce([plan], commit, deps)).rejects.toThrow('the broker went away');
    expect(deadLetterLines(lines())).toEqual([]);

    // The batch is processed again, and stored this time.
    await storeAtLeastOnce([await planned(deps, BATCH)], commit, deps);
    const written = deadLetterLines(lines());
    expect(written).toHaveLength(2);
    expect(written[0]).toMatchObject(EXPECTED[0] ?? {});
    expect(written[1]).toMatchObject(EXPECTED[1] ?? {});
    // No event type when the record did not get that far; no trace id when it had none.
    expect(Object.keys(written[1] ?? {})).not.toContain('eventType');
    expect(Object.keys(written[1] ?? {})).not.toContain('traceId');
  });

  it('is written for a canonical record Kafka refused as too large, as dead-lettered at produce', async () => {
    const { logger, lines } = capturedLogger();
    const deps = dependencies(
      fakeProducer({ tooLarge: (topic) => topic === config.topics.fulfillment }),
      logger,
    );
    await storeAtLeastOnce([await planned(deps, BATCH.slice(0, 1))], () => Promise.resolve(), deps);
    expect(deadLetterLines(lines())).toEqual([
      expect.objectContaining({
        source: 'ongoing',
        eventType: 'order.picked',
        stage: 'produce',
        code: 'OUTPUT_TOO_LARGE',
        path: '',
        topic: RAW_TOPIC,
        partition: PARTITION,
        offset: '0',
        traceId: TRACE_ID,
      }),
    ]);
  });

  it('has no trace id when the raw record carries a traceparent that is not valid', async () => {
    const { logger, lines } = capturedLogger();
    const deps = dependencies(fakeProducer({}), logger);
    const plan = await planned(deps, [raw(0, '{"not json', { [RAW_HEADERS.traceparent]: 'junk' })]);
    await storeAtLeastOnce([plan], () => Promise.resolve(), deps);
    const [line] = deadLetterLines(lines());
    expect(line).toMatchObject({ code: 'INVALID_JSON', offset: '0' });
    expect(Object.keys(line ?? {})).not.toContain('traceId');
  });

  it('is written once its transaction committed, exactly once', async () => {
    const { logger, lines } = capturedLogger();
    let commits = 0;
    const transaction = {
      sendBatch: () => Promise.resolve([]),
      sendOffsets: () => Promise.resolve(),
      commit: () => (++commits === 1 ? Promise.reject(new Error('fenced')) : Promise.resolve()),
      abort: () => Promise.resolve(),
    } as unknown as Transaction;
    const producer = {
      connect: () => Promise.resolve(),
      disconnect: () => Promise.resolve(),
      transaction: () => Promise.resolve(transaction),
    } as unknown as Producer;
    const kafka = { producer: () => producer } as unknown as Kafka;
    const producers = new TransactionalProducers(kafka, 'wharf', logger);
    const deps = { ...dependencies(producer, logger), groupId: 'wharf-worker' };

    await expect(storeExactlyOnce(await planned(deps, BATCH), producers, deps)).rejects.toThrow(
      'fenced',
    );
    expect(deadLetterLines(lines())).toEqual([]);
    await storeExactlyOnce(await planned(deps, BATCH), producers, deps);
    const written = deadLetterLines(lines());
    expect(written).toHaveLength(2);
    expect(written[0]).toMatchObject(EXPECTED[0] ?? {});
    expect(written[1]).toMatchObject(EXPECTED[1] ?? {});
  });
});
