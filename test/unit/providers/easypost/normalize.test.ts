import { describe, expect, it } from 'vitest';
import { utcData } from '../../../../src/canonical/data-times.ts';
import type { Address, Shipment, ShipmentEventEntry } from '../../../../src/canonical/model.ts';
import {
  EVENT_FIXTURES,
  attempt,
  expectFitsSchema,
  fixture,
  normalized,
  normalizedFixture,
  trackerIn,
} from './support.ts';
import type { Json } from './support.ts';

/** An address of which nothing is known, to spell out the few fields that are. */
const NO_ADDRESS: Address = {
  name: null,
  company: null,
  line1: null,
  line2: null,
  line3: null,
  city: null,
  postalCode: null,
  region: null,
  country: null,
  email: null,
  phone: null,
  locationNumber: null,
  timezone: null,
  latitude: null,
  longitude: null,
};

/** A tracking location as a canonical address. */
function place(
  city: string | null,
  region: string | null,
  country: string | null,
  postalCode: string | null,
): Address {
  return { ...NO_ADDRESS, city, region, country, postalCode };
}

/** A tracking detail as a shipment event: [message, type, time, status, provider status, location]. */
function step(
  message: string,
  type: string | null,
  time: string,
  status: ShipmentEventEntry['status'],
  providerStatus: string,
  location: Address | null,
): ShipmentEventEntry {
  return { eventId: null, type, time, message, status, providerStatus, location };
}

const ORLANDO = place('ORLANDO', 'FL', 'US', '32809');
const EDISON = place('EDISON', 'NJ', 'US', '08817');

describe('EasyPost normalizer: every fixture', () => {
  it.each([
    ['tracker.created.json', 'shipment.created', 'USPS/EZ1000000001'],
    ['tracker.created.empty-tracking-details.json', 'shipment.created', 'DHLExpress/1234567890'],
    ['tracker.updated.json', 'shipment.delivered', 'UPS/EZ4000000004'],
    ['tracker.updated.in-transit-fedex.json', 'shipment.in_transit', 'FedEx/1'],
    [
      'tracker.updated.out-for-delivery.json',
      'shipment.out_for_delivery',
      'USPS/9400111206213859361234',
    ],
    ['tracker.updated.delivered-signed-by.json', 'shipment.delivered', 'UPS/1Z999AA10123456784'],
    ['tracker.updated.return-to-sender.json', 'shipment.returning', 'FedEx/794612345678'],
    ['tracker.updated.failure.json', 'shipment.lost', 'USPS/9205590164917312751089'],
    [
      'tracker.updated.failure-damaged.made-up.json',
      'shipment.exception',
      'USPS/9205590164917312751089',
    ],
    ['tracker.updated.cancelled.made-up.json', 'shipment.cancelled', 'USPS/EZ1000000001'],
    ['tracker.updated.status-unknown.made-up.json', 'shipment.updated', 'DHLExpress/1234567890'],
    ['tracker.updated.test-mode.json', 'shipment.in_transit', 'USPS/EZ2000000002'],
    [
      'tracker.updated.numbers-as-strings.json',
      'shipment.in_transit',
      'USPS/9434650899561025371562',
    ],
    [
      'tracker.updated.nulls-and-missing-fields.json',
      'shipment.in_transit',
      'OnTrac/420100019361289697090109130003',
    ],
    ['tracker.updated.extra-unknown-fields.json', 'shipment.in_transit', 'UPS/1Z12345E0205271688'],
  ])('%s → %s of parcel %s', (name, type, parcel) => {
    const message = fixture(name);
    const event = normalizedFixture(name);
    expect(event).toMatchObject({
      domain: 'shipments',
      type,
      subject: `easypost/tracker/${parcel}`,
      tenant: null,
      providerTime: message.created_at,
      providerEventId: message.id,
      identifiedBy: 'provider-event',
    });
    expect(event.partial).toBeUndefined();
    expectFitsSchema(event, message, String(message.description));
  });

  it('covers every fixture in the table above', () => {
    expect(EVENT_FIXTURES).toHaveLength(15);
  });

  it.each(EVENT_FIXTURES)('%s: every timestamp in the data reads as UTC', (name) => {
    const { data, originals } = utcData('shipments', normalizedFixture(name).data, 'UTC');
    const sent = [data.estimatedDeliveryAt, ...data.events.map((entry) => entry.time)];
    expect(Object.keys(originals)).toHaveLength(sent.filter((value) => value !== null).length);
    for (const [path, original] of Object.entries(originals)) {
      const converted =
        path === 'estimatedDeliveryAt' ? data.estimatedDeliveryAt : eventTime(data, path);
      expect(converted, `${path}: ${original}`).toMatch(
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
      );
    }
  });
});

