/**
 * `wharf dlq list` against the test broker and a real worker: what the
 * worker dead-lettered, grouped by code and source or record by record,
 * filtered, as text or JSON; and the answers to bad input.
 */
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDlq } from '../../../src/cli/commands/dlq.ts';
import { processIo } from '../../../src/ops/command-io.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { cleanEnvironment, closedPort, jsonLogLines, runWharf } from '../../support/cli.ts';
import { countRecords } from '../../support/ingress.ts';
import { uniqueName, waitFor } from '../../support/kafka.ts';
import { runOps } from '../../support/ops-cli.ts';
import {
  fixture,
  happycolisMessage,
  landRaw,
  startTestRegistry,
  startTestWorker,
  workerEnvironment,
} from '../../support/worker.ts';

interface Group {
  code: string;
  source: string | null;
  count: number;
  firstTime: string;
  lastTime: string;
  stages: string[];
  example: { partition: number; offset: string; stage: string; message: string; path: string };
}
interface Listing {
  topic: string;
  read: number;
  selected: number;
  endOffsets: Record<string, string>;
  groups: Group[];
  records?: {
    partition: number;
    offset: string;
    source: string;
    code: string;
    path: string;
    requestId: string;
    originalTopic: string;
    key: string | null;
    value: string | null;
  }[];
}

const list = (args: readonly string[], env: Record<string, string>) =>
  runOps([registerDlq], ['dlq', 'list', ...args], env);

async function listJson(args: readonly string[], env: Record<string, string>): Promise<Listing> {
  const result = await list(['--json', ...args], env);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Listing;
}

