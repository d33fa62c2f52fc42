/**
 * A stream of distinct raw records whose outcome is known in advance, and a
 * collector of the worker's output, for tests that check that every raw
 * record came out exactly where it should (reliability tests).
 */
import type { Consumer, Kafka } from 'kafkajs';
import type { Config } from '../../src/config/config.ts';
import type { Domain } from '../../src/canonical/model.ts';
import { happycolisMessage } from './worker.ts';
import { TEST_CONSUMER, uniqueName } from './kafka.ts';

/** What the worker must make of a raw record. */
export type Expected =
  | { readonly kind: 'domain'; readonly domain: Domain; readonly subject: string }
  | { readonly kind: 'dead-letter'; readonly code: string };

/** One raw record as the ingress would land it, and its expected outcome. */
export interface StreamRecord {
  readonly requestId: string;
  readonly key: string | null;
  readonly value: string;
  readonly headers: Record<string, string>;
  readonly expected: Expected;
}

/** HappyColis event types with a fixture whose id placeholder makes each copy a distinct entity. */
const GOOD = [
  {
    type: 'location/updated',
    body: 'body-location.json',
    placeholder: 'LOCATION_ID',
    family: 'location',
    domain: 'locations',
  },
  {
    type: 'order/created',
    body: 'body-order.json',
    placeholder: 'ORDER_ID',
    family: 'order',
    domain: 'orders',
  },
  {
    type: 'product/updated',
    body: 'body-product.json',
    placeholder: 'PRODUCT_ID',
    family: 'product',
    domain: 'catalog',
  },
  {
    type: 'shipment/created',
    body: 'body-shipment.json',
    placeholder: 'SHIPPING_ID',
    family: 'shipment',
    domain: 'shipments',
  },
] as const;

const templates = new Map<string, string>();
function template(type: string, body: string): string {
  let text = templates.get(type);
  if (text === undefined) {
    text = happycolisMessage(type, body);
    templates.set(type, text);
  }
  return text;
}

/** The malformed kinds a poison record can take, with the dead-letter code each must get. */
const POISON = [
  {
    value: (i: number) => `{"header": {"type": "order/created"}, "body": {"id": "P-${String(i)}"`,
    code: 'INVALID_JSON',
  },
  {
    value: (i: number) =>
      JSON.stringify({ header: { type: 'parcel/teleported' }, body: { id: `P-${String(i)}` } }),
    code: 'UNKNOWN_EVENT_TYPE',
  },
  {
    value: (i: number) =>
      JSON.stringify({
        header: { type: 'location/updated' },
        body: { id: `P-${String(i)}`, active: { nested: i } },
      }),
    code: 'SCHEMA_VALIDATION_FAILED',
  },
] as const;

function headers(requestId: string): Record<string, string> {
  return {
    'wharf-source': 'happycolis',
    'wharf-request-id': requestId,
    'wharf-received-at': new Date().toISOString(),
    'content-type': 'application/json',
  };
}

/** The `i`-th good record: a HappyColis event about entity `<run>-<i>`. */
export function goodRecord(run: string, i: number): StreamRecord {
  const good = GOOD[i % GOOD.length];
  if (!good) throw new Error('unreachable');
  const id = `${run}-${String(i)}`;
  const requestId = `${run}-req-${String(i)}`;
  return {
    requestId,
    key: `${good.family}/${id}`,
    value: template(good.type, good.body).replace(good.placeholder, id),
    headers: headers(requestId),
    expected: {
      kind: 'domain',
      domain: good.domain,
      subject: `happycolis/ORGANIZATION_ID/${good.family}/${id}`,
    },
  };
}

/** The `i`-th poison record: malformed in one of three ways, each with its dead-letter code. */
export function poisonRecord(run: string, i: number): StreamRecord {
  const poison = POISON[i % POISON.length];
  if (!poison) throw new Error('unreachable');
  const requestId = `${run}-req-${String(i)}`;
  return {
    requestId,
    key: null,
    value: poison.value(i),
    headers: headers(requestId),
    expected: { kind: 'dead-letter', code: poison.code },
  };
}

/**
 * `count` records, one in `poisonEvery` poison (0: none), the rest good;
 * every record distinct, so every good one is a distinct canonical event.
 */
export function rawStream(count: number, poisonEvery = 0): StreamRecord[] {
  const run = uniqueName('r');
  return Array.from({ length: count }, (_, i) =>
    poisonEvery > 0 && i % poisonEvery === poisonEvery - 1
      ? poisonRecord(run, i)
      : goodRecord(run, i),
  );
}

