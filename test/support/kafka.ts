/**
 * What integration tests share: the broker's addresses, unique names, and
 * waiting on conditions instead of sleeping.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConfig } from 'kafkajs';
import { afterEach, inject } from 'vitest';
import { startTestBroker } from '../../src/broker/test-broker.ts';
import type { TestBroker } from '../../src/broker/test-broker.ts';

/** Bootstrap list of the broker under test. */
export function kafkaBrokers(): string[] {
  return inject('kafkaBrokers').split(',');
}

/** Whether the tests run against a real Apache Kafka (started by the global setup or external). */
export function isRealKafka(): boolean {
  return inject('brokerKind') === 'kafka';
}

/**
 * A mock broker process of the calling test file's own. Tests that inject faults
 * use one, so that taking a broker down does not disturb the test files that
 * share the global broker in parallel.
 */
export async function startPrivateBroker(): Promise<TestBroker> {
  return startTestBroker();
}

/** A topic, group or client name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A kafkajs client for the broker under test, quiet unless a test fails. */
export function testKafka(overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: uniqueName('wharf-test'),
    brokers: kafkaBrokers(),
    logLevel: logLevel.NOTHING,
    ...overrides,
  });
}

/**
 * Consumer settings for tests: short fetch waits, so that disconnecting does
 * not wait out a long poll.
 */
export const TEST_CONSUMER = { maxWaitTimeInMs: 100, heartbeatInterval: 500 } as const;

import { waitFor } from './wait.ts';

export { waitFor };

/** A partition's offsets, as kafkajs's admin gives them. */
export interface PartitionOffsets {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

function isRetriable(error: unknown): boolean {
  return (error as { retriable?: unknown }).retriable === true;
}

/**
 * A topic's partition offsets. A topic created a moment before may answer
 * that no broker leads a partition yet (NOT_LEADER_OR_FOLLOWER, retriable):
 * the read is repeated until it answers, within the timeout; any other error
 * fails at once.
 */
export async function topicOffsets(
  topic: string,
  brokers?: readonly string[],
): Promise<PartitionOffsets[]> {
  const admin = testKafka(brokers ? { brokers: [...brokers] } : {}).admin();
  await admin.connect();
  try {
    return await waitFor(
      `the offsets of ${topic}`,
      async () => {
        try {
          return await admin.fetchTopicOffsets(topic);
        } catch (error) {
          if (isRetriable(error)) return undefined;
          throw error;
        }
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Undo steps for the calling test file, run after each test, last first
 * (disconnect clients, bring a broker back up).
 */
export function cleanupsAfterEach(): (() => Promise<unknown>)[] {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return cleanups;
}