/** The converted time of `events[<i>].time`. */
function eventTime(data: Shipment, path: string): string | null | undefined {
  const index = /^events\[(\d+)\]\.time$/.exec(path)?.[1];
  return index === undefined ? undefined : data.events[Number(index)]?.time;
}

describe("EasyPost normalizer: the docs' examples, field by field", () => {
  it("the client libraries' in-transit FedEx Event", () => {
    const event = normalizedFixture('tracker.updated.in-transit-fedex.json');
    expect(event).toMatchObject({
      type: 'shipment.in_transit',
      references: [],
      subject: 'easypost/tracker/FedEx/1',
      providerTime: '2024-08-02T19:26:52.000Z',
      providerEventId: 'evt_1',
      identity: ['evt_1'],
    });
    expect(event.data).toEqual({
      shipmentId: 'trk_1',
      status: 'IN_TRANSIT',
      // previous_attributes: {"status": "in_transit"}.
      previousStatus: 'IN_TRANSIT',
      // The last scan's words, since it is of the status the tracker is in.
      statusReason: 'Arrived at FedEx location',
      providerStatus: 'in_transit',
      reference: null,
      trackingNumber: '1',
      trackingUrl: 'https://track.easypost.com/1',
      shippingMethod: 'FEDEX_GROUND',
      carrier: 'FedEx',
      fulfillmentOrderId: null,
      estimatedDeliveryAt: '2024-08-05T00:00:00Z',
      signedBy: null,
      weight: { value: '614.4', unit: 'OZ' },
      // The destination is only display text (BROOKLYN HGTS NY US): no address.
      shipTo: null,
      lines: [],
      events: [
        step(
          'Shipment information sent to FedEx',
          'label_created',
          '2024-07-31T15:00:00Z',
          'OPEN',
          'pre_transit',
          place(null, null, 'US', '32837'),
        ),
        step(
          'Picked up',
          'arrived_at_facility',
          '2024-07-31T19:27:00Z',
          'IN_TRANSIT',
          'in_transit',
          ORLANDO,
        ),
        step(
          'Arrived at FedEx location',
          'arrived_at_facility',
          '2024-07-31T22:35:00Z',
          'IN_TRANSIT',
          'in_transit',
          ORLANDO,
        ),
        step(
          'Departed FedEx location',
          'departed_facility',
          '2024-08-01T14:42:13Z',
          'IN_TRANSIT',
          'in_transit',
          ORLANDO,
        ),
        step(
          'On the way',
          'unknown',
          '2024-08-02T02:46:19Z',
          'IN_TRANSIT',
          'in_transit',
          place('KENLY', 'NC', 'US', '27542'),
        ),
        step(
          'On the way',
          'unknown',
          '2024-08-02T18:35:20Z',
          'IN_TRANSIT',
          'in_transit',
          place('EDISON TWP', 'NJ', 'US', '08817'),
        ),
        step(
          'Arrived at FedEx location',
          'arrived_at_facility',
          '2024-08-02T18:50:00Z',
          'IN_TRANSIT',
          'in_transit',
          EDISON,
        ),
      ],
    } satisfies Shipment);
  });

  it("the docs' tracker.created (test mode, USPS)", () => {
    const event = normalizedFixture('tracker.created.json');
    expect(event).toMatchObject({
      type: 'shipment.created',
      subject: 'easypost/tracker/USPS/EZ1000000001',
      providerTime: '2025-05-09T20:39:17.000Z',
      providerEventId: 'evt_ad2365c22d1511f0b5364ffbb3e7a1f1',
    });
    expect(event.data).toEqual({
      shipmentId: 'trk_9135862729734d96ad2f9ed0f0565a27',
      status: 'OPEN',
      // previous_attributes is {} on a created tracker.
      previousStatus: null,
      statusReason: 'Shipping Label Created',
      providerStatus: 'pre_transit',
      reference: null,
      trackingNumber: 'EZ1000000001',
      trackingUrl:
        'https://track.easypost.com/djE6dHJrXzkxMzU4NjI3Mjk3MzRkOTZhZDJmOWVkMGYwNTY1YTI3',
      shippingMethod: 'First-Class Package Service',
      carrier: 'USPS',
      fulfillmentOrderId: null,
      estimatedDeliveryAt: '2025-05-09T20:40:17Z',
      signedBy: null,
      weight: null,
      shipTo: null,
      lines: [],
      events: [
        // A location of nothing but nulls is no location.
        step(
          'Pre-Shipment Info Sent to USPS',
          'status_update',
          '2025-04-09T20:40:17Z',
          'OPEN',
          'pre_transit',
          null,
        ),
        step(
          'Shipping Label Created',
          'status_update',
          '2025-04-10T09:17:17Z',
          'OPEN',
          'pre_transit',
          place('HOUSTON', 'TX', null, '77063'),
        ),
      ],
    } satisfies Shipment);
  });

  it("the Tracking Guide's tracker.updated (2014: no status_detail, placeholder ids)", () => {
    const event = normalizedFixture('tracker.updated.json');
    expect(event).toMatchObject({
      type: 'shipment.delivered',
      providerEventId: 'evt_...',
      data: {
        shipmentId: 'trk_...',
        status: 'DELIVERED',
        previousStatus: 'UNKNOWN',
        statusReason: 'DELIVERED',
        providerStatus: 'delivered',
        signedBy: 'John Tester',
        weight: { value: '17.6', unit: 'OZ' },
        estimatedDeliveryAt: '2014-11-27T00:00:00Z',
        shippingMethod: null,
      },
    });
    const events = event.data.events;
    expect(events.map((entry) => [entry.type, entry.status])).toEqual([
      [null, 'OPEN'],
      [null, 'IN_TRANSIT'],
      [null, 'IN_TRANSIT'],
      [null, 'IN_TRANSIT'],
      [null, 'OUT_FOR_DELIVERY'],
      [null, 'DELIVERED'],
    ]);
    // Kept in EasyPost's order, though the DELIVERED scan is dated before the others.
    expect(events.at(-1)?.time).toBe('2014-11-19T10:51:54Z');
    expect(events[1]?.location).toEqual(place('SOUTH SAN FRANCISCO', 'CA', 'US', null));
  });
});

