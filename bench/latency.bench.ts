/**
 * End-to-end latency at a steady rate: from sending a webhook to a consumer
 * receiving its canonical record (HTTP → ingress → raw topic → worker →
 * domain topic → consumer), against the baseline of one raw produce →
 * consume through the same broker, measured in the same run.
 *
 * The ingress and the worker run as processes of their own (`wharf ingress`,
 * `wharf worker`), as a deployment runs them, against the broker of
 * support/broker.ts (a real Apache Kafka by default, `--broker mock` for
 * librdkafka's mock); the embedded registry, the load and both measuring
 * consumers run in this process.
 * A canonical record is matched to its request by the trace id of its
 * `ce_traceparent` header: each request sends a traceparent of its own, which
 * the ingress continues and the worker carries onto the canonical record.
 * Rounds alternate baseline and pipeline (the VM's speed drifts); the median
 * round of each is reported.
 *
 * Consumers' fetch wait: the mock does not answer a waiting fetch when
 * records arrive, it holds it for the whole max wait, so with the worker's
 * default of 1000 ms each consumer hop would add up to a second that a real
 * broker does not. Against the mock the worker and both measuring consumers
 * therefore use --max-wait-ms 10 by default, which makes it answer about as
 * soon as a real one would; against Kafka, which answers a waiting fetch as
 * soon as records arrive, they keep the worker's default (1000 ms).
 *
 * Options (`node bench/latency.bench.ts …`; through `npm run bench` as the
 * variables in parentheses): --rate (requests/s; BENCH_RATE; default 200),
 * --seconds (per round; default 5, 20 with --full / BENCH_FULL=1), --rounds
 * (default 3), --max-wait-ms (default: 10 on the mock, the worker's 1000 on
 * Kafka), --broker (kafka|mock; WHARF_BENCH_BROKER), --partition-concurrency (the
 * worker's WHARF_WORKER_PARTITION_CONCURRENCY, default 4 as in a deployment;
 * the benchmark's raw topics have 12 partitions in all).
 */
import { createHistogram } from 'node:perf_hooks';
import type { RecordableHistogram } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Consumer } from 'kafkajs';
import { pino } from 'pino';
import { CLOUDEVENT_HEADERS } from '../src/kafka/headers.ts';
import { createKafka, createProducer } from '../src/kafka/client.ts';
import { BROKER_OPTION, benchBrokerKind } from './support/broker.ts';
import { SteadyLoad } from './support/load.ts';
import { requestStream, traceIdOfHeader } from './support/messages.ts';
import { startProcessStack } from './support/stack.ts';

const { values: options } = parseArgs({
  options: {
    rate: { type: 'string', default: process.env.BENCH_RATE ?? '200' },
    seconds: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    'max-wait-ms': { type: 'string' },
    ...BROKER_OPTION,
    'partition-concurrency': { type: 'string', default: '4' },
    full: { type: 'boolean', default: process.env.BENCH_FULL === '1' },
  },
});
const rate = Number(options.rate);
const seconds = Number(options.seconds ?? (options.full ? 20 : 5));
const rounds = Number(options.rounds);

/** Send times of what is on its way, by id; a latency histogram (µs) per phase. */
class Tracker {
  readonly pending = new Map<string, number>();
  lost = 0;
  histogram: RecordableHistogram = createHistogram();

  sent(id: string): void {
    this.pending.set(id, performance.now());
  }

  received(id: string | undefined): void {
    const sentAt = id === undefined ? undefined : this.pending.get(id);
    if (id === undefined || sentAt === undefined) return;
    this.pending.delete(id);
    this.histogram.record(Math.max(1, Math.round((performance.now() - sentAt) * 1000)));
  }

  /** The phase's histogram, and a fresh one for the next phase. */
  take(): RecordableHistogram {
    const histogram = this.histogram;
    this.histogram = createHistogram();
    return histogram;
  }
}

async function consume(consumer: Consumer, topics: string[], tracker: Tracker, header: boolean) {
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  const joined = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => {
      resolve();
    });
  });
  await consumer.run({
    eachMessage: ({ message }) => {
      const id = header
        ? traceIdOfHeader(message.headers?.[CLOUDEVENT_HEADERS.traceparent]?.toString())
        : message.value?.toString();
      tracker.received(id);
      return Promise.resolve();
    },
  });
  await joined;
}

