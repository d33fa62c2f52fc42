/**
 * The real `wharf ingress` command (a child process, so its memory is its
 * own) under load while its broker fails: an outage, a slow broker, errors
 * on produce. A 200 is a promise that the webhook is in Kafka: every request
 * answered 200 must be on the raw topic afterwards, whatever happened; the
 * rest are answered 503 with Retry-After, within the produce deadline, never
 * left hanging. Broker of this file's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestBroker } from '../../../src/broker/test-broker.ts';
import { countRecords, happycolisSignature, testEnvironment } from '../../support/ingress.ts';
import { canInjectFaults, startPrivateBroker, testKafka, waitFor } from '../../support/kafka.ts';
import { LandedIds, runLoad, tally } from '../../support/load.ts';
import type { LoadAnswer, LoadRequest } from '../../support/load.ts';
import { metricValue, spawnWharf } from '../../support/processes.ts';

const FULL = process.env.WHARF_TEST_FULL === '1';
/** Requests of the outage test (the size in the full run). */
const OUTAGE_REQUESTS = FULL ? 20_000 : 3_000;
/** Requests of the slow-broker test, each with a body of SLOW_BODY_BYTES. */
const SLOW_REQUESTS = FULL ? 5_000 : 1_500;
const SLOW_BODY_BYTES = 16 * 1024;
const SLOW_CONCURRENCY = 64;
/** What the publisher may hold in the slow-broker test (the defaults are 10,000 and 64 MiB). */
const SLOW_HOLD_CAP = { records: 32, bytes: 1024 * 1024 };
/**
 * Bound on the ingress's RSS growth under the slow broker: the held bodies
 * (1 MiB cap) and the bodies being read (64 connections × 16 KiB) are a few
 * MiB; kafkajs's encoded batches, socket buffers and the garbage collector's
 * slack make the rest. Without the cap the held bytes would grow with every
 * request for as long as the broker stays slow.
 */
const SLOW_RSS_GROWTH_BOUND = 128 * 1024 * 1024;
/** Requests of the produce-errors test. */
const ERROR_REQUESTS = FULL ? 5_000 : 1_000;
const CONCURRENCY = 32;
/** Each test's own limit: a loaded 2-core machine runs these several times slower than an idle one. */
const TEST_TIMEOUT_MS = FULL ? 900_000 : 300_000;
/** The ingress's produce deadline in these tests. */
const PRODUCE_TIMEOUT_MS = 1_000;
/** How long a client waits before calling a request hung: the deadline plus room for a slow VM. */
const PATIENCE_MS = PRODUCE_TIMEOUT_MS + 15_000;
/** 503s seen while the broker is down before it comes back (about this many deadlines). */
const OUTAGE_503S = 4 * CONCURRENCY;

const PRODUCE = 0;
/** Kafka error codes injected on Produce: retriable ones kafkajs retries, and ones it gives up on. */
const PRODUCE_ERRORS = {
  NOT_LEADER_FOR_PARTITION: 6,
  REQUEST_TIMED_OUT: 7,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  MESSAGE_TOO_LARGE: 10,
  INVALID_RECORD: 87,
} as const;

function signedOrder(i: number, padding = 0): LoadRequest {
  const body = JSON.stringify({
    header: { type: 'order/created' },
    body: { id: `o-${String(i)}`, note: 'n'.repeat(padding) },
  });
  return {
    path: '/webhooks/happycolis',
    body,
    headers: { 'x-happycolis-webhook-signature': happycolisSignature(body) },
  };
}

/** The answers a webhook may get while Kafka misbehaves: 200, or 503 PUBLISH_* with Retry-After. */
function expectOnly200Or503(answers: readonly LoadAnswer[]): void {
  const unexpected = answers.filter(
    (answer) =>
      answer.status !== 200 &&
      !(
        answer.status === 503 &&
        (answer.code === 'PUBLISH_TIMEOUT' || answer.code === 'PUBLISH_FAILED') &&
        answer.retryAfter === '5'
      ),
  );
  expect(unexpected.slice(0, 3), JSON.stringify(tally(answers))).toEqual([]);
}

