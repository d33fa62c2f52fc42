/**
 * Redriving dead letters: each goes back to the raw topic it was read from,
 * with its key, its original bytes and its original raw headers, plus
 * headers that say it was redriven, from where and how many times. Nothing is
 * ever deleted from the dead-letter topic: an interrupted redrive loses
 * nothing, and running it again at worst lands a record twice, which the
 * worker's deduplication absorbs once it is routed (same event id).
 */
import type { Message, Producer } from 'kafkajs';
import type { Source } from '../providers/index.ts';
import { isSource } from '../providers/index.ts';
import { DEAD_LETTER_HEADERS, REDRIVE_HEADERS } from '../kafka/headers.ts';
import type { DeadLetter } from './dead-letters.ts';

/** What redriving one dead letter means. */
export type RedrivePlan =
  | {
      readonly kind: 'send';
      readonly record: DeadLetter;
      readonly topic: string;
      readonly message: Message;
    }
  | { readonly kind: 'skip'; readonly record: DeadLetter; readonly reason: string };

const DROPPED: ReadonlySet<string> = new Set([
  ...Object.values(DEAD_LETTER_HEADERS),
  ...Object.values(REDRIVE_HEADERS),
]);

/**
 * Plans the redrive of one dead letter: to the raw topic it was read from
 * (`wharf-original-topic`), else to its source's raw topic.
 *
 * @param redrivenAt - ISO 8601 time written in `wharf-redriven-at`.
 */
export function planRedrive(
  record: DeadLetter,
  deadLetterTopic: string,
  rawTopics: Readonly<Record<Source, string>>,
  redrivenAt: string,
): RedrivePlan {
  const topic =
    record.originalTopic || (isSource(record.source) ? rawTopics[record.source] : undefined);
  if (topic === undefined) {
    return {
      kind: 'skip',
      record,
      reason: `it names no original topic and no known source (${record.source ?? 'none'})`,
    };
  }
  const headers: Record<string, Buffer | string> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (!DROPPED.has(name)) headers[name] = value;
  }
  headers[REDRIVE_HEADERS.from] = `${deadLetterTopic}/${String(record.partition)}/${record.offset}`;
  headers[REDRIVE_HEADERS.at] = redrivenAt;
  headers[REDRIVE_HEADERS.count] = String(record.redriveCount + 1);
  return {
    kind: 'send',
    record,
    topic,
    message: { key: record.key, value: record.value, headers },
  };
}

/** A dead letter that could not be redriven, and why. */
export interface RedriveFailure {
  readonly record: DeadLetter;
  readonly topic: string;
  readonly error: string;
}

/** Records per send: large enough to batch, small enough for a progress bar to move. */
const CHUNK = 100;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Sends the planned records in order, a chunk per send (acks = all, through
 * the caller's idempotent producer). When a chunk is refused, its records go
 * one at a time so that only the ones Kafka refuses count as failed.
 *
 * @param onSent - called with the number of records settled (sent or failed) so far.
 * @returns the records that failed.
 */
export async function sendRedrives(
  producer: Producer,
  plans: readonly Extract<RedrivePlan, { kind: 'send' }>[],
  onSettled: (settled: number) => void = () => undefined,
): Promise<RedriveFailure[]> {
  const failures: RedriveFailure[] = [];
  let settled = 0;
  for (let start = 0; start < plans.length; start += CHUNK) {
    const chunk = plans.slice(start, start + CHUNK);
    const byTopic = new Map<string, Message[]>();
    for (const plan of chunk)
      byTopic.set(plan.topic, [...(byTopic.get(plan.topic) ?? []), plan.message]);
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch {
      for (const plan of chunk) {
        try {
          await producer.send({ topic: plan.topic, acks: -1, messages: [plan.message] });
        } catch (error) {
          failures.push({ record: plan.record, topic: plan.topic, error: messageOf(error) });
        }
      }
    }
    settled += chunk.length;
    onSettled(settled);
  }
  return failures;
}
