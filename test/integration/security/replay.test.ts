/**
 * Replays of a captured HappyColis request, over HTTP through the real
 * ingress and worker. HappyColis signs the body only, so a captured request
 * passes the signature check forever, and it must be answered 200 (a non-2xx
 * blocks HappyColis's queue). Within the deduplication window the replay is
 * a duplicate; after it, the signed delivery id (the header's `id`, new per
 * delivery attempt) is still remembered, and the replay is dead-lettered
 * (`REPLAYED`), also after a worker restart. A genuine delivery whose date is
 * older than the deduplication window is produced, marked stale.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import type { Config } from '../../../src/config/config.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { CLOUDEVENT_HEADERS } from '../../../src/kafka/headers.ts';
import { post } from '../../support/http.ts';
import { happycolisSignature, header, readTopic, startTestIngress } from '../../support/ingress.ts';
import { uniqueName, waitFor } from '../../support/kafka.ts';
import {
  happycolisMessage,
  startTestRegistry,
  startTestWorker,
  workerEnvironment,
} from '../../support/worker.ts';

const DAY_MS = 86_400_000;

/** A signed HappyColis location event: delivery `messageId`, dated `at`. */
function delivery(messageId: string, location: string, at: Date): string {
  return happycolisMessage('location/updated', 'body-location.json')
    .replace('WEBHOOK_ID', messageId)
    .replace('WEBHOOK_TIMESTAMP', at.toISOString())
    .replace('ORGANIZATION_ID', 'org-1')
    .replace('LOCATION_ID', location);
}

describe('replayed HappyColis requests, ingress to worker', () => {
  let registry: EmbeddedRegistry;
  let env: Record<string, string>;
  let ingress: Awaited<ReturnType<typeof startTestIngress>>;
  let config: Config;
  /** The workers' clock: moved on to let the deduplication window pass. */
  let clock = Date.now();
  const now = () => clock;

  beforeAll(async () => {
    registry = await startTestRegistry();
    env = workerEnvironment(registry.url);
    ingress = await startTestIngress(env);
    config = loadConfig(env, 'worker');
  });
  afterAll(async () => {
    await ingress.shutdown();
    await registry.close();
  });

  const send = async (body: string) => {
    const answer = await post(ingress.url, '/webhooks/happycolis', body, {
      'x-happycolis-webhook-signature': happycolisSignature(body),
    });
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    return String(answer.json.id);
  };
  const deadLetterCodes = async (count: number) =>
    (await readTopic(config.worker.deadLetterTopic, count)).map((message) => ({
      requestId: header(message, 'wharf-request-id'),
      code: header(message, 'wharf-error-code'),
    }));

  it('dead-letters a replay after the deduplication window, across a restart; marks a late delivery stale', async () => {
    const first = await startTestWorker(env, { now });
    const captured = delivery(uniqueName('msg'), uniqueName('loc'), new Date());
    await send(captured);
    await readTopic(config.worker.domainTopics.locations, 1);

    clock += 2 * DAY_MS;
    const replayed = await send(captured);
    expect(await deadLetterCodes(1)).toEqual([{ requestId: replayed, code: 'REPLAYED' }]);

    // Remembered in the replay topic: a worker started afresh knows it too.
    await first.shutdown();
    const second = await startTestWorker(env, { now });
    try {
      const again = await send(captured);
      await waitFor(
        'the second replay dead-lettered',
        async () => {
          const codes = await deadLetterCodes(2);
          return codes.some((seen) => seen.requestId === again) ? codes : undefined;
        },
        { timeoutMs: 20_000 },
      );

      // A genuine delivery (its own delivery id) dated three days back is produced, marked.
      const late = delivery(
        uniqueName('msg'),
        uniqueName('loc'),
        new Date(Date.now() - 3 * DAY_MS),
      );
      await send(late);
      const events = await readTopic(config.worker.domainTopics.locations, 2);
      const marked = events.filter(
        (message) => header(message, CLOUDEVENT_HEADERS.staleSeconds) !== undefined,
      );
      expect(marked).toHaveLength(1);
      const seconds = Number(marked[0] && header(marked[0], CLOUDEVENT_HEADERS.staleSeconds));
      expect(seconds).toBeGreaterThanOrEqual(3 * 86_400);
      expect(seconds).toBeLessThan(3 * 86_400 + 600);
    } finally {
      await second.shutdown();
    }
  });
});
