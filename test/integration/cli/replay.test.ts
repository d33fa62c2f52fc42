/**
 * `wharf replay` against the test broker, the embedded registry and a real
 * worker: Ongoing webhooks whose `webhookTemplate` the worker does not know
 * are dead-lettered; once the worker is restarted with the warehouse's
 * trigger name in its configuration, replaying them routes them. A dry run
 * writes nothing; redriven records carry their origin; replaying what was
 * already routed is absorbed by the worker's deduplication.
 */
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDlq } from '../../../src/cli/commands/dlq.ts';
import { registerReplay } from '../../../src/cli/commands/replay.ts';
import { processIo } from '../../../src/ops/command-io.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { cleanEnvironment, closedPort, jsonLogLines, runWharf } from '../../support/cli.ts';
import { countRecords, header, readTopic } from '../../support/ingress.ts';
import {
  cleanupsAfterEach,
  testKafka,
  topicOffsets,
  uniqueName,
  waitFor,
} from '../../support/kafka.ts';
import { runOps } from '../../support/ops-cli.ts';
import {
  WAREHOUSE_TRIGGER,
  decode,
  pickedOrderUnderWarehouseTrigger,
  startTestRegistry,
  startTestWorker,
  workerEnvironment,
} from '../../support/worker.ts';

