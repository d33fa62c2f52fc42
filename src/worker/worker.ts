/**
 * The worker process: consumes the raw topics, runs each record through the
 * pure pipeline, produces the outcome (canonical event or dead-letter
 * record), and commits a batch's offsets only after everything it produced
 * was acknowledged (at-least-once; duplicates carry the same event id).
 */
import type { EachBatchPayload, IHeaders, Kafka, Message, Producer } from 'kafkajs';
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
import { CLOUDEVENT_HEADERS, RAW_HEADERS, REDRIVE_HEADERS } from '../kafka/headers.ts';
import { DedupWindow, LatestContent } from './dedup.ts';
import { dedupMessage, latestContentMessage, restoreDedupWindow } from './dedup-store.ts';
import { deadLetter, pipelineConfigOf } from './pipeline.ts';
import { transformAndEncode } from './encode.ts';
import type { PipelineConfig, PipelineOutput, RawRecord } from './pipeline.ts';

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
  const memory = await restoreMemory(kafka, settings, now());
  logger.info(
    { remembered: memory.events.size, deliveries: memory.deliveries.size },
    'deduplication and replay windows restored',
  );

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
  const rawTopics = settings.sources.map((source) => settings.rawTopics[source]);
  // A new group starts at the beginning: whatever the ingress landed before
  // the first worker started is processed too.
  await consumer.subscribe({ topics: rawTopics, fromBeginning: true });

  let consuming = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    consuming = true;
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
  const eachBatch = processBatch(producer, codec, memory, pipelineConfig, metrics, now);
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    // Partitions are independent: while one batch waits for Kafka, another is transformed.
    partitionsConsumedConcurrently: settings.partitionConcurrency,
    eachBatch,
  });
  logger.info({ topics: rawTopics, groupId: settings.groupId }, 'worker consuming');

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
        await metricsServer.close();
        logger.info('worker stopped');
      })();
      return stopping;
    },
  };
}

/**
 * What the worker remembers across batches and restarts: canonical event ids
 * (a redelivery within the deduplication window gives no second event), and
 * the delivery ids providers sign into a request (one seen again within the
 * replay window is a captured request sent again).
 */
interface Memory {
  readonly events: DedupWindow;
  /** Each entity's latest content, for events known by their content (same topic as events). */
  readonly latest: LatestContent;
  readonly eventTopic: string;
  readonly deliveries: DedupWindow;
  readonly deliveryTopic: string;
}

/** Both windows, read back from their topics. */
async function restoreMemory(
  kafka: Kafka,
  settings: Config['worker'],
  now: number,
): Promise<Memory> {
  const memory: Memory = {
    events: new DedupWindow(settings.dedupWindowMs, settings.dedupMaxEntries),
    latest: new LatestContent(settings.dedupWindowMs, settings.dedupMaxEntries),
    eventTopic: settings.dedupTopic,
    deliveries: new DedupWindow(settings.replayWindowMs, settings.replayMaxEntries),
    deliveryTopic: settings.replayTopic,
  };
  await restoreDedupWindow(
    kafka,
    memory.eventTopic,
    memory.events,
    now,
    settings.dedupWindowMs,
    memory.latest,
  );
  if (settings.replayWindowMs > 0) {
    await restoreDedupWindow(
      kafka,
      memory.deliveryTopic,
      memory.deliveries,
      now,
      settings.replayWindowMs,
    );
  }
  return memory;
}

/**
 * Whether a routed record is a replay: its signed delivery id was seen within
 * the replay window (or earlier in this batch). A record an operator redrove
 * (`wharf replay`) is let through: writing raw topics is theirs to do.
 */
function isReplay(
  record: Extract<PipelineOutput, { kind: 'domain' }>,
  raw: RawRecord,
  memory: Memory,
  seenInBatch: ReadonlySet<string>,
  now: number,
): boolean {
  const key = record.replayKey;
  if (key === undefined || raw.headers[REDRIVE_HEADERS.from] !== undefined) return false;
  return memory.deliveries.has(key, now) || seenInBatch.has(key);
}

/** The dead letter of a replayed request. */
function replayDeadLetter(
  raw: RawRecord,
  config: PipelineConfig,
  memory: Memory,
  eventType: string,
): Extract<PipelineOutput, { kind: 'dead-letter' }> {
  const days = Math.round(memory.deliveries.windowMs / 86_400_000);
  return deadLetter(
    raw,
    config,
    {
      stage: 'authorize',
      code: 'REPLAYED',
      message: `the request's signed delivery id was already delivered within the replay window (${String(days)} days): a captured request sent again`,
      path: '',
    },
    eventType,
  );
}

