/**
 * Exactly-once delivery (`WHARF_WORKER_DELIVERY=exactly-once`): one Kafka
 * transaction per raw partition's batch holds its canonical and dead-letter
 * records, its changelog entries and its consumed offset (`sendOffsets`).
 * A `read_committed` consumer of the domain topics then sees each event
 * once, whatever crashed where.
 *
 * Fencing: a transactional producer per raw partition, its id
 * `<prefix>-<raw topic>-<partition>`. The worker a partition moves to
 * initialises the same transactional id, which bumps its epoch: the old
 * owner's producer is fenced (its open transaction aborted, its commit
 * refused) even if that owner is alive but stalled. The alternative, one
 * producer per worker fenced by the consumer group's generation (KIP-447),
 * needs TxnOffsetCommit v3, which kafkajs does not speak (it sends v0–v1,
 * without the generation or member id), so a stalled worker's late commit
 * would not be refused. The price: a producer (and its connections) per
 * assigned raw partition, and one transaction per partition's batch rather
 * than one per round across partitions.
 */
import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { partitionName } from './memory.ts';
import type { Plan } from './plan.ts';
import {
  byTopic,
  changelogRecords,
  chunks,
  countOutcomes,
  logDeadLetters,
  offsetsOf,
  rememberInMemory,
  rememberedOf,
} from './store.ts';
import type { StoreDependencies } from './store.ts';

const NOTHING_REFUSED: ReadonlySet<never> = new Set();

/** The transactional producers of the raw partitions assigned here, created on first use. */
export class TransactionalProducers {
  readonly #kafka: Kafka;
  readonly #prefix: string;
  readonly #logger: Logger;
  readonly #producers = new Map<string, Promise<Producer>>();

  constructor(kafka: Kafka, prefix: string, logger: Logger) {
    this.#kafka = kafka;
    this.#prefix = prefix;
    this.#logger = logger;
  }

  /** The transactional id of a raw partition's producer. */
  transactionalId(topic: string, partition: number): string {
    return `${this.#prefix}-${topic}-${String(partition)}`;
  }

  /** The producer of a raw partition; creating it fences the partition's previous owner. */
  of(topic: string, partition: number): Promise<Producer> {
    const name = partitionName(topic, partition);
    let producer = this.#producers.get(name);
    if (!producer) {
      const created = this.#kafka.producer({
        transactionalId: this.transactionalId(topic, partition),
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1_000 },
      });
      producer = created.connect().then(() => created);
      // A producer that failed to start is made again by the next batch.
      producer.catch(() => this.#producers.delete(name));
      this.#producers.set(name, producer);
    }
    return producer;
  }

  /** Starts a raw partition's producer now (fencing its previous owner); a failure is retried by its next batch. */
  start(topic: string, partition: number): void {
    this.of(topic, partition).catch((error: unknown) => {
      this.#logger.warn(
        { err: error, topic, partition },
        'starting a transactional producer failed',
      );
    });
  }

  /** Disconnects a raw partition's producer (revoked, or fenced). */
  close(name: string): void {
    const producer = this.#producers.get(name);
    if (!producer) return;
    this.#producers.delete(name);
    producer
      .then((started) => started.disconnect())
      .catch((error: unknown) => {
        this.#logger.debug({ err: error, partition: name }, 'closing a transactional producer');
      });
  }

  /** The names of the raw partitions with a producer. */
  names(): string[] {
    return [...this.#producers.keys()];
  }

  async closeAll(): Promise<void> {
    const producers = [...this.#producers.values()];
    this.#producers.clear();
    await Promise.allSettled(producers.map(async (producer) => (await producer).disconnect()));
  }
}

/**
 * Stores a raw partition's plan in one transaction: its records, its
 * changelog entries, its offset. Only once committed does the memory learn
 * it, the metrics count it and its dead letters are logged. A failed
 * transaction is aborted and its producer closed (it may be fenced): the
 * batch is processed again.
 */
export async function storeExactlyOnce(
  plan: Plan,
  producers: TransactionalProducers,
  deps: StoreDependencies & { readonly groupId: string },
): Promise<void> {
  const producer = await producers.of(plan.topic, plan.partition);
  const seenAt = deps.now();
  const remembered = rememberedOf(plan, NOTHING_REFUSED);
  const records = [...plan.outgoing, ...changelogRecords([{ plan, remembered }], deps, seenAt)];
  const transaction = await producer.transaction();
  try {
    for (const chunk of chunks(records))
      await transaction.sendBatch({ acks: -1, topicMessages: byTopic(chunk) });
    await transaction.sendOffsets({ consumerGroupId: deps.groupId, topics: offsetsOf([plan]) });
    await transaction.commit();
  } catch (error) {
    await transaction.abort().catch(() => undefined);
    producers.close(partitionName(plan.topic, plan.partition));
    throw error;
  }
  rememberInMemory([plan], NOTHING_REFUSED, deps, seenAt);
  countOutcomes([plan], NOTHING_REFUSED, deps.metrics);
  logDeadLetters([plan], NOTHING_REFUSED, deps.logger);
}
