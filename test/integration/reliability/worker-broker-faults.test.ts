/**
 * The worker when Kafka answers its produce and offset-commit requests with
 * errors: each is retried, or surfaced (the batch is not committed and comes
 * again, or the worker stops for good and is restarted, as an orchestrator
 * would); never is a raw record dropped. Broker of this file's own.
 */
import { describe, expect, it } from 'vitest';
import type { RunningWorker } from '../../../src/worker/worker.ts';
import { canInjectFaults, testKafka, waitFor } from '../../support/kafka.ts';
import { OutputCollector, audit, happycolisRawTopic, rawStream } from '../../support/raw-stream.ts';
import {
  startTestWorker,
  workerEnvironment,
  privateBrokerAndRegistry,
} from '../../support/worker.ts';

const FULL = process.env.WHARF_TEST_FULL === '1';
/** Raw records processed through the errors. */
const RECORDS = FULL ? 20_000 : 2_000;

const PRODUCE = 0;
const OFFSET_COMMIT = 8;
/** Kafka error codes on OffsetCommit: a coordinator moving, a rebalance, a stale member. */
const COMMIT_ERRORS = {
  REQUEST_TIMED_OUT: 7,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  ILLEGAL_GENERATION: 22,
  UNKNOWN_MEMBER_ID: 25,
  REBALANCE_IN_PROGRESS: 27,
} as const;
/** Kafka error codes on Produce: retriable ones, and one kafkajs gives up on (INVALID_RECORD). */
const PRODUCE_ERRORS = {
  NOT_LEADER_FOR_PARTITION: 6,
  REQUEST_TIMED_OUT: 7,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_RECORD: 87,
} as const;

/** `count` error codes cycling through `codes`. */
function cycle(codes: Record<string, number>, count: number): number[] {
  const values = Object.values(codes);
  return Array.from({ length: count }, (_, i) => values[i % values.length] ?? 0);
}

describe.skipIf(!canInjectFaults())('worker under Kafka errors on produce and commit', () => {
  const stack = privateBrokerAndRegistry();

  it(
    `${String(RECORDS)} raw records through errors on OffsetCommit and Produce: none lost, copies share their event id`,
    async () => {
      const env = workerEnvironment(stack.registry.url, {
        KAFKA_BROKERS: stack.broker.brokers.join(','),
        WHARF_TOPIC_PARTITIONS: FULL ? '12' : '4',
        WHARF_WORKER_SESSION_TIMEOUT_MS: '6000',
      });
      // A first start creates the topics; the records then wait for the worker
      // in the raw topic, so that the errors below meet the worker's requests.
      const first = await startTestWorker(env);
      await first.shutdown();
      const { config } = first;
      const kafka = testKafka({ brokers: [...stack.broker.brokers] });
      const stream = rawStream(RECORDS, 10);
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      for (let start = 0; start < stream.length; start += 500) {
        await producer.send({
          topic: happycolisRawTopic(config),
          acks: -1,
          messages: stream.slice(start, start + 500).map(({ key, value, headers }) => ({
            key,
            value,
            headers,
          })),
        });
      }
      await producer.disconnect();

      await stack.broker.control.pushRequestErrors(OFFSET_COMMIT, cycle(COMMIT_ERRORS, 40));
      await stack.broker.control.pushRequestErrors(PRODUCE, cycle(PRODUCE_ERRORS, 25));
      const collector = await OutputCollector.start(kafka, config);
      let worker: RunningWorker = await startTestWorker(env);
      const failures: string[] = [];
      try {
        // A worker whose consumer stopped for good exits to be restarted
        // (`wharf worker` exits 1): do what the orchestrator would.
        await waitFor(
          `all ${String(RECORDS)} records out of the worker`,
          async () => {
            if (collector.arrived(stream) === RECORDS) return true;
            const failed = await Promise.race([
              worker.failed,
              new Promise<undefined>((resolve) => {
                setImmediate(() => {
                  resolve(undefined);
                });
              }),
            ]);
            if (failed) {
              failures.push(failed.message);
              await worker.shutdown();
              worker = await startTestWorker(env);
            }
            return undefined;
          },
          { timeoutMs: FULL ? 600_000 : 180_000, intervalMs: 100 },
        );
        const { problems, duplicates } = audit(stream, collector);
        console.info(
          `worker under Kafka errors: ${String(RECORDS)} raw records, ${String(collector.total)} output records, ` +
            `${String(duplicates)} duplicates, ${String(failures.length)} restarts (${failures.join('; ')})`,
        );
        expect(problems.slice(0, 20)).toEqual([]);
      } finally {
        await stack.broker.control.clearRequestErrors(OFFSET_COMMIT);
        await stack.broker.control.clearRequestErrors(PRODUCE);
        await worker.shutdown();
        await collector.stop();
      }
    },
    FULL ? 900_000 : 300_000,
  );
});
