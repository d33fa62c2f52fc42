/**
 * The one catalog of Wharf's metrics. Every metric is declared here, with
 * Prometheus naming (`wharf_` prefix, base units, `_total` counters,
 * `_seconds` histograms) and labels whose values are bounded: sources, error
 * codes, status codes and topic names from the configuration.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Creates the catalog on its own registry (one per process; tests make their own). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true)
    collectDefaultMetrics({ register: registry, prefix: 'wharf_' });
  const registers = [registry];
  return {
    registry,
    ingressRequestDuration: new Histogram({
      name: 'wharf_ingress_request_duration_seconds',
      help: 'Time from a webhook request arriving to its answer, by source and HTTP status code.',
      labelNames: ['source', 'status_code'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    ingressAccepted: new Counter({
      name: 'wharf_ingress_webhooks_accepted_total',
      help: 'Webhooks stored in Kafka and answered 200, by source.',
      labelNames: ['source'] as const,
      registers,
    }),
    ingressRejected: new Counter({
      name: 'wharf_ingress_webhooks_rejected_total',
      help: 'Webhooks answered with an error, by source and error code.',
      labelNames: ['source', 'code'] as const,
      registers,
    }),
    ingressInFlight: new Gauge({
      name: 'wharf_ingress_requests_in_flight',
      help: 'Webhook requests received and not answered yet, by source.',
      labelNames: ['source'] as const,
      registers,
    }),
    publishBatchSize: new Histogram({
      name: 'wharf_publish_batch_records',
      help: 'Records per Kafka send of the batching publisher, by topic.',
      labelNames: ['topic'] as const,
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers,
    }),
    produceDuration: new Histogram({
      name: 'wharf_kafka_produce_duration_seconds',
      help: 'Time from a batch send to its acknowledgement by Kafka, by topic and outcome.',
      labelNames: ['topic', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    workerRecords: new Counter({
      name: 'wharf_worker_records_total',
      help: 'Raw records processed by the worker, by source, provider event type and outcome (routed, dead_lettered, deduplicated).',
      labelNames: ['source', 'event_type', 'outcome'] as const,
      registers,
    }),
    workerProcessingDuration: new Histogram({
      name: 'wharf_worker_processing_duration_seconds',
      help: 'Time to transform one raw record (parse, detect, validate, normalize, route, encode), by source.',
      labelNames: ['source'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers,
    }),
    workerDeadLetters: new Counter({
      name: 'wharf_worker_dead_letter_records_total',
      help: 'Records sent to the dead-letter topic, by source, stage and error code.',
      labelNames: ['source', 'stage', 'code'] as const,
      registers,
    }),
    workerDeduplicated: new Counter({
      name: 'wharf_worker_deduplicated_records_total',
      help: 'Provider redeliveries that produced no second canonical event, by source.',
      labelNames: ['source'] as const,
      registers,
    }),
    workerMemoryForgotten: new Counter({
      name: 'wharf_worker_memory_forgotten_total',
      help: 'Entries of the deduplication and replay memory forgotten before their window ended, by the bound that made room (partition_entries, partition_bytes, total_entries, total_bytes): a redelivery of one is produced again.',
      labelNames: ['bound'] as const,
      registers,
    }),
    workerMemoryEntries: new Gauge({
      name: 'wharf_worker_memory_entries',
      help: 'Entries the worker remembers for its assigned raw partitions (event ids, latest contents, delivery ids).',
      registers,
    }),
    workerMemoryBytes: new Gauge({
      name: 'wharf_worker_memory_bytes',
      help: 'Estimated bytes of what the worker remembers for its assigned raw partitions.',
      registers,
    }),
    workerMemoryRestoreDuration: new Histogram({
      name: 'wharf_worker_memory_restore_duration_seconds',
      help: "Time to read newly assigned raw partitions' memory back from the changelogs, before processing them.",
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    topicMisconfigured: new Gauge({
      name: 'wharf_kafka_topic_misconfigured',
      help: 'Whether a topic this process writes has a setting below what Wharf writes to it (1), by topic and setting; the process stays unready meanwhile.',
      labelNames: ['topic', 'setting'] as const,
      registers,
    }),
    kafkaConnectionProblem: new Gauge({
      name: 'wharf_kafka_connection_problem',
      help: 'Whether the last attempt to reach Kafka failed (1), by reason: authentication (credentials or token refused), authorization (ACLs), tls (a certificate refused either way) or network; the process is unready while it is not network.',
      labelNames: ['reason'] as const,
      registers,
    }),
    workerConsumerLag: new Gauge({
      name: 'wharf_worker_consumer_lag_records',
      help: 'Records between the worker position and the end of each raw topic partition.',
      labelNames: ['topic', 'partition'] as const,
      registers,
    }),
  };
}

/** Wharf's metrics, as created by {@link createMetrics}. */
export type Metrics = ReturnType<typeof createMetrics>;
