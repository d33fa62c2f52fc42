/**
 * The steps after planning, for any number of raw partitions' plans at once
 * (at-least-once): produce every outgoing record in one send, remember what
 * was produced in the changelogs in a second, put it in memory, commit every
 * partition's offset in one request, count, and log each dead letter. Each
 * step starts only when the one before was acknowledged: a crash in between
 * leaves a duplicate (the batch is processed again), never a loss (an id
 * remembered for an event never written would suppress it).
 */
import type { Message, Producer, TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/catalog.ts';
import { changelogMessages } from './changelog.ts';
import type { Changelogs, Remembered } from './changelog.ts';
import type { WorkerMemory } from './memory.ts';
import { deadLetter } from './pipeline.ts';
import type { PipelineConfig } from './pipeline.ts';
import type { Outgoing, Plan } from './plan.ts';
import { sourceOf, traceIdOf } from './plan.ts';

/** What storing needs. */
export interface StoreDependencies {
  readonly producer: Producer;
  readonly config: PipelineConfig;
  readonly memory: WorkerMemory;
  readonly changelogs: Changelogs;
  readonly metrics: Metrics;
  readonly now: () => number;
  /** Where each stored dead letter is logged. */
  readonly logger: Logger;
}

/** The message of the one log line each dead-lettered raw record gets. */
export const DEAD_LETTER_LOG_MESSAGE = 'record dead-lettered';

/** Why a canonical record Kafka refused for its size was dead-lettered instead. */
const REFUSED_AS_TOO_LARGE = { stage: 'produce', code: 'OUTPUT_TOO_LARGE', path: '' } as const;

/** Commits offsets (a kafkajs batch's own commit: it still works while a disconnect has begun). */
export type Commit = (
  offsets: { topic: string; partitions: { partition: number; offset: string }[] }[],
) => Promise<void>;

/** Whether Kafka refused a record for its size (kafkajs wraps the protocol error). */
function isTooLarge(error: unknown): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if ((cause as { type?: unknown }).type === 'MESSAGE_TOO_LARGE') return true;
  }
  return false;
}

/**
 * The most bytes of keys, values and headers one send carries. kafkajs puts
 * a partition's records of a send in one record batch, which Kafka refuses
 * past the topic's max.message.bytes (1 MiB unless a topic says otherwise,
 * as the changelogs do not), so a round goes out in sends of at most this.
 */
const SEND_MAX_BYTES = 900 * 1024;

function sizeOf(message: Message): number {
  let bytes = 64 + (message.key?.length ?? 0) + (message.value?.length ?? 0);
  for (const [name, value] of Object.entries(message.headers ?? {}))
    bytes += name.length + (typeof value === 'string' || Buffer.isBuffer(value) ? value.length : 0);
  return bytes;
}

/** Records cut into runs of at most SEND_MAX_BYTES (a larger record alone), in order. */
export function chunks<T extends { readonly message: Message }>(records: readonly T[]): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = sizeOf(record.message);
    if (run.length > 0 && bytes + size > SEND_MAX_BYTES) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(record);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** Records grouped by topic, for one send. */
export function byTopic(records: readonly { topic: string; message: Message }[]): TopicMessages[] {
  const topics = new Map<string, Message[]>();
  for (const { topic, message } of records) {
    const messages = topics.get(topic);
    if (messages) messages.push(message);
    else topics.set(topic, [message]);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}

/** Sends, observing the time Kafka took per topic. */
async function sendTimed(deps: StoreDependencies, topicMessages: TopicMessages[]): Promise<void> {
  const started = process.hrtime.bigint();
  const observe = (outcome: 'ok' | 'error') => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const { topic } of topicMessages)
      deps.metrics.produceDuration.observe({ topic, outcome }, seconds);
  };
  try {
    await deps.producer.sendBatch({ acks: -1, topicMessages });
    observe('ok');
  } catch (error) {
    observe('error');
    throw error;
  }
}