/** Waits until everything sent has arrived; what has not after a minute is counted as lost. */
async function drained(tracker: Tracker, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (tracker.pending.size > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (tracker.pending.size > 0) {
    console.log(
      `${String(tracker.pending.size)} records never arrived: ${[...tracker.pending.keys()].slice(0, 5).join(', ')}…`,
    );
    tracker.lost += tracker.pending.size;
    tracker.pending.clear();
  }
}

const ms = (histogram: RecordableHistogram, percentile: number) =>
  histogram.percentile(percentile) / 1000;
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const maxWaitMs = options['max-wait-ms'] ?? (benchBrokerKind() === 'mock' ? '10' : undefined);
const stack = await startProcessStack({
  ...(maxWaitMs === undefined ? {} : { WHARF_WORKER_MAX_WAIT_MS: maxWaitMs }),
  WHARF_WORKER_PARTITION_CONCURRENCY: options['partition-concurrency'],
});
console.log(`broker: ${stack.broker.name} at ${stack.broker.brokers.join(',')}`);
try {
  const maxWaitTimeInMs = stack.config.worker.maxWaitMs;
  const kafka = createKafka(stack.config.kafka, pino({ level: 'silent' }));

  // Baseline: one awaited-nowhere produce per record, consumed in this process.
  const baselineTopic = 'bench.latency.baseline';
  await stack.broker.createTopics([{ topic: baselineTopic, numPartitions: 4 }]);
  const producer = createProducer(kafka);
  await producer.connect();
  const baseline = new Tracker();
  const baselineConsumer = stack.kafka.consumer({ groupId: 'bench-baseline', maxWaitTimeInMs });
  await consume(baselineConsumer, [baselineTopic], baseline, false);

  // The pipeline: the canonical records of routed webhooks, by ce_id.
  const pipeline = new Tracker();
  const pipelineConsumer = stack.kafka.consumer({ groupId: 'bench-pipeline', maxWaitTimeInMs });
  await consume(pipelineConsumer, Object.values(stack.config.worker.domainTopics), pipeline, true);
  const load = new SteadyLoad(
    stack.ingressUrl,
    requestStream(true),
    (request) => {
      pipeline.sent(request.traceId);
    },
    // Refused by the ingress: nothing to wait for (counted among the failures).
    (request) => {
      pipeline.pending.delete(request.traceId);
    },
  );

  let baselineSent = 0;
  const baselinePhase = async (duration: number): Promise<void> => {
    const started = performance.now();
    const first = baselineSent;
    const timer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * rate) + first;
      while (baselineSent < due) {
        const id = `baseline-${String(baselineSent++)}`;
        baseline.sent(id);
        void producer.send({
          topic: baselineTopic,
          acks: -1,
          messages: [{ key: id, value: id }],
        });
      }
    }, 5);
    await new Promise((resolve) => setTimeout(resolve, duration * 1000));
    clearInterval(timer);
    await drained(baseline);
  };
  const pipelinePhase = async (duration: number): Promise<void> => {
    load.start(rate);
    await new Promise((resolve) => setTimeout(resolve, duration * 1000));
    await load.stop();
    await drained(pipeline);
  };

  // A short unmeasured round of each warms the JIT, the connections and the registry cache.
  await baselinePhase(1);
  await pipelinePhase(1);
  baseline.take();
  pipeline.take();

  load.takeAnswerTimes();
  const results = {
    baseline: [] as RecordableHistogram[],
    pipeline: [] as RecordableHistogram[],
    answers: [] as RecordableHistogram[],
  };
  for (let round = 0; round < rounds; round++) {
    await baselinePhase(seconds);
    results.baseline.push(baseline.take());
    await pipelinePhase(seconds);
    results.pipeline.push(pipeline.take());
    results.answers.push(load.takeAnswerTimes());
  }
  load.close();
  await baselineConsumer.disconnect();
  await pipelineConsumer.disconnect();
  await producer.disconnect();

  const summary = (list: RecordableHistogram[]) => ({
    count: list.reduce((sum, histogram) => sum + histogram.count, 0),
    p50: median(list.map((histogram) => ms(histogram, 50))),
    p99: median(list.map((histogram) => ms(histogram, 99))),
    max: Math.max(...list.map((histogram) => histogram.max / 1000)),
  });
  const base = summary(results.baseline);
  const full = summary(results.pipeline);
  const row = (name: string, result: ReturnType<typeof summary>) =>
    `${name.padEnd(46)} ${String(result.count).padStart(6)} records   p50 ${result.p50.toFixed(1).padStart(6)} ms   p99 ${result.p99.toFixed(1).padStart(6)} ms   max ${result.max.toFixed(1).padStart(6)} ms`;
  console.log(
    `latency at ${String(rate)} req/s: median of ${String(rounds)} interleaved rounds of ${String(seconds)} s, consumers' max wait ${String(maxWaitTimeInMs)} ms, worker partition concurrency ${String(stack.config.worker.partitionConcurrency)}, failed requests: ${load.failureSummary()}, lost ${String(baseline.lost + pipeline.lost)}`,
  );
  console.log(row('baseline  produce → consume (one hop)', base));
  console.log(row('pipeline  HTTP → canonical record consumed', full));
  console.log(row('  of which: the ingress answering 200', summary(results.answers)));
  console.log(
    `ratio pipeline/baseline: p50 ${(full.p50 / base.p50).toFixed(1)}x   p99 ${(full.p99 / base.p99).toFixed(1)}x`,
  );
} finally {
  await stack.close();
}