describe('wharf dlq list', () => {
  let registry: EmbeddedRegistry;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    registry = await startTestRegistry();
    env = workerEnvironment(registry.url);
    worker = await startTestWorker(env);
    const { config } = worker;
    const ongoing = (template: string, orderId: number) =>
      JSON.stringify({
        ...(JSON.parse(fixture('ongoing', 'order-created.json')) as object),
        orderId,
        webhookTemplate: template,
      });
    // Three ways to fail from two sources, and one webhook that is routed.
    await landRaw(config, 'ongoing', [
      ongoing('Kundorder skapad', 1),
      ongoing('Kundorder plockad', 2),
      ongoing('Order is created', 3),
    ]);
    await landRaw(config, 'happycolis', [
      'not\njson',
      happycolisMessage('shipment/nope', 'body-shipment.json'),
    ]);
    await waitFor(
      '4 dead letters',
      async () => ((await countRecords(config.worker.deadLetterTopic)) >= 4 ? true : undefined),
      { timeoutMs: 30_000 },
    );
  });
  afterAll(async () => {
    await worker.shutdown();
    await registry.close();
  });

  it('groups the dead letters by code and source, the largest group first', async () => {
    const listing = await listJson([], env);
    expect(listing.topic).toBe(env.WHARF_DEAD_LETTER_TOPIC);
    expect(listing.read).toBe(4);
    expect(listing.selected).toBe(4);
    expect(listing.groups.map((group) => [group.code, group.source, group.count])).toEqual([
      ['UNKNOWN_EVENT_TYPE', 'ongoing', 2],
      ['INVALID_JSON', 'happycolis', 1],
      ['UNKNOWN_EVENT_TYPE', 'happycolis', 1],
    ]);
    const [ongoing] = listing.groups;
    expect(ongoing?.stages).toEqual(['detect']);
    expect(ongoing?.example.path).toBe('webhookTemplate');
    expect(ongoing?.example.message).toMatch(/does not name an Ongoing order trigger/);
    expect(Date.parse(ongoing?.firstTime ?? '')).toBeLessThanOrEqual(
      Date.parse(ongoing?.lastTime ?? ''),
    );
    expect(listing.groups[2]?.example.path).toBe('header.type');
    // The end offsets it stopped at add up to what it read.
    expect(Object.values(listing.endOffsets).reduce((sum, end) => sum + Number(end), 0)).toBe(4);
  });

  it('prints the groups as text, with an example message and field path', async () => {
    const result = await list([], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^UNKNOWN_EVENT_TYPE {2}ongoing {2}2 records {2}\S+Z … \S+Z$/m);
    expect(result.stdout).toMatch(
      /^ {2}e\.g\. \d+:\d+ \(detect\) field webhookTemplate: webhookTemplate "Kundorder/m,
    );
    expect(result.stdout).toMatch(/^INVALID_JSON {2}happycolis {2}1 record /m);
    expect(result.stdout).toMatch(/4 of 4 dead letters selected, in 3 groups \(\S+ read up to /);
  });

  it('lists records one by one with their position, filtered by code and source', async () => {
    const listing = await listJson(
      ['--records', '--code', 'UNKNOWN_EVENT_TYPE', '--source', 'ongoing'],
      env,
    );
    expect(listing.records?.map((record) => [record.source, record.code, record.path])).toEqual([
      ['ongoing', 'UNKNOWN_EVENT_TYPE', 'webhookTemplate'],
      ['ongoing', 'UNKNOWN_EVENT_TYPE', 'webhookTemplate'],
    ]);
    for (const record of listing.records ?? []) {
      expect(record.originalTopic).toBe(env.WHARF_ONGOING_RAW_TOPIC);
      expect(record.requestId).toMatch(/^req-/);
      // The raw record's key (the ingress keys by entity) and its body come along.
      expect(record.key).toMatch(/\S/);
      expect(record.value).toContain('"webhookTemplate"');
    }
    const text = await list(['--records', '--source', 'happycolis'], env);
    const lines = text.stdout.trim().split('\n');
    // Two records and the summary: a newline in a body does not break its line.
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^\d+:\d+ {2}\S+Z {2}happycolis {2}(INVALID_JSON|UNKNOWN_EVENT_TYPE) {2}/,
    );
    const invalid = lines.find((line) => line.includes('INVALID_JSON'));
    expect(invalid).toMatch(/ {2}key=\S+ {2}body="not\\njson"$/);
    // --offsets picks exactly the positions listed.
    const [first] = listing.records ?? [];
    const picked = await listJson(
      ['--records', '--offsets', `${String(first?.partition)}:${String(first?.offset)}`],
      env,
    );
    expect(picked.records?.map((record) => [record.partition, record.offset])).toEqual([
      [first?.partition, first?.offset],
    ]);
    // Several codes at once, and a limit that keeps the oldest.
    const both = await listJson(
      ['--code', 'invalid_json,UNKNOWN_EVENT_TYPE', '--source', 'happycolis'],
      env,
    );
    expect(both.selected).toBe(2);
    expect((await listJson(['--limit', '3'], env)).selected).toBe(3);
  });

  it('filters by time: an ISO time or a duration back from now', async () => {
    expect((await listJson(['--since', '1h'], env)).selected).toBe(4);
    expect((await listJson(['--until', '1h'], env)).selected).toBe(0);
    expect(
      (await listJson(['--since', 'PT10M', '--until', '2999-01-01T00:00:00Z'], env)).selected,
    ).toBe(4);
    expect((await listJson(['--since', '2999-01-01'], env)).selected).toBe(0);
  });

  it('answers bad input with a usage error that says what was expected', async () => {
    const code = await list(['--code', 'NOPE'], env);
    expect(code.code).toBe(2);
    expect(code.stderr).toMatch(/--code "NOPE": expected one or more of .*UNKNOWN_EVENT_TYPE/);
    const since = await list(['--since', 'yesterday'], env);
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/--since "yesterday": expected an ISO 8601 time/);
    const offsets = await list(['--offsets', '3:9-2'], env);
    expect(offsets.code).toBe(2);
    expect(offsets.stderr).toMatch(/the range ends before it starts/);
    const config = await list([], { ...env, KAFKA_BROKERS: 'nope' });
    expect(config.code).toBe(2);
    expect(config.stderr).toMatch(/KAFKA_BROKERS/);
  });

  it('says so when the dead-letter topic does not exist', async () => {
    const missing = uniqueName('no-dlq');
    const result = await list([], { ...env, WHARF_DEAD_LETTER_TOPIC: missing });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`the dead-letter topic ${missing} does not exist`));
  });

  it('answers an unreachable Kafka in one line within seconds, naming --brokers and the addresses', async () => {
    const port = await closedPort();
    const started = Date.now();
    const result = await list(['--brokers', `127.0.0.1:${String(port)}`], env);
    // A bound on retrying, not a performance figure: kafkajs's defaults took 9–12 s.
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(result.code).toBe(3);
    expect(jsonLogLines(result.stderr)).toEqual([]);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^cannot read \\S+: --brokers: no broker answered at 127\\.0\\.0\\.1:${String(port)} `,
        ),
      ),
    ]);
  });

  it('as a user runs it: one line naming KAFKA_BROKERS, exit 3, and no kafkajs log', async () => {
    const port = await closedPort();
    const result = await runWharf(['dlq', 'list'], {
      env: cleanEnvironment({ KAFKA_BROKERS: `127.0.0.1:${String(port)}` }),
    });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^cannot read webhooks\\.dlq: KAFKA_BROKERS: no broker answered at 127\\.0\\.0\\.1:${String(port)} `,
        ),
      ),
    ]);
    const missing = await runWharf(['dlq', 'list'], { env: cleanEnvironment() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('KAFKA_BROKERS (or --brokers): required');
  });

  it('has a description on every command and option', () => {
    const program = new Command('wharf');
    registerDlq(program, processIo());
    const dlq = program.commands.find((command) => command.name() === 'dlq');
    const listCommand = dlq?.commands.find((command) => command.name() === 'list');
    expect(dlq?.description()).not.toBe('');
    expect(listCommand?.description()).toMatch(/grouped by error code and source/);
    expect(listCommand?.options.length).toBeGreaterThan(7);
    for (const option of listCommand?.options ?? [])
      expect(option.description, option.flags).not.toBe('');
  });
});
