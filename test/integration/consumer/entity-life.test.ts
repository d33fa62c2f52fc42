/**
 * The canonical model as a contract, seen from a consumer: each provider's
 * entity lives its life over HTTP through the real ingress and worker, and a
 * small downstream consumer (test/support/consumer-fold.ts, whose rules are
 * stated there) folds the domain topics into entity state. Per provider the
 * final state, the number of events, the redeliveries that produced nothing
 * and the stale events the consumer ignored are asserted.
 *
 * - Ongoing: a warehouse order 200 → 300 → 400 → back to 300 → 400 → 450 →
 *   500, with a retry of one event (same `webhookEventId`) and a late event
 *   dated before the state held.
 * - HappyColis: a delivery order created → integrated → picked → shipped →
 *   updated, then its shipment created → in transit → out for delivery →
 *   attempt failed → out for delivery → delivered, with a resend of one
 *   event (same body, new header id and time) and a late resend of an older
 *   one.
 * - Shipwell: an order created, its `ship_from` changed A→B, B→A, A→B, a
 *   retry of the last change, then cancelled.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANONICAL_EVENT_TYPES } from '../../../src/canonical/event-types.ts';
import { createMetrics } from '../../../src/metrics/catalog.ts';
import type { Metrics } from '../../../src/metrics/catalog.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import type { RunningWorker } from '../../../src/worker/worker.ts';
import { EntityFold, fold } from '../../support/consumer-fold.ts';
import type { EntityState, FoldedEvent } from '../../support/consumer-fold.ts';
import { fixtureJson } from '../../support/fixtures.ts';
import type { Json } from '../../support/fixtures.ts';
import { post } from '../../support/http.ts';
import {
  ONGOING_TOKEN,
  SHIPWELL_CREDENTIALS,
  basicAuth,
  countRecords,
  happycolisSignature,
  startTestIngress,
} from '../../support/ingress.ts';
import { testKafka, uniqueName, waitFor } from '../../support/kafka.ts';
import { startTestRegistry, startTestWorker, workerEnvironment } from '../../support/worker.ts';

/** An hour ago, to the second: the lives below happen in the hour before the test. */
const START = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

/** `minutes` after START, as ISO 8601 UTC without offset or fraction. */
function minute(minutes: number): string {
  return new Date(START + minutes * 60_000).toISOString().slice(0, 19);
}

/** The status of the entity after each of its events, by the consumer's own rules. */
function statusAfterEach(events: readonly FoldedEvent[]): string[] {
  const statuses: string[] = [];
  let state: EntityState | undefined;
  for (const event of events) {
    state = fold(state, event);
    statuses.push(state.status);
  }
  return statuses;
}

