/**
 * Event identity, over HTTP through the real ingress and worker: no real
 * event is dropped as a duplicate, and a redelivery is one event.
 *
 * - Shipwell gives no event id: an order updated A→B, B→A, then A→B again
 *   is three events (the third repeats the first's bytes), while Shipwell's
 *   retry of the last one is a redelivery, also after a worker restart.
 * - HappyColis renews its header id (and may renew its time) on every
 *   delivery attempt: a second attempt of one event is one event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import type { Config } from '../../../src/config/config.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { post } from '../../support/http.ts';
import {
  SHIPWELL_CREDENTIALS,
  basicAuth,
  countRecords,
  happycolisSignature,
  readTopic,
  startTestIngress,
} from '../../support/ingress.ts';
import { uniqueName, waitFor } from '../../support/kafka.ts';
import { fixtureJson } from '../../support/fixtures.ts';
import {
  decode,
  happycolisMessage,
  startTestRegistry,
  startTestWorker,
  workerEnvironment,
} from '../../support/worker.ts';

/** How many records the worker counted as duplicates of a source, read from its metrics. */
async function duplicates(metricsUrl: string, source: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = new RegExp(
    `^wharf_worker_deduplicated_records_total\\{source="${source}"\\} (\\d+)$`,
    'm',
  );
  return Number(line.exec(text)?.[1] ?? 0);
}

describe('event identity, ingress to worker', () => {
  let registry: EmbeddedRegistry;
  let env: Record<string, string>;
  let ingress: Awaited<ReturnType<typeof startTestIngress>>;
  let config: Config;

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

  const send = async (path: string, body: string, headers: Record<string, string>) => {
    const answer = await post(ingress.url, path, body, headers);
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  };

  it('keeps an order updated A→B→A→B as three events, and a retry of the last as none', async () => {
    const order = uniqueName('order');
    const update = fixtureJson('shipwell', 'order.updated.json') as Record<string, unknown>;
    const aToB = JSON.stringify({ ...update, id: order });
    const bToA = JSON.stringify({
      ...update,
      id: order,
      old_data: update.new_data,
      new_data: update.old_data,
    });
    const shipwell = (body: string) =>
      send('/webhooks/shipwell/order.updated', body, {
        authorization: basicAuth(SHIPWELL_CREDENTIALS),
      });

    const first = await startTestWorker(env);
    try {
      for (const body of [aToB, bToA, aToB, aToB]) await shipwell(body);
      await waitFor('the retry counted as a duplicate', async () =>
        (await duplicates(first.metricsUrl, 'shipwell')) === 1 ? true : undefined,
      );
    } finally {
      await first.shutdown();
    }
    // Shipwell retries once more after the worker restarted: still the latest state.
    const second = await startTestWorker(env);
    try {
      await shipwell(aToB);
      await waitFor('the retry after the restart counted as a duplicate', async () =>
        (await duplicates(second.metricsUrl, 'shipwell')) === 1 ? true : undefined,
      );
    } finally {
      await second.shutdown();
    }
    const events = await Promise.all(
      (await readTopic(config.worker.domainTopics.orders, 3)).map((m) => decode(registry.url, m)),
    );
    expect(events.map((event) => event.type)).toEqual([
      'order.updated',
      'order.updated',
      'order.updated',
    ]);
    expect(new Set(events.map((event) => event.id)).size).toBe(3);
    // One entity, one raw partition: its sequence grows in the order the updates came.
    const sequences = events.map((event) => Number(event.sequence));
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(3);
    expect(await countRecords(config.worker.domainTopics.orders)).toBe(3);
  });

  it('takes a second HappyColis delivery attempt, with a new id and time, for the same event', async () => {
    const location = uniqueName('loc');
    const attempt = (id: string, timestamp: string) =>
      happycolisMessage('location/updated', 'body-location.json')
        .replace('WEBHOOK_ID', id)
        .replace('WEBHOOK_TIMESTAMP', timestamp)
        .replace('LOCATION_ID', location);
    const worker = await startTestWorker(env);
    try {
      for (const body of [
        attempt('attempt-1', '2026-12-05T10:00:00'),
        attempt('attempt-2', '2026-12-05T10:05:00'),
      ]) {
        await send('/webhooks/happycolis', body, {
          'x-happycolis-webhook-signature': happycolisSignature(body),
        });
      }
      await waitFor('the second attempt counted as a duplicate', async () =>
        (await duplicates(worker.metricsUrl, 'happycolis')) === 1 ? true : undefined,
      );
    } finally {
      await worker.shutdown();
    }
    await readTopic(config.worker.domainTopics.locations, 1);
    expect(await countRecords(config.worker.domainTopics.locations)).toBe(1);
  });
});
