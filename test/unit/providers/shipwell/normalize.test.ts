import { describe, expect, it } from 'vitest';
import { canonicalEventId } from '../../../../src/canonical/event-id.ts';
import type { Address, Order } from '../../../../src/canonical/model.ts';
import { CANONICAL_TYPES } from '../../../../src/canonical/schemas.ts';
import type {
  NormalizationFailure,
  NormalizedEvent,
  RawContext,
} from '../../../../src/providers/provider.ts';
import { normalizeShipwell } from '../../../../src/providers/shipwell/normalize.ts';
import { transform } from '../../../../src/worker/pipeline.ts';
import { pipelineDefaults } from '../../../support/pipeline.ts';
import { fixtureJson, fixtureText, without } from '../../../support/fixtures.ts';
import type { Json } from '../../../support/fixtures.ts';

const fixture = (name: string): Json => fixtureJson('shipwell', name);

const CONTEXT: RawContext = { urlEventType: undefined, headers: {} };

function attempt(message: unknown, eventType: string): NormalizedEvent | NormalizationFailure {
  return normalizeShipwell(message, { eventType }, CONTEXT);
}

/** The normalized event, failing the test when normalization failed. */
function normalize(message: unknown, eventType: string): NormalizedEvent<'orders'> {
  const result = attempt(message, eventType);
  if ('code' in result)
    throw new Error(`normalization failed at ${result.path}: ${result.message}`);
  expect(result.domain).toBe('orders');
  return result as NormalizedEvent<'orders'>;
}

/**
 * Checks the event, in a full envelope, against its canonical schema: no
 * field the schema lacks (noUndeclaredFields), and an Avro round trip gives
 * it back unchanged (a field the event lacked would come back null).
 */
function expectCanonical(event: NormalizedEvent, providerEventType: string): void {
  const envelope = {
    id: canonicalEventId('shipwell', event.identity),
    type: event.type,
    source: 'shipwell',
    tenant: event.tenant,
    subject: event.subject,
    time: '2024-07-01T12:00:01.000Z',
    timeOriginal: event.providerTime,
    receivedAt: '2024-07-01T12:00:01.000Z',
    sequence: 0,
    snapshot: true,
    timeIsReceipt: false,
    timesOriginal: {},
    providerEventType,
    providerEventId: event.providerEventId,
    references: event.references ?? [],
    data: event.data,
    providerPayload: '{}',
  };
  const type = CANONICAL_TYPES[event.domain];
  const issues: string[] = [];
  type.isValid(envelope, {
    noUndeclaredFields: true,
    errorHook: (path) => issues.push(path.join('.') || '(root)'),
  });
  expect(issues).toEqual([]);
  expect(type.fromBuffer(type.toBuffer(envelope))).toEqual(envelope);
}

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

/** An order of which nothing is known, likewise. */
const NO_ORDER: Omit<Order, 'orderId'> = {
  orderNumber: null,
  orderType: null,
  name: null,
  // Only a created order or an update of its status states one.
  status: 'UNKNOWN',
  previousStatus: null,
  statusReason: null,
  providerStatus: null,
  currency: null,
  total: null,
  totalTax: null,
  totalDiscount: null,
  totalShipping: null,
  totalTaxInclusive: null,
  issuedAt: null,
  shipTo: null,
  shipFrom: null,
  billTo: null,
  lines: [],
  changes: [],
  lineId: null,
  selfLink: null,
};

const ORDER_ID = '01HK5XC46G23VP5K9T03HP7DT1';
const ITEM_ORDER_ID = '01HGTT8Y5DF6Z04DXWKWEXJM4D';
const ITEM_ID = '01HGTT8Y5JV3YCXQ4ZH6Q43XKB';

const FIXTURES = [
  ['order.created.json', 'order.created', 'order.created', '0eb21d18-6c44-4865-a68e-db902e9e5e9c'],
  ['order.created.messy.json', 'order.created', 'order.created', '01HQ4ZB0M8T9V3QK8D1Y2X3W4V'],
  ['order.updated.json', 'order.updated', 'order.updated', ORDER_ID],
  ['envelope.order.updated.made-up.json', 'order.updated', 'order.updated', ORDER_ID],
  ['order.updated.cancelled.made-up.json', 'order.updated', 'order.cancelled', ORDER_ID],
  ['order.updated.back-to-draft.made-up.json', 'order.updated', 'order.draft', ORDER_ID],
  ['order.deleted.made-up.json', 'order.deleted', 'order.deleted', ORDER_ID],
  ['order.item.updated.json', 'order.item.updated', 'order.line_updated', ITEM_ORDER_ID],
  ['order.item.updated.messy.json', 'order.item.updated', 'order.line_updated', ITEM_ORDER_ID],
  ['order.item.deleted.json', 'order.item.deleted', 'order.line_deleted', ITEM_ORDER_ID],
  ['order.item.deleted.messy.json', 'order.item.deleted', 'order.line_deleted', ITEM_ORDER_ID],
] as const;