/** Lands raw Ongoing records as the ingress would: keyed by order, with its headers. */
async function landOngoing(topic: string, orderIds: readonly number[]): Promise<void> {
  const producer = testKafka().producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: orderIds.map((orderId) => ({
        key: `wh1/order/${String(orderId)}`,
        value: pickedOrderUnderWarehouseTrigger(orderId),
        headers: {
          'wharf-source': 'ongoing',
          'wharf-request-id': `req-${String(orderId)}`,
          'wharf-received-at': '2025-03-01T12:00:00.000Z',
          'content-type': 'application/json',
        },
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** Each partition's end offset. */
async function endOffsets(topic: string): Promise<Record<number, string>> {
  const offsets = await topicOffsets(topic);
  return Object.fromEntries(offsets.map(({ partition, high }) => [partition, high]));
}

const cli = (args: readonly string[], env: Record<string, string>, isTTY = false) =>
  runOps([registerDlq, registerReplay], args, env, { isTTY });

interface Listed {
  readonly records: {
    partition: number;
    offset: string;
    code: string;
    source: string;
    redriveCount: number;
  }[];
}

describe('wharf replay', () => {
  let registry: EmbeddedRegistry;
  const cleanups = cleanupsAfterEach();
  beforeAll(async () => {
    registry = await startTestRegistry();
  });
  afterAll(async () => {
    await registry.close();
  });

  it('redrives dead letters to their raw topic once the configuration is fixed, and they are routed', async () => {
    const env = workerEnvironment(registry.url);
    const rawTopic = env.WHARF_ONGOING_RAW_TOPIC ?? '';
    const dlq = env.WHARF_DEAD_LETTER_TOPIC ?? '';
    const fulfillment = env.WHARF_FULFILLMENT_TOPIC ?? '';

    // 1. The worker as deployed does not know the warehouse's trigger name.
    const unconfigured = await startTestWorker(env);
    let unconfiguredRunning = true;
    cleanups.push(() => (unconfiguredRunning ? unconfigured.shutdown() : Promise.resolve()));
    await landOngoing(rawTopic, [101, 102]);
    await waitFor(
      '2 dead letters',
      async () => ((await countRecords(dlq)) >= 2 ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    const listed = await cli(['dlq', 'list', '--json', '--records'], env);
    expect(listed.code).toBe(0);
    const first = JSON.parse(listed.stdout) as Listed & {
      groups: { code: string; source: string; count: number; example: { path: string } }[];
    };
    expect(first.groups).toEqual([
      expect.objectContaining({
        code: 'UNKNOWN_EVENT_TYPE',
        source: 'ongoing',
        count: 2,
        example: expect.objectContaining({ path: 'webhookTemplate' }) as unknown,
      }),
    ]);

    // 2. Replayed while the worker is still unfixed: they fail again, counted.
    const early = await cli(['replay', '--code', 'UNKNOWN_EVENT_TYPE', '--json'], env);
    expect(early.code).toBe(0);
    expect(JSON.parse(early.stdout)).toMatchObject({ selected: 2, sent: 2, skipped: 0, failed: 0 });
    await waitFor(
      '4 dead letters',
      async () => ((await countRecords(dlq)) >= 4 ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    const again = JSON.parse(
      (await cli(['dlq', 'list', '--json', '--records'], env)).stdout,
    ) as Listed;
    const refailed = again.records.filter((record) => record.redriveCount === 1);
    expect(refailed).toHaveLength(2);
    await unconfigured.shutdown();
    unconfiguredRunning = false;

    // 3. The worker restarted with the trigger name in its configuration: only the environment
    // changes (same topics, same group), as a redeploy with the variable set would.
    const configured = await startTestWorker({
      ...env,
      WHARF_ONGOING_TRIGGER_ALIASES: `${WAREHOUSE_TRIGGER}=order.picked`,
    });
    cleanups.push(() => configured.shutdown());
    const offsets = refailed
      .map((record) => `${String(record.partition)}:${record.offset}`)
      .join(',');

    const rawBefore = await endOffsets(rawTopic);
    const dry = await cli(['replay', '--offsets', offsets, '--dry-run', '--json'], env);
    expect(dry.code).toBe(0);
    const dryRun = JSON.parse(dry.stdout) as {
      wouldSend: { topic: string; redriveCount: number }[];
    };
    expect(dryRun).toMatchObject({ dryRun: true, selected: 2, sent: 0, failed: 0 });
    expect(dryRun.wouldSend.map((item) => [item.topic, item.redriveCount])).toEqual([
      [rawTopic, 2],
      [rawTopic, 2],
    ]);
    expect(await endOffsets(rawTopic)).toEqual(rawBefore);

    const replayed = await cli(['replay', '--offsets', offsets], env);
    expect(replayed.stderr).toBe('');
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(/2 selected, 2 sent, 0 skipped, 0 failed/);

    // Routed: two picked events on the fulfillment topic.
    const routed = await readTopic(fulfillment, 2, { timeoutMs: 30_000 });
    const events = await Promise.all(routed.map((message) => decode(registry.url, message)));
    expect(events.map((event) => [event.type, event.subject]).sort()).toEqual([
      ['fulfillment_order.picked', 'ongoing/wh1/order/101'],
      ['fulfillment_order.picked', 'ongoing/wh1/order/102'],
    ]);

    // The redriven raw records: same key and bytes, raw headers, and where they came from.
    const raw = await readTopic(rawTopic, 6, { timeoutMs: 30_000 });
    const redriven = raw.filter((message) => header(message, 'wharf-redrive-count') === '2');
    expect(redriven).toHaveLength(2);
    for (const message of redriven) {
      const orderId = Number(header(message, 'wharf-request-id')?.replace('req-', ''));
      expect(message.key?.toString()).toBe(`wh1/order/${String(orderId)}`);
      expect(message.value?.toString()).toBe(pickedOrderUnderWarehouseTrigger(orderId));
      expect(header(message, 'wharf-source')).toBe('ongoing');
      expect(header(message, 'wharf-received-at')).toBe('2025-03-01T12:00:00.000Z');
      expect(header(message, 'wharf-redriven-from')).toMatch(new RegExp(`^${dlq}/\\d+/\\d+$`));
      expect(offsets.split(',')).toContain(
        header(message, 'wharf-redriven-from')
          ?.slice(dlq.length + 1)
          .replace('/', ':'),
      );
      expect(Date.parse(header(message, 'wharf-redriven-at') ?? '')).not.toBeNaN();
      expect(
        Object.keys(message.headers ?? {}).filter((name) => name.startsWith('wharf-error-')),
      ).toEqual([]);
    }

    // 4. Replaying everything again: the worker has these events, its deduplication absorbs them.
    // On a terminal, a progress bar on stderr; the JSON summary alone on stdout.
    const all = await cli(['replay', '--code', 'UNKNOWN_EVENT_TYPE', '--json'], env, true);
    expect(JSON.parse(all.stdout)).toMatchObject({ selected: 4, sent: 4, failed: 0 });
    expect(all.stderr).toContain('4/4 records');
    await waitFor(
      '4 deduplicated records',
      async () => {
        const { values } = await configured.metrics.workerDeduplicated.get();
        return values.reduce((sum, value) => sum + value.value, 0) >= 4 ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(await countRecords(fulfillment)).toBe(2);
    // The dead-letter topic keeps everything: replay only copies.
    expect(await countRecords(dlq)).toBe(4);
  });

  it('writes nothing and exits 2 without a selection; exits 1 when a target topic is missing', async () => {
    const env = workerEnvironment(registry.url);
    const dlq = env.WHARF_DEAD_LETTER_TOPIC ?? '';
    const nothing = await cli(['replay'], env);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/--code, --source, --since, --until, --offsets\) or --all/);

    // A dead letter whose original topic is gone.
    const admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: dlq, numPartitions: 1 }] });
    await admin.disconnect();
    const producer = testKafka().producer();
    await producer.connect();
    const gone = uniqueName('gone');
    await producer.send({
      topic: dlq,
      acks: -1,
      messages: [
        {
          key: null,
          value: '{}',
          headers: {
            'wharf-source': 'shipwell',
            'wharf-error-code': 'UNKNOWN_EVENT_TYPE',
            'wharf-error-stage': 'detect',
            'wharf-original-topic': gone,
          },
        },
        { key: null, value: '{}', headers: { 'wharf-error-code': 'MISSING_SOURCE' } },
      ],
    });
    await producer.disconnect();

    const result = await cli(['replay', '--all'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`failed 0:0 to ${gone}: topic ${gone} does not exist`);
    expect(result.stdout).toContain('skipped 0:1: it names no original topic and no known source');
    expect(result.stdout).toMatch(/2 selected, 0 sent, 1 skipped, 1 failed/);
  });

  it('shows each record it would send on one line, whatever its key holds', async () => {
    const env = workerEnvironment(registry.url);
    const dlq = env.WHARF_DEAD_LETTER_TOPIC ?? '';
    const admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: dlq, numPartitions: 1 }] });
    await admin.disconnect();
    const producer = testKafka().producer();
    await producer.connect();
    await producer.send({
      topic: dlq,
      acks: -1,
      messages: [
        {
          key: 'wh1/order/\n\u001b[2J7',
          value: '{}',
          headers: { 'wharf-source': 'ongoing', 'wharf-error-code': 'UNKNOWN_EVENT_TYPE' },
        },
      ],
    });
    await producer.disconnect();

    const result = await cli(['replay', '--all', '--dry-run'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^would send 0:0 .*, key wh1\/order\/\\u000a\\u001b\[2J7, redrive 1$/),
      expect.stringMatching(/^dry run, nothing written: 1 selected/),
    ]);
  });

  it('answers an unreachable Kafka in one line within seconds, naming --brokers and the addresses', async () => {
    const port = await closedPort();
    const env = workerEnvironment(registry.url);
    const started = Date.now();
    const inProcess = await cli(['replay', '--all', '--brokers', `127.0.0.1:${String(port)}`], env);
    // A bound on retrying, not a performance figure: kafkajs's defaults took 9–12 s.
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(inProcess.code).toBe(3);
    expect(jsonLogLines(inProcess.stderr)).toEqual([]);
    expect(inProcess.stderr.trim().split('\n')).toEqual([
      expect.stringContaining(`--brokers: no broker answered at 127.0.0.1:${String(port)} `),
    ]);

    const result = await runWharf(['replay', '--all', '--brokers', `127.0.0.1:${String(port)}`], {
      env: cleanEnvironment(),
    });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^cannot read webhooks\\.dlq: --brokers: no broker answered at 127\\.0\\.0\\.1:${String(port)} `,
        ),
      ),
    ]);
  });

  it('has a description on the command and every option', async () => {
    const program = new Command('wharf');
    registerReplay(program, processIo());
    const replay = program.commands.find((command) => command.name() === 'replay');
    expect(replay?.description()).toMatch(/Redrive chosen dead letters/);
    expect(replay?.options.length).toBeGreaterThan(8);
    for (const option of replay?.options ?? [])
      expect(option.description, option.flags).not.toBe('');
    const { stdout, code } = await cli(['replay', '--help'], {});
    expect(code).toBe(0);
    expect(stdout).toMatch(/--dry-run\s+show what would be sent, and write nothing/);
  });
});
