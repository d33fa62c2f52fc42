/**
 * Exactly-once on the real broker: two `wharf worker` processes with
 * WHARF_WORKER_DELIVERY=exactly-once, SIGKILLed again and again while raw
 * records (one in ten poison) and a provider's redeliveries flow. A
 * `read_committed` consumer of the domain and dead-letter topics must see
 * every raw record's outcome exactly once: no loss, no copy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { testKafka, waitFor } from '../../support/kafka.ts';
import { spawnWharf } from '../../support/processes.ts';
import { OutputCollector, audit, happycolisRawTopic, rawStream } from '../../support/raw-stream.ts';
import type { StreamRecord } from '../../support/raw-stream.ts';
import { startTestRegistry, workerEnvironment } from '../../support/worker.ts';

const RECORDS = 2_000;
const CHUNK = 100;
const KILLS = 3;

describe('exactly-once delivery', () => {
  let registry: EmbeddedRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry();
  });
  afterAll(() => registry.close());

  it(`${String(RECORDS)} raw records and redeliveries, ${String(KILLS)} SIGKILLs of one of two workers: a read_committed consumer sees each outcome exactly once`, async () => {
    const env = workerEnvironment(registry.url, {
      WHARF_WORKER_DELIVERY: 'exactly-once',
      WHARF_TOPIC_PARTITIONS: '4',
      WHARF_WORKER_SESSION_TIMEOUT_MS: '6000',
    });
    const config = loadConfig(env, 'worker');
    const kafka = testKafka();
    const stream = rawStream(RECORDS, 10);
    // Every twentieth event is sent twice, as a provider retrying would.
    const landed: StreamRecord[] = stream.flatMap((record, i) =>
      i % 20 === 0 && record.expected.kind === 'domain' ? [record, { ...record }] : [record],
    );
    const workers = [await spawnWharf('worker', env), await spawnWharf('worker', env)];
    // read_committed: kafkajs consumers do not read uncommitted records unless told to.
    const collector = await OutputCollector.start(kafka, config);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    try {
      const chunks = Math.ceil(landed.length / CHUNK);
      const killAt = new Set(
        Array.from({ length: KILLS }, (_, k) => Math.floor(((k + 1) * chunks) / (KILLS + 1))),
      );
      for (let chunk = 0; chunk < chunks; chunk++) {
        await producer.send({
          topic: happycolisRawTopic(config),
          acks: -1,
          messages: landed
            .slice(chunk * CHUNK, (chunk + 1) * CHUNK)
            .map(({ key, value, headers }) => ({ key, value, headers })),
        });
        if (!killAt.has(chunk)) continue;
        // Killed while it has records in hand, then replaced.
        const arrived = collector.arrived(stream);
        await waitFor(
          'the worker busy with the stream',
          () => (collector.arrived(stream) > arrived ? true : undefined),
          { timeoutMs: 60_000, intervalMs: 20 },
        );
        await workers[0]?.stop('SIGKILL');
        workers[0] = await spawnWharf('worker', env);
      }
      await waitFor(
        `all ${String(RECORDS)} records processed`,
        () => (collector.arrived(stream) === RECORDS ? true : undefined),
        { timeoutMs: 180_000, intervalMs: 100 },
      );
      const { problems, duplicates } = audit(stream, collector);
      console.info(
        `exactly-once: ${String(landed.length)} raw records (${String(landed.length - RECORDS)} redeliveries, 1 in 10 poison), ${String(KILLS)} SIGKILLs: ` +
          `${String(collector.total)} output records, ${String(duplicates)} duplicates`,
      );
      expect(problems.slice(0, 20)).toEqual([]);
      expect(duplicates).toBe(0);
      expect(collector.total).toBe(RECORDS);
    } catch (error) {
      for (const worker of workers) console.error(worker.output());
      throw error;
    } finally {
      await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
      await producer.disconnect();
      await collector.stop();
    }
  }, 300_000);
});
