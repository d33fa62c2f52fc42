/**
 * The worker process: consumes the raw topics; for each raw partition's
 * batch, plans its outcomes against the partition's memory (plan.ts), then
 * stores what several partitions planned in one round: produce, remember,
 * commit, count (store.ts, gathered by accumulator.ts). Offsets are
 * committed only after everything produced was acknowledged (at-least-once;
 * duplicates carry the same event id). Each assigned raw partition's memory
 * is read back from the changelogs on assignment (changelog.ts) and dropped
 * on revocation.
 */
import type { EachBatchPayload, IHeaders, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { CanonicalCodec } from '../kafka/canonical-codec.ts';
import { createKafka, createProducer } from '../kafka/client.ts';
import { createRegistryClient } from '../kafka/registry-client.ts';
import { watchKafkaConnection } from '../kafka/connection-health.ts';
import { RegistryConnectionError } from '../kafka/connection-problem.ts';
import { provisionTopics, rawTopicSpecs, workerTopicSpecs } from '../kafka/topics.ts';
import { createMetrics } from '../metrics/catalog.ts';
import type { Metrics } from '../metrics/catalog.ts';
import { startMetricsServer } from '../metrics/server.ts';
import { Accumulator } from './accumulator.ts';
import { changelogProblem, restoreChangelogs } from './changelog.ts';
import type { Changelogs } from './changelog.ts';
import { MEMORY_BOUNDS, WorkerMemory, partitionName } from './memory.ts';
import { pipelineConfigOf } from './pipeline.ts';
import type { PipelineConfig, RawRecord } from './pipeline.ts';
import { planBatch } from './plan.ts';
import type { Plan, PlanDependencies } from './plan.ts';
import { TransactionalProducers, storeExactlyOnce } from './exactly-once.ts';
import { storeAtLeastOnce } from './store.ts';
import type { Commit, StoreDependencies } from './store.ts';

/** A running worker. */
export interface RunningWorker {
  readonly metrics: Metrics;
  /** Where /metrics, /livez and /readyz are served. */
  readonly metricsUrl: string;
  /**
   * Settles when the consumer stopped for good (an error kafkajs does not
   * retry): the process should then exit, to be restarted.
   */
  readonly failed: Promise<Error>;
  /** Finishes the batch in hand, commits, disconnects. */
  shutdown(): Promise<void>;
}

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  readonly metrics?: Metrics;
  /** The clock (default: the system's), for the deduplication window. */
  readonly now?: () => number;
  /** How often an output topic found too small is checked again (default 15 s). */
  readonly topicRecheckMs?: number;
  /** How often a fresh connection to Kafka is tried, to notice refused credentials (default 15 s). */
  readonly connectionCheckMs?: number;
}

/** A Kafka record's headers as text, the first value of a repeated header. */
export function headersAsStrings(headers: IHeaders | undefined): Record<string, string> {
  // fromEntries defines each key, so a header named __proto__ stays a header.
  return Object.fromEntries(
    Object.entries(headers ?? {}).flatMap(([name, value]) => {
      const first = Array.isArray(value) ? value[0] : value;
      return first === undefined ? [] : [[name, first.toString()]];
    }),
  );
}

