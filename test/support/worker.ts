/**
 * A worker in this process against the test broker and an embedded schema
 * registry, with topics and group of its own; and reading its output back.
 */
import { recordKey } from '../../src/ingress/app.ts';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll } from 'vitest';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import type { Config } from '../../src/config/config.ts';
import { createMetrics } from '../../src/metrics/catalog.ts';
import { providerAdapters } from '../../src/providers/index.ts';
import type { Source } from '../../src/providers/index.ts';
import { startEmbeddedRegistry } from '../../src/registry/index.ts';
import type { EmbeddedRegistry } from '../../src/registry/index.ts';
import type { TestBroker } from '../../src/broker/test-broker.ts';
import { startWorker } from '../../src/worker/worker.ts';
import type { RunningWorker, StartWorkerOptions } from '../../src/worker/worker.ts';
import { fixtureText } from './fixtures.ts';
import { testEnvironment } from './ingress.ts';
import { TEST_CONSUMER, startPrivateBroker, testKafka, uniqueName } from './kafka.ts';
import type { StreamRecord } from './raw-stream.ts';

/** A fixture file's text. */
export const fixture = fixtureText;

/** A HappyColis message from a header fixture and a body fixture. */
export function happycolisMessage(
  type: string,
  body: string,
  header = 'header-event-payloads-page.json',
): string {
  const parsedHeader = JSON.parse(fixture('happycolis', header)) as Record<string, unknown>;
  return JSON.stringify({
    header: { ...parsedHeader, type },
    body: JSON.parse(fixture('happycolis', body)) as unknown,
  });
}

/** A warehouse's own name for "Order is picked", which Wharf does not know out of the box. */
export const WAREHOUSE_TRIGGER = 'Kundorder plockad';

/**
 * An Ongoing "order picked" webhook of warehouse wh1 under the warehouse's own
 * trigger name: dead-lettered until WHARF_ONGOING_TRIGGER_ALIASES maps it.
 */
export function pickedOrderUnderWarehouseTrigger(orderId: number): string {
  const body = JSON.parse(fixture('ongoing', 'order-picked.json')) as Record<string, unknown>;
  return JSON.stringify({
    ...body,
    system: 'wh1',
    orderId,
    webhookEventId: orderId * 10,
    webhookTemplate: WAREHOUSE_TRIGGER,
  });
}

/** Environment of a test worker: every topic and the group its own. */
export function workerEnvironment(
  registryUrl: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return testEnvironment({
    SCHEMA_REGISTRY_URL: registryUrl,
    WHARF_WORKER_GROUP_ID: uniqueName('worker'),
    WHARF_WORKER_MAX_WAIT_MS: '100',
    WHARF_WORKER_METRICS_HOST: '127.0.0.1',
    WHARF_WORKER_METRICS_PORT: '0',
    WHARF_DEAD_LETTER_TOPIC: uniqueName('dlq'),
    WHARF_DEDUP_TOPIC: uniqueName('dedup'),
    WHARF_REPLAY_TOPIC: uniqueName('replay'),
    WHARF_ORDERS_TOPIC: uniqueName('orders'),
    WHARF_FULFILLMENT_TOPIC: uniqueName('fulfillment'),
    WHARF_SHIPMENTS_TOPIC: uniqueName('shipments'),
    WHARF_INVENTORY_TOPIC: uniqueName('inventory'),
    WHARF_CATALOG_TOPIC: uniqueName('catalog'),
    WHARF_LOCATIONS_TOPIC: uniqueName('locations'),
    ...overrides,
  });
}

/** Starts a worker for an environment. */
export async function startTestWorker(
  env: Record<string, string>,
  options: StartWorkerOptions = {},
): Promise<RunningWorker & { config: Config }> {
  const config = loadConfig(env, 'worker');
  const worker = await startWorker(
    config,
    { adapters: providerAdapters(config.worker.providerSettings) },
    pino({ level: 'silent' }),
    { metrics: createMetrics({ defaultMetrics: false }), ...options },
  );
  return { ...worker, config };
}

