/**
 * Group commit for Kafka: concurrent callers' records are gathered into one
 * `send` per topic, and each caller learns the outcome of the batch that
 * carried its record. A caller is told "stored" only after the broker has
 * acknowledged the batch (acks = all); a failure or a missed deadline is
 * reported as such, never as success.
 *
 * Per topic, one send is in flight at a time (kafkajs serialises an
 * idempotent producer's requests per broker anyway); records that arrive
 * meanwhile form the next batch, which leaves as soon as the broker answers.
 */
import type { IHeaders, Producer } from 'kafkajs';
import { PublishError, PublishTimeoutError, ShuttingDownError } from '../errors.ts';
import type { Metrics } from '../metrics/catalog.ts';

/** One record to publish. */
export interface PublishRecord {
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: IHeaders;
}

/** Options of {@link BatchingPublisher}. */
export interface BatchingPublisherOptions {
  /** Most records in one send (default 500). */
  readonly maxRecords?: number;
  /** A batch is sent once its values reach this many bytes (default 4 MiB). */
  readonly maxBytes?: number;
  /** How long the first record of a batch may wait for company (default 2 ms). */
  readonly lingerMs?: number;
  /** Deadline of one publish, from call to acknowledgement (default 5 s). */
  readonly timeoutMs?: number;
  /**
   * Most records waiting or in flight across all topics (default 10,000):
   * past it, publish fails at once instead of queueing, so a slow broker
   * cannot make the queue (and memory) grow without limit.
   */
  readonly maxPendingRecords?: number;
  readonly metrics?: Pick<Metrics, 'publishBatchSize' | 'produceDuration'>;
}

interface Pending {
  readonly record: PublishRecord;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  settled: boolean;
}

interface TopicQueue {
  waiting: Pending[];
  bytes: number;
  /** When the oldest waiting record arrived (ms since epoch). */
  oldestAt: number;
  inFlight: boolean;
  linger: NodeJS.Timeout | undefined;
}

/** Publishes records in batches; see the module comment. */
export class BatchingPublisher {
  readonly #producer: Producer;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  readonly #lingerMs: number;
  readonly #timeoutMs: number;
  readonly #maxPending: number;
  readonly #metrics: BatchingPublisherOptions['metrics'];
  readonly #topics = new Map<string, TopicQueue>();
  readonly #sends = new Set<Promise<void>>();
  #pending = 0;
  #closed = false;

  constructor(producer: Producer, options: BatchingPublisherOptions = {}) {
    this.#producer = producer;
    this.#maxRecords = options.maxRecords ?? 500;
    this.#maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
    this.#lingerMs = options.lingerMs ?? 2;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#maxPending = options.maxPendingRecords ?? 10_000;
    this.#metrics = options.metrics;
  }

  /** Records accepted by {@link publish} and not yet settled. */
  get pendingRecords(): number {
    return this.#pending;
  }

  /**
   * Publishes one record; resolves once Kafka has acknowledged it.
   *
   * @throws {PublishError} when the broker refused the batch or too much is pending.
   * @throws {PublishTimeoutError} when no acknowledgement came within the deadline.
   * @throws {ShuttingDownError} after {@link close}.
   */
  publish(topic: string, record: PublishRecord): Promise<void> {
    if (this.#closed) return Promise.reject(new ShuttingDownError());
    if (this.#pending >= this.#maxPending) {
      return Promise.reject(
        new PublishError(`${String(this.#pending)} records are already waiting for Kafka`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {
        record,
        settled: false,
        resolve: () => {
          if (this.#settle(pending)) resolve();
        },
        reject: (error) => {
          if (this.#settle(pending)) reject(error);
        },
        timer: setTimeout(() => {
          pending.reject(new PublishTimeoutError(this.#timeoutMs));
        }, this.#timeoutMs),
      };
      this.#pending++;
      const queue = this.#queue(topic);
      if (queue.waiting.length === 0) queue.oldestAt = Date.now();
      queue.waiting.push(pending);
      queue.bytes += record.value.length;
      this.#schedule(topic, queue);
    });
  }

  /** Sends everything waiting now and resolves when every send has settled. */
  async flush(): Promise<void> {
    for (const [topic, queue] of this.#topics) this.#sendNext(topic, queue);
    while (this.#sends.size > 0) await Promise.allSettled([...this.#sends]);
  }

  /** Refuses new records, then flushes what was accepted. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  /** Fails every record not yet acknowledged (used when a shutdown's grace period ends). */
  abort(error: Error): void {
    for (const queue of this.#topics.values()) {
      for (const pending of queue.waiting) pending.reject(error);
      queue.waiting = [];
      queue.bytes = 0;
    }
  }

  #settle(pending: Pending): boolean {
    if (pending.settled) return false;
    pending.settled = true;
    clearTimeout(pending.timer);
    this.#pending--;
    return true;
  }

  #queue(topic: string): TopicQueue {
    let queue = this.#topics.get(topic);
    if (!queue) {
      queue = { waiting: [], bytes: 0, oldestAt: 0, inFlight: false, linger: undefined };
      this.#topics.set(topic, queue);
    }
    return queue;
  }

  #schedule(topic: string, queue: TopicQueue): void {
    if (queue.inFlight) return; // the next batch leaves when the broker answers
    if (queue.waiting.length >= this.#maxRecords || queue.bytes >= this.#maxBytes) {
      this.#sendNext(topic, queue);
    } else if (!queue.linger) {
      // Linger counts from the oldest record's arrival, as Kafka's linger.ms
      // does, so records that waited out a send in flight are not held longer.
      const remaining = Math.max(0, queue.oldestAt + this.#lingerMs - Date.now());
      queue.linger = setTimeout(() => {
        this.#sendNext(topic, queue);
      }, remaining);
    }
  }

  #sendNext(topic: string, queue: TopicQueue): void {
    if (queue.linger) {
      clearTimeout(queue.linger);
      queue.linger = undefined;
    }
    if (queue.inFlight) return;
    // Records whose deadline passed were answered already; do not send them.
    const live = queue.waiting.filter((pending) => !pending.settled);
    const batch = live.slice(0, this.#maxRecords);
    queue.waiting = live.slice(batch.length);
    queue.bytes = queue.waiting.reduce((sum, pending) => sum + pending.record.value.length, 0);
    queue.oldestAt = Date.now();
    if (batch.length === 0) return;

    queue.inFlight = true;
    const send = this.#send(topic, batch).finally(() => {
      queue.inFlight = false;
      this.#sends.delete(send);
      if (queue.waiting.length > 0) this.#schedule(topic, queue);
    });
    this.#sends.add(send);
  }

  async #send(topic: string, batch: readonly Pending[]): Promise<void> {
    const started = process.hrtime.bigint();
    this.#metrics?.publishBatchSize.observe({ topic }, batch.length);
    const observe = (outcome: 'ok' | 'error') =>
      this.#metrics?.produceDuration.observe(
        { topic, outcome },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    try {
      await this.#producer.send({
        topic,
        acks: -1,
        messages: batch.map(({ record }) => ({
          key: record.key,
          value: record.value,
          headers: record.headers,
        })),
      });
      observe('ok');
      for (const pending of batch) pending.resolve();
    } catch (error) {
      observe('error');
      const failure = new PublishError(`Kafka did not store the batch for ${topic}`, error);
      for (const pending of batch) pending.reject(failure);
    }
  }
}
