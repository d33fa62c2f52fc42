/**
 * The ingress when things go wrong: the broker goes down, a shutdown comes
 * in the middle of a load, a source sends too fast. Each test that injects
 * faults runs on a broker process of this file's own.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestBroker } from '../../../src/broker/test-broker.ts';
import { post } from '../../support/http.ts';
import type { Answer } from '../../support/http.ts';
import {
  countRecords,
  happycolisSignature,
  header,
  readTopic,
  startTestIngress,
  testEnvironment,
} from '../../support/ingress.ts';
import { canInjectFaults, startPrivateBroker, waitFor } from '../../support/kafka.ts';

const WHARF_BIN = fileURLToPath(new URL('../../../bin/wharf.js', import.meta.url));

function happycolisRequest(i: number): [string, Record<string, string>] {
  const body = JSON.stringify({
    header: { type: 'order/created' },
    body: { id: `o-${String(i)}` },
  });
  return [body, { 'x-happycolis-webhook-signature': happycolisSignature(body) }];
}

describe.skipIf(!canInjectFaults())('ingress under broker faults', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startPrivateBroker();
  });
  afterAll(() => broker.stop());

  it('answers 503 with Retry-After while Kafka is down, and every 200 is stored', async () => {
    const ingress = await startTestIngress({
      KAFKA_BROKERS: broker.brokers.join(','),
      WHARF_PRODUCE_TIMEOUT_MS: '1000',
    });
    const send = (i: number) => post(ingress.url, '/webhooks/happycolis', ...happycolisRequest(i));
    try {
      const before = await Promise.all([0, 1, 2].map(send));
      expect(before.map((answer) => answer.status)).toEqual([200, 200, 200]);

      await broker.control.setDown('all');
      let during: Answer[];
      try {
        during = await Promise.all([3, 4, 5, 6, 7].map(send));
      } finally {
        await broker.control.setUp('all');
      }
      for (const answer of during) {
        expect(answer.status).toBe(503);
        expect(answer.headers.get('retry-after')).toBe('5');
        expect((answer.json.error as { code: string }).code).toMatch(/^PUBLISH_(TIMEOUT|FAILED)$/);
      }

      const ok = [...before, ...during].filter((answer) => answer.status === 200);
      const records = await readTopic(
        ingress.config.ingress.sources.happycolis.rawTopic,
        ok.length,
        {
          brokers: broker.brokers,
        },
      );
      const landed = new Set(records.map((record) => header(record, 'wharf-request-id')));
      for (const answer of ok) expect(landed.has(answer.json.id as string)).toBe(true);
    } finally {
      await ingress.shutdown();
    }
  });

  /** Runs `wharf ingress` in a child process and waits for it to listen. */
  async function spawnIngress(overrides: Record<string, string>) {
    const env = testEnvironment({
      KAFKA_BROKERS: broker.brokers.join(','),
      WHARF_LOG_LEVEL: 'info',
      ...overrides,
    });
    const child = spawn(process.execPath, [WHARF_BIN, 'ingress'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const lines = createInterface({ input: child.stdout });
    let url: string | undefined;
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'ingress listening') url = entry.url;
    });
    const baseUrl = await waitFor('the ingress to listen', () => url, { timeoutMs: 20_000 });
    return { child, exited, baseUrl, topic: env.WHARF_HAPPYCOLIS_RAW_TOPIC ?? '' };
  }

  /** Sends `count` webhooks and resolves once all of them are waiting for Kafka. */
  async function requestsInFlight(baseUrl: string, count: number): Promise<Promise<Answer>[]> {
    const requests = Array.from({ length: count }, (_, i) =>
      post(baseUrl, '/webhooks/happycolis', ...happycolisRequest(i)),
    );
    await waitFor(`${String(count)} requests in flight`, async () => {
      const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
      const match = /wharf_ingress_requests_in_flight\{source="happycolis"\} (\d+)/.exec(metrics);
      return Number(match?.[1]) >= count ? true : undefined;
    });
    return requests;
  }

  it('SIGTERM during load: every request in flight is answered, every 200 is stored, exit 0', async () => {
    const { child, exited, baseUrl, topic } = await spawnIngress({
      WHARF_SHUTDOWN_GRACE_MS: '15000',
      WHARF_PRODUCE_TIMEOUT_MS: '10000',
    });
    try {
      // A slow broker keeps the requests waiting for their acknowledgement
      // while the shutdown begins.
      await broker.control.setRtt(3_000);
      const requests = await requestsInFlight(baseUrl, 100);
      child.kill('SIGTERM');

      const answers = await Promise.all(requests);
      await broker.control.setRtt(0);
      const [code] = await exited;
      expect(code).toBe(0);
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
      const records = await readTopic(topic, answers.length, { brokers: broker.brokers });
      const landed = new Set(records.map((record) => header(record, 'wharf-request-id')));
      for (const answer of answers) expect(landed.has(answer.json.id as string)).toBe(true);
    } finally {
      await broker.control.setRtt(0);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('SIGTERM past the grace period: what is still waiting for Kafka is answered 503, exit 0', async () => {
    const { child, exited, baseUrl } = await spawnIngress({
      WHARF_SHUTDOWN_GRACE_MS: '500',
      WHARF_PRODUCE_TIMEOUT_MS: '20000',
    });
    try {
      await broker.control.setRtt(10_000);
      const requests = await requestsInFlight(baseUrl, 20);
      child.kill('SIGTERM');
      const answers = await Promise.all(requests);
      const [code] = await exited;
      expect(code).toBe(0);
      for (const answer of answers) {
        expect(answer.status).toBe(503);
        expect(answer.json.error).toMatchObject({ code: 'SHUTTING_DOWN' });
      }
    } finally {
      await broker.control.setRtt(0);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past the per-source limit, and lands nothing for it', async () => {
    const ingress = await startTestIngress({ WHARF_HAPPYCOLIS_RATE_LIMIT_PER_SECOND: '5' });
    try {
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          post(ingress.url, '/webhooks/happycolis', ...happycolisRequest(i)),
        ),
      );
      const accepted = answers.filter((answer) => answer.status === 200);
      const limited = answers.filter((answer) => answer.status === 429);
      // A burst may straddle the start of a new one-second window: at most two allowances.
      expect(accepted.length).toBeGreaterThanOrEqual(5);
      expect(accepted.length).toBeLessThanOrEqual(10);
      expect(limited).toHaveLength(30 - accepted.length);
      for (const answer of limited) {
        expect(answer.headers.get('retry-after')).toBe('5');
        expect(answer.json.error).toMatchObject({ code: 'RATE_LIMITED' });
      }
      expect(await countRecords(ingress.config.ingress.sources.happycolis.rawTopic)).toBe(
        accepted.length,
      );
      // Other sources are not limited by it.
      const ongoing = await post(ingress.url, '/webhooks/ongoing', '{}', {
        'x-ongoing-token': 'ongoing-token',
      });
      expect(ongoing.status).toBe(200);
    } finally {
      await ingress.shutdown();
    }
  });

  it('forged signatures do not use up a signed source allowance', async () => {
    const ingress = await startTestIngress({ WHARF_HAPPYCOLIS_RATE_LIMIT_PER_SECOND: '5' });
    try {
      const forged = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          post(ingress.url, '/webhooks/happycolis', happycolisRequest(i)[0], {
            'x-happycolis-webhook-signature': 'Zm9yZ2Vk',
          }),
        ),
      );
      expect(forged.map((answer) => answer.status)).toEqual(forged.map(() => 401));
      const genuine = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          post(ingress.url, '/webhooks/happycolis', ...happycolisRequest(i)),
        ),
      );
      expect(genuine.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    } finally {
      await ingress.shutdown();
    }
  });
});
