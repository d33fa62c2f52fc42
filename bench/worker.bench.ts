/**
 * Worker benchmarks, in one run:
 *   1. transform throughput: the pure pipeline (parse, detect, validate,
 *      normalize, route) over real provider messages, against a floor of
 *      JSON.parse + JSON.stringify of the same bodies (target >= 0.5x);
 *   2. end to end: raw records already in Kafka to canonical records
 *      produced (Avro, registry, dedup, commits) against the test broker.
 *
 * BENCH_TRANSFORM_SECONDS (default 3, 10 with --full / BENCH_FULL=1) and
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

const transformSeconds = Number(process.env.BENCH_TRANSFORM_SECONDS ?? (full ? 10 : 3));
const records = Number(process.env.BENCH_RECORDS ?? (full ? 100_000 : 20_000));

function perSecond(work: () => void, seconds: number): number {
  // Warm-up, so that both sides are measured compiled.
  const warmUntil = Date.now() + 200;
  while (Date.now() < warmUntil) work();
  let done = 0;
  const started = process.hrtime.bigint();
  const until = started + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < until) {
    work();
    done++;
  }
  return done / (Number(process.hrtime.bigint() - started) / 1e9);
}

const config: PipelineConfig = PIPELINE;
const raws = rawRecords();
let routed = 0;
for (const raw of raws) if (transform(raw, config).kind === 'domain') routed++;
// Rounds interleave floor and transform, so that drift of the machine's
// speed weighs on both alike; the median round of each is reported.
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const floorRates: number[] = [];
const transformRates: number[] = [];
for (let round = 0; round < rounds; round++) {
  floorRates.push(
    perSecond(() => {
      for (const raw of raws) JSON.stringify(JSON.parse(raw.value?.toString('utf8') ?? 'null'));
    }, transformSeconds / rounds) * raws.length,
  );
  transformRates.push(
    perSecond(() => {
      for (const raw of raws) transform(raw, config);
    }, transformSeconds / rounds) * raws.length,
  );
}
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const floorRate = median(floorRates);
const transformRate = median(transformRates);
console.log(
  `transform: ${String(raws.length)} real messages (${String(routed)} routed), median of ${String(rounds)} interleaved rounds, ${String(transformSeconds)} s each in all`,
);
console.log(
  `floor      JSON.parse + JSON.stringify: ${Math.round(floorRate).toLocaleString('en-US')} messages/s`,
);
console.log(
  `transform  parse … route:               ${Math.round(transformRate).toLocaleString('en-US')} messages/s`,
);
console.log(`ratio transform/floor: ${(transformRate / floorRate).toFixed(2)} (target >= 0.5)`);

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
