/**
 * The worker against the test broker and the embedded registry: raw records
 * in, canonical records out (decoded through the registry), poison records
 * to the dead-letter topic without blocking what follows, and nothing lost
 * or doubled across a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { countRecords, header, readTopic } from '../../support/ingress.ts';
import { waitFor } from '../../support/kafka.ts';
import {
  decode,
  fixture,
  happycolisMessage,
  landRaw,
  startTestRegistry,
  startTestWorker,
  workerEnvironment,
} from '../../support/worker.ts';

describe('worker', () => {
  let registry: EmbeddedRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry();
  });
  afterAll(() => registry.close());

  it('routes each provider example to its domain topic as Avro the registry decodes', async () => {
    const env = workerEnvironment(registry.url);
    const worker = await startTestWorker(env);
    try {
      const { config } = worker;
      await landRaw(config, 'happycolis', [
        happycolisMessage('delivery-order/shipped', 'body-delivery-order.json'),
      ]);
      await landRaw(config, 'ongoing', [fixture('ongoing', 'order-picked.json')], {
        'wharf-url-event-type': 'order-picked',
      });
      await landRaw(config, 'shipwell', [fixture('shipwell', 'order.item.updated.json')]);

      const [fulfillment1, fulfillment2] = await readTopic(
        config.worker.domainTopics.fulfillment,
        2,
      );
      const [order] = await readTopic(config.worker.domainTopics.orders, 1);
      const events = await Promise.all(
        [fulfillment1, fulfillment2, order].map(async (message) => {
          if (!message) throw new Error('missing record');
          return { message, event: await decode(registry.url, message) };
        }),
      );
      const byType = new Map(events.map((entry) => [entry.event.type, entry]));

      const shipped = byType.get('fulfillment_order.shipped');
      expect(shipped?.event).toMatchObject({
        source: 'happycolis',
        subject: 'happycolis/ORGANIZATION_ID/delivery-order/DELIVERY_ORDER_ID',
        providerEventType: 'delivery-order/shipped',
      });
      expect(shipped && header(shipped.message, 'ce_type')).toBe(
        'dev.wharf.logistics.fulfillment_order.shipped.v1',
      );
      // The schema the value was written with, where the registry serves it.
      const schemaId = shipped?.message.value?.readUInt32BE(1);
      expect(shipped && header(shipped.message, 'ce_dataschema')).toBe(
        `${registry.url.replace(/\/+$/, '')}/schemas/ids/${String(schemaId)}`,
      );
      expect(shipped?.message.key?.toString()).toBe(
        'happycolis/ORGANIZATION_ID/delivery-order/DELIVERY_ORDER_ID',
      );

      const picked = byType.get('fulfillment_order.picked');
      expect(picked?.event).toMatchObject({ source: 'ongoing', providerEventType: 'order.picked' });
      expect((picked?.event.data as { status?: string } | undefined)?.status).toBe('PICKED');

      const item = byType.get('order.line_updated');
      expect(item?.event).toMatchObject({
        source: 'shipwell',
        subject: 'shipwell/order/01HGTT8Y5DF6Z04DXWKWEXJM4D',
      });
      const metrics = await (await fetch(`${worker.metricsUrl}/metrics`)).text();
      expect(metrics).toContain(
        'wharf_worker_records_total{source="happycolis",event_type="delivery-order/shipped",outcome="routed"} 1',
      );
      expect((await fetch(`${worker.metricsUrl}/readyz`)).status).toBe(200);
      for (const { message, event } of events) {
        expect(header(message, 'ce_id')).toBe(event.id);
        expect(header(message, 'ce_specversion')).toBe('1.0');
        expect(header(message, 'content-type')).toBe('application/avro');
      }
    } finally {
      await worker.shutdown();
    }
  });

  it('dead-letters poison records whole and keeps the records after them flowing', async () => {
    const env = workerEnvironment(registry.url, { WHARF_TOPIC_PARTITIONS: '1' });
    const worker = await startTestWorker(env);
    try {
      const { config } = worker;
      const good = (i: number) =>
        happycolisMessage('location/updated', 'body-location.json').replace(
          'LOCATION_ID',
          `LOC-${String(i)}`,
        );
      await landRaw(config, 'happycolis', [
        good(1),
        '{"header": not json',
        JSON.stringify({ header: { type: 'parcel/teleported' }, body: { id: 'x' } }),
        JSON.stringify({
          header: { type: 'location/updated' },
          body: { id: 'L', active: { nested: 1 } },
        }),
        good(2),
      ]);
      const dead = await readTopic(config.worker.deadLetterTopic, 3);
      expect(dead.map((message) => header(message, 'wharf-error-code'))).toEqual([
        'INVALID_JSON',
        'UNKNOWN_EVENT_TYPE',
        'SCHEMA_VALIDATION_FAILED',
      ]);
      expect(dead.map((message) => header(message, 'wharf-error-stage'))).toEqual([
        'parse',
        'detect',
        'validate',
      ]);
      const [invalidJson, , misfit] = dead;
      if (!invalidJson || !misfit) throw new Error('dead-letter records missing');
      expect(header(misfit, 'wharf-error-path')).toBe('body.active');
      expect(invalidJson.value?.toString()).toBe('{"header": not json');
      expect(header(invalidJson, 'wharf-source')).toBe('happycolis');
      expect(header(invalidJson, 'wharf-original-topic')).toBe(
        config.ingress.sources.happycolis.rawTopic,
      );
      expect(header(invalidJson, 'wharf-original-offset')).toBe('1');

      const locations = await readTopic(config.worker.domainTopics.locations, 2);
      const subjects = await Promise.all(
        locations.map(async (message) => (await decode(registry.url, message)).subject),
      );
      expect(subjects).toEqual([
        'happycolis/ORGANIZATION_ID/location/LOC-1',
        'happycolis/ORGANIZATION_ID/location/LOC-2',
      ]);
    } finally {
      await worker.shutdown();
    }
  });

  it('a worker stopped mid-stream and restarted loses nothing, and a redelivery across the restart yields one event', async () => {
    const env = workerEnvironment(registry.url, { WHARF_TOPIC_PARTITIONS: '2' });
    const first = await startTestWorker(env);
    const { config } = first;
    const bodies = Array.from({ length: 40 }, (_, i) =>
      happycolisMessage('stock-reference/updated', 'body-stock-reference.json').replace(
        'STOCK_REFERENCE_ID',
        `SR-${String(i)}`,
      ),
    );
    await landRaw(config, 'happycolis', bodies.slice(0, 20));
    await readTopic(config.worker.domainTopics.inventory, 20);
    await first.shutdown();

    // While no worker runs: the rest, and a redelivery of an event already routed.
    await landRaw(config, 'happycolis', [...bodies.slice(20), bodies[3] ?? '']);
    const second = await startTestWorker(env);
    try {
      const records = await readTopic(config.worker.domainTopics.inventory, 40);
      const subjects = new Set(
        await Promise.all(
          records.map(async (message) => (await decode(registry.url, message)).subject),
        ),
      );
      expect(subjects.size).toBe(40);
      // The redelivery was read and produced no second event.
      await waitFor('the redelivery to be recognised', async () => {
        const { values } = await second.metrics.workerDeduplicated.get();
        return values.reduce((sum, value) => sum + value.value, 0) === 1 ? true : undefined;
      });
      expect(await countRecords(config.worker.domainTopics.inventory)).toBe(40);
    } finally {
      await second.shutdown();
    }
  });
});
