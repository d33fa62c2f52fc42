/**
 * Every topic Wharf uses, with its partitions and configs, specified in one
 * place; and their provisioning: each process creates the topics that are
 * missing and checks the ones it writes.
 *
 * A record batch larger than a topic's `max.message.bytes` is refused by
 * Kafka (the broker's default is about 1 MiB). Whichever process starts first
 * creates every raw topic with the same spec, and an existing topic whose
 * limit is below what Wharf writes is reported, with the value found and the
 * value needed, and keeps the process unready until it is raised.
 */
// kafkajs is CommonJS, and Node.js cannot see this export by name.
import kafkajs from 'kafkajs';
import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { DOMAINS } from '../canonical/model.ts';
import type { Config } from '../config/config.ts';
import { untilKafkaAnswers } from './client.ts';
import type { Metrics } from '../metrics/catalog.ts';

/** A topic Wharf needs. */
export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions: number;
  readonly replicationFactor?: number | undefined;
  /** Topic configuration given at creation. */
  readonly config: Readonly<Record<string, string>>;
  /** The smallest `max.message.bytes` an existing topic may have: the largest batch Wharf writes to it. */
  readonly minMessageBytes?: number;
}

/** An existing topic whose `max.message.bytes` is below what Wharf writes to it. */
export interface TopicProblem {
  readonly topic: string;
  readonly setting: 'max.message.bytes';
  readonly found: number;
  readonly needed: number;
}

/** Room for record, batch and header overhead above the payload bytes. */
const RECORD_OVERHEAD_BYTES = 1024 * 1024;

/**
 * The largest batch the ingress sends to a raw topic: a batch of
 * `batchMaxBytes`, or one body at the size limit, whichever is larger.
 */
export function rawTopicMessageBytes(config: Config): number {
  return (
    Math.max(config.ingress.batchMaxBytes, config.ingress.maxBodyBytes) + RECORD_OVERHEAD_BYTES
  );
}

/**
 * The largest record the worker writes: a canonical record carries the
 * provider's payload beside the canonical data, a dead letter the raw body
 * and its error headers.
 */
export function outputTopicMessageBytes(config: Config): number {
  return 3 * config.ingress.maxBodyBytes + RECORD_OVERHEAD_BYTES;
}

function spec(
  config: Config,
  topic: string,
  topicConfig: Record<string, string>,
  minMessageBytes?: number,
): TopicSpec {
  return {
    topic,
    numPartitions: config.kafka.topicPartitions,
    replicationFactor: config.kafka.topicReplicationFactor,
    config: {
      ...(minMessageBytes === undefined ? {} : { 'max.message.bytes': String(minMessageBytes) }),
      ...topicConfig,
    },
    ...(minMessageBytes === undefined ? {} : { minMessageBytes }),
  };
}

/** The raw topics, one per source: what the ingress writes and the worker reads. */
export function rawTopicSpecs(config: Config): TopicSpec[] {
  const bytes = rawTopicMessageBytes(config);
  return config.sources.map((source) =>
    spec(config, config.ingress.sources[source].rawTopic, {}, bytes),
  );
}

/** The topics the worker writes: a topic per domain, dead letters, the deduplication and replay logs. */
export function workerTopicSpecs(config: Config): TopicSpec[] {
  const { worker } = config;
  const bytes = outputTopicMessageBytes(config);
  return [
    ...DOMAINS.map((domain) => spec(config, worker.domainTopics[domain], {}, bytes)),
    spec(config, worker.deadLetterTopic, {}, bytes),
    // Compacted (one record per id) and deleted past the window, so that
    // restoring never reads ids older than the window, nor more of them.
    spec(config, worker.dedupTopic, {
      'cleanup.policy': 'compact,delete',
      'retention.ms': String(Math.max(worker.dedupWindowMs, 60_000)),
    }),
    // The same for the delivery ids of signed requests, over the replay window.
    spec(config, worker.replayTopic, {
      'cleanup.policy': 'compact,delete',
      'retention.ms': String(Math.max(worker.replayWindowMs, 60_000)),
    }),
  ];
}

/** Waits until every partition of `topics` has a leader (see {@link untilKafkaAnswers}). */
async function waitForLeaders(admin: Admin, topics: readonly string[]): Promise<void> {
  await untilKafkaAnswers(`leaders of ${topics.join(', ')}`, async () => {
    const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
    const led = found.every(
      (topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0),
    );
    return led ? true : undefined;
  });
}

/**
 * Creates the topics that do not exist yet (existing ones are left as they
 * are), waits for their leaders, and returns the names that were created. A
 * topic another process creates at the same moment counts as existing.
 */
