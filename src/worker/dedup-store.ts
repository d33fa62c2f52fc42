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
import type { DedupWindow } from './dedup.ts';

/** How long a restore may take before the worker gives up starting. */
const RESTORE_TIMEOUT_MS = 120_000;

/** The record that remembers an event id. */
export function dedupMessage(eventId: string, seenAt: number): Message {
  return { key: eventId, value: String(seenAt) };
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
 * Reads the topic into the window, keeping the ids of the last `windowMs`.
 * Returns how many records were read.
 *
 * @throws {Error} when the topic cannot be read within two minutes.
 */
export async function restoreDedupWindow(
  kafka: Kafka,
  topic: string,
  window: DedupWindow,
  now: number,
  windowMs: number,
): Promise<number> {
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
            const at = Number(message.value?.toString());
            const id = message.key?.toString();
            if (id && Number.isFinite(at) && at <= now && now - at < windowMs)
              window.remember(id, at);
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