describe('Shipwell normalizer: every fixture', () => {
  it.each(FIXTURES)('%s (%s) → %s of order %s', (file, eventType, type, orderId) => {
    const event = normalize(fixture(file), eventType);
    expect(event).toMatchObject({
      domain: 'orders',
      type,
      subject: `shipwell/order/${orderId}`,
      tenant: null,
      providerTime: null,
      providerEventId: null,
    });
    expect(event.data.orderId).toBe(orderId);
    expectCanonical(event, eventType);
  });
});

describe('Shipwell normalizer: order.created', () => {
  it('the docs example: ids, addresses, no lines', () => {
    expect(normalize(fixture('order.created.json'), 'order.created').data).toEqual({
      ...NO_ORDER,
      orderId: '0eb21d18-6c44-4865-a68e-db902e9e5e9c',
      orderNumber: 'MM-5676',
      orderType: 'PURCHASE_ORDER',
      name: 'Updated PO name',
      status: 'OPEN',
      providerStatus: 'READY',
      shipTo: {
        ...NO_ADDRESS,
        company: 'Final Destination Co.',
        line1: '9001 N Interstate Hwy 35',
        line2: 'Unit 110',
        city: 'Austin',
        postalCode: '78753',
        region: 'TX',
        country: 'US',
        locationNumber: 'loc-123',
        timezone: 'America/Chicago',
        latitude: '30.3539143',
        longitude: '-97.68906679999999',
      },
      shipFrom: {
        ...NO_ADDRESS,
        company: 'First Pickup Co.',
        line1: '1234 8th St',
        city: 'Austin',
        postalCode: '78702',
        region: 'TX',
        country: 'US',
        locationNumber: 'loc-456',
        latitude: '10',
        longitude: '20',
      },
    });
  });

  it('a messy order: coordinates as strings, a missing ship_from, an item as a line', () => {
    const data = normalize(fixture('order.created.messy.json'), 'order.created').data;
    expect(data).toMatchObject({
      orderNumber: 'MM-5677',
      name: null,
      providerStatus: 'READY',
      shipFrom: null,
      shipTo: { line2: null, latitude: '30.3539143', longitude: '-97.68906679999999' },
    });
    expect(data.lines).toEqual([
      {
        lineId: '01HQ4ZB0MA7F5S0E4C2R6N8P1K',
        lineNumber: null,
        sku: null,
        description: 'Trail mix, 12 x 500 g',
        quantity: { value: '40', unit: 'CASE' },
        unitPrice: null,
        totalPrice: null,
        taxRate: null,
        totalPriceTaxInclusive: null,
        // Counted and weighed apart from what is ordered.
        pieces: { value: '480', unit: 'EA' },
        weight: { value: '1200', unit: 'LB' },
      },
    ]);
  });

  it('turns empty strings into null', () => {
    const message = fixture('order.created.json');
    message.name = '';
    message.ship_to = { line_1: '', locality: ' ', country: 'US', geolocation: { latitude: '' } };
    const data = normalize(message, 'order.created').data;
    expect(data.name).toBeNull();
    expect(data.shipTo).toEqual({ ...NO_ADDRESS, country: 'US' });
  });

  it('order.deleted reads the order it carries', () => {
    expect(normalize(fixture('order.deleted.made-up.json'), 'order.deleted').data).toEqual({
      ...NO_ORDER,
      orderId: ORDER_ID,
      orderNumber: 'SO-1187',
      orderType: 'SALES_ORDER',
      name: 'Spring restock',
    });
  });
});