/** What the collector saw for one raw record. */
export interface Seen {
  /** Canonical event ids of every copy on the domain topic, in arrival order. */
  readonly eventIds: string[];
  /** Dead-letter codes of every copy on the dead-letter topic. */
  readonly deadLetterCodes: string[];
}

/**
 * Reads the worker's domain and dead-letter topics as they fill, and keeps,
 * per subject (canonical records) and per request id (dead letters), every
 * copy seen: the tests then check that each raw record came out at least
 * once, and that copies carry the same event id.
 */
export class OutputCollector {
  readonly bySubject = new Map<string, string[]>();
  readonly byRequestId = new Map<string, string[]>();
  /** Records read, copies included. */
  total = 0;
  readonly #consumer: Consumer;

  private constructor(consumer: Consumer) {
    this.#consumer = consumer;
  }

  /** Starts reading every domain topic and the dead-letter topic of `config`, from the beginning. */
  static async start(kafka: Kafka, config: Config): Promise<OutputCollector> {
    const consumer = kafka.consumer({ ...TEST_CONSUMER, groupId: uniqueName('collector') });
    const collector = new OutputCollector(consumer);
    await consumer.connect();
    await consumer.subscribe({
      topics: [...Object.values(config.worker.domainTopics), config.worker.deadLetterTopic],
      fromBeginning: true,
    });
    const deadLetterTopic = config.worker.deadLetterTopic;
    await consumer.run({
      eachMessage: ({ topic, message }) => {
        collector.total++;
        const text = (name: string) => message.headers?.[name]?.toString() ?? '';
        if (topic === deadLetterTopic) {
          push(collector.byRequestId, text('wharf-request-id'), text('wharf-error-code'));
        } else {
          push(collector.bySubject, text('ce_subject'), text('ce_id'));
        }
        return Promise.resolve();
      },
    });
    return collector;
  }

  /** What was seen for a raw record of the stream. */
  seen(record: StreamRecord): Seen {
    return record.expected.kind === 'domain'
      ? {
          eventIds: this.bySubject.get(record.expected.subject) ?? [],
          deadLetterCodes: this.byRequestId.get(record.requestId) ?? [],
        }
      : { eventIds: [], deadLetterCodes: this.byRequestId.get(record.requestId) ?? [] };
  }

  /** How many records of `stream` have come out at least once. */
  arrived(stream: readonly StreamRecord[]): number {
    let arrived = 0;
    for (const record of stream) {
      const seen = this.seen(record);
      if (seen.eventIds.length + seen.deadLetterCodes.length > 0) arrived++;
    }
    return arrived;
  }

  stop(): Promise<void> {
    return this.#consumer.disconnect();
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const values = map.get(key);
  if (values) values.push(value);
  else map.set(key, [value]);
}

/**
 * Checks every record of `stream` against what was collected. Returns the
 * problems (empty when all is well) and how many extra copies came out.
 */
export function audit(
  stream: readonly StreamRecord[],
  collector: OutputCollector,
): { problems: string[]; duplicates: number } {
  const problems: string[] = [];
  let duplicates = 0;
  for (const record of stream) {
    const { eventIds, deadLetterCodes } = collector.seen(record);
    const { expected } = record;
    if (expected.kind === 'domain') {
      if (deadLetterCodes.length > 0) {
        problems.push(`${record.requestId}: dead-lettered (${deadLetterCodes.join(', ')})`);
      }
      if (eventIds.length === 0) problems.push(`${record.requestId}: no ${expected.subject} event`);
      if (new Set(eventIds).size > 1) {
        problems.push(`${record.requestId}: copies with different ids ${eventIds.join(', ')}`);
      }
      duplicates += Math.max(0, eventIds.length - 1);
    } else {
      if (deadLetterCodes.length === 0) problems.push(`${record.requestId}: not dead-lettered`);
      if (deadLetterCodes.some((code) => code !== expected.code)) {
        problems.push(
          `${record.requestId}: ${deadLetterCodes.join(', ')} instead of ${expected.code}`,
        );
      }
      duplicates += Math.max(0, deadLetterCodes.length - 1);
    }
  }
  return { problems, duplicates };
}

/** The raw topic of HappyColis in `config`, where the stream's records go. */
export function happycolisRawTopic(config: Config): string {
  return config.ingress.sources.happycolis.rawTopic;
}