describe.skipIf(!canInjectFaults())('ingress under broker faults, under load', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startPrivateBroker();
  });
  afterAll(() => broker.stop());

  async function startIngress(overrides: Record<string, string> = {}) {
    const env = testEnvironment({
      KAFKA_BROKERS: broker.brokers.join(','),
      WHARF_PRODUCE_TIMEOUT_MS: String(PRODUCE_TIMEOUT_MS),
      ...overrides,
    });
    const ingress = await spawnWharf('ingress', env);
    const topic = env.WHARF_HAPPYCOLIS_RAW_TOPIC ?? '';
    const landed = await LandedIds.start(testKafka({ brokers: [...broker.brokers] }), topic);
    return { ingress, landed, url: ingress.url ?? '' };
  }

  /** Waits until every request answered 200 is on the raw topic. */
  async function expectEvery200Landed(landed: LandedIds, answers: readonly LoadAnswer[]) {
    const ok = answers.flatMap((answer) => (answer.status === 200 && answer.id ? [answer.id] : []));
    await waitFor(
      `${String(ok.length)} accepted webhooks on the raw topic`,
      () => (landed.missing(ok).length === 0 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 100 },
    ).catch(async (error: unknown) => {
      throw new Error(
        `${String(landed.missing(ok).length)} of ${String(ok.length)} webhooks answered 200 are not on the raw topic ` +
          `(${String(landed.ids.size)} ids read, ${String(await countRecords(landed.topic, broker.brokers))} records on it)`,
        { cause: error },
      );
    });
    return ok.length;
  }

  it(
    `broker down mid-run (${String(OUTAGE_REQUESTS)} requests): every 200 is stored, the outage is answered 503, none hangs`,
    async () => {
      const { ingress, landed, url } = await startIngress();
      const seen: LoadAnswer[] = [];
      try {
        const load = runLoad({
          baseUrl: url,
          total: OUTAGE_REQUESTS,
          concurrency: CONCURRENCY,
          request: (i) => signedOrder(i),
          patienceMs: PATIENCE_MS,
          onAnswer: (answer) => seen.push(answer),
        });
        await waitFor(
          'a third of the load answered',
          () => (seen.length >= OUTAGE_REQUESTS / 3 ? true : undefined),
          { timeoutMs: 120_000 },
        );
        await broker.control.setDown('all');
        const downAt = seen.length;
        try {
          await waitFor(
            `${String(OUTAGE_503S)} requests refused during the outage`,
            () =>
              seen.slice(downAt).filter((answer) => answer.status === 503).length >= OUTAGE_503S
                ? true
                : undefined,
            { timeoutMs: 60_000 },
          );
        } finally {
          await broker.control.setUp('all');
        }
        const upAt = seen.length;
        const answers = await load;

        const during = answers.slice(downAt, upAt);
        const after = answers.slice(upAt + CONCURRENCY);
        const stored = await expectEvery200Landed(landed, answers);
        console.info(
          `broker outage: ${String(answers.length)} requests, ${JSON.stringify(tally(answers))}; ` +
            `during the outage ${JSON.stringify(tally(during))}; ${String(stored)} answered 200, all stored; ` +
            `${String(landed.ids.size - stored)} answered 503 were stored anyway (a retry duplicates them); ` +
            `slowest 503 ${String(Math.max(...answers.filter((a) => a.status === 503).map((a) => a.elapsedMs)))} ms`,
        );
        expectOnly200Or503(answers);
        expect(during.filter((answer) => answer.status === 503).length).toBeGreaterThanOrEqual(
          OUTAGE_503S,
        );
        // Back to normal once the broker is.
        expect(after.filter((answer) => answer.status === 200).length).toBeGreaterThan(0);
      } finally {
        await broker.control.setUp('all');
        await landed.stop();
        await ingress.stop('SIGKILL');
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    `slow broker (${String(SLOW_REQUESTS)} × 16 KiB requests, 1 s per response): 200 or 503 in time, held records capped, memory bounded`,
    async () => {
      const { ingress, landed, url } = await startIngress({
        WHARF_MAX_BODY_BYTES: String(64 * 1024),
        WHARF_MAX_PENDING_RECORDS: String(SLOW_HOLD_CAP.records),
        WHARF_MAX_PENDING_BYTES: String(SLOW_HOLD_CAP.bytes),
        WHARF_PRODUCE_TIMEOUT_MS: '2000',
        // The test broker keeps 5 MiB per partition: room for everything the test lands.
        WHARF_TOPIC_PARTITIONS: '32',
      });
      const rss = () => metricValue(`${url}/metrics`, 'wharf_process_resident_memory_bytes');
      const samples: number[] = [];
      const sampling = { on: true };
      try {
        // Warm the path (producer metadata, JIT) before the baseline is taken.
        await runLoad({
          baseUrl: url,
          total: 50,
          concurrency: 5,
          request: (i) => signedOrder(-i - 1, SLOW_BODY_BYTES),
          patienceMs: PATIENCE_MS,
        });
        const baseline = (await rss()) ?? 0;
        await broker.control.setRtt(1_000);
        const sampler = (async () => {
          while (sampling.on) {
            const value = await rss();
            if (value !== undefined) samples.push(value);
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        })();
        const answers = await runLoad({
          baseUrl: url,
          total: SLOW_REQUESTS,
          concurrency: SLOW_CONCURRENCY,
          request: (i) => signedOrder(i, SLOW_BODY_BYTES),
          patienceMs: PATIENCE_MS + 1_000,
        });
        sampling.on = false;
        await sampler;
        await broker.control.setRtt(0);

        const stored = await expectEvery200Landed(landed, answers);
        const overCap = answers.filter(
          (answer) =>
            answer.code === 'PUBLISH_FAILED' && /already waiting/.test(answer.message ?? ''),
        );
        const peak = Math.max(baseline, ...samples);
        const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
        console.info(
          `slow broker: ${JSON.stringify(tally(answers))}; ${String(stored)} answered 200, all stored; ` +
            `${String(overCap.length)} refused at once over the hold cap ` +
            `(slowest ${String(Math.max(0, ...overCap.map((a) => a.elapsedMs)))} ms); ` +
            `RSS ${mib(baseline)} before, peak ${mib(peak)} (+${mib(peak - baseline)}, ${String(samples.length)} samples)`,
        );
        expectOnly200Or503(answers);
        expect(stored).toBeGreaterThan(0);
        // The cap engaged: past it, requests were refused without queueing.
        expect(overCap.length).toBeGreaterThan(0);
        expect(peak - baseline).toBeLessThan(SLOW_RSS_GROWTH_BOUND);
      } finally {
        sampling.on = false;
        await broker.control.setRtt(0);
        await landed.stop();
        await ingress.stop('SIGKILL');
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    `Kafka errors on produce (${String(ERROR_REQUESTS)} requests): retried or answered 503, never a 200 that is not stored`,
    async () => {
      const { ingress, landed, url } = await startIngress();
      try {
        const codes = Object.values(PRODUCE_ERRORS);
        // Enough errors to hit many batches: every code several times over.
        await broker.control.pushRequestErrors(
          PRODUCE,
          Array.from({ length: 60 }, (_, i) => codes[i % codes.length] ?? 6),
        );
        const answers = await runLoad({
          baseUrl: url,
          total: ERROR_REQUESTS,
          concurrency: CONCURRENCY,
          request: (i) => signedOrder(i),
          patienceMs: PATIENCE_MS,
        });
        const stored = await expectEvery200Landed(landed, answers);
        console.info(
          `produce errors: ${JSON.stringify(tally(answers))}; ${String(stored)} answered 200, all stored`,
        );
        expectOnly200Or503(answers);
        // The errors kafkajs does not retry reach the sender as 503s.
        expect(answers.some((answer) => answer.code === 'PUBLISH_FAILED')).toBe(true);
        expect(stored).toBeGreaterThan(0);
      } finally {
        await broker.control.clearRequestErrors(PRODUCE);
        await landed.stop();
        await ingress.stop('SIGKILL');
      }
    },
    TEST_TIMEOUT_MS,
  );
});