describe('Shipwell normalizer: order.updated', () => {
  const newShipFrom = (message: Json): unknown => (message.new_data as Json).ship_from;

  it('the docs example: ship_from from null to an address is one change, and fills shipFrom', () => {
    const message = fixture('order.updated.json');
    const data = normalize(message, 'order.updated').data;
    expect(data).toEqual({
      ...NO_ORDER,
      orderId: ORDER_ID,
      orderType: 'PURCHASE_ORDER',
      shipFrom: {
        ...NO_ADDRESS,
        line1: '123 Shipwell Street',
        city: 'Austin',
        postalCode: '12345',
        region: 'TX',
        country: 'US',
        latitude: '10',
        longitude: '20',
      },
      changes: [
        {
          path: 'ship_from',
          field: 'shipFrom',
          oldValue: { kind: 'NULL', value: null },
          newValue: { kind: 'OBJECT', value: JSON.stringify(newShipFrom(message)) },
        },
      ],
      selfLink: `/orders/${ORDER_ID}`,
    });
    expect(JSON.parse(data.changes[0]?.newValue?.value ?? 'null')).toMatchObject({
      line_1: '123 Shipwell Street',
      geolocation: { latitude: 10, longitude: 20 },
    });
  });

  it('an enveloped update is unwrapped, and is the same event as the bare one', () => {
    const bare = normalize(fixture('order.updated.json'), 'order.updated');
    const enveloped = normalize(fixture('envelope.order.updated.made-up.json'), 'order.updated');
    expect(enveloped.data).toEqual(bare.data);
    expect(enveloped.identity).toEqual(bare.identity);
  });

  it('fills what new_data says over the order, and only that', () => {
    const message = {
      id: ORDER_ID,
      resource_type: 'order',
      order_type: 'PURCHASE_ORDER',
      order_number: 'MM-1',
      old_data: { status: 'READY', ship_from: { country: 'US' }, name: 'Old' },
      new_data: { status: 'CANCELLED', ship_from: null, id: 'not-the-order' },
    };
    const data = normalize(message, 'order.updated').data;
    expect(data).toMatchObject({
      orderId: ORDER_ID,
      orderNumber: 'MM-1',
      providerStatus: 'CANCELLED',
      shipFrom: null,
      name: null,
    });
    expect(data.changes).toEqual([
      {
        path: 'id',
        field: null,
        oldValue: null,
        newValue: { kind: 'STRING', value: 'not-the-order' },
      },
      { path: 'name', field: 'name', oldValue: { kind: 'STRING', value: 'Old' }, newValue: null },
      {
        path: 'ship_from',
        field: 'shipFrom',
        oldValue: { kind: 'OBJECT', value: '{"country":"US"}' },
        newValue: { kind: 'NULL', value: null },
      },
      {
        path: 'status',
        field: 'status',
        oldValue: { kind: 'STRING', value: 'READY' },
        newValue: { kind: 'STRING', value: 'CANCELLED' },
      },
    ]);
  });

  it('types an update that changes the status by the status reached, and says the one before', () => {
    const message = {
      id: ORDER_ID,
      resource_type: 'order',
      old_data: { status: 'READY' },
      new_data: { status: 'CANCELLED' },
    };
    const event = normalize(message, 'order.updated');
    expect(event.type).toBe('order.cancelled');
    expect(event.data).toMatchObject({
      status: 'CANCELLED',
      previousStatus: 'OPEN',
      providerStatus: 'CANCELLED',
    });
  });

  it('an update that leaves the status alone states none (UNKNOWN) and is order.updated', () => {
    const event = normalize(fixture('order.updated.json'), 'order.updated');
    expect(event.type).toBe('order.updated');
    expect(event.data).toMatchObject({ status: 'UNKNOWN', previousStatus: null });
  });

  it('a status it does not know is UNKNOWN, kept as sent, and the update order.updated', () => {
    const message = {
      id: ORDER_ID,
      old_data: { status: 'READY' },
      new_data: { status: 'TENDERED' },
    };
    const event = normalize(message, 'order.updated');
    expect(event.type).toBe('order.updated');
    expect(event.data).toMatchObject({
      status: 'UNKNOWN',
      previousStatus: 'OPEN',
      providerStatus: 'TENDERED',
    });
  });

  it('a cancelled_at time makes the order CANCELLED', () => {
    const message = {
      id: ORDER_ID,
      old_data: { cancelled_at: null },
      new_data: { cancelled_at: '2024-07-02T10:00:00+00:00' },
    };
    expect(normalize(message, 'order.updated').type).toBe('order.cancelled');
  });

  it('has no changes when old_data and new_data are missing or null', () => {
    const message = { id: ORDER_ID, resource_type: 'order', old_data: null };
    expect(normalize(message, 'order.updated').data.changes).toEqual([]);
  });
});

