/**
 * The worker when Kafka answers its produce and offset-commit requests with
 * errors: each is retried, or surfaced (the batch is not committed and comes
 * again, or the worker stops for good, exits 1 and is restarted, as an
 * orchestrator would); never is a raw record dropped. The errors are
 * injected into a mock broker of this file's own (a real Kafka takes no such
 * command), so this runs whichever broker the other tests use; the worker is
 * the real `wharf worker` command in a child process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestBroker } from '../../../src/broker/test-broker.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { startPrivateBroker, testKafka, waitFor } from '../../support/kafka.ts';
import { spawnWharf } from '../../support/processes.ts';
import type { Exit, WharfProcess } from '../../support/processes.ts';
import { OutputCollector, audit, happycolisRawTopic, rawStream } from '../../support/raw-stream.ts';
import {
  SubjectTopics,
  startTestRegistry,
  startTestWorker,
  workerEnvironment,
} from '../../support/worker.ts';
import { API, cycle, unusedCommitErrors, unusedProduceErrors } from './injected-errors.ts';

const FULL = process.env.WHARF_TEST_FULL === '1';
/** Raw records processed through the errors. */
const RECORDS = FULL ? 20_000 : 2_000;

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
const COMMIT_ERROR_COUNT = 40;
/** Kafka error codes on Produce: retriable ones, and one kafkajs gives up on (INVALID_RECORD). */
const PRODUCE_ERRORS = {
  NOT_LEADER_FOR_PARTITION: 6,
  REQUEST_TIMED_OUT: 7,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_RECORD: 87,
} as const;
const PRODUCE_ERROR_COUNT = 25;

describe('worker under Kafka errors on produce and commit (a mock broker of its own)', () => {
  let broker: TestBroker;
  let registry: EmbeddedRegistry;
  beforeAll(async () => {
    broker = await startPrivateBroker();
    registry = await startTestRegistry();
  });
  afterAll(async () => {
    await registry.close();
    await broker.stop();
  });

  it(
    `${String(RECORDS)} raw records through errors on OffsetCommit and Produce: none lost, each on its own topic, copies share their event id, the worker exits 1 and is restarted`,
    async () => {
      const env = workerEnvironment(registry.url, {
        KAFKA_BROKERS: broker.brokers.join(','),
        WHARF_TOPIC_PARTITIONS: FULL ? '12' : '4',
        WHARF_WORKER_SESSION_TIMEOUT_MS: '6000',
      });
      // A first start creates the topics; the records then wait for the worker
      // in the raw topic, so that the errors below meet the worker's requests.
      const first = await startTestWorker(env);
      await first.shutdown();
      const { config } = first;
      const rawTopic = happycolisRawTopic(config);
      const kafka = testKafka({ brokers: [...broker.brokers] });
      const stream = rawStream(RECORDS, 10);
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      for (let start = 0; start < stream.length; start += 500) {
        await producer.send({
          topic: rawTopic,
          acks: -1,
          messages: stream.slice(start, start + 500).map(({ key, value, headers }) => ({
            key,
            value,
            headers,
          })),
        });
      }
      await producer.disconnect();

      const commitErrors = cycle(COMMIT_ERRORS, COMMIT_ERROR_COUNT);
      const produceErrors = cycle(PRODUCE_ERRORS, PRODUCE_ERROR_COUNT);
      await broker.control.pushRequestErrors(API.OFFSET_COMMIT, commitErrors);
      await broker.control.pushRequestErrors(API.PRODUCE, produceErrors);
      const collector = await OutputCollector.start(kafka, config);
      const subjects = await SubjectTopics.start(kafka, config);
      const started = Date.now();
      let worker: WharfProcess = await spawnWharf('worker', env);
      let exit: Exit | undefined;
      const watch = (process: WharfProcess) => {
        exit = undefined;
        void process.exited.then((value) => (exit = value));
      };
      watch(worker);
      const restarts: { code: number | null; stoppedForGood: boolean }[] = [];
      const admin = kafka.admin();
      await admin.connect();
      try {
        // A worker whose consumer stopped for good exits 1 to be restarted: do
        // what the orchestrator would.
        const supervise = async () => {
          if (exit === undefined) return;
          if (exit.code !== 1)
            throw new Error(`wharf worker exited ${JSON.stringify(exit)}:\n${worker.output()}`);
          restarts.push({
            code: exit.code,
            stoppedForGood: worker.output().includes('the consumer stopped for good'),
          });
          worker = await spawnWharf('worker', env);
          watch(worker);
        };
        await waitFor(
          `all ${String(RECORDS)} records out of the worker`,
          async () => {
            await supervise();
            return collector.arrived(stream) === RECORDS ? true : undefined;
          },
          { timeoutMs: FULL ? 600_000 : 180_000, intervalMs: 100 },
        );
        // Offsets committed up to the end: the commit errors are behind it.
        const end = await admin.fetchTopicOffsets(rawTopic);
        await waitFor(
          'the worker to commit every raw record',
          async () => {
            await supervise();
            const [committed] = await admin.fetchOffsets({
              groupId: config.worker.groupId,
              topics: [rawTopic],
            });
            const behind = end.filter(
              ({ partition, offset }) =>
                committed?.partitions.find((p) => p.partition === partition)?.offset !== offset,
            );
            return behind.length === 0 ? true : undefined;
          },
          { timeoutMs: 120_000, intervalMs: 200 },
        );
        const elapsedMs = Date.now() - started;
        await waitFor(
          'every routed record seen on its own topic',
          () => (subjects.misrouted(stream, config).length === 0 ? true : undefined),
          { timeoutMs: 30_000, intervalMs: 100 },
        ).catch(() => undefined);
        const unused = {
          commit: await unusedCommitErrors(broker.brokers[0] ?? '', rawTopic, commitErrors),
          produce: await unusedProduceErrors(broker.brokers),
        };
        const { problems, duplicates } = audit(stream, collector);
        console.info(
          `worker under Kafka errors: ${String(RECORDS)} raw records, ${String(COMMIT_ERROR_COUNT)} OffsetCommit and ` +
            `${String(PRODUCE_ERROR_COUNT)} Produce errors injected, ${String(COMMIT_ERROR_COUNT - unused.commit)} and ` +
            `${String(PRODUCE_ERROR_COUNT - unused.produce)} met by the worker; ${String(collector.total)} output records, ` +
            `${String(duplicates)} duplicates, ${String(restarts.length)} exits with code 1 and restarts; ` +
            `all out and committed in ${String(Math.round(elapsedMs / 1000))} s`,
        );
        expect(problems.slice(0, 20)).toEqual([]);
        expect(subjects.misrouted(stream, config).slice(0, 20)).toEqual([]);
        // Every injected error met a request of the worker's.
        expect(unused).toEqual({ commit: 0, produce: 0 });
        // INVALID_RECORD is not retried: the consumer stopped for good and the
        // process exited 1, each time saying so.
        expect(restarts.length).toBeGreaterThan(0);
        expect(restarts).toEqual(restarts.map(() => ({ code: 1, stoppedForGood: true })));
      } finally {
        await broker.control.clearRequestErrors(API.OFFSET_COMMIT);
        await broker.control.clearRequestErrors(API.PRODUCE);
        await admin.disconnect();
        await worker.stop('SIGKILL');
        await collector.stop();
        await subjects.stop();
      }
    },
    FULL ? 900_000 : 300_000,
  );
});
