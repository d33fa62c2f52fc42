/**
 * A small downstream consumer of the canonical domain topics, written the way
 * a team would write it from docs/canonical-model.md and docs/worker.md: it
 * decodes every record (Confluent wire format, schema from the registry) and
 * folds the events into one state per entity (`subject`).
 *
 * Its rules:
 * 1. Every record counts for its subject, whatever becomes of it. A record
 *    whose `id` was already read is a copy of that event (the docs: "drop a
 *    record whose id you have already applied"): counted as a copy, and
 *    nothing else.
 * 2. An event is stale when its `time` is older than the `time` of the state
 *    held, or the same time with a smaller `sequence` (the per-entity raw
 *    offset: the order Wharf received them). A stale event is counted as
 *    such and changes nothing else.
 * 3. Otherwise the event is applied: its `time` and `sequence` become the
 *    state's; its `data.status` becomes the state's status, except UNKNOWN
 *    ("the event does not state a status"), which keeps the status held.
 * 4. Data: a snapshot (`snapshot: true`) replaces the data held; a partial
 *    event (a Shipwell update) overlays only what it says, as a null or empty
 *    field of a change means "not in the change", not "cleared".
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Consumer, Kafka } from 'kafkajs';
import { TEST_CONSUMER, uniqueName } from './kafka.ts';

/** What the fold reads of a canonical event. */
export interface FoldedEvent {
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly time: string;
  /** True when `time` is when Wharf received it: the provider gave none (Shipwell). */
  readonly timeIsReceipt: boolean;
  readonly sequence: number;
  readonly snapshot: boolean;
  readonly data: Readonly<Record<string, unknown>>;
}

/** One entity as the consumer holds it. */
export interface EntityState {
  /** The latest status an applied event stated; UNKNOWN until one states one. */
  readonly status: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** `time` and `sequence` of the latest applied event. */
  readonly time: string;
  readonly sequence: number;
  /** Every record of the subject, in the order read (applied, stale or copies). */
  readonly events: readonly FoldedEvent[];
  /** The records whose id had been read before (rule 1). */
  readonly copies: readonly FoldedEvent[];
  /** The events ignored for state because they were older than the state held. */
  readonly stale: readonly FoldedEvent[];
}

/** Whether `event` is older than the state held (rule 2). */
function isStale(held: EntityState, event: FoldedEvent): boolean {
  const age = Date.parse(event.time) - Date.parse(held.time);
  return age < 0 || (age === 0 && event.sequence < held.sequence);
}

/** A value a partial event does not state. */
function unstated(value: unknown): boolean {
  return value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

/** The state after one more event of its subject (rules 1 to 4). */
export function fold(held: EntityState | undefined, event: FoldedEvent): EntityState {
  const events = [...(held?.events ?? []), event];
  if (held?.events.some((earlier) => earlier.id === event.id)) {
    return { ...held, events, copies: [...held.copies, event] };
  }
  if (held !== undefined && isStale(held, event)) {
    return { ...held, events, stale: [...held.stale, event] };
  }
  const stated = typeof event.data.status === 'string' ? event.data.status : 'UNKNOWN';
  const said = event.snapshot
    ? event.data
    : Object.fromEntries(Object.entries(event.data).filter(([, value]) => !unstated(value)));
  return {
    status: stated === 'UNKNOWN' ? (held?.status ?? 'UNKNOWN') : stated,
    data: event.snapshot ? said : { ...held?.data, ...said },
    time: event.time,
    sequence: event.sequence,
    events,
    copies: held?.copies ?? [],
    stale: held?.stale ?? [],
  };
}

/** The fields the fold needs of a decoded record; throws on a record without them. */
function foldedEvent(value: unknown): FoldedEvent {
  const record = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  const { id, type, subject, time, timeIsReceipt, sequence, snapshot, data } = record;
  if (
    typeof id !== 'string' ||
    typeof type !== 'string' ||
    typeof subject !== 'string' ||
    typeof time !== 'string' ||
    typeof timeIsReceipt !== 'boolean' ||
    typeof sequence !== 'number' ||
    typeof snapshot !== 'boolean' ||
    typeof data !== 'object' ||
    data === null
  ) {
    throw new Error(`not a canonical event: ${JSON.stringify(value).slice(0, 200)}`);
  }
  const fields = { id, type, subject, time, timeIsReceipt, sequence, snapshot };
  return { ...fields, data: data as Record<string, unknown> };
}

/** The consumer: reads domain topics from the beginning and folds them by subject. */
export class EntityFold {
  readonly #states = new Map<string, EntityState>();
  readonly #problems: string[] = [];
  #records = 0;
  readonly #consumer: Consumer;

  private constructor(consumer: Consumer) {
    this.#consumer = consumer;
  }

  /** Starts folding `topics` (which must exist) from their beginning. */
  static async start(kafka: Kafka, topics: readonly string[], registryUrl: string) {
    const registry = new SchemaRegistry({ host: registryUrl });
    const consumer = kafka.consumer({ ...TEST_CONSUMER, groupId: uniqueName('entity-fold') });
    const entities = new EntityFold(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        try {
          const event = foldedEvent(await registry.decode(message.value ?? Buffer.alloc(0)));
          entities.#states.set(event.subject, fold(entities.#states.get(event.subject), event));
        } catch (error) {
          entities.#problems.push(`${topic}@${message.offset}: ${String(error)}`);
        }
        entities.#records += 1;
      },
    });
    return entities;
  }

  /** Records read so far, over every topic. */
  get records(): number {
    return this.#records;
  }

  /** Records that could not be decoded or read as canonical events. */
  get problems(): readonly string[] {
    return this.#problems;
  }

  /** The state held for a subject, if any event of it was read. */
  state(subject: string): EntityState | undefined {
    return this.#states.get(subject);
  }

  stop(): Promise<void> {
    return this.#consumer.disconnect();
  }
}
