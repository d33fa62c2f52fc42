/**
 * Dead-letter records as an operator sees them: read from the dead-letter
 * topic up to the end it had when the reading began (so a command always
 * finishes, even while the worker keeps adding), picked by code, source,
 * time or position, and grouped by what went wrong.
 */
import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { DEAD_LETTER_HEADERS, RAW_HEADERS, REDRIVE_HEADERS } from '../kafka/headers.ts';

/** One record of the dead-letter topic, with what its headers say. */
export interface DeadLetter {
  readonly partition: number;
  readonly offset: string;
  /** When the worker dead-lettered it: the record's timestamp, ms since the epoch. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Every header as stored (the first value of a repeated one), bytes untouched. */
  readonly headers: Readonly<Record<string, Buffer>>;
  /** `wharf-source`; undefined for a record that named none (MISSING_SOURCE). */
  readonly source: string | undefined;
  readonly stage: string;
  readonly code: string;
  readonly message: string;
  readonly path: string;
  /** The raw topic, partition and offset the worker read it from. */
  readonly originalTopic: string | undefined;
  readonly originalPartition: string | undefined;
  readonly originalOffset: string | undefined;
  /** When the ingress received the webhook. */
  readonly receivedAt: string | undefined;
  /** How many times it was redriven before it failed this time. */
  readonly redriveCount: number;
}

/** The dead-letter topic does not exist: no worker has run against this cluster yet. */
export class DeadLetterTopicMissingError extends Error {
  override readonly name = 'DeadLetterTopicMissingError';
  constructor(topic: string) {
    super(
      `the dead-letter topic ${topic} does not exist (no worker has run against this ` +
        'cluster, or WHARF_DEAD_LETTER_TOPIC names another topic)',
    );
  }
}

function firstValues(headers: IHeaders | undefined): Record<string, Buffer> {
  const result: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) result[name] = Buffer.isBuffer(first) ? first : Buffer.from(first);
  }
  return result;
}

/** Reads a consumed dead-letter record. */
export function toDeadLetter(partition: number, message: KafkaMessage): DeadLetter {
  const headers = firstValues(message.headers);
  const text = (name: string) => headers[name]?.toString('utf8');
  const count = Number(text(REDRIVE_HEADERS.count) ?? '0');
  return {
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
    key: message.key,
    value: message.value,
    headers,
    source: text(RAW_HEADERS.source),
    stage: text(DEAD_LETTER_HEADERS.stage) ?? '',
    code: text(DEAD_LETTER_HEADERS.code) ?? '',
    message: text(DEAD_LETTER_HEADERS.message) ?? '',
    path: text(DEAD_LETTER_HEADERS.path) ?? '',
    originalTopic: text(DEAD_LETTER_HEADERS.originalTopic),
    originalPartition: text(DEAD_LETTER_HEADERS.originalPartition),
    originalOffset: text(DEAD_LETTER_HEADERS.originalOffset),
    receivedAt: text(RAW_HEADERS.receivedAt),
    redriveCount: Number.isSafeInteger(count) && count > 0 ? count : 0,
  };
}

/** How far a read went: the end offset of each partition when it began. */
export type EndOffsets = Readonly<Record<number, string>>;

/**
 * Reads the dead-letter topic from the beginning to the end offsets it has
 * when called, handing each record to `visit` (partitions interleave; each
 * partition in order). Uses a consumer group of its own that commits
 * nothing, so it neither moves nor disturbs anyone's position.
 *
 * @throws {DeadLetterTopicMissingError} when the topic does not exist.
 */
export async function readDeadLetters(
  kafka: Kafka,
  topic: string,
  visit: (record: DeadLetter) => void,
): Promise<EndOffsets> {
  const admin = kafka.admin();
  await admin.connect();
  let offsets;
  try {
    if (!(await admin.listTopics()).includes(topic)) throw new DeadLetterTopicMissingError(topic);
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const ends: Record<number, string> = {};
  const pending = new Map<number, bigint>();
  for (const { partition, high, low } of offsets) {
    ends[partition] = high;
    if (BigInt(high) > BigInt(low)) pending.set(partition, BigInt(high));
  }
  if (pending.size === 0) return ends;

  const consumer = kafka.consumer({
    groupId: `wharf-dlq-reader-${randomUUID()}`,
    maxWaitTimeInMs: 250,
    // A command reports a failure and ends; it does not restart and wait on.
    retry: { restartOnFailure: () => Promise.resolve(false) },
  });
  await consumer.connect();
  try {
    const finished = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
      });
      void consumer.subscribe({ topic, fromBeginning: true }).then(
        () =>
          consumer.run({
            autoCommit: false,
            eachBatch: ({ batch }) => {
              const end = pending.get(batch.partition);
              if (end === undefined) return Promise.resolve();
              for (const message of batch.messages) {
                if (BigInt(message.offset) >= end) break;
                visit(toDeadLetter(batch.partition, message));
              }
              if (BigInt(batch.lastOffset()) + 1n >= end) {
                pending.delete(batch.partition);
                if (pending.size === 0) resolve();
              }
              return Promise.resolve();
            },
          }),
        reject,
      );
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
  return ends;
}