describe('EasyPost normalizer: the made-up fixtures', () => {
  it('delivered and signed for: signer, weight, destination, the EasyPost Shipment', () => {
    const event = normalizedFixture('tracker.updated.delivered-signed-by.json');
    expect(event.references).toEqual([
      { type: 'SHIPMENT', value: 'shp_1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6', qualifier: 'shipment_id' },
    ]);
    expect(event.data).toMatchObject({
      status: 'DELIVERED',
      previousStatus: 'OUT_FOR_DELIVERY',
      signedBy: 'R. MARTINEZ',
      // Sent as 48.0.
      weight: { value: '48', unit: 'OZ' },
      shipTo: place('BROOKLYN', 'NY', 'US', '11201'),
    });
  });

  it('lost: the failure detail refines the status, the last scan says why', () => {
    const event = normalizedFixture('tracker.updated.failure.json');
    expect(event.data).toMatchObject({
      status: 'LOST',
      previousStatus: 'IN_TRANSIT',
      providerStatus: 'failure',
      statusReason: 'Missing Mail Search Closed, Item Not Found',
      shippingMethod: 'GroundAdvantage',
    });
    expect(event.data.events.map((entry) => entry.status)).toEqual([
      'OPEN',
      'IN_TRANSIT',
      'IN_TRANSIT',
      'LOST',
    ]);
  });

  it('return to sender: RETURNING; the refusal before it stays in transit', () => {
    const event = normalizedFixture('tracker.updated.return-to-sender.json');
    expect(event.data.status).toBe('RETURNING');
    expect(event.data.previousStatus).toBe('IN_TRANSIT');
    expect(event.data.events.map((entry) => [entry.type, entry.status]).slice(-2)).toEqual([
      ['refused', 'IN_TRANSIT'],
      ['return', 'RETURNING'],
    ]);
  });

  it('a created tracker the carrier knows nothing of yet: created, UNKNOWN, no events', () => {
    const event = normalizedFixture('tracker.created.empty-tracking-details.json');
    expect(event.type).toBe('shipment.created');
    expect(event.data).toMatchObject({
      status: 'UNKNOWN',
      providerStatus: 'unknown',
      // No scan says more than EasyPost's detail.
      statusReason: 'unknown',
      events: [],
      shippingMethod: null,
      shipTo: null,
    });
  });

  it('numbers written as strings and the reverse', () => {
    const event = normalizedFixture('tracker.updated.numbers-as-strings.json');
    expect(event.data.weight).toEqual({ value: '22.4', unit: 'OZ' });
    expect(event.data.events[0]?.location?.postalCode).toBe('30318');
  });

  it('nulls and missing fields: nothing invented', () => {
    const event = normalizedFixture('tracker.updated.nulls-and-missing-fields.json');
    expect(event.references).toEqual([]);
    expect(event.data).toMatchObject({
      status: 'IN_TRANSIT',
      previousStatus: null,
      // The last detail that states a status: the empty one after it says nothing.
      statusReason: 'Package received at facility',
      trackingUrl: null,
      shippingMethod: null,
      estimatedDeliveryAt: null,
      weight: null,
      shipTo: null,
    });
    expect(event.data.events).toEqual([
      step(
        'Package received at facility',
        null,
        '2024-08-19T21:58:00Z',
        'IN_TRANSIT',
        'in_transit',
        null,
      ),
      {
        eventId: null,
        type: null,
        time: null,
        message: null,
        status: null,
        providerStatus: null,
        location: null,
      },
    ]);
  });

  it('extra fields are ignored, previous_attributes with several keys still gives the old status', () => {
    const event = normalizedFixture('tracker.updated.extra-unknown-fields.json');
    expect(event.data).toMatchObject({
      status: 'IN_TRANSIT',
      previousStatus: 'OPEN',
      weight: { value: '80', unit: 'OZ' },
      shippingMethod: 'UPS Ground',
    });
    expect(event.data.events[0]?.location).toEqual(place('HODGKINS', 'IL', 'US', '60525'));
  });
});

