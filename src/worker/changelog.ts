/**
 * The memory's changelogs, as Kafka Streams keeps a state store's: two
 * compacted topics (deleted past their window), the deduplication log (event
 * ids and entities' latest contents) and the replay log (signed delivery
 * ids). Partition p of each holds what raw partition p remembers, for every
 * raw topic (the key names the raw topic), so a worker assigned raw
 * partitions reads back exactly those partitions of the logs, on every
 * assignment, before it processes them.
 *
 * Key: `<raw topic> <kind> <id>`; value: when it was seen (ms since epoch),
 * followed for a latest content by a space and the content's key.
 */
import { randomUUID } from 'node:crypto';
import { AssignerProtocol } from 'kafkajs';
import type { Admin, Kafka, Message, PartitionAssigner } from 'kafkajs';
import { untilKafkaAnswers } from '../kafka/client.ts';
import type { PartitionMemory } from './memory.ts';

/** How long a restore may take before the worker gives up on it. */
const RESTORE_TIMEOUT_MS = 120_000;

/** What an entry of the logs remembers; `position`: the raw offset processed up to. */
type Kind = 'event' | 'latest' | 'delivery' | 'position';

/** The two logs. */
export interface Changelogs {
  /** Event ids and latest contents. */
  readonly dedup: string;
  /** Signed delivery ids; undefined when the replay defence is off. */
  readonly replay: string | undefined;
}

/** What a batch adds to a raw partition's memory. */
export interface Remembered {
  readonly events: ReadonlySet<string>;
  /** subject → the content key of its latest event. */
  readonly latest: ReadonlyMap<string, string>;
  readonly deliveries: ReadonlySet<string>;
}

function entry(
  rawTopic: string,
  partition: number,
  kind: Kind,
  id: string,
  value: string,
): Message {
  return { key: `${rawTopic} ${kind} ${id}`, value, partition };
}

/** The log records of what a raw partition's batch adds, each with its log topic. */
export function changelogMessages(
  logs: Changelogs,
  raw: { readonly topic: string; readonly partition: number; readonly nextOffset?: string },
  remembered: Remembered,
  seenAt: number,
): { topic: string; message: Message }[] {
  const at = String(seenAt);
  const { topic, partition, nextOffset } = raw;
  const dedup = [
    ...[...remembered.events].map((id) => entry(topic, partition, 'event', id, at)),
    ...[...remembered.latest].map(([subject, key]) =>
      entry(topic, partition, 'latest', subject, `${at} ${key}`),
    ),
    // Written with the batch's records: a new owner skips what is before it,
    // even where the committed offset it reads lags (a transaction's offset
    // commit becomes readable a moment after the transaction's records).
    ...(nextOffset === undefined ? [] : [entry(topic, partition, 'position', '', nextOffset)]),
  ];
  const replay =
    logs.replay === undefined
      ? []
      : [...remembered.deliveries].map((key) => entry(topic, partition, 'delivery', key, at));
  return [
    ...dedup.map((message) => ({ topic: logs.dedup, message })),
    ...replay.map((message) => ({ topic: logs.replay ?? '', message })),
  ];
}

/** Puts a log record read back into its raw partition's memory, if within its window. */
function restoreEntry(
  key: string,
  value: string,
  memoryOf: (rawTopic: string) => PartitionMemory | undefined,
  now: number,
): void {
  const [rawTopic = '', kind = ''] = key.split(' ', 2);
  const id = key.slice(rawTopic.length + kind.length + 2);
  const memory = memoryOf(rawTopic);
  if (memory && kind === 'position') {
    if (/^\d+$/.test(value)) memory.advance(BigInt(value));
    return;
  }
  const [seen = '', contentKey] = value.split(' ', 2);
  const at = Number(seen);
  if (!memory || !Number.isFinite(at) || at > now) return;
  if (kind === 'event') memory.events.set(id, '', at);
  else if (kind === 'delivery') memory.deliveries.set(id, '', at);
  else if (kind === 'latest' && contentKey) memory.latest.set(id, contentKey, at);
}

/** An assigner for a group of one member: that member reads `wanted`, nothing else. */
function assignOnly(wanted: Readonly<Record<string, number[]>>): PartitionAssigner {
  const name = 'WharfChangelogRestore';
  return () => ({
    name,
    version: 1,
    assign: ({ members }) =>
      Promise.resolve(
        members.map(({ memberId }) => ({
          memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({
            version: 1,
            assignment: { ...wanted },
            userData: Buffer.alloc(0),
          }),
        })),
      ),
    protocol: ({ topics }) => ({
      name,
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: 1,
        topics,
        userData: Buffer.alloc(0),
      }),
    }),
  });
}

