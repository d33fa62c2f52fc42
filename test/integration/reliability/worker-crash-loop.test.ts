/**
 * The worker killed with SIGKILL again and again while raw records flow: the
 * real `wharf worker` command in a child process, on the shared broker (only
 * the worker is killed, never the broker), with the schema registry in the
 * test process. Nothing may be lost; each record comes out on its own
 * domain's topic (or the dead-letter topic with its code); copies replayed
 * after a kill must carry the event id of the first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { testKafka, waitFor } from '../../support/kafka.ts';
import { spawnWharf } from '../../support/processes.ts';
import type { WharfProcess } from '../../support/processes.ts';
import { OutputCollector, audit, happycolisRawTopic, rawStream } from '../../support/raw-stream.ts';
import { SubjectTopics, startTestRegistry, workerEnvironment } from '../../support/worker.ts';

const FULL = process.env.WHARF_TEST_FULL === '1';
/** Raw records landed while the worker is killed (the issue's size in the full run). */
const RECORDS = FULL ? 20_000 : 3_000;
/** SIGKILLs, spread evenly over the stream's progress. */
const KILLS = FULL ? 6 : 3;
/** Records landed per send, as a busy ingress would. */
const CHUNK = 100;
/** One raw record in this many is poison, so dead letters are replayed too. */
const POISON_EVERY = 10;

/** One SIGKILL: how far the stream was, how the process ended, how soon output resumed. */
interface Kill {
  readonly afterArrived: number;
  readonly signal: string | null;
  /** From the kill to the next new output of the restarted worker (ms). */
  readonly recoveryMs: number | undefined;
}

describe('worker crash loop', () => {
  let registry: EmbeddedRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry();
  });
  afterAll(() => registry.close());

  it(
    `${String(RECORDS)} raw records, ${String(KILLS)} SIGKILLs of the worker: each record routed to its own topic or dead-lettered, copies share their event id`,
    async () => {
      const env = workerEnvironment(registry.url, {
        // The mock broker keeps 5 MiB per partition: the full run needs more of them.
        WHARF_TOPIC_PARTITIONS: FULL ? '12' : '4',
        // A killed member holds its partitions until its session expires.
        WHARF_WORKER_SESSION_TIMEOUT_MS: '6000',
      });
      const config = loadConfig(env, 'worker');
      const kafka = testKafka();
      const stream = rawStream(RECORDS, POISON_EVERY);
      const started = Date.now();

      let worker: WharfProcess = await spawnWharf('worker', env);
      const collector = await OutputCollector.start(kafka, config);
      const subjects = await SubjectTopics.start(kafka, config);
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      const kills: Kill[] = [];
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
          const killedAt = Date.now();
          const exit = await worker.stop('SIGKILL');
          const afterArrived = collector.arrived(stream);
          worker = await spawnWharf('worker', env);
          // Records still to come prove the new worker took over.
          const resumed =
            afterArrived < RECORDS
              ? await waitFor(
                  `output after kill ${String(kill)}`,
                  () => (collector.arrived(stream) > afterArrived ? Date.now() : undefined),
                  { timeoutMs: 120_000, intervalMs: 50 },
                )
              : undefined;
          kills.push({
            afterArrived,
            signal: exit.signal,
            recoveryMs: resumed === undefined ? undefined : resumed - killedAt,
          });
        }
        await landing;

        await waitFor(
          `all ${String(RECORDS)} records processed`,
          () => (collector.arrived(stream) === RECORDS ? true : undefined),
          { timeoutMs: 180_000, intervalMs: 100 },
        );
        await waitFor(
          'every routed record seen on its own topic',
          () => (subjects.misrouted(stream, config).length === 0 ? true : undefined),
          { timeoutMs: 30_000, intervalMs: 100 },
        ).catch(() => undefined);
        const { problems, duplicates } = audit(stream, collector);
        console.info(
          `worker crash loop: ${String(RECORDS)} raw records (1 in ${String(POISON_EVERY)} poison), ` +
            `${String(KILLS)} SIGKILLs after ${kills.map((k) => String(k.afterArrived)).join(', ')} records had come out, ` +
            `output again ${kills.map((k) => (k.recoveryMs === undefined ? '-' : `${String(k.recoveryMs)} ms`)).join(', ')} after each kill; ` +
            `${String(collector.total)} output records, ${String(duplicates)} duplicates, none lost; ` +
            `${String(Math.round((Date.now() - started) / 1000))} s`,
        );
        expect(kills.map((k) => k.signal)).toEqual(kills.map(() => 'SIGKILL'));
        expect(problems.slice(0, 20)).toEqual([]);
        expect(subjects.misrouted(stream, config).slice(0, 20)).toEqual([]);
      } finally {
        await worker.stop('SIGKILL');
        await producer.disconnect();
        await collector.stop();
        await subjects.stop();
      }
    },
    FULL ? 900_000 : 300_000,
  );
});