describe('EasyPost normalizer: status and type', () => {
  function withTracker(changes: Json, eventType = 'tracker.updated'): Json {
    const message = fixture('tracker.updated.in-transit-fedex.json');
    message.description = eventType;
    Object.assign(trackerIn(message), changes);
    return message;
  }

  it.each([
    ['pre_transit', null, 'shipment.open'],
    ['available_for_pickup', null, 'shipment.available_for_pickup'],
    ['failure', 'refused', 'shipment.delivery_attempt_failed'],
    ['failure', 'damaged', 'shipment.exception'],
    ['cancelled', null, 'shipment.cancelled'],
    ['error', null, 'shipment.exception'],
    ['unknown', 'unknown', 'shipment.updated'],
    ['held_at_customs', null, 'shipment.updated'],
  ])('tracker.updated with %s/%s is %s', (status, detail, type) => {
    const event = normalized(withTracker({ status, status_detail: detail }), 'tracker.updated');
    expect(event.type).toBe(type);
    expect(event.data.providerStatus).toBe(status);
  });

  it('a status EasyPost adds later is UNKNOWN, its value kept', () => {
    const event = normalized(withTracker({ status: 'held_at_customs' }), 'tracker.updated');
    expect(event.data.status).toBe('UNKNOWN');
    expect(event.data.providerStatus).toBe('held_at_customs');
  });

  it('tracker.created is created whatever its status', () => {
    const event = normalized(
      withTracker({ status: 'delivered' }, 'tracker.created'),
      'tracker.created',
    );
    expect(event.type).toBe('shipment.created');
    expect(event.data.status).toBe('DELIVERED');
  });

  it("the reason falls back to EasyPost's detail when the last scan is of another status", () => {
    const event = normalized(
      withTracker({ status: 'failure', status_detail: 'weather_delay' }),
      'tracker.updated',
    );
    expect(event.data.statusReason).toBe('weather_delay');
  });

  it('previousStatus is refined by the previous detail too', () => {
    const message = withTracker({});
    message.previous_attributes = { status: 'failure', status_detail: 'lost' };
    expect(normalized(message, 'tracker.updated').data.previousStatus).toBe('LOST');
    message.previous_attributes = { status_detail: 'delayed' };
    expect(normalized(message, 'tracker.updated').data.previousStatus).toBeNull();
    message.previous_attributes = ['in_transit'];
    expect(normalized(message, 'tracker.updated').data.previousStatus).toBeNull();
  });
});

