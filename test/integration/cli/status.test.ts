/**
 * `wharf status` against a running pipeline: the one `wharf start` runs,
 * in this process against the test broker, with endpoints on free ports.
 */
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planLocalRun, startLocalStack } from '../../../src/cli/local-stack.ts';
import type { LocalStack } from '../../../src/cli/local-stack.ts';
import { scrape } from '../../../src/metrics/scrape.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { cleanEnvironment, runWharf, startWharf } from '../../support/cli.ts';
import { waitFor } from '../../support/wait.ts';
import { startTestRegistry, workerEnvironment } from '../../support/worker.ts';

/** A port nothing listens on: one just given up by a server of this process. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** What the `last … s` lines of --watch add up to. */
function intervalTotals(stdout: string): { accepted: number; routed: number } {
  const lines = [
    ...stdout.matchAll(/^\d\d:\d\d:\d\d {2}last [\d.]+ s: accepted (\d+), .*?routed (\d+),/gm),
  ];
  return {
    accepted: lines.reduce((sum, [, accepted]) => sum + Number(accepted), 0),
    routed: lines.reduce((sum, [, , routed]) => sum + Number(routed), 0),
  };
}

/** A Shipwell webhook no event type can be detected in: dead-lettered as UNKNOWN_EVENT_TYPE. */
const UNDETECTABLE = '{"unexpected":true}';

describe('wharf status', () => {
  let registry: EmbeddedRegistry;
  let stack: LocalStack;
  let env: Record<string, string>;

  /** The options naming the running pipeline's two endpoints. */
  const endpoints = () => [
    '--ingress-metrics',
    `${stack.metricsUrl}/metrics`,
    '--worker-metrics',
    // A base URL is enough.
    stack.workerUrl,
  ];

  /** Sends a source's example, or `body` as Shipwell. */
  async function send(source: 'shipwell' | 'ongoing', body?: string): Promise<void> {
    const args = ['send', source, ...(body === undefined ? [] : ['-'])];
    const sent = await runWharf([...args, '--url', stack.ingressUrl], {
      env: cleanEnvironment(env),
      ...(body === undefined ? {} : { stdin: body }),
    });
    expect(sent.code, sent.stderr).toBe(0);
  }

  /** Waits until the worker has counted `records` raw records (routed or dead-lettered). */
  async function workerCounted(records: number): Promise<void> {
    await waitFor(
      `the worker to count ${String(records)} records`,
      async () => {
        const metrics = await scrape(`${stack.workerUrl}/metrics`);
        return metrics.sum('wharf_worker_records_total') === records ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }

  beforeAll(async () => {
    registry = await startTestRegistry();
    env = workerEnvironment(registry.url);
    stack = await startLocalStack(planLocalRun(env), {
      logger: pino({ level: 'silent' }),
      progress: () => undefined,
    });
  });

  afterAll(async () => {
    await stack.shutdown();
    await registry.close();
  });

  it('prints what the pipeline did since it started, read from its two endpoints', async () => {
    await send('shipwell');
    await send('shipwell', UNDETECTABLE);
    await workerCounted(2);

    const status = await runWharf(['status', ...endpoints()]);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      /^\d\d:\d\d:\d\d {2}since start: accepted 2, routed 1, dead-lettered 1 \(UNKNOWN_EVENT_TYPE 1\), lag \d+\n$/,
    );
  }, 60_000);

  it('with --watch prints a line every interval with what happened in it', async () => {
    const watching = startWharf(['status', ...endpoints(), '--watch', '0.5']);
    try {
      await watching.waitForOutput(/since start: accepted 2,/);
      // Another provider's: the same Shipwell example again would be a redelivery.
      await send('ongoing');
      await workerCounted(3);
      // The webhook and its event may fall in different intervals.
      await waitFor(
        'the intervals after the first line to count one webhook and one event',
        () => {
          const { accepted, routed } = intervalTotals(watching.stdout());
          return accepted === 1 && routed === 1 ? true : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      // Idle intervals are printed too: the command was asked for a line each time.
      const counted = watching.stdout().length;
      await waitFor('a line for an idle interval', () =>
        /last [\d.]+ s: accepted 0, routed 0, dead-lettered 0,/.test(
          watching.stdout().slice(counted),
        )
          ? true
          : undefined,
      );
    } finally {
      await watching.stop();
    }
  }, 60_000);

  it("reads the webhooks from the ingress's endpoint and the records from the worker's", async () => {
    // In a deployment they are two processes; here the ingress's is a stand-in.
    const ingress = createHttpServer((_request, response) => {
      response.end(
        'wharf_ingress_webhooks_accepted_total{source="ongoing"} 7\n' +
          'wharf_ingress_webhooks_rejected_total{source="ongoing",code="AUTH_INVALID"} 2\n' +
          'wharf_worker_records_total{source="ongoing",event_type="x",outcome="routed"} 99\n',
      );
    });
    ingress.listen(0, '127.0.0.1');
    await once(ingress, 'listening');
    try {
      const { port } = ingress.address() as AddressInfo;
      const status = await runWharf([
        'status',
        '--ingress-metrics',
        `http://127.0.0.1:${String(port)}`,
        '--worker-metrics',
        stack.workerUrl,
      ]);
      expect(status.stdout).toMatch(
        /since start: accepted 7, rejected 2 \(AUTH_INVALID 2\), routed 2, dead-lettered 1 \(UNKNOWN_EVENT_TYPE 1\),/,
      );
    } finally {
      ingress.close();
    }
  });

  it('names the endpoint it cannot read, on one line, and exits 3', async () => {
    const port = await closedPort();
    const status = await runWharf([
      'status',
      '--ingress-metrics',
      `${stack.metricsUrl}/metrics`,
      '--worker-metrics',
      `http://127.0.0.1:${String(port)}/metrics`,
    ]);
    expect(status.code).toBe(3);
    expect(status.stdout).toBe('');
    expect(status.stderr).toBe(
      `wharf status: cannot read http://127.0.0.1:${String(port)}/metrics: ` +
        `connect ECONNREFUSED 127.0.0.1:${String(port)}\n`,
    );
  });
});