/** Starts an embedded schema registry for a test file. */
export function startTestRegistry(): Promise<EmbeddedRegistry> {
  return startEmbeddedRegistry();
}

/** A broker process and a schema registry of one test file's own. */
export interface PrivateStack {
  broker: TestBroker;
  registry: EmbeddedRegistry;
}

/**
 * Starts a broker process and a registry before the calling file's (or
 * describe block's) tests and stops them after: for tests that inject faults,
 * which must not disturb the files sharing the global broker.
 */
export function privateBrokerAndRegistry(): Readonly<PrivateStack> {
  // Filled in before the first test runs.
  const stack = {} as PrivateStack;
  beforeAll(async () => {
    stack.broker = await startPrivateBroker();
    stack.registry = await startTestRegistry();
  });
  afterAll(async () => {
    await stack.registry.close();
    await stack.broker.stop();
  });
  return stack;
}

/** Writes raw records as the ingress would (body bytes and its headers). */
export async function landRaw(
  config: Config,
  source: Source,
  bodies: readonly (string | Buffer)[],
  extraHeaders: Record<string, string> = {},
): Promise<void> {
  const producer = testKafka({ brokers: [...config.kafka.brokers] }).producer();
  await producer.connect();
  try {
    await producer.send({
      topic: config.ingress.sources[source].rawTopic,
      messages: bodies.map((body, i) => ({
        // Keyed as the ingress keys it: a redelivery shares its entity's partition.
        key: recordKey(source, Buffer.from(body)),
        value: body,
        headers: {
          'wharf-source': source,
          'wharf-request-id': uniqueName(`req-${String(i)}`),
          'wharf-received-at': new Date().toISOString(),
          'content-type': 'application/json',
          ...extraHeaders,
        },
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** Decodes a domain record's value through the registry. */
export async function decode(
  registryUrl: string,
  message: KafkaMessage,
): Promise<Record<string, unknown>> {
  const registry = new SchemaRegistry({ host: registryUrl });
  return (await registry.decode(message.value ?? Buffer.alloc(0))) as Record<string, unknown>;
}

/**
 * The topics each canonical subject came out on, read from every domain
 * topic of `config` as they fill: for checking that each record went to its
 * own domain's topic, not merely to some domain topic (the output collector
 * of raw-stream.ts keys records by subject, whatever their topic).
 */
export class SubjectTopics {
  readonly #topics = new Map<string, Set<string>>();
  readonly #consumer: Consumer;

  private constructor(consumer: Consumer) {
    this.#consumer = consumer;
  }

  /** Starts reading every domain topic of `config` from the beginning. */
  static async start(kafka: Kafka, config: Config): Promise<SubjectTopics> {
    const consumer = kafka.consumer({ ...TEST_CONSUMER, groupId: uniqueName('subject-topics') });
    const subjects = new SubjectTopics(consumer);
    await consumer.connect();
    await consumer.subscribe({
      topics: Object.values(config.worker.domainTopics),
      fromBeginning: true,
    });
    await consumer.run({
      eachMessage: ({ topic, message }) => {
        const subject = message.headers?.ce_subject?.toString() ?? '';
        const topics = subjects.#topics.get(subject) ?? new Set<string>();
        subjects.#topics.set(subject, topics.add(topic));
        return Promise.resolve();
      },
    });
    return subjects;
  }

  /**
   * The domain records of `stream` not seen (yet) on their own domain's
   * topic, or seen on another one too; each with what was seen.
   */
  misrouted(stream: readonly StreamRecord[], config: Config): string[] {
    const problems: string[] = [];
    for (const { requestId, expected } of stream) {
      if (expected.kind !== 'domain') continue;
      const wanted = config.worker.domainTopics[expected.domain];
      const seen = [...(this.#topics.get(expected.subject) ?? [])];
      if (seen.length !== 1 || seen[0] !== wanted)
        problems.push(`${requestId}: ${expected.subject} on [${seen.join(', ')}], not ${wanted}`);
    }
    return problems;
  }

  stop(): Promise<void> {
    return this.#consumer.disconnect();
  }
}