export async function createMissingTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((topic) => !existing.has(topic.topic));
  if (missing.length === 0) return [];
  await admin.createTopics({
    // kafkajs's own wait gives up on the UNKNOWN_TOPIC_OR_PARTITION a real
    // Kafka answers just after creating a topic; waitForLeaders retries it.
    waitForLeaders: false,
    topics: missing.map((topic) => ({
      topic: topic.topic,
      numPartitions: topic.numPartitions,
      ...(topic.replicationFactor === undefined
        ? {}
        : { replicationFactor: topic.replicationFactor }),
      configEntries: Object.entries(topic.config).map(([name, value]) => ({ name, value })),
    })),
  });
  const created = missing.map((topic) => topic.topic);
  await waitForLeaders(admin, created);
  return created;
}

/**
 * Reads the effective `max.message.bytes` of each topic that has a minimum
 * (set on the topic, or the broker's default) and returns those below it.
 */
export async function findTopicProblems(
  admin: Admin,
  specs: readonly TopicSpec[],
): Promise<TopicProblem[]> {
  const checked = specs.filter((topic) => topic.minMessageBytes !== undefined);
  if (checked.length === 0) return [];
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: checked.map((topic) => ({
      type: kafkajs.ConfigResourceTypes.TOPIC,
      name: topic.topic,
      configNames: ['max.message.bytes'],
    })),
  });
  const problems: TopicProblem[] = [];
  for (const topic of checked) {
    const resource = resources.find((candidate) => candidate.resourceName === topic.topic);
    const entry = resource?.configEntries.find((e) => e.configName === 'max.message.bytes');
    const found = Number(entry?.configValue);
    const needed = topic.minMessageBytes ?? 0;
    if (Number.isFinite(found) && found < needed) {
      problems.push({ topic: topic.topic, setting: 'max.message.bytes', found, needed });
    }
  }
  return problems;
}

/** One line naming the topic, the value found, the value needed, and the fix. */
export function describeTopicProblem(problem: TopicProblem): string {
  return (
    `topic ${problem.topic}: ${problem.setting} is ${String(problem.found)}, ` +
    `Wharf writes batches up to ${String(problem.needed)}; raise it with ` +
    `kafka-configs.sh --alter --entity-type topics --entity-name ${problem.topic} ` +
    `--add-config ${problem.setting}=${String(problem.needed)}`
  );
}

/** What {@link provisionTopics} needs to reach Kafka, log and count. */
export interface ProvisionDeps {
  readonly admin: () => Admin;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** How often a topic found too small is checked again (default 15 s). */
  readonly recheckMs?: number;
}

/** The outcome of {@link provisionTopics}: whether the checked topics take what Wharf writes. */
export interface TopicGate {
  /** The problems found by the last check; empty when the topics are fit. */
  readonly problems: () => readonly TopicProblem[];
  /** Stops checking again. */
  stop(): void;
}

async function withAdmin<T>(newAdmin: () => Admin, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = newAdmin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates the missing topics of `create`, then checks the topics of `check`
 * (those this process writes). Each problem is logged as an error naming the
 * topic, the value found and the value needed, and counted in
 * `wharf_kafka_topic_misconfigured`; the topics are checked again until they
 * are fixed, so a process waits unready rather than refusing webhooks it
 * cannot store.
 */
export async function provisionTopics(
  { create, check }: { create: readonly TopicSpec[]; check: readonly TopicSpec[] },
  { admin, logger, metrics, recheckMs = 15_000 }: ProvisionDeps,
): Promise<TopicGate> {
  const created = await withAdmin(admin, (client) => createMissingTopics(client, create));
  if (created.length > 0) logger.info({ topics: created }, 'created topics');
  let problems: readonly TopicProblem[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const record = (found: readonly TopicProblem[]) => {
    for (const topic of check)
      metrics.topicMisconfigured.set({ topic: topic.topic, setting: 'max.message.bytes' }, 0);
    for (const problem of found) {
      metrics.topicMisconfigured.set({ topic: problem.topic, setting: problem.setting }, 1);
      logger.error({ ...problem }, describeTopicProblem(problem));
    }
    if (problems.length > 0 && found.length === 0) logger.info('topic limits fixed: ready');
    problems = found;
  };
  const recheck = () => {
    timer = setTimeout(() => {
      withAdmin(admin, (client) => findTopicProblems(client, check))
        .then(record, (error: unknown) => {
          logger.warn({ err: error }, 'checking topic limits failed; trying again');
        })
        .finally(() => {
          if (!stopped && problems.length > 0) recheck();
        });
    }, recheckMs);
    timer.unref();
  };
  const first = await withAdmin(admin, (client) => findTopicProblems(client, check)).catch(
    (error: unknown) => {
      // A broker that cannot describe configs (librdkafka's mock, which
      // npm start runs) cannot be checked; it is not a reason to stay unready.
      logger.warn({ err: error }, "cannot check the topics' max.message.bytes; not checked");
      return [];
    },
  );
  record(first);
  if (problems.length > 0) recheck();
  return {
    problems: () => problems,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
