/**
 * Vitest global setup of the integration project: starts the test broker
 * (or uses the Kafka named by KAFKA_BROKERS) and hands its addresses to the
 * tests through `inject`.
 */
import type { TestProject } from 'vitest/node';
import { startTestBroker } from '../../src/broker/test-broker.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated bootstrap list of the broker the tests use. */
    kafkaBrokers: string;
    /** Control address of the test broker; null when a real Kafka is used. */
    brokerControl: string | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KAFKA_BROKERS;
  if (external) {
    project.provide('kafkaBrokers', external);
    project.provide('brokerControl', null);
    return () => Promise.resolve();
  }
  const broker = await startTestBroker();
  project.provide('kafkaBrokers', broker.brokers.join(','));
  project.provide('brokerControl', broker.controlAddress);
  return () => broker.stop();
}
