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
 *
 * Memory is bounded: a record counts against the limits from the moment it
 * is accepted until it has left the publisher (sent and answered, or dropped
 * from the queue after its deadline), not merely until its caller was
 * answered, so a broker outage cannot make the queue grow without limit.
 */
import type { IHeaders, Producer } from 'kafkajs';
import { PublishError, PublishTimeoutError, ShuttingDownError } from '../errors.ts';
import { isProducerSequenceLost } from './client.ts';
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
  /** Most bytes of values in one send; a single larger record still goes alone (default 4 MiB). */
  readonly maxBytes?: number;
  /** How long the oldest record of a batch may wait for company (default 2 ms). */
  readonly lingerMs?: number;
  /** Deadline of one publish, from call to acknowledgement (default 5 s). */
  readonly timeoutMs?: number;
  /** Most records held (queued or in flight) across all topics (default 10,000). */
  readonly maxPendingRecords?: number;
  /** Most bytes of values held across all topics (default 64 MiB). */
  readonly maxPendingBytes?: number;
  readonly metrics?: Pick<Metrics, 'publishBatchSize' | 'produceDuration'>;
  /**
   * Gives a new, connected producer when the current one's sequence numbers
   * are lost ({@link isProducerSequenceLost}); without it such a producer is
   * kept, and every later send fails.
   */
  readonly renewProducer?: () => Promise<Producer>;
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
  /** The batch the broker has not answered yet, if any. */
  inFlight: readonly Pending[] | undefined;
  linger: NodeJS.Timeout | undefined;
}

/** Publishes records in batches; see the module comment. */
export class BatchingPublisher {
  #producer: Producer;
  #renewing: Promise<void> | undefined;
  readonly #renewProducer: (() => Promise<Producer>) | undefined;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  readonly #lingerMs: number;
  readonly #timeoutMs: number;
  readonly #maxPendingRecords: number;
  readonly #maxPendingBytes: number;
  readonly #metrics: BatchingPublisherOptions['metrics'];
  readonly #topics = new Map<string, TopicQueue>();
  readonly #sends = new Set<Promise<void>>();
  #heldRecords = 0;
  #heldBytes = 0;
  #closed = false;

  constructor(producer: Producer, options: BatchingPublisherOptions = {}) {
    this.#producer = producer;
    this.#maxRecords = options.maxRecords ?? 500;
    this.#maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
    this.#lingerMs = options.lingerMs ?? 2;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#maxPendingRecords = options.maxPendingRecords ?? 10_000;
    this.#maxPendingBytes = options.maxPendingBytes ?? 64 * 1024 * 1024;
    this.#metrics = options.metrics;
    this.#renewProducer = options.renewProducer;
  }

  /** Records held: accepted and not yet out of the publisher (queued or in flight). */
  get pendingRecords(): number {
    return this.#heldRecords;
  }

