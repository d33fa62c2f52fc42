/**
 * A bounded HTTP load for reliability tests: a fixed number of requests from
 * a fixed number of concurrent senders, each answer recorded; and a reader
 * that collects the request ids that landed on a raw topic.
 */
import type { Consumer, Kafka } from 'kafkajs';
import { RAW_HEADERS } from '../../src/kafka/headers.ts';
import { TEST_CONSUMER, uniqueName } from './kafka.ts';

/** One request of a load. */
export interface LoadRequest {
  readonly path: string;
  readonly body: string | Buffer;
  readonly headers: Record<string, string>;
}

/** One answer of a load. */
export interface LoadAnswer {
  /** The request's index, as given to the request function. */
  readonly index: number;
  /** The HTTP status, or 0 when the request failed or hung past the client's patience. */
  readonly status: number;
  /** The request id of a 200, or the error code of a refusal. */
  readonly id: string | undefined;
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly retryAfter: string | null;
  /** When the request was sent, relative to the start of the load (ms). */
  readonly sentAt: number;
  /** When the answer came (ms since the epoch), to compare with when a fault began or ended. */
  readonly answeredAt: number;
  readonly elapsedMs: number;
  /** Why the request got no answer (status 0). */
  readonly failure: string | undefined;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  readonly baseUrl: string;
  readonly total: number;
  readonly concurrency: number;
  readonly request: (i: number) => LoadRequest;
  /** A request not answered within this long counts as hung (status 0). */
  readonly patienceMs: number;
  /** Called after every answer, e.g. to move a test's phases along. */
  readonly onAnswer?: (answer: LoadAnswer, answers: readonly LoadAnswer[]) => void;
}

/** Sends `total` requests from `concurrency` senders; resolves with every answer, in answer order. */
export async function runLoad(options: LoadOptions): Promise<LoadAnswer[]> {
  const answers: LoadAnswer[] = [];
  const started = Date.now();
  let next = 0;
  const sender = async () => {
    for (let i = next++; i < options.total; i = next++) {
      const answer = await send(options, i, started);
      answers.push(answer);
      options.onAnswer?.(answer, answers);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, sender));
  return answers;
}

async function send(options: LoadOptions, i: number, started: number): Promise<LoadAnswer> {
  const { path, body, headers } = options.request(i);
  const sentAt = Date.now() - started;
  const t0 = Date.now();
  try {
    const response = await fetch(`${options.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(options.patienceMs),
    });
    const json = (await response.json()) as {
      id?: string;
      error?: { code?: string; message?: string };
    };
    return {
      index: i,
      status: response.status,
      id: json.id,
      code: json.error?.code,
      message: json.error?.message,
      retryAfter: response.headers.get('retry-after'),
      sentAt,
      answeredAt: Date.now(),
      elapsedMs: Date.now() - t0,
      failure: undefined,
    };
  } catch (error) {
    return {
      index: i,
      status: 0,
      id: undefined,
      code: undefined,
      message: undefined,
      retryAfter: null,
      sentAt,
      answeredAt: Date.now(),
      elapsedMs: Date.now() - t0,
      failure: describeFailure(error),
    };
  }
}

function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/** Counts answers by `status code` (e.g. `200`, `503 PUBLISH_TIMEOUT`), for messages and reports. */
export function tally(answers: readonly LoadAnswer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const key =
      answer.status === 0
        ? `no answer (${answer.failure ?? ''})`
        : `${String(answer.status)}${answer.code ? ` ${answer.code}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Collects the `wharf-request-id` of every record landing on a topic, as it lands. */
export class LandedIds {
  readonly ids = new Set<string>();
  /** Records read that carry a request id, copies included. */
  records = 0;
  readonly topic: string;
  readonly #consumer: Consumer;

  private constructor(consumer: Consumer, topic: string) {
    this.#consumer = consumer;
    this.topic = topic;
  }

  static async start(kafka: Kafka, topic: string): Promise<LandedIds> {
    const consumer = kafka.consumer({
      ...TEST_CONSUMER,
      groupId: uniqueName('landed'),
      // The ingress sends batches of up to 4 MiB: fetch one whole.
      maxBytesPerPartition: 16 * 1024 * 1024,
      maxBytes: 64 * 1024 * 1024,
    });
    const landed = new LandedIds(consumer, topic);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const id = message.headers?.[RAW_HEADERS.requestId]?.toString();
        if (id) {
          landed.ids.add(id);
          landed.records++;
        }
        return Promise.resolve();
      },
    });
    return landed;
  }

  /** Extra copies of a request on the topic (a send the producer repeated and the broker kept twice). */
  get duplicates(): number {
    return this.records - this.ids.size;
  }

  /** The ids among `ids` that have not landed (yet). */
  missing(ids: readonly string[]): string[] {
    return ids.filter((id) => !this.ids.has(id));
  }

  stop(): Promise<void> {
    return this.#consumer.disconnect();
  }
}
