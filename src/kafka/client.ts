/**
 * Kafka clients built from the configuration (topics: see topics.ts).
 */
import { Kafka, Partitioners, logLevel as kafkaLogLevel } from 'kafkajs';
import type { KafkaConfig, LogEntry, Mechanism, Producer, SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { KafkaSecurity, SaslSettings, TlsSettings } from '../config/security.ts';
import { oauthBearerMechanism, oauthBearerProvider } from './oauth.ts';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [kafkaLogLevel.ERROR]: 'error',
  [kafkaLogLevel.WARN]: 'warn',
  [kafkaLogLevel.INFO]: 'info',
  [kafkaLogLevel.DEBUG]: 'debug',
};

/** The TLS options Wharf sets (Node's defaults for everything else). */
export type TlsOptions = Pick<
  ConnectionOptions,
  'ca' | 'cert' | 'key' | 'passphrase' | 'checkServerIdentity'
>;

/** Node's TLS options for these settings. */
export function tlsOptions(tls: TlsSettings): TlsOptions {
  return {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
    // The chain is still verified; only the name in the certificate is not.
    ...(tls.checkHostname ? {} : { checkServerIdentity: () => undefined }),
  };
}

function saslOptions(sasl: SaslSettings): SASLOptions | Mechanism {
  switch (sasl.mechanism) {
    case 'OAUTHBEARER':
      return oauthBearerMechanism(oauthBearerProvider(sasl.oauth));
    case 'PLAIN':
      return { mechanism: 'plain', username: sasl.username, password: sasl.password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password };
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
  }
}

/** kafkajs's `ssl` and `sasl` options for these settings. */
export function connectionOptions(security: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return {
    ...(security.tls === undefined ? {} : { ssl: tlsOptions(security.tls) }),
    ...(security.sasl === undefined ? {} : { sasl: saslOptions(security.sasl) }),
  };
}

/** A kafkajs client that logs through Wharf's logger. */
export function createKafka(config: Config['kafka'], logger: Logger): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    ...connectionOptions(config.security),
    logLevel: kafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        kafkaLogger[LEVELS[level] ?? 'info'](rest, message);
      },
  });
}

/** The producer Wharf writes with: idempotent, acks = all on every send. */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    allowAutoTopicCreation: false,
    // Idempotence needs unlimited retries (a batch given up on would free its
    // sequence numbers for the next one); a short backoff cap makes a send
    // that is stuck through an outage go through soon after the broker is back.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1_000 },
    // Murmur2 as in the Java client, so keys land where other clients put them.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/** Whether kafkajs says trying again may help (a topic its metadata does not show yet, say). */
function isRetriableKafkaError(error: unknown): boolean {
  return error instanceof Error && 'retriable' in error && error.retriable === true;
}

/**
 * Asks `attempt` until it gives a value, asking again, with a growing pause,
 * after `undefined` or an error kafkajs marks retriable. A real Kafka needs a
 * moment after creating a topic before its metadata shows it and its
 * partitions are led, and kafkajs's admin does not wait for that.
 *
 * @throws the last error, or a timeout naming `what`, after `timeoutMs`.
 */
export async function untilKafkaAnswers<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delayMs = 25; ; delayMs = Math.min(1_000, delayMs * 2)) {
    const value = await attempt().catch((error: unknown) => {
      if (!isRetriableKafkaError(error) || Date.now() + delayMs > deadline) throw error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() + delayMs > deadline)
      throw new Error(`${what}: no answer within ${String(timeoutMs)} ms`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

/**
 * Kafka's answers after which an idempotent producer's sequence numbers no
 * longer match the broker's (a broker that crashed kept batches the producer
 * counted as failed, or forgot the producer). kafkajs cannot reset its
 * sequences, so every later send fails the same way: only a new producer,
 * with a new producer id, recovers.
 */
const SEQUENCE_LOST = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
]);

/** Whether a send failed because the producer's sequence numbers are lost (see {@link SEQUENCE_LOST}). */
export function isProducerSequenceLost(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if ('type' in cause && typeof cause.type === 'string' && SEQUENCE_LOST.has(cause.type))
      return true;
  }
  return false;
}