describe('EasyPost normalizer: ids, tenant and subject', () => {
  it('shipmentId is the tracker id, else the parcel', () => {
    const message = fixture('tracker.updated.in-transit-fedex.json');
    expect(normalized(message, 'tracker.updated').data.shipmentId).toBe('trk_1');
    trackerIn(message).id = null;
    expect(normalized(message, 'tracker.updated').data.shipmentId).toBe('FedEx/1');
  });

  it("the tenant is the credential's: EasyPost's user_id stays in the payload", () => {
    const message = fixture('tracker.updated.failure.json');
    expect(message.user_id).toBeTypeOf('string');
    expect(normalized(message, 'tracker.updated').tenant).toBeNull();
  });
});

describe('EasyPost normalizer: identity', () => {
  /** The same Event as delivered again: the URLs it lists have moved on. */
  function redelivery(message: Json): Json {
    return {
      ...structuredClone(message),
      pending_urls: [],
      completed_urls: ['https://hooks.example.com/wharf/easypost'],
      status: 'retrying',
    };
  }

  it('a redelivery of one Event has its identity; another Event another', () => {
    const message = fixture('tracker.updated.failure.json');
    const first = normalized(message, 'tracker.updated');
    expect(first.identity).toEqual(['evt_5e6f7a8bf38511ee8c9d0e1f2a3b4c5d']);
    expect(normalized(redelivery(message), 'tracker.updated').identity).toEqual(first.identity);
    const other = { ...structuredClone(message), id: 'evt_00000000000000000000000000000001' };
    expect(normalized(other, 'tracker.updated').identity).not.toEqual(first.identity);
  });

  it('without an event id: the content, the same for a redelivery, another for a change', () => {
    const message = fixture('tracker.updated.failure.json');
    Reflect.deleteProperty(message, 'id');
    const first = normalized(message, 'tracker.updated');
    expect(first).toMatchObject({ identifiedBy: 'content', providerEventId: null });
    expect(first.identity.slice(0, 2)).toEqual([
      'tracker.updated',
      'easypost/tracker/USPS/9205590164917312751089',
    ]);
    expect(normalized(redelivery(message), 'tracker.updated').identity).toEqual(first.identity);
    const changed = structuredClone(message);
    trackerIn(changed).status_detail = 'damaged';
    expect(normalized(changed, 'tracker.updated').identity).not.toEqual(first.identity);
    const created = { ...structuredClone(message), description: 'tracker.created' };
    expect(normalized(created, 'tracker.created').identity).not.toEqual(first.identity);
  });
});

describe('EasyPost normalizer: failures', () => {
  it.each([
    ['no Tracker', 'result', (message: Json) => Reflect.deleteProperty(message, 'result')],
    ['a null Tracker', 'result', (message: Json) => (message.result = null)],
    [
      'no tracking code',
      'result.tracking_code',
      (message: Json) => Reflect.deleteProperty(trackerIn(message), 'tracking_code'),
    ],
    [
      'a blank tracking code',
      'result.tracking_code',
      (message: Json) => (trackerIn(message).tracking_code = '  '),
    ],
    ['no carrier', 'result.carrier', (message: Json) => (trackerIn(message).carrier = null)],
  ])('%s fails at %s', (_case, path, change) => {
    const message = fixture('tracker.updated.in-transit-fedex.json');
    change(message);
    expect(attempt(message, 'tracker.updated')).toMatchObject({
      code: 'NORMALIZATION_FAILED',
      path,
    });
  });

  it('refuses an event type it does not read, and a message that is not an object', () => {
    expect(attempt(fixture('tracker.updated.json'), 'batch.updated')).toMatchObject({
      code: 'NORMALIZATION_FAILED',
      path: '',
    });
    expect(attempt([1, 2], 'tracker.updated')).toMatchObject({ code: 'NORMALIZATION_FAILED' });
  });
});
