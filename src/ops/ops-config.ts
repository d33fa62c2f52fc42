/**
 * The settings the operator commands (`wharf dlq`, `wharf replay`) read from
 * the same environment as the services: the brokers, the dead-letter topic
 * and each source's raw topic.
 */
import type { Config } from '../config/config.ts';
import { loadConfig } from '../config/config.ts';
import type { Source } from '../providers/index.ts';

/** What the dead-letter tools need to know. */
export interface OpsConfig {
  readonly kafka: Config['kafka'];
  readonly logLevel: Config['logLevel'];
  readonly deadLetterTopic: string;
  /** Each source's raw topic, where a redriven record goes when it names no topic of its own. */
  readonly rawTopics: Readonly<Record<Source, string>>;
}

/**
 * Reads the settings with the worker's rules: the tools handle what the
 * worker wrote, and, like the worker, need none of the ingress's secrets.
 * They never talk to the schema registry, so SCHEMA_REGISTRY_URL, which the
 * worker role requires, is not required here.
 *
 * @throws {ConfigError} naming every variable that is wrong and why.
 */
export function loadOpsConfig(env: Readonly<Record<string, string | undefined>>): OpsConfig {
  const config = loadConfig(
    { ...env, SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL || 'http://registry.invalid' },
    'worker',
  );
  return {
    kafka: config.kafka,
    logLevel: config.logLevel,
    deadLetterTopic: config.worker.deadLetterTopic,
    rawTopics: config.worker.rawTopics,
  };
}
