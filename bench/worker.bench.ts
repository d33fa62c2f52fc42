/**
 * Worker benchmarks, in one run:
 *   1. transform throughput: the pure pipeline (parse, detect, validate,
 *      normalize, route) over real provider messages, against a floor of
 *      JSON.parse + JSON.stringify of the same bodies (target >= 0.5x);
 *   2. end to end: raw records already in Kafka to canonical records
 *      produced (Avro, registry, dedup, commits) against the test broker.
 *
 * The transform is measured in pairs of short runs, one of each side
 * (floor: the messages twice, transform: once, a few milliseconds each),
 * and the ratio is the median of the pairs' ratios. On a shared VM whose
 * CPU is taken away in bursts (this one showed up to 50 % steal), a burst
 * then weighs on one pair, not on one side: runs of whole seconds per side
 * gave ratios that moved by a fifth between identical runs.
 *
 * BENCH_PAIRS (default 3000, 10000 with --full / BENCH_FULL=1) and
 * BENCH_RECORDS (default 20000, 100000 with --full).
 */
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { loadConfig } from '../src/config/config.ts';
import type { Source } from '../src/providers/provider.ts';
import { startEmbeddedRegistry } from '../src/registry/index.ts';
import { transform } from '../src/worker/pipeline.ts';
import type { PipelineConfig } from '../src/worker/pipeline.ts';
import { startWorker } from '../src/worker/worker.ts';
import { startTestBroker } from '../src/broker/test-broker.ts';
import { PIPELINE, distinct, rawRecords } from './support/messages.ts';

const { full } = parseArgs({
  options: { full: { type: 'boolean', default: process.env.BENCH_FULL === '1' } },
}).values;

const pairs = Number(process.env.BENCH_PAIRS ?? (full ? 10_000 : 3_000));
const records = Number(process.env.BENCH_RECORDS ?? (full ? 100_000 : 20_000));

const config: PipelineConfig = PIPELINE;
const raws = rawRecords();
let routed = 0;
for (const raw of raws) if (transform(raw, config).kind === 'domain') routed++;

const floor = () => {
  for (const raw of raws) JSON.stringify(JSON.parse(raw.value?.toString('utf8') ?? 'null'));
};
const transformAll = () => {
  for (const raw of raws) transform(raw, config);
};
/** Microseconds per message of `reps` runs over every message. */
function timed(work: () => void, reps: number): number {
  const started = process.hrtime.bigint();
  for (let rep = 0; rep < reps; rep++) work();
  return Number(process.hrtime.bigint() - started) / 1000 / (reps * raws.length);
}
// Warm-up, so that both sides are measured compiled.
for (let rep = 0; rep < 300; rep++) {
  floor();
  transformAll();
}
const floorTimes: number[] = [];
const transformTimes: number[] = [];
const ratios: number[] = [];
for (let pair = 0; pair < pairs; pair++) {
  const floorTime = timed(floor, 2);
  const transformTime = timed(transformAll, 1);
  floorTimes.push(floorTime);
  transformTimes.push(transformTime);
  ratios.push(floorTime / transformTime);
}
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const perSecond = (microseconds: number) => Math.round(1e6 / microseconds).toLocaleString('en-US');
console.log(
  `transform: ${String(raws.length)} real messages (${String(routed)} routed), ${String(pairs)} interleaved pairs of runs, medians`,
);
console.log(
  `floor      JSON.parse + JSON.stringify: ${perSecond(median(floorTimes))} messages/s (${median(floorTimes).toFixed(1)} us each)`,
);
console.log(
  `transform  parse … route:               ${perSecond(median(transformTimes))} messages/s (${median(transformTimes).toFixed(1)} us each)`,
);
console.log(
  `ratio transform/floor (median of pairs): ${median(ratios).toFixed(2)} (target >= 0.5)`,
);

// End to end against the test broker.
const broker = await startTestBroker();
const registry = await startEmbeddedRegistry();
try {
  const env = {
    KAFKA_BROKERS: broker.brokers.join(','),
    SCHEMA_REGISTRY_URL: registry.url,
    WHARF_TOPIC_PARTITIONS: '4',
    WHARF_WORKER_METRICS_HOST: '127.0.0.1',
    WHARF_WORKER_METRICS_PORT: '0',
    WHARF_WORKER_MAX_WAIT_MS: '100',
  };
  const workerConfig = loadConfig(env, 'worker');
  const kafka = new Kafka({
    clientId: 'bench',
    brokers: [...broker.brokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const rawTopics = (['happycolis', 'ongoing', 'shipwell'] as const).map(
    (source) => workerConfig.ingress.sources[source].rawTopic,
  );
  await admin.createTopics({ topics: rawTopics.map((topic) => ({ topic, numPartitions: 4 })) });
  const producer = kafka.producer();
  await producer.connect();
  for (let start = 0; start < records; start += 500) {
    const batch = Array.from(
      { length: Math.min(500, records - start) },
      (_, i) => raws[(start + i) % raws.length],
    );
    const byTopic = new Map<
      string,
      { key: string; value: Buffer; headers: Record<string, string> }[]
    >();
    for (const [i, raw] of batch.entries()) {
      if (!raw?.value) continue;
      const topic = workerConfig.ingress.sources[raw.headers['wharf-source'] as Source].rawTopic;
      const list = byTopic.get(topic) ?? [];
      list.push({ key: String(start + i), value: distinct(raw, start + i), headers: raw.headers });
      byTopic.set(topic, list);
    }
    await producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }
  await producer.disconnect();

  const started = process.hrtime.bigint();
  const worker = await startWorker(
    workerConfig,
    { adapters: config.adapters },
    pino({ level: 'silent' }),
  );
  // Done when every raw record was processed (routed, dead-lettered or deduplicated).
  for (;;) {
    const { values } = await worker.metrics.workerRecords.get();
    const processed = values.reduce((sum, value) => sum + value.value, 0);
    if (processed >= records) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { values } = await worker.metrics.workerRecords.get();
  const outcome = (name: string) =>
    values
      .filter((value) => value.labels.outcome === name)
      .reduce((sum, value) => sum + value.value, 0);
  await worker.shutdown();
  await admin.disconnect();
  console.log(
    `end to end: ${String(records)} raw records (${String(outcome('routed'))} routed, ${String(outcome('deduplicated'))} deduplicated, ${String(outcome('dead_lettered'))} dead-lettered) in ${seconds.toFixed(1)} s, worker start included: ${Math.round(records / seconds).toLocaleString('en-US')} records/s`,
  );
} finally {
  await registry.close();
  await broker.stop();
}