describe('Shipwell normalizer: order.item.updated', () => {
  it('the docs example: every changed leaf, sorted, values as JSON text', () => {
    const data = normalize(fixture('order.item.updated.json'), 'order.item.updated').data;
    expect(data).toEqual({
      ...NO_ORDER,
      orderId: ITEM_ORDER_ID,
      orderType: 'PURCHASE_ORDER',
      lineId: ITEM_ID,
      selfLink: `/orders/${ITEM_ORDER_ID}/items/${ITEM_ID}`,
      changes: [
        {
          path: 'amount.unit',
          field: 'lines.quantity.unit',
          oldValue: { kind: 'STRING', value: 'KG' },
          newValue: { kind: 'STRING', value: 'LB' },
        },
        {
          path: 'amount.value',
          field: 'lines.quantity.value',
          oldValue: { kind: 'STRING', value: '4000' },
          newValue: { kind: 'STRING', value: '200.00' },
        },
        {
          path: 'shipping_requirements.customer_reference_number',
          field: null,
          oldValue: { kind: 'STRING', value: 'Customer specified reference' },
          newValue: { kind: 'NULL', value: null },
        },
        {
          path: 'shipping_requirements.description',
          field: null,
          oldValue: { kind: 'STRING', value: 'Description of the item' },
          newValue: { kind: 'NULL', value: null },
        },
        {
          path: 'shipping_requirements.gross_weight.unit',
          field: 'lines.weight.unit',
          oldValue: { kind: 'STRING', value: 'KG' },
          newValue: { kind: 'STRING', value: 'LB' },
        },
        {
          path: 'shipping_requirements.gross_weight.value',
          field: 'lines.weight.value',
          oldValue: { kind: 'STRING', value: '4000' },
          newValue: { kind: 'STRING', value: '120' },
        },
        {
          path: 'shipping_requirements.packaging_type',
          field: null,
          oldValue: { kind: 'STRING', value: 'PALLET' },
          newValue: { kind: 'STRING', value: 'BIN' },
        },
        {
          path: 'shipping_requirements.product_id',
          field: null,
          oldValue: { kind: 'NULL', value: null },
          newValue: { kind: 'STRING', value: '8df4e14e-73d1-4194-8dd3-c0f76e693817' },
        },
        {
          path: 'shipping_requirements.quantity',
          field: null,
          oldValue: { kind: 'NUMBER', value: '1' },
          newValue: { kind: 'NUMBER', value: '20' },
        },
      ],
    });
  });

  it('a messy update with an empty old_data: what appeared, one change per top-level field', () => {
    const data = normalize(fixture('order.item.updated.messy.json'), 'order.item.updated').data;
    expect(data).toMatchObject({ orderType: null, lineId: ITEM_ID, lines: [] });
    expect(data.changes).toEqual([
      {
        path: 'amount',
        field: 'lines.quantity',
        oldValue: null,
        newValue: { kind: 'OBJECT', value: '{"unit":"LB","value":200}' },
      },
      {
        path: 'custom_data',
        field: null,
        oldValue: null,
        newValue: { kind: 'OBJECT', value: '{"line":"Line 004"}' },
      },
      {
        path: 'shipping_requirements',
        field: null,
        oldValue: null,
        newValue: {
          kind: 'OBJECT',
          value: '{"quantity":"20","gross_weight":{"unit":"LB","value":120.5}}',
        },
      },
    ]);
  });

  it('a number and a string of the same decimal are no change; other values are', () => {
    const message = {
      ...fixture('order.item.updated.json'),
      old_data: {
        amount: { value: '4000', unit: 'KG' },
        available_amount: { value: '200.00' },
        shipping_requirements: { quantity: 1, total_pieces: 3, references: [{ value: 'a' }] },
      },
      new_data: {
        amount: { unit: 'KG', value: 4000 },
        available_amount: { value: 200 },
        shipping_requirements: {
          quantity: '20',
          total_pieces: '3.0',
          references: [{ value: 'b' }],
        },
      },
    };
    expect(normalize(message, 'order.item.updated').data.changes).toEqual([
      {
        path: 'shipping_requirements.quantity',
        field: null,
        oldValue: { kind: 'NUMBER', value: '1' },
        newValue: { kind: 'STRING', value: '20' },
      },
      {
        path: 'shipping_requirements.references',
        field: null,
        oldValue: { kind: 'ARRAY', value: '[{"value":"a"}]' },
        newValue: { kind: 'ARRAY', value: '[{"value":"b"}]' },
      },
    ]);
  });

  it('compares arrays whole, whatever the key order of their objects', () => {
    const message = {
      ...fixture('order.item.updated.json'),
      old_data: { references: [{ qualifier: 'Q', value: 'v' }] },
      new_data: { references: [{ value: 'v', qualifier: 'Q' }] },
    };
    expect(normalize(message, 'order.item.updated').data.changes).toEqual([]);
  });
});