/** Sends one record alone; a refused size dead-letters its raw record (OUTPUT_TOO_LARGE). */
async function sendAlone(record: Outgoing, deps: StoreDependencies): Promise<boolean> {
  try {
    await deps.producer.send({ topic: record.topic, acks: -1, messages: [record.message] });
    return true;
  } catch (error) {
    // A raw record too large even for the dead-letter topic is a misconfigured topic: stop.
    if (!isTooLarge(error) || record.topic === deps.config.deadLetterTopic) throw error;
    const dead = deadLetter(record.raw, deps.config, {
      ...REFUSED_AS_TOO_LARGE,
      message: `Kafka refused the ${record.topic} record as too large`,
    });
    await deps.producer.send({
      topic: dead.topic,
      acks: -1,
      messages: [{ key: dead.key, value: dead.value, headers: dead.headers }],
    });
    return false;
  }
}

/**
 * Produces every outgoing record in one send. When Kafka refuses the send
 * for a record's size, which it does not retry, the records go one at a
 * time and the one refused goes to the dead-letter topic as its raw record,
 * so that one oversized output neither stops the partitions nor loses the
 * others. Returns the records that were dead-lettered instead.
 */
export async function produce(
  records: readonly Outgoing[],
  deps: StoreDependencies,
): Promise<Set<Outgoing>> {
  const refused = new Set<Outgoing>();
  for (const chunk of chunks(records)) {
    try {
      await sendTimed(deps, byTopic(chunk));
      continue;
    } catch (error) {
      if (!isTooLarge(error)) throw error;
    }
    for (const record of chunk) if (!(await sendAlone(record, deps))) refused.add(record);
  }
  return refused;
}

/** A plan's canonical records that were stored (not refused for their size), in order. */
function storedEvents(
  plan: Plan,
  refused: ReadonlySet<Outgoing>,
): Extract<Outgoing, { kind: 'event' }>[] {
  return plan.outgoing.filter(
    (record): record is Extract<Outgoing, { kind: 'event' }> =>
      record.kind === 'event' && !refused.has(record),
  );
}

/** What a plan's partition learns: its stored events' ids, contents and delivery ids. */
export function rememberedOf(plan: Plan, refused: ReadonlySet<Outgoing>): Remembered {
  const events = new Set<string>();
  const latest = new Map<string, string>();
  const deliveries = new Set<string>();
  for (const { eventId, content, replayKey } of storedEvents(plan, refused)) {
    events.add(eventId);
    if (content) latest.set(content.subject, content.key);
    if (replayKey !== undefined && plan.deliveries.has(replayKey)) deliveries.add(replayKey);
  }
  return { events, latest, deliveries };
}

/** The changelog records of every plan's partition, each with its topic. */
export function changelogRecords(
  plans: readonly { readonly plan: Plan; readonly remembered: Remembered }[],
  deps: StoreDependencies,
  seenAt: number,
): { topic: string; message: Message }[] {
  return plans.flatMap(({ plan, remembered }) =>
    changelogMessages(deps.changelogs, plan, remembered, seenAt),
  );
}

/**
 * Puts what each plan's partition learnt into its memory, record by record
 * (a record's entries are forgotten together), within the bounds.
 */
export function rememberInMemory(
  plans: readonly Plan[],
  refused: ReadonlySet<Outgoing>,
  deps: StoreDependencies,
  seenAt: number,
): void {
  for (const plan of plans) {
    const memory = deps.memory.partition(plan.topic, plan.partition);
    // Revoked meanwhile: the next owner restores it from the changelog.
    if (!memory) continue;
    for (const { eventId, content, replayKey } of storedEvents(plan, refused)) {
      memory.events.set(eventId, '', seenAt);
      if (content) memory.latest.set(content.subject, content.key, seenAt);
      if (replayKey !== undefined && plan.deliveries.has(replayKey))
        memory.deliveries.set(replayKey, '', seenAt);
    }
    memory.advance(BigInt(plan.nextOffset));
    deps.memory.enforceBounds(memory);
  }
}

