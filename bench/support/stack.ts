/**
 * The whole pipeline for benchmarks that need it: the broker chosen in
 * broker.ts (a child process: a real Kafka by default, or the mock), the
 * embedded schema registry in this process, and the ingress and the worker
 * each in a process of its own, as a deployment runs them.
 */
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../src/config/config.ts';
import type { Config } from '../../src/config/config.ts';
import { rawTopicSpecs, workerTopicSpecs } from '../../src/kafka/topics.ts';
import { startEmbeddedRegistry } from '../../src/registry/index.ts';
import type { EmbeddedRegistry } from '../../src/registry/index.ts';
import type { Scrape } from '../../src/metrics/scrape.ts';
import { scrape } from '../../src/metrics/scrape.ts';
import { spawnWharf } from '../../test/support/processes.ts';
import type { WharfProcess } from '../../test/support/processes.ts';
import { startBenchBroker } from './broker.ts';
import type { BenchBroker } from './broker.ts';
import { HAPPYCOLIS_SECRET } from './messages.ts';

/** The pipeline as a deployment runs it: the ingress and the worker each a process of its own. */
export interface ProcessStack {
  readonly broker: BenchBroker;
  readonly ingressUrl: string;
  readonly ingress: WharfProcess;
  readonly worker: WharfProcess;
  /** The worker's configuration (topics, consumer settings). */
  readonly config: Config;
  /** A client of the broker, for the benchmark's own producers and consumers. */
  readonly kafka: Kafka;
  /** A scrape of the worker's metrics endpoint. */
  workerMetrics(): Promise<Scrape>;
  close(): Promise<void>;
}

/**
 * Starts the pipeline with its defaults, but HTTP on 127.0.0.1 and an
 * ephemeral port, HappyColis signed with {@link HAPPYCOLIS_SECRET} (bound to
 * any tenant), Ongoing and Shipwell without authentication, and `overrides`;
 * `wharf ingress` and `wharf worker` run as child processes, so that each has
 * its own event loop and its memory is its own; `workerOnly` is added to the
 * worker's environment.
 */
export async function startProcessStack(
  overrides: Record<string, string> = {},
  workerOnly: Record<string, string> = {},
): Promise<ProcessStack> {
  const broker = await startBenchBroker();
  const registry = await startEmbeddedRegistry();
  const env = stackEnvironment(broker, registry, overrides);
  const config = loadConfig(env, 'worker');
  await broker.createTopics([...rawTopicSpecs(config), ...workerTopicSpecs(config)]);
  const worker = await spawnWharf('worker', { ...env, ...workerOnly });
  const ingress = await spawnWharf('ingress', env);
  const { url: ingressUrl } = ingress;
  const { metricsUrl } = worker;
  if (ingressUrl === undefined || metricsUrl === undefined) {
    throw new Error('the ingress did not log its URL, or the worker its metrics URL');
  }
  return {
    broker,
    ingressUrl,
    ingress,
    worker,
    config,
    kafka: new Kafka({
      clientId: 'bench',
      brokers: [...broker.brokers],
      logLevel: logLevel.NOTHING,
    }),
    workerMetrics: () => scrape(`${metricsUrl}/metrics`),
    async close() {
      await ingress.stop('SIGTERM');
      await worker.stop('SIGTERM');
      await registry.close();
      await broker.stop();
    },
  };
}

/** The stack's environment: see {@link startProcessStack}. */
function stackEnvironment(
  broker: BenchBroker,
  registry: EmbeddedRegistry,
  overrides: Record<string, string>,
): Record<string, string> {
  return {
    KAFKA_BROKERS: broker.brokers.join(','),
    SCHEMA_REGISTRY_URL: registry.url,
    WHARF_TOPIC_PARTITIONS: '4',
    WHARF_INGRESS_HOST: '127.0.0.1',
    WHARF_INGRESS_PORT: '0',
    WHARF_INGRESS_METRICS_PORT: '0',
    WHARF_HAPPYCOLIS_SECRETS: `*=${HAPPYCOLIS_SECRET}`,
    WHARF_SHIPWELL_AUTH: 'none',
    WHARF_ONGOING_AUTH: 'none',
    // Ongoing and Shipwell take anyone, as said; EasyPost, which the load
    // does not send, is not run.
    WHARF_ALLOW_UNAUTHENTICATED: 'true',
    WHARF_SOURCES: 'ongoing,shipwell,happycolis',
    WHARF_WORKER_METRICS_HOST: '127.0.0.1',
    WHARF_WORKER_METRICS_PORT: '0',
    WHARF_LOG_LEVEL: 'silent',
    ...overrides,
  };
}
