/**
 * The settings the operator commands (`wharf dlq`, `wharf replay`) read from
 * the same environment as the services: the brokers (or `--brokers`), the
 * dead-letter topic and each source's raw topic.
 */
import { ConfigError, loadConfig } from '../config/config.ts';
import type { Source } from '../providers/index.ts';
import type { OperatorConnection } from './operator-kafka.ts';

/** What the dead-letter tools need to know. */
export interface OpsConfig {
  /** The brokers, where they came from, the client id and the TLS and SASL settings. */
  readonly connection: OperatorConnection;
  readonly deadLetterTopic: string;
  /** Each source's raw topic, where a redriven record goes when it names no topic of its own. */
  readonly rawTopics: Readonly<Record<Source, string>>;
}

/** A missing or wrong KAFKA_BROKERS may also be fixed with the option. */
function mentionBrokersOption(issue: string): string {
  return issue.replace(/^KAFKA_BROKERS: /, 'KAFKA_BROKERS (or --brokers): ');
}

/**
 * Reads the settings with the worker's rules: the tools handle what the
 * worker wrote, and, like the worker, need none of the ingress's secrets.
 * They never talk to the schema registry, so SCHEMA_REGISTRY_URL, which the
 * worker role requires, is not required here. `brokers` (`--brokers`)
 * replaces KAFKA_BROKERS.
 *
 * @throws {ConfigError} naming every variable that is wrong and why.
 */
export function loadOpsConfig(
  env: Readonly<Record<string, string | undefined>>,
  brokers?: readonly string[],
): OpsConfig {
  let config;
  try {
    config = loadConfig(
      {
        ...env,
        SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL || 'http://registry.invalid',
        ...(brokers === undefined ? {} : { KAFKA_BROKERS: brokers.join(',') }),
      },
      'worker',
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.issues.map(mentionBrokersOption));
  }
  return {
    connection: {
      brokers: config.kafka.brokers,
      setting: brokers === undefined ? 'KAFKA_BROKERS' : '--brokers',
      clientId: config.kafka.clientId,
      security: config.kafka.security,
    },
    deadLetterTopic: config.worker.deadLetterTopic,
    rawTopics: config.worker.rawTopics,
  };
}
