/**
 * `wharf tail` as a user runs it (a child process) against a worker's real
 * output: events decoded through the embedded registry, filters, where it
 * starts, and that it leaves the worker's group alone.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleFile } from '../../../src/cli/examples.ts';
import type { Config } from '../../../src/config/config.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import {
  cleanEnvironment,
  closedPort,
  jsonLogLines,
  runWharf,
  startWharf,
} from '../../support/cli.ts';
import { readTopic } from '../../support/ingress.ts';
import { testKafka, uniqueName } from '../../support/kafka.ts';
import {
  fixture,
  landRaw,
  startTestRegistry,
  startTestWorker,
  workerEnvironment,
} from '../../support/worker.ts';

/** The built-in Ongoing example, as another event of another order. */
function anotherOngoingEvent(orderId: number, webhookEventId: number): string {
  const example = JSON.parse(readFileSync(exampleFile('ongoing'), 'utf8')) as Record<
    string,
    unknown
  >;
  return JSON.stringify({ ...example, orderId, webhookEventId });
}

/** Events a tail printed as JSON lines. */
function events(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('wharf tail', () => {
  let registry: EmbeddedRegistry;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let config: Config;
  /** The environment a user's shell would have to tail this worker's topics. */
  let env: Record<string, string>;

  beforeAll(async () => {
    registry = await startTestRegistry();
    // One partition everywhere: the worker's output keeps the order the raw
    // records were landed in, so a filter that let too much through shows.
    const workerEnv = workerEnvironment(registry.url, { WHARF_TOPIC_PARTITIONS: '1' });
    worker = await startTestWorker(workerEnv);
    config = worker.config;
    env = cleanEnvironment({
      KAFKA_BROKERS: workerEnv.KAFKA_BROKERS ?? '',
      SCHEMA_REGISTRY_URL: registry.url,
      WHARF_FULFILLMENT_TOPIC: config.worker.domainTopics.fulfillment,
    });
    // In this order: created (string/0), picked (demo-warehouse/482113),
    // released (string/0: its status changed to 300), picked (string/0).
    await landRaw(config, 'ongoing', [
      fixture('ongoing', 'order-created.json'),
      anotherOngoingEvent(482113, 5589314),
      fixture('ongoing', 'order-status-changed.json'),
      fixture('ongoing', 'order-picked.json'),
    ]);
    await readTopic(config.worker.domainTopics.fulfillment, 4, { timeoutMs: 30_000 });
  });

  afterAll(async () => {
    await worker.shutdown();
    await registry.close();
  });

  it('prints each event of a domain decoded through the registry, as JSON lines when piped', async () => {
    const result = await runWharf(['tail', 'fulfillment', '--from-beginning', '--max', '4'], {
      env,
    });
    expect(result.code, result.stderr).toBe(0);
    const printed = events(result.stdout);
    expect(printed.map((event) => event.type)).toEqual([
      'fulfillment_order.created',
      'fulfillment_order.picked',
      'fulfillment_order.released',
      'fulfillment_order.picked',
    ]);
    expect(printed[1]).toMatchObject({
      source: 'ongoing',
      subject: 'ongoing/demo-warehouse/order/482113',
      providerEventId: '5589314',
      data: { fulfillmentOrderId: '482113', status: 'PICKED', warehouse: 'demo-warehouse' },
    });
    expect(result.stderr).toContain(`tailing ${config.worker.domainTopics.fulfillment}`);
  });

  it('shows only events whose type matches --type', async () => {
    const result = await runWharf(
      [
        'tail',
        'fulfillment',
        '--from-beginning',
        '--type',
        'fulfillment_order.picked',
        '--max',
        '2',
      ],
      { env },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(events(result.stdout).map((event) => [event.type, event.subject])).toEqual([
      ['fulfillment_order.picked', 'ongoing/demo-warehouse/order/482113'],
      ['fulfillment_order.picked', 'ongoing/string/order/0'],
    ]);
  });

  it('shows only events whose subject matches --subject, and both filters at once', async () => {
    const subject = await runWharf(
      [
        'tail',
        'fulfillment',
        '--from-beginning',
        '--subject',
        'ongoing/demo-warehouse/*',
        '--max',
        '1',
      ],
      { env },
    );
    expect(subject.code, subject.stderr).toBe(0);
    expect(events(subject.stdout).map((event) => event.subject)).toEqual([
      'ongoing/demo-warehouse/order/482113',
    ]);

    const both = await runWharf(
      [
        'tail',
        'fulfillment',
        '--from-beginning',
        '--type',
        '*.picked',
        '--type',
        '*.released',
        '--subject',
        'ongoing/string/*',
        '--max',
        '2',
      ],
      { env },
    );
    expect(both.code, both.stderr).toBe(0);
    expect(events(both.stdout).map((event) => [event.type, event.subject])).toEqual([
      ['fulfillment_order.released', 'ongoing/string/order/0'],
      ['fulfillment_order.picked', 'ongoing/string/order/0'],
    ]);
  });

  it('starts at the end by default, commits nothing, and stops cleanly on SIGINT', async () => {
    const tail = startWharf(['tail', 'fulfillment'], { env });
    const [, groupId] = await tail.waitForOutput(/\(group (wharf-tail-[\w-]+), commits nothing\)/, {
      stream: 'stderr',
    });
    await landRaw(config, 'ongoing', [anotherOngoingEvent(777, 9001)]);
    await tail.waitForOutput(/ongoing\/demo-warehouse\/order\/777/);
    const ended = await tail.stop('SIGINT');
    expect(ended.code, ended.stderr).toBe(0);
    const printed = events(ended.stdout);
    // Only what arrived after it started.
    expect(printed.map((event) => event.subject)).toEqual(['ongoing/demo-warehouse/order/777']);

    const admin = testKafka().admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({
        groupId: groupId ?? '',
        topics: [config.worker.domainTopics.fulfillment],
      });
      for (const partition of offsets[0]?.partitions ?? []) expect(partition.offset).toBe('-1');
    } finally {
      await admin.disconnect();
    }
  });

  it('stops after --timeout, exiting 1 when --max events did not arrive', async () => {
    const result = await runWharf(['tail', 'fulfillment', '--max', '1', '--timeout', '2'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('timed out after 2 s with 0 of 1 events');
  });

  it('prints records that are not registry Avro (a raw topic) as the record itself', async () => {
    const rawTopic = config.ingress.sources.ongoing.rawTopic;
    const result = await runWharf(['tail', rawTopic, '--from-beginning', '--max', '1'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(events(result.stdout)[0]).toMatchObject({
      topic: rawTopic,
      partition: 0,
      offset: '0',
      headers: { 'wharf-source': 'ongoing' },
      value: { webhookTemplate: 'Order is created' },
    });
  });

  it('refuses a domain without a registry and a topic that does not exist', async () => {
    const noRegistry = await runWharf(['tail', 'orders'], {
      env: cleanEnvironment({ KAFKA_BROKERS: env.KAFKA_BROKERS ?? '' }),
    });
    expect(noRegistry.code).toBe(2);
    expect(noRegistry.stderr).toContain('SCHEMA_REGISTRY_URL (or --registry): required');

    // A domain whose topic the worker has not created: a failure, not a usage error.
    const notYet = await runWharf(['tail', 'orders'], {
      env: { ...env, WHARF_ORDERS_TOPIC: uniqueName('orders-not-yet') },
    });
    expect(notYet.code).toBe(1);
    expect(notYet.stderr).toMatch(/orders-not-yet\S*: no such topic \(is the worker running/);

    const noBrokers = await runWharf(['tail', 'orders', '--registry', registry.url], {
      env: cleanEnvironment(),
    });
    expect(noBrokers.code).toBe(2);
    expect(noBrokers.stderr).toContain('KAFKA_BROKERS (or --brokers): required');

    const badBrokers = await runWharf(['tail', 'orders', '--brokers', 'kafka'], { env });
    expect(badBrokers.code).toBe(2);
    expect(badBrokers.stderr).toMatch(/--brokers <list>' argument 'kafka' is invalid/);
  });

  it('answers a name that is neither a domain nor a topic as a usage error naming the domains', async () => {
    for (const name of ['nosuchdomain', uniqueName('no-such-topic')]) {
      const result = await runWharf(['tail', name], { env });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim()).toBe(
        `${name}: neither a domain (orders, fulfillment, shipments, inventory, catalog, locations) ` +
          `nor a topic on ${env.KAFKA_BROKERS ?? ''}`,
      );
    }
  });

  it('answers an unreachable Kafka in one line, naming the setting and the addresses, exit 3', async () => {
    const port = await closedPort();
    const started = Date.now();
    const result = await runWharf(
      ['tail', 'webhooks.dlq', '--brokers', `127.0.0.1:${String(port)}`],
      {
        env,
      },
    );
    // A bound on a hang, not a performance figure (it includes starting Node.js on a busy machine).
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(result.code, result.stderr).toBe(3);
    expect(jsonLogLines(result.stderr)).toEqual([]);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^cannot read webhooks\\.dlq: --brokers: no broker answered at 127\\.0\\.0\\.1:${String(port)} `,
        ),
      ),
    ]);
  });
});
