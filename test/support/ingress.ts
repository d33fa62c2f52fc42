/**
 * Starting an in-process ingress against the test broker, signing requests
 * like the providers do, and reading back what landed.
 */
import { createHmac } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { loadConfig, sourceVariable } from '../../src/config/config.ts';
import { SOURCES } from '../../src/providers/index.ts';
import { withEverySourceSecret } from './sources.ts';
import type { Config } from '../../src/config/config.ts';
import { startIngress } from '../../src/ingress/server.ts';
import type { RunningIngress } from '../../src/ingress/server.ts';
import { createMetrics } from '../../src/metrics/catalog.ts';
import {
  TEST_CONSUMER,
  kafkaBrokers,
  testKafka,
  topicOffsets,
  uniqueName,
  waitFor,
} from './kafka.ts';

export const HAPPYCOLIS_SECRET = 'happycolis-client-secret';
export const SHIPWELL_CREDENTIALS = 'shipwell-user:shipwell-password';
export const ONGOING_TOKEN = 'ongoing-token';

/** Environment of a test ingress: unique raw topics, real auth on every source (any tenant). */
export function testEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
  return withEverySourceSecret({
    KAFKA_BROKERS: kafkaBrokers().join(','),
    WHARF_LOG_LEVEL: 'silent',
    WHARF_INGRESS_HOST: '127.0.0.1',
    WHARF_INGRESS_PORT: '0',
    WHARF_INGRESS_METRICS_HOST: '127.0.0.1',
    WHARF_INGRESS_METRICS_PORT: '0',
    WHARF_TOPIC_PARTITIONS: '3',
    // Raw topics of their own, for every source the registry lists.
    ...Object.fromEntries(
      SOURCES.map((source) => [sourceVariable(source, 'RAW_TOPIC'), uniqueName(`raw-${source}`)]),
    ),
    WHARF_HAPPYCOLIS_SECRETS: `*=old-secret-rotated,*=${HAPPYCOLIS_SECRET}`,
    WHARF_SHIPWELL_SECRETS: `*=${SHIPWELL_CREDENTIALS}`,
    WHARF_ONGOING_AUTH: 'token',
    WHARF_ONGOING_TOKEN_HEADER: 'x-ongoing-token',
    WHARF_ONGOING_SECRETS: `*=${ONGOING_TOKEN}`,
    ...overrides,
  });
}

/** Starts an ingress in this process; stop it with `shutdown()`. */
export async function startTestIngress(
  overrides: Record<string, string> = {},
): Promise<RunningIngress & { config: Config }> {
  const config = loadConfig(testEnvironment(overrides));
  const ingress = await startIngress(config, pino({ level: 'silent' }), {
    metrics: createMetrics({ defaultMetrics: false }),
  });
  return { ...ingress, config };
}

/** The signature HappyColis sends: base64(HMAC-SHA256(clientSecret, raw body)). */
export function happycolisSignature(body: string | Buffer, secret = HAPPYCOLIS_SECRET): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** An HTTP Basic Authorization header value. */
export function basicAuth(credentials: string): string {
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

/** Reads a topic from the beginning until `count` records arrived (or times out). */
export async function readTopic(
  topic: string,
  count: number,
  { timeoutMs = 15_000, brokers }: { timeoutMs?: number; brokers?: readonly string[] } = {},
): Promise<KafkaMessage[]> {
  const consumer = testKafka(brokers ? { brokers: [...brokers] } : {}).consumer({
    ...TEST_CONSUMER,
    groupId: uniqueName('reader'),
  });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        messages.push(message);
        return Promise.resolve();
      },
    });
    await waitFor(
      `${String(count)} records on ${topic}`,
      () => (messages.length >= count ? true : undefined),
      {
        timeoutMs,
      },
    );
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** The number of records in a topic, summed over its partitions. */
export async function countRecords(topic: string, brokers?: readonly string[]): Promise<number> {
  const offsets = await topicOffsets(topic, brokers);
  return offsets.reduce(
    (sum, partition) => sum + Number(partition.high) - Number(partition.low),
    0,
  );
}

/** A record header as a string. */
export function header(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  return value === undefined ? undefined : String(value);
}