/** The offsets to commit after the plans, grouped by topic. */
export function offsetsOf(plans: readonly Plan[]): Parameters<Commit>[0] {
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, nextOffset } of plans) {
    const partitions = topics.get(topic) ?? [];
    partitions.push({ partition, offset: nextOffset });
    topics.set(topic, partitions);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}

/** Counts each raw record's outcome, once its plan is stored. */
export function countOutcomes(
  plans: readonly Plan[],
  refused: ReadonlySet<Outgoing>,
  metrics: Metrics,
): void {
  for (const plan of plans) {
    for (const { source, eventType, outcome } of plan.counted) {
      if (outcome === 'deduplicated') metrics.workerDeduplicated.inc({ source });
      metrics.workerRecords.inc({ source, event_type: eventType, outcome });
    }
    for (const record of plan.outgoing) countOutgoing(record, refused.has(record), metrics);
  }
}

function countOutgoing(record: Outgoing, refused: boolean, metrics: Metrics): void {
  const source = sourceOf(record.raw);
  if (record.kind === 'event' && !refused) {
    metrics.workerRecords.inc({ source, event_type: record.eventType, outcome: 'routed' });
    return;
  }
  const { stage, code } = record.kind === 'event' ? REFUSED_AS_TOO_LARGE : record.error;
  metrics.workerDeadLetters.inc({ source, stage, code });
  metrics.workerRecords.inc({
    source,
    event_type: record.eventType ?? 'unknown',
    outcome: 'dead_lettered',
  });
}

/**
 * Logs each raw record the plans dead-lettered (a refused canonical record
 * included), once they are stored: one warn line each, with where the raw
 * record was read and its trace id. A failed round is processed again and
 * logged then, so each dead letter is logged once (a crash between the
 * commit and this line aside).
 */
export function logDeadLetters(
  plans: readonly Plan[],
  refused: ReadonlySet<Outgoing>,
  logger: Logger,
): void {
  for (const plan of plans) {
    for (const record of plan.outgoing) {
      if (record.kind === 'dead-letter') logDeadLetter(record, record.error, logger);
      else if (refused.has(record)) logDeadLetter(record, REFUSED_AS_TOO_LARGE, logger);
    }
  }
}

function logDeadLetter(
  { raw, eventType }: Outgoing,
  { stage, code, path }: { readonly stage: string; readonly code: string; readonly path: string },
  logger: Logger,
): void {
  const traceId = traceIdOf(raw);
  logger.warn(
    {
      source: sourceOf(raw),
      ...(eventType === undefined ? {} : { eventType }),
      stage,
      code,
      path,
      topic: raw.topic,
      partition: raw.partition,
      offset: raw.offset,
      ...(traceId === undefined ? {} : { traceId }),
    },
    DEAD_LETTER_LOG_MESSAGE,
  );
}

/** Stores plans at least once: produce, remember, commit, count, log the dead letters. */
export async function storeAtLeastOnce(
  plans: readonly Plan[],
  commit: Commit,
  deps: StoreDependencies,
): Promise<void> {
  const refused = await produce(
    plans.flatMap((plan) => plan.outgoing),
    deps,
  );
  const learnt = plans.map((plan) => ({ plan, remembered: rememberedOf(plan, refused) }));
  const seenAt = deps.now();
  for (const chunk of chunks(changelogRecords(learnt, deps, seenAt)))
    await deps.producer.sendBatch({ acks: -1, topicMessages: byTopic(chunk) });
  rememberInMemory(plans, refused, deps, seenAt);
  await commit(offsetsOf(plans));
  countOutcomes(plans, refused, deps.metrics);
  logDeadLetters(plans, refused, deps.logger);
}