function processBatch(
  producer: Producer,
  codec: CanonicalCodec,
  memory: Memory,
  config: PipelineConfig,
  metrics: Metrics,
  now: () => number,
) {
  return async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const outgoing: Outgoing[] = [];
    const remembered = new Set<string>();
    const deliveries = new Set<string>();
    /** subject → the latest content key routed in this batch. */
    const latest = new Map<string, string>();
    // Counted once the batch is stored: a batch that fails is processed again.
    const counts: (() => void)[] = [];
    for (const message of batch.messages) {
      const raw: RawRecord = {
        topic: batch.topic,
        partition: batch.partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        headers: headersAsStrings(message.headers),
      };
      const started = process.hrtime.bigint();
      let output = await transformAndEncode(raw, config, (domain, event) =>
        codec.encode(domain, event),
      );
      const source = raw.headers[RAW_HEADERS.source] ?? 'unknown';
      metrics.workerProcessingDuration.observe(
        { source },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
      if (output.kind === 'domain') {
        const { event, contentKey } = output.record;
        const at = now();
        const repeatsLatest =
          contentKey !== undefined &&
          (latest.has(event.subject)
            ? latest.get(event.subject) === contentKey
            : memory.latest.isLatest(event.subject, contentKey, at));
        if (memory.events.has(event.id, at) || remembered.has(event.id) || repeatsLatest) {
          counts.push(() => {
            metrics.workerDeduplicated.inc({ source });
            metrics.workerRecords.inc({
              source,
              event_type: event.providerEventType,
              outcome: 'deduplicated',
            });
          });
          continue;
        }
        if (isReplay(output.record, raw, memory, deliveries, at)) {
          output = replayDeadLetter(raw, config, memory, event.providerEventType);
        }
      }
      if (output.kind === 'dead-letter') {
        const { stage, code } = output.error;
        counts.push(() => {
          metrics.workerDeadLetters.inc({ source, stage, code });
          metrics.workerRecords.inc({
            source,
            event_type: output.eventType ?? 'unknown',
            outcome: 'dead_lettered',
          });
        });
        outgoing.push({
          topic: output.topic,
          message: { key: output.key, value: output.value, headers: output.headers },
          raw,
          eventId: undefined,
          eventType: undefined,
        });
        continue;
      }
      const eventType = output.record.event.providerEventType;
      const id = output.record.event.id;
      const { replayKey, contentKey } = output.record;
      const { subject } = output.record.event;
      outgoing.push({
        topic: output.record.topic,
        message: {
          key: output.record.key,
          value: output.value,
          headers: withDataSchema(output.record.headers, codec.dataSchema(output.record.domain)),
        },
        raw,
        eventId: id,
        eventType,
        replayKey,
        ...(contentKey === undefined ? {} : { content: { subject, key: contentKey } }),
      });
      remembered.add(id);
      if (contentKey !== undefined) latest.set(subject, contentKey);
      if (replayKey !== undefined && memory.deliveries.windowMs > 0) deliveries.add(replayKey);
    }

    // Everything of the batch is acknowledged before its offsets are committed.
    const refused = new Set(await produceAll(producer, outgoing, config, metrics));
    for (const record of outgoing) {
      if (record.eventId === undefined || record.eventType === undefined) continue;
      if (refused.has(record)) {
        remembered.delete(record.eventId);
        if (record.replayKey !== undefined) deliveries.delete(record.replayKey);
        if (record.content && latest.get(record.content.subject) === record.content.key)
          latest.delete(record.content.subject);
        continue;
      }
      const { eventType } = record;
      const source = record.raw.headers[RAW_HEADERS.source] ?? 'unknown';
      counts.push(() => {
        metrics.workerRecords.inc({ source, event_type: eventType, outcome: 'routed' });
      });
    }
    const at = now();
    await rememberAll(producer, memory, { events: remembered, deliveries, latest }, at);
    for (const id of remembered) memory.events.remember(id, at);
    for (const key of deliveries) memory.deliveries.remember(key, at);
    for (const [subject, key] of latest) memory.latest.remember(subject, key, at);
    for (const count of counts) count();
    const last = batch.lastOffset();
    payload.resolveOffset(last);
    // Through the batch's own commit: consumer.commitOffsets does nothing once
    // a disconnect has begun, and the batch in hand would be replayed.
    await payload.commitOffsetsIfNecessary({
      topics: [
        {
          topic: batch.topic,
          partitions: [{ partition: batch.partition, offset: String(BigInt(last) + 1n) }],
        },
      ],
    });
    metrics.workerConsumerLag.set(
      { topic: batch.topic, partition: String(batch.partition) },
      Number(batch.offsetLag()),
    );
    await payload.heartbeat();
  };
}