/** Starts the worker: topics, schemas, deduplication window, consumer. */
export async function startWorker(
  config: Config,
  pipeline: Pick<PipelineConfig, 'adapters'>,
  logger: Logger,
  options: StartWorkerOptions = {},
): Promise<RunningWorker> {
  const metrics = options.metrics ?? createMetrics();
  const now = options.now ?? Date.now;
  const settings = config.worker;
  if (!settings.schemaRegistryUrl) throw new Error('the worker needs SCHEMA_REGISTRY_URL');
  const pipelineConfig = pipelineConfigOf(settings, pipeline.adapters);
  const kafka = createKafka(config.kafka, logger);

  // Whichever process starts first creates the raw topics with the
  // ingress's limits too; the worker checks the topics it writes.
  const outputTopics = workerTopicSpecs(config);
  const topics = await provisionTopics(
    { create: [...outputTopics, ...rawTopicSpecs(config)], check: outputTopics },
    {
      admin: () => kafka.admin(),
      logger,
      metrics,
      ...(options.topicRecheckMs === undefined ? {} : { recheckMs: options.topicRecheckMs }),
    },
  );

  const codec = await CanonicalCodec.register(
    createRegistryClient(settings.schemaRegistryUrl, settings.schemaRegistry),
    settings.domainTopics,
    settings.schemaSubjectStrategy,
    settings.schemaRegistryUrl,
  ).catch((error: unknown) => {
    throw new RegistryConnectionError(`registering the canonical schemas failed`, {
      cause: error,
    });
  });
  const connection = watchKafkaConnection(kafka, {
    security: config.kafka.security,
    logger,
    metrics,
    intervalMs: options.connectionCheckMs,
  });
  const rawTopics = settings.sources.map((source) => settings.rawTopics[source]);
  const changelogs: Changelogs = {
    dedup: settings.dedupTopic,
    replay: settings.replayWindowMs > 0 ? settings.replayTopic : undefined,
  };
  await checkChangelogs(kafka, changelogs, rawTopics);
  // Every bound's series exists from the start, at 0, for rate() and the dashboard.
  for (const bound of MEMORY_BOUNDS) metrics.workerMemoryForgotten.inc({ bound }, 0);
  const memory = new WorkerMemory(
    { dedupMs: settings.dedupWindowMs, replayMs: settings.replayWindowMs },
    settings.memoryBounds,
    (bound) => {
      metrics.workerMemoryForgotten.inc({ bound });
    },
  );
  const transactional =
    settings.delivery === 'exactly-once'
      ? new TransactionalProducers(kafka, settings.transactionalIdPrefix, logger)
      : undefined;
  const assignments = new Assignments(kafka, changelogs, memory, {
    logger,
    metrics,
    now,
    revoked: (name) => transactional?.close(name),
    // At once, not at the partition's next batch: initialising its
    // transactional id fences the previous owner and aborts its open
    // transaction, which holds back read_committed consumers until then.
    assigned: (topic, partition) => transactional?.start(topic, partition),
  });

  const producer = createProducer(kafka);
  await producer.connect();
  const consumer = kafka.consumer({
    groupId: settings.groupId,
    maxWaitTimeInMs: settings.maxWaitMs,
    // A crashed worker's partitions wait this long for another member; the
    // heartbeat is a third of it at most, as Kafka advises.
    sessionTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: Math.min(3_000, Math.floor(settings.sessionTimeoutMs / 3)),
  });
  await consumer.connect();
  // A new group starts at the beginning: whatever the ingress landed before
  // the first worker started is processed too.
  await consumer.subscribe({ topics: rawTopics, fromBeginning: true });

  let consuming = false;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    consuming = true;
    assignments.assign(payload.memberAssignment);
    // Partitions another worker took over must not keep showing their last lag.
    metrics.workerConsumerLag.reset();
  });
  let fatal: Error | undefined;
  const failed = new Promise<Error>((resolve) => {
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      consuming = false;
      connection.report(payload.error);
      if (payload.restart) return;
      fatal = payload.error;
      logger.fatal({ err: payload.error }, 'the consumer stopped for good');
      resolve(payload.error);
    });
  });
  const metricsServer = await startMetricsServer(metrics, {
    isReady: () =>
      consuming && topics.problems().length === 0 && connection.blockingProblem() === undefined,
    isAlive: () => fatal === undefined,
    host: settings.metricsHost,
    port: settings.metricsPort,
  });
  const eachBatch = handleBatches(assignments, settings, transactional, {
    config: pipelineConfig,
    encode: (domain, event) => codec.encode(domain, event),
    dataSchema: (domain) => codec.dataSchema(domain),
    metrics,
    now,
    producer,
    memory,
    changelogs,
    logger,
  });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    // Partitions are independent: while one batch waits for Kafka, another is transformed.
    partitionsConsumedConcurrently: settings.partitionConcurrency,
    eachBatch,
  });
  logger.info(
    { topics: rawTopics, groupId: settings.groupId, metricsUrl: metricsServer.url },
    'worker consuming',
  );

  let stopping: Promise<void> | undefined;
  return {
    metrics,
    metricsUrl: metricsServer.url,
    failed,
    shutdown() {
      stopping ??= (async () => {
        consuming = false;
        topics.stop();
        connection.stop();
        await consumer.disconnect();
        await producer.disconnect();
        await transactional?.closeAll();
        await metricsServer.close();
        logger.info('worker stopped');
      })();
      return stopping;
    },
  };
}

