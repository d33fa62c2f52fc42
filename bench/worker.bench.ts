/**
 * Worker benchmarks, in one run:
 *   1. transform throughput: the pure pipeline (parse, detect, validate,
 *      normalize, route) over real provider messages, against a floor of
 *      JSON.parse + JSON.stringify of the same bodies (target >= 0.5x);
 *   2. end to end: raw records already in Kafka to canonical records
 *      produced (Avro, registry, dedup, commits) against the test broker.
 *
 * BENCH_TRANSFORM_SECONDS (default 3) and BENCH_RECORDS (default 20000).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { loadConfig, loadWorkerSettings } from '../src/config/config.ts';
import { DEFAULT_ONGOING_STATUSES } from '../src/providers/ongoing/statuses.ts';
import { providerAdapters } from '../src/providers/index.ts';
import type { Source } from '../src/providers/provider.ts';
import { startEmbeddedRegistry } from '../src/registry/index.ts';
import { transform } from '../src/worker/pipeline.ts';
import type { PipelineConfig, RawRecord } from '../src/worker/pipeline.ts';
import { startWorker } from '../src/worker/worker.ts';
import { startTestBroker } from '../src/broker/test-broker.ts';

const transformSeconds = Number(process.env.BENCH_TRANSFORM_SECONDS ?? 3);
const records = Number(process.env.BENCH_RECORDS ?? 20_000);

function fixtures(source: Source): Buffer[] {
  const folder = new URL(`../test/fixtures/providers/${source}/`, import.meta.url);
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json') && !name.startsWith('header-'))
    .map((name) => readFileSync(new URL(name, folder)));
}

/** Real messages of every provider, as raw records the ingress would have landed. */
function rawRecords(): RawRecord[] {
  const header = JSON.parse(
    readFileSync(
      new URL(
        '../test/fixtures/providers/happycolis/header-event-payloads-page.json',
        import.meta.url,
      ),
      'utf8',
    ),
  ) as Record<string, unknown>;
  const types = providerAdapters({ ongoingStatuses: DEFAULT_ONGOING_STATUSES }).happycolis.worker
    .eventTypes;
  const happycolis = fixtures('happycolis').map((body, i) =>
    Buffer.from(
      JSON.stringify({
        header: { ...header, type: types[i % types.length] },
        body: JSON.parse(body.toString()) as unknown,
      }),
    ),
  );
  const bodies: [Source, Buffer][] = [
    ...happycolis.map((body): [Source, Buffer] => ['happycolis', body]),
    ...fixtures('ongoing').map((body): [Source, Buffer] => ['ongoing', body]),
    ...fixtures('shipwell').map((body): [Source, Buffer] => ['shipwell', body]),
  ];
  return bodies.map(([source, value], i) => ({
    topic: `webhooks.raw.${source}`,
    partition: 0,
    offset: String(i),
    key: null,
    value,
    headers: {
      'wharf-source': source,
      'wharf-received-at': '2023-12-08T12:00:00.000Z',
      ...(source === 'ongoing' ? { 'wharf-url-event-type': 'order-status-changed' } : {}),
    },
  }));
}

/**
 * A copy of a message that is another event (unchanged copies would be
 * redeliveries, which the dedup window rightly drops).
 */
function distinct(raw: RawRecord, copy: number): Buffer {
  const message = JSON.parse(raw.value?.toString('utf8') ?? '{}') as Record<string, unknown>;
  const source = raw.headers['wharf-source'];
  if (source === 'happycolis' && typeof message.body === 'object' && message.body !== null) {
    (message.body as Record<string, unknown>).bench_copy = copy;
  } else if (source === 'ongoing') {
    message.webhookEventId = copy;
  } else {
    message.bench_copy = copy;
  }
  return Buffer.from(JSON.stringify(message));
}

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

const config: PipelineConfig = {
  adapters: providerAdapters({ ongoingStatuses: DEFAULT_ONGOING_STATUSES }),
  // The default topics, as a deployment without overrides has them.
  topics: loadWorkerSettings({}).domainTopics,
  deadLetterTopic: loadWorkerSettings({}).deadLetterTopic,
  timeZone: 'UTC',
};
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
