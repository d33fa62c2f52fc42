/**
 * The worker killed with SIGKILL again and again while raw records flow: the
 * real `wharf worker` command in a child process, on a broker of this file's
 * own, with the schema registry in the test process. Nothing may be lost;
 * copies replayed after a kill must carry the event id of the first.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { canInjectFaults, testKafka, waitFor } from '../../support/kafka.ts';
import { spawnWharf } from '../../support/processes.ts';
import type { WharfProcess } from '../../support/processes.ts';
import { OutputCollector, audit, happycolisRawTopic, rawStream } from '../../support/raw-stream.ts';
import { workerEnvironment, privateBrokerAndRegistry } from '../../support/worker.ts';

const FULL = process.env.WHARF_TEST_FULL === '1';
/** Raw records landed while the worker is killed (the size in the full run). */
const RECORDS = FULL ? 20_000 : 3_000;
/** SIGKILLs, spread evenly over the stream's progress. */
const KILLS = FULL ? 6 : 3;
/** Records landed per send, as a busy ingress would. */
const CHUNK = 100;
/** One raw record in this many is poison, so dead letters are replayed too. */
const POISON_EVERY = 10;

describe.skipIf(!canInjectFaults())('worker crash loop', () => {
  const stack = privateBrokerAndRegistry();

  it(
    `${String(RECORDS)} raw records, ${String(KILLS)} SIGKILLs of the worker: each record routed or dead-lettered, copies share their event id`,
    async () => {
      const env = workerEnvironment(stack.registry.url, {
        KAFKA_BROKERS: stack.broker.brokers.join(','),
        // The test broker keeps 5 MiB per partition: the full run needs more of them.
        WHARF_TOPIC_PARTITIONS: FULL ? '12' : '4',
        // A killed member holds its partitions until its session expires.
        WHARF_WORKER_SESSION_TIMEOUT_MS: '6000',
      });
      const config = loadConfig(env, 'worker');
      const kafka = testKafka({ brokers: [...stack.broker.brokers] });
      const stream = rawStream(RECORDS, POISON_EVERY);

      let worker: WharfProcess = await spawnWharf('worker', env);
      const collector = await OutputCollector.start(kafka, config);
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      const kills: { afterArrived: number; signal: string | null }[] = [];
      try {
        const landing = (async () => {
          for (let start = 0; start < stream.length; start += CHUNK) {
            await producer.send({
              topic: happycolisRawTopic(config),
              acks: -1,
              messages: stream.slice(start, start + CHUNK).map((record) => ({
                key: record.key,
                value: record.value,
                headers: record.headers,
              })),
            });
          }
        })();

        for (let kill = 1; kill <= KILLS; kill++) {
          const threshold = Math.floor((kill * RECORDS) / (KILLS + 1));
          await waitFor(
            `${String(threshold)} records processed before kill ${String(kill)}`,
            () => (collector.arrived(stream) >= threshold ? true : undefined),
            { timeoutMs: 120_000, intervalMs: 100 },
          );
          const exit = await worker.stop('SIGKILL');
          kills.push({ afterArrived: collector.arrived(stream), signal: exit.signal });
          worker = await spawnWharf('worker', env);
        }
        await landing;

        await waitFor(
          `all ${String(RECORDS)} records processed`,
          () => (collector.arrived(stream) === RECORDS ? true : undefined),
          { timeoutMs: 180_000, intervalMs: 100 },
        );
        const { problems, duplicates } = audit(stream, collector);
        console.info(
          `worker crash loop: ${String(RECORDS)} raw records, ${String(KILLS)} SIGKILLs ` +
            `(after ${kills.map((k) => String(k.afterArrived)).join(', ')} records had come out), ` +
            `${String(collector.total)} output records, ${String(duplicates)} duplicates`,
        );
        expect(kills.map((k) => k.signal)).toEqual(kills.map(() => 'SIGKILL'));
        expect(problems.slice(0, 20)).toEqual([]);
      } finally {
        await worker.stop('SIGKILL');
        await producer.disconnect();
        await collector.stop();
      }
    },
    FULL ? 900_000 : 300_000,
  );
});