/** Fails the start when the changelogs cannot hold every raw partition's memory. */
async function checkChangelogs(
  kafka: Kafka,
  changelogs: Changelogs,
  rawTopics: readonly string[],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const problem = await changelogProblem(admin, changelogs, rawTopics).finally(() =>
    admin.disconnect(),
  );
  if (problem !== undefined) throw new Error(problem);
}

/** Sends heartbeats while `work` runs, so that a long restore keeps the worker in its group. */
async function whileBeating(work: Promise<unknown>, heartbeat: () => Promise<void>): Promise<void> {
  const timer = setInterval(() => {
    heartbeat().catch(() => undefined);
  }, 3_000);
  try {
    await work;
  } finally {
    clearInterval(timer);
  }
}

/** What {@link Assignments} reports to. */
interface AssignmentContext {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => number;
  /** Called for each raw partition this worker no longer holds. */
  readonly revoked: (name: string) => void;
  /** Called for each raw partition newly assigned. */
  readonly assigned: (topic: string, partition: number) => void;
}

/**
 * The raw partitions assigned to this worker and their memories: each new
 * assignment drops the partitions that left and starts restoring the ones
 * that came; a partition's batches wait for its restore.
 */
class Assignments {
  readonly #kafka: Kafka;
  readonly #changelogs: Changelogs;
  readonly memory: WorkerMemory;
  readonly #context: AssignmentContext;
  /** Partition name → its restore, while it runs. */
  readonly #restoring = new Map<string, Promise<void>>();

  constructor(
    kafka: Kafka,
    changelogs: Changelogs,
    memory: WorkerMemory,
    context: AssignmentContext,
  ) {
    this.#kafka = kafka;
    this.#changelogs = changelogs;
    this.memory = memory;
    this.#context = context;
  }

  /** Takes a new assignment (`topic → partitions`). */
  assign(assignment: Readonly<Record<string, number[]>>): void {
    const assigned = Object.entries(assignment).flatMap(([topic, partitions]) =>
      partitions.map((partition) => ({ topic, partition })),
    );
    const names = new Set(assigned.map(({ topic, partition }) => partitionName(topic, partition)));
    for (const name of this.memory.names()) {
      if (names.has(name)) continue;
      this.memory.close(name);
      this.#restoring.delete(name);
      this.#context.revoked(name);
    }
    const fresh = assigned.filter(
      ({ topic, partition }) => !this.memory.partition(topic, partition),
    );
    for (const { topic, partition } of fresh) this.#context.assigned(topic, partition);
    if (fresh.length > 0) this.#restore(fresh);
    this.observe();
  }

  /** The memory of a raw partition, once restored (restored now if its assignment was missed). */
  async ready(topic: string, partition: number, heartbeat: () => Promise<void>) {
    const name = partitionName(topic, partition);
    if (!this.memory.partition(topic, partition)) this.#restore([{ topic, partition }]);
    const restore = this.#restoring.get(name);
    if (restore) await whileBeating(restore, heartbeat);
    return this.memory.partition(topic, partition) ?? this.memory.open(topic, partition);
  }