  /** Records in sends the broker has not answered yet. */
  get inFlightRecords(): number {
    let records = 0;
    for (const queue of this.#topics.values()) records += queue.inFlight?.length ?? 0;
    return records;
  }

  /**
   * Publishes one record; resolves once Kafka has acknowledged it.
   *
   * @throws {PublishError} when the broker refused the batch or too much is held already.
   * @throws {PublishTimeoutError} when no acknowledgement came within the deadline.
   * @throws {ShuttingDownError} after {@link close}.
   */
  publish(topic: string, record: PublishRecord): Promise<void> {
    if (this.#closed) return Promise.reject(new ShuttingDownError());
    if (
      this.#heldRecords >= this.#maxPendingRecords ||
      this.#heldBytes + record.value.length > this.#maxPendingBytes
    ) {
      return Promise.reject(
        new PublishError(
          `${String(this.#heldRecords)} records (${String(this.#heldBytes)} bytes) are already waiting for Kafka`,
        ),
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
      this.#heldRecords++;
      this.#heldBytes += record.value.length;
      const queue = this.#queue(topic);
      if (queue.waiting.length === 0) queue.oldestAt = Date.now();
      queue.waiting.push(pending);
      queue.bytes += record.value.length;
      this.#schedule(topic, queue);
    });
  }

  /** Sends everything held now and resolves when nothing is queued or in flight. */
  async flush(): Promise<void> {
    for (;;) {
      for (const [topic, queue] of this.#topics) this.#sendNext(topic, queue);
      if (this.#sends.size === 0) return;
      await Promise.allSettled([...this.#sends]);
    }
  }

  /** Refuses new records, then flushes what was accepted. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  /**
   * Fails every record not yet acknowledged, queued or in flight (used when
   * a shutdown's grace period ends). An in-flight batch may still be stored
   * by the broker: its callers are told it was not, and will send again.
   */
  abort(error: Error): void {
    this.#closed = true;
    for (const queue of this.#topics.values()) {
      for (const pending of queue.inFlight ?? []) pending.reject(error);
      for (const pending of queue.waiting) pending.reject(error);
      this.#release(queue.waiting);
      queue.waiting = [];
      queue.bytes = 0;
      if (queue.linger) clearTimeout(queue.linger);
      queue.linger = undefined;
    }
  }

  #settle(pending: Pending): boolean {
    if (pending.settled) return false;
    pending.settled = true;
    clearTimeout(pending.timer);
    return true;
  }

  /** Records leave the publisher: they no longer count against the limits. */
  #release(records: readonly Pending[]): void {
    for (const pending of records) {
      this.#heldRecords--;
      this.#heldBytes -= pending.record.value.length;
    }
  }

  #queue(topic: string): TopicQueue {
    let queue = this.#topics.get(topic);
    if (!queue) {
      queue = { waiting: [], bytes: 0, oldestAt: 0, inFlight: undefined, linger: undefined };
      this.#topics.set(topic, queue);
    }
    return queue;
  }

  #schedule(topic: string, queue: TopicQueue): void {
    if (queue.inFlight) return; // the next batch leaves when the broker answers
    if (queue.waiting.length >= this.#maxRecords || queue.bytes >= this.#maxBytes) {
      this.#sendNext(topic, queue);
    } else if (!queue.linger && queue.waiting.length > 0) {
      // Linger counts from the oldest record's arrival, as Kafka's linger.ms
      // does, so records that waited out a send in flight are not held longer.
      const remaining = Math.max(0, queue.oldestAt + this.#lingerMs - Date.now());
      queue.linger = setTimeout(() => {
        this.#sendNext(topic, queue);
      }, remaining);
    }
  }

  /** Takes the next batch off a queue: live records, up to the count and byte limits. */
  #takeBatch(queue: TopicQueue): Pending[] {
    const batch: Pending[] = [];
    const dropped: Pending[] = [];
    let bytes = 0;
    let taken = 0;
    for (const pending of queue.waiting) {
      if (pending.settled) {
        // Its caller was answered (deadline passed): do not send it.
        dropped.push(pending);
      } else if (
        batch.length < this.#maxRecords &&
        (batch.length === 0 || bytes + pending.record.value.length <= this.#maxBytes)
      ) {
        batch.push(pending);
        bytes += pending.record.value.length;
      } else {
        break;
      }
      taken++;
    }
    this.#release(dropped);
    queue.waiting = queue.waiting.slice(taken);
    queue.bytes = queue.waiting.reduce((sum, pending) => sum + pending.record.value.length, 0);
    queue.oldestAt = Date.now();
    return batch;
  }

  #sendNext(topic: string, queue: TopicQueue): void {
    if (queue.linger) {
      clearTimeout(queue.linger);
      queue.linger = undefined;
    }
    if (queue.inFlight) return;
    const batch = this.#takeBatch(queue);
    if (batch.length === 0) return;

    queue.inFlight = batch;
    const send = this.#send(topic, batch).finally(() => {
      queue.inFlight = undefined;
      this.#sends.delete(send);
      this.#schedule(topic, queue);
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
    const producer = this.#producer;
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: batch.map(({ record }) => ({
          key: record.key,
          value: record.value,
          headers: record.headers,
        })),
      });
      observe('ok');
      this.#release(batch);
      for (const pending of batch) pending.resolve();
    } catch (error) {
      observe('error');
      this.#release(batch);
      const failure = new PublishError(`Kafka did not store the batch for ${topic}`, error);
      for (const pending of batch) pending.reject(failure);
      if (isProducerSequenceLost(error)) await this.#renew(producer);
    }
  }

  /** Replaces `failed` with a new producer, once however many of its sends failed. */
  async #renew(failed: Producer): Promise<void> {
    if (!this.#renewProducer || this.#producer !== failed || this.#closed) return;
    this.#renewing ??= this.#renewProducer()
      .then((fresh) => {
        this.#producer = fresh;
      })
      .finally(() => {
        this.#renewing = undefined;
      });
    await this.#renewing.catch(() => undefined);
  }
}
