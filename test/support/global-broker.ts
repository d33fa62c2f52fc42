/**
 * Vitest global setup of the integration project: chooses the broker the
 * tests run against, says which in the run's first lines, starts it, and hands
 * its addresses to the tests through `inject`.
 *
 * WHARF_TEST_BROKER picks it: `kafka` (a real Apache Kafka, failing when it
 * cannot run), `mock` (librdkafka's mock cluster), or unset / `auto` (the real
 * Kafka when Java and Maven or the cached jars are there, else the mock).
 * KAFKA_BROKERS instead names a Kafka that is already running.
 */
import type { TestProject } from 'vitest/node';
import { KAFKA_VERSION, kafkaAvailability, startKafka } from '../../src/broker/kafka-broker.ts';
import { startTestBroker } from '../../src/broker/test-broker.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated bootstrap list of the broker the tests use. */
    kafkaBrokers: string;
    /** `kafka` for a real Apache Kafka (started here or external), `mock` for the mock cluster. */
    brokerKind: 'kafka' | 'mock';
    /** The log file of the Kafka started here, printed beside a failing test; null otherwise. */
    kafkaLogFile: string | null;
  }
}

type Choice =
  { kind: 'external'; brokers: string } | { kind: 'kafka' } | { kind: 'mock'; why: string };

async function chooseBroker(env: NodeJS.ProcessEnv): Promise<Choice> {
  if (env.KAFKA_BROKERS) return { kind: 'external', brokers: env.KAFKA_BROKERS };
  const wanted = env.WHARF_TEST_BROKER ?? 'auto';
  if (wanted === 'mock') return { kind: 'mock', why: 'WHARF_TEST_BROKER=mock' };
  if (wanted === 'kafka') return { kind: 'kafka' };
  if (wanted !== 'auto')
    throw new Error(`WHARF_TEST_BROKER must be kafka, mock or auto, not "${wanted}"`);
  const availability = await kafkaAvailability();
  if (availability.available) return { kind: 'kafka' };
  return { kind: 'mock', why: `no real Kafka here: ${availability.reason}` };
}

function announce(line: string): void {
  process.stdout.write(`\n[wharf-test] ${line}\n\n`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const choice = await chooseBroker(process.env);
  if (choice.kind === 'external') {
    announce(`Broker: the Kafka at KAFKA_BROKERS=${choice.brokers} (assumed a real Kafka)`);
    project.provide('kafkaBrokers', choice.brokers);
    project.provide('brokerKind', 'kafka');
    project.provide('kafkaLogFile', null);
    return () => Promise.resolve();
  }
  if (choice.kind === 'kafka') {
    const kafka = await startKafka({
      progress: (message) => {
        announce(message);
      },
    });
    announce(
      `Broker: Apache Kafka ${kafka.version} (KRaft, ${kafka.brokers.join(',')}, pid ${String(kafka.pid)}, log ${kafka.logFile}); WHARF_TEST_BROKER=mock runs the embedded mock instead`,
    );
    project.provide('kafkaBrokers', kafka.brokers.join(','));
    project.provide('brokerKind', 'kafka');
    project.provide('kafkaLogFile', kafka.logFile);
    return () => kafka.stop();
  }
  const broker = await startTestBroker();
  announce(
    `Broker: the embedded mock (librdkafka's mock cluster, ${broker.brokers.join(',')}) because ${choice.why}; Apache Kafka ${KAFKA_VERSION} is the default where Java runs`,
  );
  project.provide('kafkaBrokers', broker.brokers.join(','));
  project.provide('brokerKind', 'mock');
  project.provide('kafkaLogFile', null);
  return () => broker.stop();
}
