/**
 * The ingress when things go wrong: the broker goes down, a shutdown comes
 * in the middle of a load, a source sends too fast. The tests that inject
 * faults run on a real Kafka of this file's own, reached through a TCP proxy
 * that makes it unreachable or slow (skipped when the tests run on the mock
 * broker).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
import { isRealKafka, testKafka, waitFor } from '../../support/kafka.ts';
import { LandedIds } from '../../support/load.ts';
import { privateKafkaBehindProxy } from '../../support/tcp-proxy.ts';

const WHARF_BIN = fileURLToPath(new URL('../../../bin/wharf.js', import.meta.url));

function happycolisRequest(i: number): [string, Record<string, string>] {
  const body = JSON.stringify({
    header: { type: 'order/created' },
    body: { id: `o-${String(i)}` },
  });
  return [body, { 'x-happycolis-webhook-signature': happycolisSignature(body) }];
}

describe.skipIf(!isRealKafka())(
  'ingress under broker faults (a real Kafka of its own, behind a proxy)',
  () => {
    const stack = privateKafkaBehindProxy();

    it('answers 503 with Retry-After within the deadline while Kafka is unreachable, and every 200 is stored', async () => {
      const ingress = await startTestIngress({
        KAFKA_BROKERS: stack.brokers.join(','),
        WHARF_PRODUCE_TIMEOUT_MS: '1000',
      });
      const send = async (i: number) => {
        const started = Date.now();
        const answer = await post(ingress.url, '/webhooks/happycolis', ...happycolisRequest(i));
        return { ...answer, elapsedMs: Date.now() - started };
      };
      try {
        const before = await Promise.all([0, 1, 2].map(send));
        expect(before.map((answer) => answer.status)).toEqual([200, 200, 200]);

        // Unreachable: the open connections cut, new ones refused.
        const refusedBefore = stack.proxy.stats.refused;
        stack.proxy.refuseConnections(true);
        const cut = stack.proxy.dropConnections();
        let during: (Answer & { elapsedMs: number })[];
        try {
          during = await Promise.all([3, 4, 5, 6, 7].map(send));
        } finally {
          stack.proxy.refuseConnections(false);
        }
        // The fault happened: the producer's connection was cut, and it could not get another.
        expect(cut).toBeGreaterThan(0);
        expect(stack.proxy.stats.refused).toBeGreaterThan(refusedBefore);
        expect(
          during.map((answer) => ({
            status: answer.status,
            code: (answer.json.error as { code?: string } | undefined)?.code,
            retryAfter: answer.headers.get('retry-after'),
            // By the deadline (1 s), with room for a loaded machine.
            inTime: answer.elapsedMs < 4_000,
          })),
        ).toEqual(
          during.map(() => ({
            status: 503,
            code: expect.stringMatching(/^PUBLISH_(TIMEOUT|FAILED)$/) as string,
            retryAfter: '5',
            inTime: true,
          })),
        );
        // Back once Kafka is reachable again.
        const after = await waitFor(
          'a 200 once Kafka is reachable again',
          async () => {
            const answer = await send(8);
            return answer.status === 200 ? answer : undefined;
          },
          { timeoutMs: 30_000, intervalMs: 100 },
        );

        // By id, not by count: a webhook answered 503 may be stored all the same,
        // once the send it was in goes through.
        const ok = [...before, after].map((answer) => answer.json.id as string);
        const landed = await LandedIds.start(
          testKafka({ brokers: [...stack.brokers] }),
          ingress.config.ingress.sources.happycolis.rawTopic,
        );
        try {
          await waitFor('every webhook answered 200 on the raw topic', () =>
            landed.missing(ok).length === 0 ? true : undefined,
          ).catch((error: unknown) => {
            throw new Error(`not on the raw topic: ${landed.missing(ok).join(', ')}`, {
              cause: error,
            });
          });
        } finally {
          await landed.stop();
        }
      } finally {
        await ingress.shutdown();
      }
    });

    /** Runs `wharf ingress` in a child process and waits for it to listen. */
    async function spawnIngress(overrides: Record<string, string>) {
      const env = testEnvironment({
        KAFKA_BROKERS: stack.brokers.join(','),
        WHARF_LOG_LEVEL: 'info',
        ...overrides,
      });
      const child = spawn(process.execPath, [WHARF_BIN, 'ingress'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      const lines = createInterface({ input: child.stdout });
      let urls: { baseUrl: string; metricsUrl: string } | undefined;
      lines.on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; url?: string; metricsUrl?: string };
        if (entry.msg === 'ingress listening' && entry.url && entry.metricsUrl)
          urls = { baseUrl: entry.url, metricsUrl: entry.metricsUrl };
      });
      const listening = await waitFor('the ingress to listen', () => urls, { timeoutMs: 20_000 });
      return { child, exited, ...listening, topic: env.WHARF_HAPPYCOLIS_RAW_TOPIC ?? '' };
    }

    /** Sends `count` webhooks and resolves once all of them are waiting for Kafka. */
    async function requestsInFlight(
      { baseUrl, metricsUrl }: { baseUrl: string; metricsUrl: string },
      count: number,
    ): Promise<Promise<Answer>[]> {
      const requests = Array.from({ length: count }, (_, i) =>
        post(baseUrl, '/webhooks/happycolis', ...happycolisRequest(i)),
      );
      await waitFor(`${String(count)} requests in flight`, async () => {
        const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
        const match = /wharf_ingress_requests_in_flight\{source="happycolis"\} (\d+)/.exec(metrics);
        return Number(match?.[1]) >= count ? true : undefined;
      });
      return requests;
    }

    it('SIGTERM during load: every request in flight is answered, every 200 is stored, exit 0', async () => {
      const { child, exited, baseUrl, metricsUrl, topic } = await spawnIngress({
        WHARF_SHUTDOWN_GRACE_MS: '15000',
        WHARF_PRODUCE_TIMEOUT_MS: '10000',
      });
      try {
        // A slow broker keeps the requests waiting for their acknowledgement
        // while the shutdown begins.
        stack.proxy.setLatency({ toClientMs: 3_000 });
        const requests = await requestsInFlight({ baseUrl, metricsUrl }, 100);
        child.kill('SIGTERM');

        const answers = await Promise.all(requests);
        stack.proxy.setLatency({ toClientMs: 0 });
        const [code] = await exited;
        expect(code).toBe(0);
        expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
        expect(stack.proxy.stats.delayedChunks).toBeGreaterThan(0);
        const records = await readTopic(topic, answers.length, { brokers: stack.brokers });
        const landed = new Set(records.map((record) => header(record, 'wharf-request-id')));
        for (const answer of answers) expect(landed.has(answer.json.id as string)).toBe(true);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });

    it('SIGTERM past the grace period: what is still waiting for Kafka is answered 503, exit 0', async () => {
      const { child, exited, baseUrl, metricsUrl } = await spawnIngress({
        WHARF_SHUTDOWN_GRACE_MS: '500',
        WHARF_PRODUCE_TIMEOUT_MS: '20000',
      });
      try {
        stack.proxy.setLatency({ toClientMs: 10_000 });
        const requests = await requestsInFlight({ baseUrl, metricsUrl }, 20);
        child.kill('SIGTERM');
        const answers = await Promise.all(requests);
        const [code] = await exited;
        expect(code).toBe(0);
        for (const answer of answers) {
          expect(answer.status).toBe(503);
          expect(answer.json.error).toMatchObject({ code: 'SHUTTING_DOWN' });
        }
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });
  },
);

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