/** A field of an object in the state's data (`shipFrom`, then `city`). */
function nested(data: Readonly<Record<string, unknown>>, field: string, key: string): unknown {
  const value = data[field];
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

describe('an entity life, from webhooks to a consumer’s state', () => {
  let registry: EmbeddedRegistry;
  let ingress: Awaited<ReturnType<typeof startTestIngress>>;
  let worker: RunningWorker;
  let metrics: Metrics;
  let entities: EntityFold;
  let domainTopics: string[];

  beforeAll(async () => {
    registry = await startTestRegistry();
    const env = workerEnvironment(registry.url);
    ingress = await startTestIngress(env);
    metrics = createMetrics({ defaultMetrics: false });
    const started = await startTestWorker(env, { metrics });
    worker = started;
    // The worker has created its domain topics: the consumer can subscribe.
    domainTopics = Object.values(started.config.worker.domainTopics);
    entities = await EntityFold.start(testKafka(), domainTopics, registry.url);
  });
  afterAll(async () => {
    await entities.stop();
    await worker.shutdown();
    await ingress.shutdown();
    await registry.close();
  });

  const send = async (path: string, body: string, headers: Record<string, string>) => {
    const answer = await post(ingress.url, path, body, headers);
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  };

  /** The worker's raw records of a source by outcome (routed, deduplicated, dead_lettered). */
  const outcomes = async (source: string): Promise<Record<string, number>> => {
    const counted: Record<string, number> = {};
    for (const { labels, value } of (await metrics.workerRecords.get()).values) {
      if (labels.source !== source || value === 0) continue;
      const outcome = String(labels.outcome);
      counted[outcome] = (counted[outcome] ?? 0) + value;
    }
    return counted;
  };

  /**
   * Waits until the worker has taken all `posted` records of `source` (it
   * counts them once their output is acknowledged) and the consumer has read
   * everything on the domain topics; then returns the state of `subject`.
   */
  const settled = async (source: string, posted: number, subject: string) => {
    await waitFor(
      `the worker to take ${String(posted)} ${source} records`,
      async () => {
        const taken = Object.values(await outcomes(source)).reduce((sum, n) => sum + n, 0);
        return taken >= posted ? true : undefined;
      },
      { timeoutMs: 20_000 },
    );
    const produced = (await Promise.all(domainTopics.map((topic) => countRecords(topic)))).reduce(
      (sum, n) => sum + n,
      0,
    );
    await waitFor(`the consumer to read ${String(produced)} records`, () =>
      entities.records >= produced ? true : undefined,
    );
    expect(entities.problems).toEqual([]);
    const state = entities.state(subject);
    if (state === undefined) throw new Error(`the consumer holds no ${subject}`);
    for (const event of state.events) expect(CANONICAL_EVENT_TYPES).toContain(event.type);
    expect(state.copies).toEqual([]);
    return state;
  };

  it('folds an Ongoing warehouse order, with a retry, a reversal and a late event', async () => {
    const system = uniqueName('wh');
    const orderId = randomInt(1_000_000, 2_000_000_000);
    const base = fixtureJson('ongoing', 'order-status-changed.json');
    const shipped = {
      currentShipmentId: 7001,
      tracking: [{ trackingUrl: 'https://track.example/W123', waybill: 'W123', isReturn: false }],
      parcels: [
        {
          id: 51,
          parcelNumber: 'W123',
          isReturnParcel: false,
          tracking: { trackingUrl: 'https://track.example/W123' },
        },
      ],
    };
    /** One webhook delivery: the order as it is when Ongoing fires `template`. */
    const webhook = (
      eventId: number,
      template: string,
      status: number,
      at: number,
      sent: Json = { currentShipmentId: null, tracking: [], parcels: [] },
    ) =>
      JSON.stringify({
        ...base,
        webhookOrdersId: 11,
        webhookEventId: eventId,
        system,
        // Ongoing's own form: no offset, seven fractional digits.
        timestamp: `${minute(at)}.0000000`,
        orderId,
        orderNumber: `SO-${String(orderId)}`,
        goodsOwnerId: 3,
        orderStatus: { number: status },
        webhookTemplate: template,
        ...sent,
      });
    const released = webhook(2, 'Order status is changed', 300, 10);
    const sentAt50 = webhook(6, 'Order status is changed', 450, 50, shipped);
    const life = [
      webhook(1, 'Order is created', 200, 0),
      released,
      // Ongoing's retry of the same event (same webhookEventId): no second event.
      released,
      webhook(3, 'Order is picked', 400, 20),
      // Reversal: the warehouse puts the order back to Released, a new event, later.
      webhook(4, 'Order status is changed', 300, 30),
      webhook(5, 'Order is picked', 400, 40),
      sentAt50,
      // Ongoing has no "delivered": 500 Collected (the carrier took it) ends its life here.
      webhook(7, 'Order status is changed', 500, 60, shipped),
      // Late: a retry of the 450 change under a new webhookEventId, arriving
      // after the 500 but dated at minute 50: produced, and stale.
      JSON.stringify({ ...(JSON.parse(sentAt50) as Json), webhookEventId: 8 }),
    ];
    for (const body of life) {
      await send('/webhooks/ongoing', body, { 'x-ongoing-token': ONGOING_TOKEN });
    }

    const state = await settled('ongoing', life.length, `ongoing/${system}/order/${orderId}`);
    expect(state.events.map((event) => event.type)).toEqual([
      'fulfillment_order.created',
      'fulfillment_order.released',
      'fulfillment_order.picked',
      'fulfillment_order.released',
      'fulfillment_order.picked',
      'fulfillment_order.shipped',
      'fulfillment_order.collected',
      'fulfillment_order.shipped',
    ]);
    expect(await outcomes('ongoing')).toEqual({ routed: 8, deduplicated: 1 });
    expect(statusAfterEach(state.events)).toEqual([
      'OPEN',
      'RELEASED',
      'PICKED',
      'RELEASED',
      'PICKED',
      'SHIPPED',
      'COLLECTED',
      'COLLECTED',
    ]);
    expect(state.stale.map((event) => event.time)).toEqual([`${minute(50)}.000Z`]);
    expect(state.status).toBe('COLLECTED');
    expect(state.time).toBe(`${minute(60)}.000Z`);
    expect(state.data).toMatchObject({ providerStatus: '500', shipmentId: '7001' });
    expect(state.data.tracking).toEqual([
      {
        carrier: null,
        trackingNumber: 'W123',
        trackingUrl: 'https://track.example/W123',
        isReturn: false,
      },
    ]);
  });

  it('folds a HappyColis delivery order and its shipment, with a resend, a reversal and a late resend', async () => {
    const organization = uniqueName('org');
    const deliveryOrderId = uniqueName('DO');
    const shipmentId = uniqueName('SH');
    /** A signed delivery attempt: header id new per attempt, the body the entity whole. */
    const message = (type: string, at: number, body: Json) =>
      JSON.stringify({
        header: {
          id: randomUUID(),
          type,
          timestamp: minute(at),
          organization,
          application: 'app-1',
        },
        body,
      });
    /** The entity's history, newest last, as HappyColis keeps it in `events[]`. */
    const history = (...steps: [type: string, at: number, text: string][]) =>
      steps.map(([type, at, text], i) => ({
        id: `EV-${String(i + 1)}`,
        type,
        date: minute(at),
        message: text,
      }));
    const deliveryOrderFixture = fixtureJson('happycolis', 'body-delivery-order.json');
    // Its examples say OPENED on every event: the event type, not the state, tells the status.
    const deliveryOrder = (events: Json[], extra: Json = {}): Json => ({
      ...deliveryOrderFixture,
      id: deliveryOrderId,
      organization_id: organization,
      order_number: `DO-REF-${deliveryOrderId}`,
      invoice_number: 'INV-1001',
      state: 'OPENED',
      events,
      fulfillments: [],
      ...extra,
    });
    const shipment = (events: Json[]): Json => ({
      ...fixtureJson('happycolis', 'body-shipment.json'),
      id: shipmentId,
      state: 'OPENED',
      reference: `SHIP-${shipmentId}`,
      tracking_number: '6A12345678901',
      events,
    });

    const opened = history(['OPENED', 0, 'Order received']);
    const integrated = history(['OPENED', 0, 'Order received'], ['INTEGRATED', 10, 'In the WMS']);
    const picked = [...integrated, ...history(['PICKED', 20, 'Picked'])];
    const sent = [...picked, ...history(['SHIPPED', 30, 'Handed to the carrier'])];
    const parcels = { fulfillments: deliveryOrderFixture.fulfillments };
    const integratedBody = deliveryOrder(integrated);
    const inTransit = history(['IN_TRANSIT', 50, 'Parcel in transit']);
    const outForDelivery = [...inTransit, ...history(['OUT_FOR_DELIVERY', 60, 'With the driver'])];
    const failed = [...outForDelivery, ...history(['ATTEMPT_FAILED', 70, 'Recipient absent'])];
    const outAgain = [...failed, ...history(['OUT_FOR_DELIVERY', 90, 'With the driver'])];
    const delivered = [...outAgain, ...history(['DELIVERED', 100, 'Delivered to recipient'])];
    const inTransitMessage = message('shipment/in-transit', 50, shipment(inTransit));

    const life = [
      message('delivery-order/created', 0, deliveryOrder(opened)),
      message('delivery-order/integrated', 10, integratedBody),
      // A manual unblock resends it: same body, new header id and time. The same event.
      message('delivery-order/integrated', 12, integratedBody),
      message('delivery-order/picked', 20, deliveryOrder(picked)),
      message('delivery-order/shipped', 30, deliveryOrder(sent, parcels)),
      // An update after shipping states no status: the order is not OPEN again.
      message(
        'delivery-order/updated',
        40,
        deliveryOrder(sent, { ...parcels, invoice_number: 'INV-1001-B' }),
      ),
      message('shipment/created', 31, shipment([])),
      inTransitMessage,
      message('shipment/out-for-delivery', 60, shipment(outForDelivery)),
      // The reversal HappyColis can express: out for delivery, then the attempt failed.
      message('shipment/attempt-failed', 70, shipment(failed)),
      message('shipment/out-for-delivery', 90, shipment(outAgain)),
      message('shipment/delivered', 100, shipment(delivered)),
      // A late resend of the in-transit event (new header id, its own old time):
      // no longer the shipment's latest content, so a new event; dated before the state held.
      inTransitMessage.replace(/"id":"[^"]+"/, `"id":"${randomUUID()}"`),
    ];
    for (const body of life) {
      await send('/webhooks/happycolis', body, {
        'x-happycolis-webhook-signature': happycolisSignature(body),
      });
    }

    const order = await settled(
      'happycolis',
      life.length,
      `happycolis/${organization}/delivery-order/${deliveryOrderId}`,
    );
    expect(order.events.map((event) => event.type)).toEqual([
      'fulfillment_order.created',
      'fulfillment_order.released',
      'fulfillment_order.picked',
      'fulfillment_order.shipped',
      'fulfillment_order.updated',
    ]);
    expect(statusAfterEach(order.events)).toEqual([
      'OPEN',
      'RELEASED',
      'PICKED',
      'SHIPPED',
      'SHIPPED',
    ]);
    expect(order.stale).toEqual([]);
    expect(order.status).toBe('SHIPPED');
    expect(order.data).toMatchObject({ status: 'UNKNOWN', reference: 'INV-1001-B' });

    const parcel = entities.state(`happycolis/${organization}/shipment/${shipmentId}`);
    expect(parcel?.events.map((event) => event.type)).toEqual([
      'shipment.created',
      'shipment.in_transit',
      'shipment.out_for_delivery',
      'shipment.delivery_attempt_failed',
      'shipment.out_for_delivery',
      'shipment.delivered',
      'shipment.in_transit',
    ]);
    for (const event of parcel?.events ?? []) expect(CANONICAL_EVENT_TYPES).toContain(event.type);
    expect(parcel?.copies).toEqual([]);
    expect(statusAfterEach(parcel?.events ?? [])).toEqual([
      'OPEN',
      'IN_TRANSIT',
      'OUT_FOR_DELIVERY',
      'DELIVERY_ATTEMPT_FAILED',
      'OUT_FOR_DELIVERY',
      'DELIVERED',
      'DELIVERED',
    ]);
    expect(parcel?.stale.map((event) => event.time)).toEqual([`${minute(50)}.000Z`]);
    expect(parcel?.status).toBe('DELIVERED');
    expect(parcel?.data).toMatchObject({
      trackingNumber: '6A12345678901',
      statusReason: 'Delivered to recipient',
    });
    expect(await outcomes('happycolis')).toEqual({ routed: 12, deduplicated: 1 });
  });

  it('folds a Shipwell order updated A→B→A→B, with a retry, then cancelled', async () => {
    const orderId = randomUUID();
    const created = fixtureJson('shipwell', 'order.created.json');
    const update = fixtureJson('shipwell', 'order.updated.json');
    const fromA = created.ship_from;
    const fromB = {
      ...(fromA as Json),
      line_1: '500 Elm St',
      locality: 'Dallas',
      postal_code: '75201',
      location_number: 'loc-789',
      company_name: 'Second Pickup Co.',
    };
    /** An order.updated as Shipwell sends it: only what changed, old and new. */
    const change = (oldData: Json, newData: Json) =>
      JSON.stringify({
        ...update,
        id: orderId,
        self_link: `/orders/${orderId}`,
        old_data: oldData,
        new_data: newData,
      });
    const aToB = change({ ship_from: fromA }, { ship_from: fromB });
    const life: [event: string, body: string][] = [
      ['order.created', JSON.stringify({ ...created, id: orderId })],
      ['order.updated', aToB],
      ['order.updated', change({ ship_from: fromB }, { ship_from: fromA })],
      // The same bytes as the first change, and a real event: B→A came in between.
      ['order.updated', aToB],
      // Shipwell's retry of that last change: it repeats the latest content.
      ['order.updated', aToB],
      // Cancelling a purchase order is an order.updated (Shipwell does not delete them).
      [
        'order.updated',
        change(
          { status: 'READY', cancelled_at: null },
          { status: 'CANCELLED', cancelled_at: new Date().toISOString() },
        ),
      ],
    ];
    for (const [event, body] of life) {
      await send(`/webhooks/shipwell/${event}`, body, {
        authorization: basicAuth(SHIPWELL_CREDENTIALS),
      });
    }

    const state = await settled('shipwell', life.length, `shipwell/order/${orderId}`);
    expect(state.events.map((event) => event.type)).toEqual([
      'order.created',
      'order.updated',
      'order.updated',
      'order.updated',
      'order.cancelled',
    ]);
    expect(statusAfterEach(state.events)).toEqual(['OPEN', 'OPEN', 'OPEN', 'OPEN', 'CANCELLED']);
    // Shipwell gives no event time: each event is dated by its arrival, so
    // none can be older than the state held, and no stale event can be made.
    expect(state.events.map((event) => event.timeIsReceipt)).toEqual(Array(5).fill(true));
    expect(state.stale).toEqual([]);
    expect(state.status).toBe('CANCELLED');
    // Updates are partial: what the creation said stays, what the updates said is laid over it.
    expect(state.data).toMatchObject({ orderNumber: 'MM-5676', previousStatus: 'OPEN' });
    expect(nested(state.data, 'shipFrom', 'city')).toBe('Dallas');
    expect(await outcomes('shipwell')).toEqual({ routed: 5, deduplicated: 1 });
  });
});
