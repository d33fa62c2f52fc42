/**
 * Topic provisioning against a real Kafka, which (unlike the mock) enforces
 * `max.message.bytes`: whichever process starts first, a webhook at the body
 * limit is stored; an existing topic too small for what Wharf writes is
 * reported and keeps the process unready until it is raised.
 */
// kafkajs is CommonJS, and Node.js cannot see this export by name.
import kafkajs from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { startIngress } from '../../../src/ingress/server.ts';
import { rawTopicMessageBytes } from '../../../src/kafka/topics.ts';
import { createMetrics } from '../../../src/metrics/catalog.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { post } from '../../support/http.ts';
import { SHIPWELL_CREDENTIALS, basicAuth, countRecords } from '../../support/ingress.ts';
import { cleanupsAfterEach, isRealKafka, testKafka, waitFor } from '../../support/kafka.ts';
import { startTestRegistry, startTestWorker, workerEnvironment } from '../../support/worker.ts';

const cleanups = cleanupsAfterEach();

/** A JSON body of exactly `bytes` bytes. */
function bodyOfSize(bytes: number): string {
  const frame = JSON.stringify({ id: 'big', pad: '' });
  return JSON.stringify({ id: 'big', pad: 'x'.repeat(bytes - frame.length) });
}

async function withAdmin<T>(
  work: (admin: ReturnType<ReturnType<typeof testKafka>['admin']>) => Promise<T>,
) {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

async function readyStatus(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}

describe.skipIf(!isRealKafka())('topics on a real Kafka', () => {
  let registry: EmbeddedRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry();
  });
  afterAll(async () => {
    await registry.close();
  });

  it('stores a webhook at the body limit when the worker created the raw topics first', async () => {
    const env = workerEnvironment(registry.url);
    const worker = await startTestWorker(env);
    cleanups.push(() => worker.shutdown());
    const config = loadConfig(env);
    const ingress = await startIngress(config, pino({ level: 'silent' }), {
      metrics: createMetrics({ defaultMetrics: false }),
    });
    cleanups.push(() => ingress.shutdown());

    const answer = await post(
      ingress.url,
      '/webhooks/shipwell',
      bodyOfSize(config.ingress.maxBodyBytes),
      { authorization: basicAuth(SHIPWELL_CREDENTIALS) },
    );

    expect(answer.status).toBe(200);
    expect(await countRecords(config.ingress.sources.shipwell.rawTopic)).toBe(1);
  });

  it('keeps the ingress unready while a raw topic is too small, naming it, and ready once raised', async () => {
    const env = workerEnvironment(registry.url);
    const config = loadConfig(env);
    const small = config.ingress.sources.ongoing.rawTopic;
    const needed = rawTopicMessageBytes(config);
    await withAdmin((admin) =>
      admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: small, configEntries: [{ name: 'max.message.bytes', value: '100000' }] }],
      }),
    );
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => lines.push(line) });
    const metrics = createMetrics({ defaultMetrics: false });
    const ingress = await startIngress(config, logger, { metrics, topicRecheckMs: 100 });
    cleanups.push(() => ingress.shutdown());

    expect(await readyStatus(ingress.metricsUrl)).toBe(503);
    // Wharf's own report, not kafkajs's: kafkajs may log a passing metadata error
    // (NOT_LEADER, unknown topic-partition) for the topics the ingress just created.
    const reported = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.logger !== 'kafkajs');
    expect(reported).toEqual([
      expect.objectContaining({
        topic: small,
        setting: 'max.message.bytes',
        found: 100000,
        needed,
        msg: expect.stringContaining(`max.message.bytes is 100000`) as unknown,
      }),
    ]);
    expect(
      await metrics.registry.getSingleMetricAsString('wharf_kafka_topic_misconfigured'),
    ).toContain(`wharf_kafka_topic_misconfigured{topic="${small}",setting="max.message.bytes"} 1`);

    await withAdmin((admin) =>
      admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: kafkajs.ConfigResourceTypes.TOPIC,
            name: small,
            configEntries: [{ name: 'max.message.bytes', value: String(needed) }],
          },
        ],
      }),
    );
    await waitFor(
      'the ingress to turn ready once the topic was raised',
      async () => ((await readyStatus(ingress.metricsUrl)) === 200 ? true : undefined),
      { timeoutMs: 15_000 },
    );
  });
});