/** A record to produce, with the raw record it came from. */
interface Outgoing {
  readonly topic: string;
  readonly message: Message;
  readonly raw: RawRecord;
  /** The canonical event id and provider event type, for a canonical record. */
  readonly eventId: string | undefined;
  readonly eventType: string | undefined;
  /** The signed delivery's key, for a canonical record whose provider signs one. */
  readonly replayKey?: string | undefined;
  /** The entity and its content's key, for a canonical record known by its content. */
  readonly content?: { readonly subject: string; readonly key: string };
}

/**
 * Writes a batch's event ids, entities' latest contents and delivery keys to
 * their topics, in one send.
 * Only after the events themselves are stored: a crash in between leaves a
 * duplicate (the replay produces them again), never a loss (a restored id
 * whose event was never written would suppress it).
 */
async function rememberAll(
  producer: Producer,
  memory: Memory,
  seen: {
    readonly events: ReadonlySet<string>;
    readonly deliveries: ReadonlySet<string>;
    readonly latest: ReadonlyMap<string, string>;
  },
  seenAt: number,
): Promise<void> {
  const eventMessages = [
    ...[...seen.events].map((id) => dedupMessage(id, seenAt)),
    ...[...seen.latest].map(([subject, key]) => latestContentMessage(subject, key, seenAt)),
  ];
  const topicMessages = [
    { topic: memory.eventTopic, messages: eventMessages },
    {
      topic: memory.deliveryTopic,
      messages: [...seen.deliveries].map((key) => dedupMessage(key, seenAt)),
    },
  ].filter(({ messages }) => messages.length > 0);
  if (topicMessages.length > 0) await producer.sendBatch({ acks: -1, topicMessages });
}

/** Whether Kafka refused a record for its size (kafkajs wraps the protocol error). */
function isTooLarge(error: unknown): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if ((cause as { type?: unknown }).type === 'MESSAGE_TOO_LARGE') return true;
  }
  return false;
}

/**
 * Produces a batch's records in one send. When Kafka refuses the send for a
 * record's size, which it does not retry, the records go one at a time and
 * the one refused goes to the dead-letter topic as its raw record, so that
 * one oversized output neither stops the partition nor loses the others.
 * Returns the records that were dead-lettered instead.
 */
async function produceAll(
  producer: Producer,
  records: readonly Outgoing[],
  config: PipelineConfig,
  metrics: Metrics,
): Promise<Outgoing[]> {
  if (records.length === 0) return [];
  const byTopic = new Map<string, Message[]>();
  for (const { topic, message } of records)
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
  const started = process.hrtime.bigint();
  const observe = (outcome: 'ok' | 'error') => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const topic of byTopic.keys())
      metrics.produceDuration.observe({ topic, outcome }, seconds);
  };
  try {
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    observe('ok');
    return [];
  } catch (error) {
    observe('error');
    if (!isTooLarge(error)) throw error;
  }
  const refused: Outgoing[] = [];
  for (const record of records) {
    try {
      await producer.send({ topic: record.topic, acks: -1, messages: [record.message] });
    } catch (error) {
      // A raw record too large even for the dead-letter topic is a misconfigured topic: stop.
      if (!isTooLarge(error) || record.topic === config.deadLetterTopic) throw error;
      const dead = deadLetter(record.raw, config, {
        stage: 'produce',
        code: 'OUTPUT_TOO_LARGE',
        message: `Kafka refused the ${record.topic} record as too large`,
        path: '',
      });
      await producer.send({
        topic: dead.topic,
        acks: -1,
        messages: [{ key: dead.key, value: dead.value, headers: dead.headers }],
      });
      metrics.workerDeadLetters.inc({
        source: record.raw.headers[RAW_HEADERS.source] ?? 'unknown',
        stage: 'produce',
        code: 'OUTPUT_TOO_LARGE',
      });
      refused.push(record);
    }
  }
  return refused;
}

/** A domain record's headers with the CloudEvents `dataschema` of its value, when known. */
function withDataSchema(
  headers: Readonly<Record<string, string>>,
  dataSchema: string | undefined,
): Record<string, string> {
  return dataSchema === undefined
    ? { ...headers }
    : { ...headers, [CLOUDEVENT_HEADERS.dataschema]: dataSchema };
}