/** Where each wanted partition that holds anything ends now: `topic/partition` → end. */
async function ends(
  admin: Admin,
  topics: readonly string[],
  partitions: ReadonlySet<number>,
): Promise<Map<string, bigint>> {
  const found = new Map<string, bigint>();
  for (const topic of topics) {
    // A just-created topic answers NOT_LEADER_OR_FOLLOWER for a moment.
    const offsets = await untilKafkaAnswers(`offsets of ${topic}`, () =>
      admin.fetchTopicOffsets(topic),
    );
    for (const { partition, low, high } of offsets) {
      if (partitions.has(partition) && BigInt(low) < BigInt(high))
        found.set(`${topic}/${String(partition)}`, BigInt(high));
    }
  }
  return found;
}

/**
 * Reads partitions `partitions` of the logs back into the memories
 * `memoryOf(rawTopic, partition)` gives (undefined: not wanted), keeping
 * what each window still covers at `now`. Returns how many records were read.
 *
 * @throws {Error} when the logs cannot be read within two minutes.
 */
export async function restoreChangelogs(
  kafka: Kafka,
  logs: Changelogs,
  partitions: ReadonlySet<number>,
  memoryOf: (rawTopic: string, partition: number) => PartitionMemory | undefined,
  now: number,
): Promise<number> {
  const topics = [logs.dedup, ...(logs.replay === undefined ? [] : [logs.replay])];
  const admin = kafka.admin();
  await admin.connect();
  const pending = await ends(admin, topics, partitions).finally(() => admin.disconnect());
  if (pending.size === 0) return 0;
  const wanted: Record<string, number[]> = {};
  for (const name of pending.keys()) {
    const [topic = '', partition = ''] = name.split(/\/(?=\d+$)/);
    (wanted[topic] ??= []).push(Number(partition));
  }
  // A throw-away group that commits nothing: it only reads what it is given.
  const consumer = kafka.consumer({
    groupId: `wharf-changelog-restore-${randomUUID()}`,
    maxWaitTimeInMs: 100,
    partitionAssigners: [assignOnly(wanted)],
  });
  let read = 0;
  let timer: NodeJS.Timeout | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: Object.keys(wanted), fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        reject(
          new Error(
            `could not read ${topics.join(' and ')} within ${String(RESTORE_TIMEOUT_MS)} ms`,
          ),
        );
      }, RESTORE_TIMEOUT_MS);
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        reject(payload.error);
      });
      consumer
        .run({
          autoCommit: false,
          // eachBatch: its last offset counts the transaction markers that
          // end a changelog written in transactions (exactly-once), which
          // are never handed over as messages.
          eachBatch: ({ batch }) => {
            for (const message of batch.messages) {
              const key = message.key?.toString();
              if (key)
                restoreEntry(
                  key,
                  message.value?.toString() ?? '',
                  (raw) => memoryOf(raw, batch.partition),
                  now,
                );
              read++;
            }
            const name = `${batch.topic}/${String(batch.partition)}`;
            const end = pending.get(name);
            if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) pending.delete(name);
            if (pending.size === 0) resolve();
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return read;
}

/**
 * Why the logs cannot hold every raw partition's memory: a log with fewer
 * partitions than a raw topic. Undefined when they can.
 */
export async function changelogProblem(
  admin: Admin,
  logs: Changelogs,
  rawTopics: readonly string[],
): Promise<string | undefined> {
  const { topics } = await admin.fetchTopicMetadata({
    topics: [...rawTopics, logs.dedup, ...(logs.replay === undefined ? [] : [logs.replay])],
  });
  const count = new Map(topics.map((topic) => [topic.name, topic.partitions.length]));
  const widest = rawTopics.reduce(
    (most, topic) => ((count.get(topic) ?? 0) > (count.get(most) ?? 0) ? topic : most),
    rawTopics[0] ?? '',
  );
  const needed = count.get(widest) ?? 0;
  for (const [setting, log] of [
    ['WHARF_DEDUP_TOPIC', logs.dedup],
    ['WHARF_REPLAY_TOPIC', logs.replay],
  ] as const) {
    if (log === undefined) continue;
    const has = count.get(log) ?? 0;
    if (has < needed)
      return `${setting}: ${log} has ${String(has)} partitions, fewer than the raw topic ${widest}'s ${String(needed)}: partition p of the log keeps raw partition p's memory; add partitions to it (kafka-topics --alter --partitions ${String(needed)})`;
  }
  return undefined;
}
