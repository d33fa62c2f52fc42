/**
 * The peer of Wharf's ingress in the ingress benchmark:
 * `@platformatic/kafka-hooks` (HTTP → Kafka publish: `POST /topics/<topic>`
 * lands the body as one record, answered 202 once the producer has it
 * acknowledged), built with its `create` as its own tests do and run in a
 * process of its own, as it would be deployed (Platformatic's service brings
 * its own logger, telemetry hooks and undici, which must not weigh on the
 * benchmark's process).
 *
 * Its configuration: the brokers, the topic it may publish to, and its
 * consumer. kafka-hooks publishes only to topics it also consumes and
 * forwards to a URL; here its consumer subscribes to an idle topic instead
 * (`kafka.consumer.topics`, which its plugin passes on to `consume`), so that
 * forwarding does not compete with publishing for the CPU: Wharf's ingress
 * does not consume either.
 *
 * Durability: kafka-hooks 0.6.4 builds its producer with only the brokers and
 * serializers; no setting reaches `acks` or `idempotent`, so it sends with
 * @platformatic/kafka's defaults for a non-idempotent producer: acks = 1
 * (the leader), not idempotent. That is its strongest setting. On a one-node
 * cluster acks = 1 and acks = all wait for the same write.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serveUntilStdinCloses, startChildService } from './child-service.ts';

/** The header kafka-hooks takes the record key from. */
export const KAFKA_HOOKS_KEY_HEADER = 'x-plt-kafka-hooks-key';

/** A running kafka-hooks process. */
export interface KafkaHooksServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  /** The package's version. */
  readonly version: string;
  stop(): Promise<void>;
}

/** Options of {@link startKafkaHooks}. */
export interface KafkaHooksOptions {
  readonly brokers: readonly string[];
  /** The topic requests are published to (`POST /topics/<topic>`). */
  readonly topic: string;
  /** An existing topic nothing writes to, for its consumer. */
  readonly idleTopic: string;
}

/** Starts kafka-hooks in a process of its own. */
export async function startKafkaHooks(options: KafkaHooksOptions): Promise<KafkaHooksServer> {
  const service = await startChildService(new URL(import.meta.url), [
    '--brokers',
    options.brokers.join(','),
    '--topic',
    options.topic,
    '--idle-topic',
    options.idleTopic,
  ]);
  const { url, version } = service.announcement as { url: string; version: string };
  return { url, version, pid: service.pid, stop: () => service.stop() };
}

async function runKafkaHooks(options: KafkaHooksOptions): Promise<void> {
  const { create, version } = await import('@platformatic/kafka-hooks');
  const application = await create(process.cwd(), {
    kafka: {
      brokers: options.brokers,
      topics: [
        // Forwarding is idle (see the consumer); the URL only satisfies the schema.
        { topic: options.topic, url: 'http://127.0.0.1:9/unused', dlq: false },
      ],
      consumer: {
        groupId: `bench-kafka-hooks-${String(process.pid)}`,
        topics: [options.idleTopic],
      },
    },
    server: { hostname: '127.0.0.1', port: 0, logger: { level: 'warn' } },
  });
  const listening = new URL(await application.start({ listen: true }));
  serveUntilStdinCloses(
    { url: `http://127.0.0.1:${listening.port}`, version },
    () => undefined,
    () => application.stop(),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      brokers: { type: 'string', default: '' },
      topic: { type: 'string', default: '' },
      'idle-topic': { type: 'string', default: '' },
    },
  });
  await runKafkaHooks({
    brokers: values.brokers.split(','),
    topic: values.topic,
    idleTopic: values['idle-topic'],
  });
}
