/**
 * Keeps the deduplication window in a compacted Kafka topic: one record per
 * routed event, key = canonical event id, value = when it was seen (ms since
 * epoch, as text). A starting worker reads it back before it consumes.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';
import type { DedupWindow } from './dedup.ts';

/** The record that remembers an event id. */
export function dedupMessage(eventId: string, seenAt: number): Message {
  return { key: eventId, value: String(seenAt) };
}

/**
 * Reads the whole dedup topic into the window (entries already outside it
 * are dropped by the window itself). Returns how many records were read.
 */
export async function restoreDedupWindow(
  kafka: Kafka,
  topic: string,
  window: DedupWindow,
  now: number,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.map((offset) => [offset.partition, BigInt(offset.high)]));
  } finally {
    await admin.disconnect();
  }
  const pending = new Set(
    [...ends].filter(([, high]) => high > 0n).map(([partition]) => partition),
  );
  if (pending.size === 0) return 0;

  // A throw-away group: it only reads, and its offsets are never wanted again.
  const consumer = kafka.consumer({
    groupId: `wharf-dedup-restore-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  let read = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: ({ partition, message }) => {
            const at = Number(message.value?.toString());
            const id = message.key?.toString();
            if (id && Number.isFinite(at) && at <= now) window.remember(id, at);
            read++;
            const high = ends.get(partition) ?? 0n;
            if (BigInt(message.offset) + 1n >= high) pending.delete(partition);
            if (pending.size === 0) resolve();
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return read;
}