/** Offsets of one partition, both ends included; `to` undefined: to the end. */
export interface OffsetRange {
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint | undefined;
}

/** Which dead letters a command works on; an absent criterion lets everything through. */
export interface DeadLetterSelection {
  readonly codes?: ReadonlySet<string>;
  readonly sources?: ReadonlySet<string>;
  /** Dead-lettered at or after, ms since the epoch. */
  readonly since?: number;
  /** Dead-lettered before, ms since the epoch. */
  readonly until?: number;
  readonly offsets?: readonly OffsetRange[];
}

/** A `--offsets` value that is not a list of `partition:offset` or `partition:from-to`. */
export class OffsetSelectionError extends Error {
  override readonly name = 'OffsetSelectionError';
}

const OFFSET_ITEM = /^(\d+):(\d+)(?:(-)(\d+)?)?$/;

/**
 * Reads `--offsets`: comma-separated `partition:offset`, `partition:from-to`
 * (both included) or `partition:from-` (to the end).
 *
 * @throws {OffsetSelectionError} naming the item that is wrong.
 */
export function parseOffsetSelection(text: string): OffsetRange[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new OffsetSelectionError('--offsets: no partition:offset given');
  return items.map((item) => {
    const match = OFFSET_ITEM.exec(item);
    if (!match) {
      throw new OffsetSelectionError(
        `--offsets ${JSON.stringify(item)}: expected partition:offset, partition:from-to or partition:from-`,
      );
    }
    const [, partition = '', from = '', dash, to] = match;
    const range: OffsetRange = {
      partition: Number(partition),
      from: BigInt(from),
      to: to !== undefined ? BigInt(to) : dash ? undefined : BigInt(from),
    };
    if (range.to !== undefined && range.to < range.from) {
      throw new OffsetSelectionError(
        `--offsets ${JSON.stringify(item)}: the range ends before it starts`,
      );
    }
    return range;
  });
}

/** Whether a dead letter is one the selection picks. */
export function isSelected(record: DeadLetter, selection: DeadLetterSelection): boolean {
  if (selection.codes && !selection.codes.has(record.code)) return false;
  if (selection.sources && !selection.sources.has(record.source ?? '')) return false;
  if (selection.since !== undefined && record.timestamp < selection.since) return false;
  if (selection.until !== undefined && record.timestamp >= selection.until) return false;
  if (selection.offsets) {
    const offset = BigInt(record.offset);
    return selection.offsets.some(
      (range) =>
        range.partition === record.partition &&
        offset >= range.from &&
        (range.to === undefined || offset <= range.to),
    );
  }
  return true;
}

/**
 * Oldest first (by the time they were dead-lettered, then position), so that
 * a `--limit` picks the same records in `dlq list` and in `replay`, and
 * redriven records keep their order.
 */
export function inDeadLetterOrder(records: readonly DeadLetter[]): DeadLetter[] {
  return [...records].sort(
    (a, b) =>
      a.timestamp - b.timestamp ||
      a.partition - b.partition ||
      (BigInt(a.offset) < BigInt(b.offset) ? -1 : BigInt(a.offset) > BigInt(b.offset) ? 1 : 0),
  );
}

/** Dead letters that failed the same way, from the same source. */
export interface DeadLetterGroup {
  readonly code: string;
  /** null for records that named no source. */
  readonly source: string | null;
  readonly count: number;
  /** ISO 8601 UTC: when the first and the last of them were dead-lettered. */
  readonly firstTime: string;
  readonly lastTime: string;
  /** The stages they failed at (a code can come from more than one). */
  readonly stages: readonly string[];
  /** The most recent of them: its error message, field path and position. */
  readonly example: {
    readonly partition: number;
    readonly offset: string;
    readonly stage: string;
    readonly message: string;
    readonly path: string;
  };
}

/** Groups dead letters by code and source, the largest groups first. */
export function groupDeadLetters(records: readonly DeadLetter[]): DeadLetterGroup[] {
  const groups = new Map<
    string,
    { first: DeadLetter; last: DeadLetter; count: number; stages: Set<string> }
  >();
  for (const record of records) {
    const id = JSON.stringify([record.code, record.source ?? null]);
    const group = groups.get(id);
    if (!group) {
      groups.set(id, { first: record, last: record, count: 1, stages: new Set([record.stage]) });
      continue;
    }
    group.count += 1;
    group.stages.add(record.stage);
    if (record.timestamp < group.first.timestamp) group.first = record;
    if (record.timestamp >= group.last.timestamp) group.last = record;
  }
  return [...groups.values()]
    .map(({ first, last, count, stages }) => ({
      code: last.code,
      source: last.source ?? null,
      count,
      firstTime: new Date(first.timestamp).toISOString(),
      lastTime: new Date(last.timestamp).toISOString(),
      stages: [...stages].sort(),
      example: {
        partition: last.partition,
        offset: last.offset,
        stage: last.stage,
        message: last.message,
        path: last.path,
      },
    }))
    .sort(
      (a, b) =>
        b.count - a.count ||
        a.code.localeCompare(b.code) ||
        (a.source ?? '').localeCompare(b.source ?? ''),
    );
}
