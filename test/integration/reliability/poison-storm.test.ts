/**
 * A poison storm end to end: a burst of webhooks through the ingress where
 * every other one is malformed (invalid JSON, an unknown event type, a field
 * of the wrong shape). Every request is authentic, so every one is landed;
 * the worker must route every good one to its own domain's topic and
 * dead-letter every bad one with its code, and the bad ones must not hold
 * the good ones back. No fault is injected: the shared broker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { happycolisSignature, startTestIngress } from '../../support/ingress.ts';
import { testKafka, uniqueName, waitFor } from '../../support/kafka.ts';
import { runLoad, tally } from '../../support/load.ts';
import { OutputCollector, audit, goodRecord, poisonRecord } from '../../support/raw-stream.ts';
import type { StreamRecord } from '../../support/raw-stream.ts';
import {
  SubjectTopics,
  startTestRegistry,
  startTestWorker,
  workerEnvironment,
} from '../../support/worker.ts';

const FULL = process.env.WHARF_TEST_FULL === '1';
/** Webhooks in the burst, every other one poison. */
const WEBHOOKS = FULL ? 20_000 : 2_000;

/**
 * `count` records, every other one poison: the good ones cycle through the
 * four kinds of good record (four domains), the poison ones through the three
 * malformations.
 */
function stormStream(count: number): StreamRecord[] {
  const run = uniqueName('storm');
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 1 ? poisonRecord(`${run}-p`, i) : goodRecord(`${run}-g`, i / 2),
  );
}

/** Counts of `key(item)` over items, leaving out the empty key. */
function tallyBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const name = key(item);
    if (name) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

describe('poison storm', () => {
  let registry: EmbeddedRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry();
  });
  afterAll(() => registry.close());

  it(
    `${String(WEBHOOKS)} webhooks, every other one malformed: each good one routed to its own topic, each bad one dead-lettered with its code`,
    async () => {
      const env = workerEnvironment(registry.url, { WHARF_TOPIC_PARTITIONS: '6' });
      const ingress = await startTestIngress(env);
      const worker = await startTestWorker(env);
      const collector = await OutputCollector.start(testKafka(), worker.config);
      const subjects = await SubjectTopics.start(testKafka(), worker.config);
      const started = Date.now();
      try {
        const stream = stormStream(WEBHOOKS);
        const answers = await runLoad({
          baseUrl: ingress.url,
          total: stream.length,
          concurrency: 16,
          patienceMs: 30_000,
          request: (i) => {
            const { value } = stream[i] ?? { value: '' };
            return {
              path: '/webhooks/happycolis',
              body: value,
              headers: { 'x-happycolis-webhook-signature': happycolisSignature(value) },
            };
          },
        });
        // The ingress does not judge content: every authentic webhook is landed.
        expect(tally(answers)).toEqual({ '200': WEBHOOKS });
        // Dead letters keep the ingress's request id: follow each record by it.
        const landed: StreamRecord[] = answers.map((answer) => {
          const record = stream[answer.index];
          if (!record || !answer.id) throw new Error(`no record or id for ${String(answer.index)}`);
          return { ...record, requestId: answer.id };
        });

        await waitFor(
          `all ${String(WEBHOOKS)} webhooks out of the worker`,
          () => (collector.arrived(landed) === WEBHOOKS ? true : undefined),
          { timeoutMs: FULL ? 600_000 : 120_000, intervalMs: 100 },
        );
        const elapsedMs = Date.now() - started;
        await waitFor(
          'every routed record seen on its own topic',
          () => (subjects.misrouted(landed, worker.config).length === 0 ? true : undefined),
          { timeoutMs: 30_000, intervalMs: 100 },
        ).catch(() => undefined);
        const { problems, duplicates } = audit(landed, collector);
        const deadLetters = landed.filter((record) => record.expected.kind === 'dead-letter');
        const codes = tallyBy(deadLetters, (record) =>
          record.expected.kind === 'dead-letter' ? record.expected.code : '',
        );
        const domains = tallyBy(landed, (record) =>
          record.expected.kind === 'domain' ? record.expected.domain : '',
        );
        console.info(
          `poison storm: ${String(WEBHOOKS)} webhooks, ${String(WEBHOOKS - deadLetters.length)} routed ` +
            `${JSON.stringify(domains)}, ${String(deadLetters.length)} dead-lettered ${JSON.stringify(codes)}, ` +
            `${String(duplicates)} duplicates; ${String(Math.round(elapsedMs / 1000))} s`,
        );
        expect(problems.slice(0, 20)).toEqual([]);
        expect(subjects.misrouted(landed, worker.config).slice(0, 20)).toEqual([]);
        expect(duplicates).toBe(0);
      } finally {
        await subjects.stop();
        await collector.stop();
        await worker.shutdown();
        await ingress.shutdown();
      }
    },
    FULL ? 900_000 : 300_000,
  );
});