  #restore(fresh: readonly { topic: string; partition: number }[]): void {
    const names = fresh.map(({ topic, partition }) => partitionName(topic, partition));
    for (const { topic, partition } of fresh) this.memory.open(topic, partition);
    const wanted = new Set(names);
    const { logger, metrics, now } = this.#context;
    const started = process.hrtime.bigint();
    const restore = restoreChangelogs(
      this.#kafka,
      this.#changelogs,
      new Set(fresh.map(({ partition }) => partition)),
      (rawTopic, partition) =>
        wanted.has(partitionName(rawTopic, partition))
          ? this.memory.partition(rawTopic, partition)
          : undefined,
      now(),
    ).then(
      (read) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.workerMemoryRestoreDuration.observe(seconds);
        for (const name of names)
          if (this.#restoring.get(name) === restore) this.#restoring.delete(name);
        for (const memory of fresh) {
          const held = this.memory.partition(memory.topic, memory.partition);
          if (held) this.memory.enforceBounds(held);
        }
        this.observe();
        logger.info({ partitions: names, records: read, seconds }, "partitions' memory restored");
      },
      (error: unknown) => {
        // Restored again by the partition's next batch.
        for (const name of names) {
          if (this.#restoring.get(name) !== restore) continue;
          this.#restoring.delete(name);
          this.memory.close(name);
        }
        throw error;
      },
    );
    // Awaited by the partitions' batches; a failure reaches them there.
    restore.catch(() => undefined);
    for (const name of names) this.#restoring.set(name, restore);
  }

  /** Updates the memory gauges (after an assignment, a restore or a store). */
  observe(): void {
    this.#context.metrics.workerMemoryEntries.set(this.memory.entries);
    this.#context.metrics.workerMemoryBytes.set(this.memory.bytes);
  }
}

/** A raw partition's batch as raw records. */
function rawRecordsOf(batch: EachBatchPayload['batch']): RawRecord[] {
  return batch.messages.map((message) => ({
    topic: batch.topic,
    partition: batch.partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: headersAsStrings(message.headers),
  }));
}

/** A planned batch waiting to be stored, with the commit of the kafkajs batch it came from. */
interface Planned {
  readonly plan: Plan;
  readonly commit: Commit;
}

/**
 * The consumer's eachBatch: wait for the partition's memory, plan the batch,
 * then store it: at least once, with whatever other partitions planned
 * meanwhile; exactly once, in the partition's own transaction.
 */
function handleBatches(
  assignments: Assignments,
  settings: WorkerSettings,
  transactional: TransactionalProducers | undefined,
  deps: PlanDependencies & StoreDependencies,
) {
  const accumulator = new Accumulator<Planned>(async (items) => {
    const [first] = items;
    if (!first) return;
    await storeAtLeastOnce(
      items.map(({ plan }) => plan),
      first.commit,
      deps,
    );
    assignments.observe();
  }, settings.batch);
  return async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const memory = await assignments.ready(batch.topic, batch.partition, () => payload.heartbeat());
    const last = batch.lastOffset();
    const planned = async () => {
      const records = rawRecordsOf(batch);
      const plan = await planBatch(
        {
          topic: batch.topic,
          partition: batch.partition,
          records,
          nextOffset: String(BigInt(last) + 1n),
        },
        memory,
        deps,
      );
      // Through the batch's own commit: consumer.commitOffsets does nothing
      // once a disconnect has begun, and the batch in hand would be replayed.
      const commit: Commit = (topics) => payload.commitOffsetsIfNecessary({ topics });
      const bytes = records.reduce((sum, raw) => sum + (raw.value?.length ?? 0), 0);
      return { item: { plan, commit }, records: records.length, bytes };
    };
    if (transactional) {
      const { item } = await planned();
      await storeExactlyOnce(item.plan, transactional, { ...deps, groupId: settings.groupId });
      assignments.observe();
    } else {
      // Planned inside: the batches being planned hold the round open for theirs.
      await accumulator.handle(planned);
    }
    payload.resolveOffset(last);
    deps.metrics.workerConsumerLag.set(
      { topic: batch.topic, partition: String(batch.partition) },
      Number(batch.offsetLag()),
    );
    await payload.heartbeat();
  };
}

type WorkerSettings = Config['worker'];
