/**
 * A smoke run against the newest Apache Kafka 3.9 that Maven Central serves,
 * a server of this file's own: webhooks through the ingress to the raw
 * topics, the worker routing one to its domain topic and dead-lettering
 * another, then `wharf replay` redriving the dead letter once the worker
 * knows the warehouse's trigger name.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { KAFKA_3_9_VERSION, startKafka } from '../../../src/broker/kafka-broker.ts';
import type { KafkaBroker } from '../../../src/broker/kafka-broker.ts';
import { registerReplay } from '../../../src/cli/commands/replay.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { startIngress } from '../../../src/ingress/server.ts';
import { createMetrics } from '../../../src/metrics/catalog.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { post } from '../../support/http.ts';
import {
  ONGOING_TOKEN,
  SHIPWELL_CREDENTIALS,
  basicAuth,
  countRecords,
  readTopic,
} from '../../support/ingress.ts';
import { cleanupsAfterEach, isRealKafka, waitFor } from '../../support/kafka.ts';
import { runOps } from '../../support/ops-cli.ts';
import {
  WAREHOUSE_TRIGGER,
  decode,
  fixture,
  pickedOrderUnderWarehouseTrigger,
  startTestRegistry,
  startTestWorker,
  workerEnvironment,
} from '../../support/worker.ts';

describe.skipIf(!isRealKafka())(`Apache Kafka ${KAFKA_3_9_VERSION}`, () => {
  let kafka: KafkaBroker;
  let registry: EmbeddedRegistry;
  const cleanups = cleanupsAfterEach();
  beforeAll(async () => {
    kafka = await startKafka({ version: KAFKA_3_9_VERSION, heapMb: 384 });
    registry = await startTestRegistry();
  }, 180_000);
  afterAll(async () => {
    await registry.close();
    await kafka.stop();
  });

  it('lands, routes, dead-letters and replays', async () => {
    onTestFailed(async () => {
      process.stderr.write(`--- the end of ${kafka.logFile} ---\n${await kafka.logTail(80)}\n`);
    });
    const brokers = kafka.brokers;
    const env = workerEnvironment(registry.url, { KAFKA_BROKERS: brokers.join(',') });
    const config = loadConfig(env, 'all');
    const worker = await startTestWorker(env);
    let workerRunning = true;
    cleanups.push(() => (workerRunning ? worker.shutdown() : Promise.resolve()));
    const ingress = await startIngress(config, pino({ level: 'silent' }), {
      metrics: createMetrics({ defaultMetrics: false }),
    });
    cleanups.push(() => ingress.shutdown());

    const shipwell = await post(
      ingress.url,
      '/webhooks/shipwell',
      fixture('shipwell', 'order.created.json'),
      {
        authorization: basicAuth(SHIPWELL_CREDENTIALS),
      },
    );
    const ongoing = await post(
      ingress.url,
      '/webhooks/ongoing',
      pickedOrderUnderWarehouseTrigger(39),
      {
        'x-ongoing-token': ONGOING_TOKEN,
      },
    );
    expect([shipwell.status, ongoing.status]).toEqual([200, 200]);

    const [order] = await readTopic(config.worker.domainTopics.orders, 1, { brokers });
    expect(order).toBeDefined();
    if (order) expect(await decode(registry.url, order)).toMatchObject({ type: 'order.created' });
    const dlq = config.worker.deadLetterTopic;
    await waitFor('the unknown trigger dead-lettered', async () =>
      (await countRecords(dlq, brokers)) === 1 ? true : undefined,
    );

    await worker.shutdown();
    workerRunning = false;
    const configured = await startTestWorker({
      ...env,
      WHARF_ONGOING_TRIGGER_ALIASES: `${WAREHOUSE_TRIGGER}=order.picked`,
    });
    cleanups.push(() => configured.shutdown());
    const replay = await runOps([registerReplay], ['replay', '--code', 'UNKNOWN_EVENT_TYPE'], env);
    expect(replay.stdout).toMatch(/1 selected, 1 sent, 0 skipped, 0 failed/);
    const [picked] = await readTopic(config.worker.domainTopics.fulfillment, 1, { brokers });
    expect(picked).toBeDefined();
    if (picked) {
      expect(await decode(registry.url, picked)).toMatchObject({
        type: 'fulfillment_order.picked',
        subject: 'ongoing/wh1/order/39',
      });
    }
  });
});
