/**
 * The one place topics are specified: both processes give the raw topics the
 * same limits, and a problem names the topic, both values and the fix.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { SOURCES } from '../../../src/providers/index.ts';
import { withEverySourceSecret } from '../../support/sources.ts';
import {
  describeTopicProblem,
  rawTopicSpecs,
  workerTopicSpecs,
} from '../../../src/kafka/topics.ts';

const MiB = 1024 * 1024;
const config = loadConfig(
  withEverySourceSecret({
    KAFKA_BROKERS: '127.0.0.1:9092',
    SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
    WHARF_ONGOING_AUTH: 'none',
    WHARF_SHIPWELL_AUTH: 'none',
    WHARF_HAPPYCOLIS_AUTH: 'none',
    WHARF_ALLOW_UNAUTHENTICATED: 'true',
    WHARF_MAX_BODY_BYTES: String(2 * MiB),
    WHARF_BATCH_MAX_BYTES: String(3 * MiB),
    WHARF_TOPIC_PARTITIONS: '6',
  }),
  'all',
);

describe('topic specs', () => {
  it('gives every raw topic room for the largest batch the ingress sends', () => {
    expect(rawTopicSpecs(config)).toEqual(
      SOURCES.map((source) => ({
        topic: `webhooks.raw.${source}`,
        numPartitions: 6,
        replicationFactor: undefined,
        config: { 'max.message.bytes': String(4 * MiB) },
        minMessageBytes: 4 * MiB,
      })),
    );
  });

  it('gives domain and dead-letter topics room for three bodies, and compacts the dedup and replay logs', () => {
    const specs = Object.fromEntries(workerTopicSpecs(config).map((spec) => [spec.topic, spec]));
    expect(Object.keys(specs)).toHaveLength(9);
    expect(specs['logistics.orders.v1']?.minMessageBytes).toBe(7 * MiB);
    expect(specs['webhooks.dlq']?.minMessageBytes).toBe(7 * MiB);
    expect(specs['wharf.dedup.v2']).toMatchObject({
      config: { 'cleanup.policy': 'compact,delete', 'retention.ms': '86400000' },
    });
    expect(specs['wharf.dedup.v2']?.minMessageBytes).toBeUndefined();
    expect(specs['wharf.replay.v2']).toMatchObject({
      config: { 'cleanup.policy': 'compact,delete', 'retention.ms': String(30 * 86_400_000) },
    });
  });

  it('names the topic, the value found, the value needed and the command that fixes it', () => {
    expect(
      describeTopicProblem({
        topic: 'webhooks.raw.ongoing',
        setting: 'max.message.bytes',
        found: 1048588,
        needed: 5242880,
      }),
    ).toBe(
      'topic webhooks.raw.ongoing: max.message.bytes is 1048588, Wharf writes batches up to 5242880; ' +
        'raise it with kafka-configs.sh --alter --entity-type topics --entity-name webhooks.raw.ongoing ' +
        '--add-config max.message.bytes=5242880',
    );
  });
});