describe('Shipwell normalizer: order.item.deleted', () => {
  it('the docs example: the item as the one line', () => {
    expect(normalize(fixture('order.item.deleted.json'), 'order.item.deleted').data).toEqual({
      ...NO_ORDER,
      orderId: ITEM_ORDER_ID,
      orderType: 'PURCHASE_ORDER',
      lineId: ITEM_ID,
      lines: [
        {
          lineId: ITEM_ID,
          lineNumber: null,
          sku: null,
          description: 'Description of the item',
          quantity: { value: '4000', unit: 'KG' },
          unitPrice: null,
          totalPrice: null,
          taxRate: null,
          totalPriceTaxInclusive: null,
          pieces: null,
          weight: { value: '4000', unit: 'KG' },
        },
      ],
    });
  });

  it('a messy item: a numeric amount, the description of its shipping requirements', () => {
    const data = normalize(fixture('order.item.deleted.messy.json'), 'order.item.deleted').data;
    expect(data.lineId).toBe('01HGTT8Y5JV3YCXQ4ZH6Q43XKC');
    expect(data.lines).toMatchObject([
      {
        lineId: '01HGTT8Y5JV3YCXQ4ZH6Q43XKC',
        description: 'Description of the item',
        quantity: { value: '4000', unit: 'KG' },
      },
    ]);
  });

  it('without an amount, counts the handling units', () => {
    const message = without(fixture('order.item.deleted.json'), 'amount');
    const [line] = normalize(message, 'order.item.deleted').data.lines;
    expect(line?.quantity).toEqual({ value: '1', unit: 'PALLET' });
  });
});

describe('Shipwell normalizer: identity', () => {
  it('is the type, the order, the line and the resource', () => {
    const resource = fixture('order.item.updated.json');
    const event = normalize(resource, 'order.item.updated');
    expect(event.identity).toEqual([
      'order.line_updated',
      `shipwell/order/${ITEM_ORDER_ID}`,
      ITEM_ID,
      Buffer.from(JSON.stringify(resource)),
    ]);
  });

  it('names a bare resource by its bytes as received, an enveloped one by its JSON', () => {
    const bytes = Buffer.from(fixtureText('shipwell', 'order.updated.json'));
    const bare = normalizeShipwell(
      JSON.parse(bytes.toString()),
      { eventType: 'order.updated' },
      {
        ...CONTEXT,
        body: bytes,
      },
    );
    expect('identity' in bare && bare.identity.at(-1)).toBe(bytes);
    const resource = fixture('order.updated.json');
    const envelope = Buffer.from(JSON.stringify({ event_type: 'order.updated', data: resource }));
    const enveloped = normalizeShipwell(
      JSON.parse(envelope.toString()),
      { eventType: 'order.updated' },
      {
        ...CONTEXT,
        body: envelope,
      },
    );
    expect('identity' in enveloped && enveloped.identity.at(-1)).toEqual(
      Buffer.from(JSON.stringify(resource)),
    );
  });

  it('a redelivery (the same bytes) is the same event', () => {
    const bytes = fixtureText('shipwell', 'order.updated.json');
    const first = normalize(JSON.parse(bytes), 'order.updated');
    const again = normalize(JSON.parse(bytes), 'order.updated');
    expect(again.identity).toEqual(first.identity);
  });

  it('another update of the same order, or another event type, is another event', () => {
    const message = fixture('order.updated.json');
    const first = normalize(message, 'order.updated').identity;
    const other = { ...message, new_data: { ship_from: null }, old_data: { ship_from: {} } };
    expect(normalize(other, 'order.updated').identity).not.toEqual(first);
    const created = fixture('order.deleted.made-up.json');
    expect(normalize(created, 'order.deleted').identity).not.toEqual(
      normalize(created, 'order.created').identity,
    );
  });
});

