/**
 * The broker every benchmark runs against, chosen here and nowhere else:
 * a real Apache Kafka (KRaft, one node, `src/broker/kafka-broker.ts`) by
 * default, or librdkafka's mock cluster (`src/broker/test-broker.ts`) on
 * request:
 *
 *   npm run bench -- --broker mock            (bench/run.ts passes it on as WHARF_BENCH_BROKER)
 *   WHARF_BENCH_BROKER=mock node bench/ingress.bench.ts
 *   node bench/latency.bench.ts --broker mock
 *
 * Each benchmark prints {@link BenchBroker.name} in its header, so that a
 * figure always says what answered it. The mock answers from memory in
 * microseconds and holds a waiting fetch for its whole max wait; the real
 * broker writes to its log (page cache, no fsync per record, as Kafka does
 * by default) and answers a waiting fetch as soon as records arrive.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { KAFKA_VERSION, startKafka } from '../../src/broker/kafka-broker.ts';
import { startTestBroker } from '../../src/broker/test-broker.ts';
import { createMissingTopics } from '../../src/kafka/topics.ts';
import { startLatencyProxy } from './latency-proxy.ts';
import type { LatencyProxy } from './latency-proxy.ts';

export type BenchBrokerKind = 'kafka' | 'mock';

/** The JVM heap the benchmarks give Kafka (the test suite's default too). */
const KAFKA_HEAP_MB = 512;

/**
 * The `--broker` option, for a benchmark that parses its arguments strictly;
 * its value is read by {@link benchBrokerKind}, not by the benchmark.
 */
export const BROKER_OPTION = { broker: { type: 'string' } } as const;

/** `--broker kafka|mock`, else WHARF_BENCH_BROKER, else `kafka`. */
export function benchBrokerKind(
  args: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): BenchBrokerKind {
  const { values } = parseArgs({
    args: [...args],
    options: BROKER_OPTION,
    strict: false,
    allowPositionals: true,
  });
  const wanted =
    (typeof values.broker === 'string' ? values.broker : undefined) ??
    env.WHARF_BENCH_BROKER ??
    'kafka';
  if (wanted !== 'kafka' && wanted !== 'mock') {
    throw new Error(`--broker / WHARF_BENCH_BROKER must be kafka or mock, not "${wanted}"`);
  }
  return wanted;
}

/** What a benchmark's header calls the broker of `kind`, known before it starts. */
export function benchBrokerName(kind: BenchBrokerKind = benchBrokerKind()): string {
  return kind === 'kafka'
    ? `Apache Kafka ${KAFKA_VERSION} (KRaft, one node, JVM heap ${String(KAFKA_HEAP_MB)} MiB)`
    : "librdkafka mock (Wharf's test broker)";
}

/** A topic a benchmark needs (a `TopicSpec` of src/kafka/topics.ts is one). */
export interface BenchTopic {
  readonly topic: string;
  readonly numPartitions: number;
  /** Topic configuration given at creation. */
  readonly config?: Readonly<Record<string, string>>;
}

/** Options of {@link startBenchBroker}. */
export interface BenchBrokerOptions {
  /** Created before the broker is handed over. */
  readonly topics?: readonly BenchTopic[];
  /**
   * Delays every broker response by this many milliseconds, to see clients
   * against a broker as far away as a replicated cluster answering acks=all:
   * the mock's own `rtt` command, or for Kafka a TCP proxy in its own process
   * (`latency-proxy.ts`) that clients reach through the advertised address.
   */
  readonly responseDelayMs?: number;
}

/** A running broker of either kind. */
export interface BenchBroker {
  readonly kind: BenchBrokerKind;
  /** For headers, e.g. `Apache Kafka 4.4.0 (KRaft, one node, JVM heap 512 MiB)`. */
  readonly name: string;
  /** Bootstrap addresses, `host:port` (the proxy's, with a response delay). */
  readonly brokers: readonly string[];
  /** The broker process (the JVM for Kafka). */
  readonly pid: number;
  /** Resident memory of the broker process in bytes (0 when it cannot be read). */
  rss(): number;
  /** Creates `topics` (Wharf's own code, src/kafka/topics.ts) and waits until each has leaders. */
  createTopics(topics: readonly BenchTopic[]): Promise<void>;
  stop(): Promise<void>;
}

/** Resident memory of a process, from /proc/<pid>/status (VmRSS); 0 when unreadable. */
export function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
    return Number(match?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

async function startMock(options: BenchBrokerOptions): Promise<BenchBroker> {
  const broker = await startTestBroker({
    topics: (options.topics ?? []).map((topic) => `${topic.topic}:${String(topic.numPartitions)}`),
  });
  const delay = options.responseDelayMs ?? 0;
  if (delay > 0) await broker.control.setRtt(delay);
  return {
    kind: 'mock',
    name: `${benchBrokerName('mock')}${delay > 0 ? `, +${String(delay)} ms per response` : ''}`,
    brokers: broker.brokers,
    pid: broker.pid,
    rss: () => rssOf(broker.pid),
    createTopics: (topics) => createTopics(broker.brokers, topics),
    stop: () => broker.stop(),
  };
}

async function createTopics(brokers: readonly string[], topics: readonly BenchTopic[]) {
  if (topics.length === 0) return;
  const admin = new Kafka({
    clientId: 'bench-setup',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    await createMissingTopics(
      admin,
      topics.map((topic) => ({ ...topic, config: topic.config ?? {} })),
    );
  } finally {
    await admin.disconnect();
  }
}

async function startRealKafka(options: BenchBrokerOptions): Promise<BenchBroker> {
  const delay = options.responseDelayMs ?? 0;
  let proxy: LatencyProxy | undefined;
  if (delay > 0) proxy = await startLatencyProxy(delay);
  try {
    const kafka = await startKafka({
      heapMb: KAFKA_HEAP_MB,
      ...(proxy === undefined ? {} : { advertisedPort: proxy.port }),
    });
    proxy?.forwardTo(kafka.listenAddress);
    try {
      await createTopics(kafka.brokers, options.topics ?? []);
    } catch (error) {
      await kafka.stop();
      throw error;
    }
    return {
      kind: 'kafka',
      name: `Apache Kafka ${kafka.version} (KRaft, one node, JVM heap ${String(KAFKA_HEAP_MB)} MiB)${delay > 0 ? `, +${String(delay)} ms per response through a TCP proxy` : ''}`,
      brokers: kafka.brokers,
      get pid() {
        return kafka.pid;
      },
      rss: () => rssOf(kafka.pid),
      createTopics: (topics) => createTopics(kafka.brokers, topics),
      async stop() {
        await kafka.stop();
        await proxy?.stop();
      },
    };
  } catch (error) {
    await proxy?.stop();
    throw error;
  }
}

/** Starts the broker chosen by {@link benchBrokerKind}, with `options`. */
export async function startBenchBroker(
  options: BenchBrokerOptions = {},
  kind: BenchBrokerKind = benchBrokerKind(),
): Promise<BenchBroker> {
  return kind === 'kafka' ? startRealKafka(options) : startMock(options);
}
