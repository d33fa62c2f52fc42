/**
 * Keeps a window of ids in a Kafka topic (compacted, and deleted past the
 * window): the deduplication window (one record per routed event, key =
 * canonical event id) and the replay window (key = a signed delivery's key),
 * value = when it was seen (ms since epoch, as text). A starting worker reads
 * the window's part of each back before it consumes.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';
import { untilKafkaAnswers } from '../kafka/client.ts';
import type { DedupWindow, LatestContent } from './dedup.ts';

/** How long a restore may take before the worker gives up starting. */
const RESTORE_TIMEOUT_MS = 120_000;

/** The record that remembers an event id. */
export function dedupMessage(eventId: string, seenAt: number): Message {
  return { key: eventId, value: String(seenAt) };
}

/** Keys of the records that remember an entity's latest content start so (event ids never do). */
const LATEST_PREFIX = 'latest/';

/** The record that remembers an entity's latest content (compaction keeps one per entity). */
export function latestContentMessage(subject: string, contentKey: string, seenAt: number): Message {
  return { key: `${LATEST_PREFIX}${subject}`, value: `${String(seenAt)} ${contentKey}` };
}

/** Where a record read back goes: an id into the window, a latest content into `latest`. */
function restoreRecord(
  key: string,
  value: string,
  into: { readonly window: DedupWindow; readonly latest: LatestContent | undefined },
  keep: (at: number) => boolean,
): void {
  if (key.startsWith(LATEST_PREFIX)) {
    const [at, contentKey] = value.split(' ');
    if (into.latest && contentKey && keep(Number(at)))
      into.latest.remember(key.slice(LATEST_PREFIX.length), contentKey, Number(at));
    return;
  }
  if (keep(Number(value))) into.window.remember(key, Number(value));
}

/**
 * Where each partition ends now, for the partitions that hold anything. The
 * topic's retention (the window) bounds what lies before; records older than
 * the window that compaction has not removed yet are read and aged out.
 */
async function ranges(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // A just-created topic answers NOT_LEADER_OR_FOLLOWER for a moment.
    const offsets = await untilKafkaAnswers(`offsets of ${topic}`, () =>
      admin.fetchTopicOffsets(topic),
    );
    return new Map(
      offsets
        .filter((offset) => BigInt(offset.low) < BigInt(offset.high))
        .map((offset) => [offset.partition, BigInt(offset.high)]),
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads the topic into the window (and the entities' latest contents into
 * `latest`), keeping what was seen in the last `windowMs`. Returns how many
 * records were read.
 *
 * @throws {Error} when the topic cannot be read within two minutes.
 */
export async function restoreDedupWindow(
  kafka: Kafka,
  topic: string,
  window: DedupWindow,
  now: number,
  windowMs: number,
  latest?: LatestContent,
): Promise<number> {
  const keep = (at: number) => Number.isFinite(at) && at <= now && now - at < windowMs;
  const pending = await ranges(kafka, topic);
  if (pending.size === 0) return 0;

  // A throw-away group that commits nothing: it only reads.
  const consumer = kafka.consumer({
    groupId: `wharf-dedup-restore-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  let read = 0;
  let timer: NodeJS.Timeout | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        reject(
          new Error(
            `could not read the memory topic ${topic} within ${String(RESTORE_TIMEOUT_MS)} ms`,
          ),
        );
      }, RESTORE_TIMEOUT_MS);
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        reject(payload.error);
      });
      consumer
        .run({
          autoCommit: false,
          eachMessage: ({ partition, message }) => {
            const key = message.key?.toString();
            if (key) restoreRecord(key, message.value?.toString() ?? '', { window, latest }, keep);
            read++;
            const end = pending.get(partition);
            if (end !== undefined && BigInt(message.offset) + 1n >= end) pending.delete(partition);
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