describe('Shipwell normalizer: failures', () => {
  const failed = (path: string) => ({ code: 'NORMALIZATION_FAILED', path });

  it.each([[undefined], [null], [''], [{}]])('an order with id %j fails at id', (id) => {
    const message = { ...fixture('order.created.json'), id };
    expect(attempt(message, 'order.created')).toMatchObject(failed('id'));
    expect(attempt({ ...fixture('order.updated.json'), id }, 'order.updated')).toMatchObject(
      failed('id'),
    );
  });

  it('an item without order_id fails at order_id; without its own id, at id', () => {
    const orphan = without(fixture('order.item.deleted.json'), 'order_id');
    expect(attempt(orphan, 'order.item.deleted')).toMatchObject(failed('order_id'));
    const anonymous = without(fixture('order.item.updated.json'), 'id');
    expect(attempt(anonymous, 'order.item.updated')).toMatchObject(failed('id'));
  });

  it('names the path under the envelope key when enveloped', () => {
    const orphan = without(fixture('order.item.deleted.json'), 'order_id');
    expect(
      attempt({ event: 'order.item.deleted', payload: orphan }, 'order.item.deleted'),
    ).toMatchObject(failed('payload.order_id'));
    const envelope = fixture('envelope.order.updated.made-up.json');
    const anonymous = without(envelope.data as Json, 'id');
    expect(attempt({ ...envelope, data: anonymous }, 'order.updated')).toMatchObject(
      failed('data.id'),
    );
  });

  it('refuses a message that is not an object, and an event that is not an order event', () => {
    expect(attempt([], 'order.created')).toMatchObject(failed(''));
    expect(attempt(fixture('order.created.json'), 'shipment.created')).toMatchObject(failed(''));
  });
});

describe('Shipwell normalizer in the pipeline', () => {
  it('keys an item event by its order, dates it by arrival, and routes it to orders', () => {
    const output = transform(
      {
        topic: 'webhooks.raw.shipwell',
        partition: 0,
        offset: '3',
        key: null,
        value: Buffer.from(JSON.stringify(fixture('order.item.updated.json'))),
        headers: { 'wharf-source': 'shipwell', 'wharf-received-at': '2024-07-01T12:00:01.000Z' },
      },
      { ...pipelineDefaults(), timeZone: 'UTC' },
    );
    expect(output).toMatchObject({
      kind: 'domain',
      topic: 'logistics.orders.v1',
      key: `shipwell/order/${ITEM_ORDER_ID}`,
      event: {
        type: 'order.line_updated',
        time: '2024-07-01T12:00:01.000Z',
        timeOriginal: null,
        timeIsReceipt: true,
        // An update: data holds only what changed, and says so.
        snapshot: false,
        providerEventType: 'order.item.updated',
        data: { lineId: ITEM_ID },
      },
    });
  });

  it('says which events are snapshots: a created order is, an update is not', () => {
    const snapshot = (name: string, type: string) => {
      const output = transform(
        {
          topic: 'webhooks.raw.shipwell',
          partition: 0,
          offset: '4',
          key: null,
          value: Buffer.from(JSON.stringify(fixture(name))),
          headers: {
            'wharf-source': 'shipwell',
            'wharf-url-event-type': type,
            'wharf-received-at': '2024-07-01T12:00:01.000Z',
          },
        },
        pipelineDefaults(),
      );
      return output.kind === 'domain' ? output.event.snapshot : undefined;
    };
    expect(snapshot('order.created.json', 'order.created')).toBe(true);
    expect(snapshot('order.updated.json', 'order.updated')).toBe(false);
    expect(snapshot('order.item.deleted.json', 'order.item.deleted')).toBe(true);
  });
});

describe('Shipwell normalizer: references', () => {
  it("types the docs example's references by qualifier", () => {
    expect(normalize(fixture('order.created.json'), 'order.created').references).toEqual([
      { type: 'CUSTOMER', value: 'customer-ref-1', qualifier: 'CUSTOMER_REFERENCE_NUMBER' },
      { type: 'INVOICE', value: 'customer-ref-2', qualifier: 'EXTERNAL_INVOICE_ID' },
    ]);
  });

  it('keeps a qualifier it does not know as OTHER, and skips an entry without a value', () => {
    const message = {
      id: ORDER_ID,
      resource_type: 'order',
      references: [
        { qualifier: 'BOL_NUMBER', value: 'B-1' },
        { qualifier: 'PO_NUMBER', value: 'PO-7' },
        { qualifier: 'PO_NUMBER', value: null },
        'not an object',
      ],
    };
    expect(normalize(message, 'order.created').references).toEqual([
      { type: 'OTHER', value: 'B-1', qualifier: 'BOL_NUMBER' },
      { type: 'PURCHASE_ORDER', value: 'PO-7', qualifier: 'PO_NUMBER' },
    ]);
  });
});
