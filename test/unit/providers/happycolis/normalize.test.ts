/**
 * The HappyColis normalizer: every event type under both header shapes gives
 * a canonical event that fits its domain's schema; each family's mapping,
 * field by field; the identity; messy and unusable bodies.
 */
import { describe, expect, it } from 'vitest';
import type { Address, Domain } from '../../../../src/canonical/model.ts';
import { canonicalEventId } from '../../../../src/canonical/event-id.ts';
import { isCanonicalEventType } from '../../../../src/canonical/event-types.ts';
import { normalizeHappycolis } from '../../../../src/providers/happycolis/normalize.ts';
import { happycolisWorker } from '../../../../src/providers/happycolis/detect-and-validate.ts';
import type { HeaderFile } from './normalize-support.ts';
import {
  CONTEXT,
  HEADERS,
  dataOf,
  expectFitsSchema,
  fixture,
  message,
  normalize,
  normalized,
  normalizedFixture,
  withFields,
} from './normalize-support.ts';

/**
 * What each family routes to, written out here rather than taken from the
 * normalizer, with the fixture body of the family.
 */
const FAMILIES: Readonly<
  Record<string, { readonly domain: Domain; readonly entity: string; readonly body: string }>
> = {
  order: { domain: 'orders', entity: 'order', body: 'body-order.json' },
  'delivery-order': {
    domain: 'fulfillment',
    entity: 'fulfillment_order',
    body: 'body-delivery-order.json',
  },
  'transfer-order': {
    domain: 'fulfillment',
    entity: 'fulfillment_order',
    body: 'body-transfer-order.json',
  },
  shipment: { domain: 'shipments', entity: 'shipment', body: 'body-shipment.json' },
  'stock-reference': {
    domain: 'inventory',
    entity: 'stock_reference',
    body: 'body-stock-reference.json',
  },
  product: { domain: 'catalog', entity: 'product', body: 'body-product.json' },
  variant: { domain: 'catalog', entity: 'variant', body: 'body-variant.json' },
  location: { domain: 'locations', entity: 'location', body: 'body-location.json' },
};

const MOVEMENT = 'stock-reference/movement';

function familyOf(type: string): string {
  return type.slice(0, type.indexOf('/'));
}

function route(type: string): (typeof FAMILIES)[string] {
  const found = FAMILIES[familyOf(type)];
  if (found === undefined) throw new Error(`no family for ${type}`);
  return type === MOVEMENT ? { ...found, body: 'body-stock-reference-movement.json' } : found;
}

/** The fixture body's id of a type's subject (a movement: its stock reference's). */
function subjectId(type: string, body: Record<string, unknown>): string {
  const holder = type === MOVEMENT ? (body.stock_reference as Record<string, unknown>) : body;
  return String(holder.id);
}

const TYPES = happycolisWorker.eventTypes;
const CASES = TYPES.flatMap((type) => HEADERS.map((header) => [type, header] as const));

describe('every HappyColis event type, both header shapes', () => {
  it('covers the 51 types', () => {
    expect(TYPES).toHaveLength(51);
    expect(new Set(TYPES.map(familyOf))).toEqual(new Set(Object.keys(FAMILIES)));
  });

  it.each(CASES)('%s with %s: routes, keys and fits the canonical schema', (type, header) => {
    const { domain, entity, body } = route(type);
    const bodyValue = fixture(body);
    const msg = message(type, bodyValue, header);
    // The input is what the pipeline hands over: a valid message.
    expect(happycolisWorker.validate(msg, { eventType: type })).toBeUndefined();

    const event = normalized(msg, type);
    expect(event.domain).toBe(domain);
    expect(isCanonicalEventType(event.type)).toBe(true);
    expect(event.type.startsWith(`${entity}.`)).toBe(true);
    expect(event.subject).toBe(`happycolis/${familyOf(type)}/${subjectId(type, bodyValue)}`);
    if (familyOf(type) === 'delivery-order') expect(event.data).toMatchObject({ kind: 'OUTBOUND' });
    if (familyOf(type) === 'transfer-order') expect(event.data).toMatchObject({ kind: 'TRANSFER' });
    expectFitsSchema(event, msg, type);
  });

  it.each([
    ['order/created', 'order.created'],
    ['order/opened', 'order.open'],
    ['order/completed', 'order.completed'],
    ['order/updated', 'order.updated'],
    ['delivery-order/created', 'fulfillment_order.created'],
    ['delivery-order/fulfillment-created', 'fulfillment_order.updated'],
    ['delivery-order/integrated', 'fulfillment_order.released'],
    ['delivery-order/accepted', 'fulfillment_order.released'],
    ['delivery-order/integration-error', 'fulfillment_order.exception'],
    ['delivery-order/rejected', 'fulfillment_order.rejected'],
    ['delivery-order/picked', 'fulfillment_order.picked'],
    ['delivery-order/packed', 'fulfillment_order.packed'],
    ['delivery-order/shipped', 'fulfillment_order.shipped'],
    ['delivery-order/completed', 'fulfillment_order.fulfilled'],
    ['transfer-order/updated', 'fulfillment_order.updated'],
    ['transfer-order/opened', 'fulfillment_order.open'],
    ['shipment/created', 'shipment.created'],
    ['shipment/info-received', 'shipment.open'],
    ['shipment/in-transit', 'shipment.in_transit'],
    ['shipment/out-for-delivery', 'shipment.out_for_delivery'],
    ['shipment/attempt-failed', 'shipment.delivery_attempt_failed'],
    ['shipment/available-for-pickup', 'shipment.available_for_pickup'],
    ['shipment/delivered', 'shipment.delivered'],
    ['shipment/returned-to-sender', 'shipment.returning'],
    ['shipment/delivered-to-sender', 'shipment.returned'],
    ['shipment/expired', 'shipment.lost'],
    ['stock-reference/movement', 'stock_reference.movement'],
    ['variant/deactivated', 'variant.deactivated'],
    ['location/disconnected', 'location.disconnected'],
  ])('names %s %s', (type, canonical) => {
    expect(normalizedFixture(type, route(type).body).type).toBe(canonical);
  });
});

const JOHN_DOE: Address = {
  name: 'John Doe',
  company: null,
  line1: '1 rue de la paix',
  line2: 'Batiment A',
  line3: null,
  city: 'Paris',
  postalCode: '75000',
  region: null,
  country: 'FR',
  email: 'john.doe@change.me',
  phone: '0123456789',
  locationNumber: null,
  timezone: null,
  latitude: null,
  longitude: null,
};

/** John Doe's address as locations and shipments send it: email and phone empty. */
const JOHN_DOE_NO_CONTACT: Address = { ...JOHN_DOE, email: null, phone: null };

describe('header fields', () => {
  it('reads the event payloads page shape: id, timestamp, organization', () => {
    const event = normalizedFixture('order/created', 'body-order.json');
    expect(event.providerEventId).toBe('WEBHOOK_ID');
    expect(event.providerTime).toBe('WEBHOOK_TIMESTAMP');
    expect(event.tenant).toBe('ORGANIZATION_ID');
  });

  it('reads the overview page shape: messageId, date, organizationId', () => {
    const event = normalizedFixture(
      'order/created',
      'body-order.json',
      'header-overview-page.json',
    );
    expect(event.providerEventId).toBe('b9e4d2c1-6a3f-4e8b-a1d0-7f2c3b4a5e6d');
    expect(event.providerTime).toBe('2026-03-16T12:00:00.000Z');
    expect(event.tenant).toBe('3f6c2a10-8b4e-4d1a-9f2e-5c7b8a9d0e11');
  });

  it.each([
    [{ organization: 'ORG-H', organizationId: 'ORG-I' }, 'ORG-H'],
    [{ organizationId: 'ORG-I' }, 'ORG-I'],
    [{ organization: '', organizationId: null }, 'ORGANIZATION_ID'],
  ])('takes the tenant from the header %j before the body', (fields, tenant) => {
    const header = { type: 'order/created', ...fields };
    const event = normalized({ header, body: fixture('body-order.json') }, 'order/created');
    expect(event.tenant).toBe(tenant);
  });

  it('falls back to the body organization, a movement its stock reference, else null', () => {
    const bare = (type: string, body: unknown) => ({ header: { type }, body });
    const order = fixture('body-order.json');
    expect(normalized(bare('order/created', order), 'order/created').tenant).toBe(
      'ORGANIZATION_ID',
    );
    const movement = fixture('body-stock-reference-movement-numeric-ids.json');
    expect(normalized(bare(MOVEMENT, movement), MOVEMENT).tenant).toBe(
      '3f6c2a10-8b4e-4d1a-9f2e-5c7b8a9d0e11',
    );
    const messy = fixture('body-order-nulls-missing-and-unknown-fields.json');
    expect(normalized(bare('order/created', messy), 'order/created').tenant).toBeNull();
  });

  it('prefers timestamp to date and id to messageId; a number is kept as its text; none is null', () => {
    const header = { type: 'order/created', timestamp: 1702043760, date: 'D', messageId: 'M' };
    const event = normalized({ header, body: fixture('body-order.json') }, 'order/created');
    expect(event.providerTime).toBe('1702043760');
    expect(event.providerEventId).toBe('M');
    const none = normalized(
      { header: { type: 'order/created' }, body: fixture('body-order.json') },
      'order/created',
    );
    expect(none.providerTime).toBeNull();
    expect(none.providerEventId).toBeNull();
    expect(none.tenant).toBe('ORGANIZATION_ID');
  });
});

describe('orders', () => {
  it('maps the documented order field by field', () => {
    const event = normalizedFixture('order/created', 'body-order.json');
    const eur = (amount: string) => ({ amount, currency: 'EUR' });
    expect(event.data).toEqual({
      orderId: 'ORDER_ID',
      orderNumber: 'ORDER_REFERENCE',
      orderType: null,
      name: null,
      // ORDER_STATUS is no known state: a created order is OPEN.
      status: 'OPEN',
      previousStatus: null,
      statusReason: null,
      providerStatus: 'ORDER_STATUS',
      currency: 'EUR',
      total: eur('10'),
      totalTax: eur('2'),
      totalDiscount: eur('0'),
      totalShipping: eur('0'),
      totalTaxInclusive: eur('12'),
      issuedAt: '2023-12-08T13:56:00',
      shipTo: JOHN_DOE,
      shipFrom: null,
      billTo: JOHN_DOE,
      lines: [
        {
          lineId: 'ORDER_LINE_ID',
          lineNumber: 'optional reference to order line number',
          sku: 'YOUR_PRODUCT_SKU',
          description: null,
          quantity: { value: '2', unit: 'EA' },
          unitPrice: eur('10'),
          totalPrice: eur('20'),
          taxRate: '0.2',
          totalPriceTaxInclusive: eur('20'),
          pieces: null,
          weight: null,
        },
      ],
      changes: [],
      lineId: null,
      selfLink: null,
    });
  });

  it('reads nulls, missing and unknown fields: absent money is null, empty text null, a numeric zip code text', () => {
    const event = normalizedFixture(
      'order/updated',
      'body-order-nulls-missing-and-unknown-fields.json',
    );
    expect(event.data).toMatchObject({
      orderId: 'ORD-55012',
      orderNumber: 'SHOP-55012',
      providerStatus: 'OPENED',
      total: { amount: '24.9', currency: 'EUR' },
      totalTax: null,
      totalTaxInclusive: null,
      issuedAt: '2024-02-05T08:59:10',
      billTo: null,
      // `company` is no HappyColis address field: it stays in the payload.
      shipTo: {
        ...JOHN_DOE,
        name: 'Jeanne Martin',
        line1: '12 avenue Jean Jaurès',
        line2: null,
        city: 'Lyon',
        postalCode: '69007',
        email: null,
        phone: null,
      },
      lines: [
        {
          lineId: 'OL-1',
          lineNumber: null,
          sku: 'CANDLE-AMBER',
          description: null,
          quantity: { value: '3', unit: 'EA' },
          unitPrice: { amount: '8.3', currency: 'EUR' },
          totalPrice: null,
          taxRate: null,
          pieces: null,
          weight: null,
        },
        {
          lineId: null,
          lineNumber: null,
          sku: 'CANDLE-CEDAR',
          description: null,
          quantity: { value: '1', unit: 'EA' },
          unitPrice: null,
          totalPrice: null,
          taxRate: null,
          pieces: null,
          weight: null,
        },
      ],
    });
  });

  it('gives money a null currency when the order names none', () => {
    const body = withFields(fixture('body-order.json'), { currency: undefined });
    const event = normalized(message('order/opened', body), 'order/opened');
    expect(event.data).toMatchObject({ currency: null, total: { amount: '10', currency: null } });
  });
});

describe('delivery orders', () => {
  it('maps the documented delivery order field by field', () => {
    const event = normalizedFixture('delivery-order/created', 'body-delivery-order.json');
    expect(event.data).toEqual({
      fulfillmentOrderId: 'DELIVERY_ORDER_ID',
      goodsOwnerId: null,
      orderId: null,
      kind: 'OUTBOUND',
      orderNumber: 'DELIVERY_ORDER_REFERENCE',
      reference: 'YOUR_ORDER_NUMBER_IF_APPLICABLE',
      status: 'OPEN',
      previousStatus: null,
      // The message of the last entry of its history, an OPENED one.
      statusReason: 'Optional message',
      providerStatus: 'OPENED',
      warehouse: null,
      locationId: null,
      shipmentId: null,
      shipTo: JOHN_DOE,
      lines: [
        {
          lineId: 'DELIVERY_ORDER_LINE_ID',
          lineNumber: 'DELIVERY_ORDER_LINE_NUMBER',
          // Joins the customer order's line.
          orderLineNumber: 'optional reference to order line number',
          sku: 'HAPPY_COLIS_STOCK_REFERENCE',
          quantity: { value: '2', unit: 'EA' },
          fulfilledQuantity: { value: '1', unit: 'EA' },
          batchNumber: 'optional requested batch number',
          limitUsageDate: 'optional requested use of product with limit usage date',
          unitPrice: { amount: '10', currency: 'EUR' },
          totalPrice: { amount: '20', currency: 'EUR' },
          totalPriceTaxInclusive: { amount: '20', currency: 'EUR' },
          taxRate: '0.2',
        },
      ],
      tracking: [
        {
          carrier: 'CARRIER_NAME',
          trackingNumber: 'TRACKING_NUMBER',
          trackingUrl: 'TRACKING_URL',
          isReturn: false,
        },
      ],
      // The fulfillment with the lines that went in it (the docs nest them once more).
      parcels: [
        {
          parcelId: 'FULFILLMENT_ID',
          reference: 'FULFILLMENT_REFERENCE',
          carrier: 'CARRIER_NAME',
          trackingNumber: 'TRACKING_NUMBER',
          trackingUrl: 'TRACKING_URL',
          isReturn: false,
          lines: [
            {
              lineId: 'FULFILLMENT_LINE_ID',
              lineNumber: 'DELIVERY_ORDER_LINE_NUMBER',
              sku: 'HAPPY_COLIS_STOCK_REFERENCE',
              quantity: { value: '2', unit: 'EA' },
              batchNumber: 'optional requested batch number',
            },
          ],
        },
      ],
      expectedAt: null,
      shippedAt: null,
    });
  });

  it('reads numbers sent as strings as decimal strings', () => {
    const event = normalizedFixture(
      'delivery-order/updated',
      'body-delivery-order-numbers-as-strings.json',
    );
    expect(event.data).toMatchObject({
      // An update states no status; its body's state is kept as sent.
      status: 'UNKNOWN',
      providerStatus: 'OPENED',
      shipTo: null,
      tracking: [],
      lines: [
        {
          lineId: 'DOL-1',
          lineNumber: '1',
          sku: 'TSHIRT-BLUE-M',
          quantity: { value: '2', unit: 'EA' },
          fulfilledQuantity: { value: '1', unit: 'EA' },
        },
      ],
    });
  });

  it('takes tracking from flat fulfillments, a numeric tracking number as text', () => {
    const event = normalizedFixture(
      'delivery-order/shipped',
      'body-delivery-order-flat-fulfillment-lines.json',
    );
    expect(event.data).toMatchObject({
      status: 'SHIPPED',
      providerStatus: 'SHIPPED',
      tracking: [
        {
          carrier: 'COLISSIMO',
          trackingNumber: '12345678901234',
          trackingUrl: 'https://www.laposte.fr/outils/suivre-vos-envois?code=12345678901234',
          isReturn: false,
        },
      ],
    });
  });

  it('reads the typo’d line number spelling, the correct one first when both come', () => {
    const body = withFields(fixture('body-delivery-order.json'), {
      lines: [
        { id: 'A', delievery_order_line_number: 7, quantity: 1 },
        { id: 'B', delievery_order_line_number: 'typo', delivery_order_line_number: 'right' },
      ],
    });
    const event = normalized(message('delivery-order/updated', body), 'delivery-order/updated');
    expect(event.data).toMatchObject({
      lines: [
        { lineId: 'A', lineNumber: '7' },
        { lineId: 'B', lineNumber: 'right', quantity: null },
      ],
    });
  });

  it('marks a RETURN fulfillment’s tracking as a return and skips fulfillments without tracking', () => {
    const body = withFields(fixture('body-delivery-order.json'), {
      fulfillments: [
        { id: 'F1', type: 'RETURN', tracking_number: 'R1', carrier: 'UPS' },
        { id: 'F2', type: 'SHIPMENT', tracking_number: null, carrier: '' },
        'not a fulfillment',
      ],
    });
    const event = normalized(message('delivery-order/updated', body), 'delivery-order/updated');
    expect(event.data).toMatchObject({
      tracking: [{ carrier: 'UPS', trackingNumber: 'R1', trackingUrl: null, isReturn: true }],
    });
  });

  it('keeps a tracking repeated across fulfillments once', () => {
    const parcel = { type: 'SHIPMENT', tracking_number: 'T1', carrier: 'DHL', tracking_url: null };
    const body = withFields(fixture('body-delivery-order.json'), {
      fulfillments: [
        { ...parcel, id: 'F1' },
        { ...parcel, id: 'F2' },
        { ...parcel, id: 'F3', tracking_number: 'T2' },
      ],
    });
    const event = normalized(message('delivery-order/updated', body), 'delivery-order/updated');
    expect(event.data).toMatchObject({
      tracking: [{ trackingNumber: 'T1' }, { trackingNumber: 'T2' }],
    });
    expect(dataOf(event, 'fulfillment').tracking).toHaveLength(2);
  });
});

describe('transfer orders', () => {
  it('maps the documented transfer order field by field', () => {
    const event = normalizedFixture('transfer-order/created', 'body-transfer-order.json');
    expect(event.data).toEqual({
      fulfillmentOrderId: 'DELIVERY_ORDER_ID',
      goodsOwnerId: null,
      orderId: null,
      kind: 'TRANSFER',
      orderNumber: null,
      reference: 'YOUR_SUPPLIER_ORDER_NUMBER_IF_APPLICABLE',
      status: 'OPEN',
      previousStatus: null,
      statusReason: 'Optional message',
      providerStatus: 'OPENED',
      warehouse: null,
      locationId: 'location_id',
      shipmentId: null,
      shipTo: null,
      lines: [
        {
          lineId: 'TRANSFER_ORDER_LINE_ID',
          lineNumber: 'DELIVERY_ORDER_LINE_NUMBER',
          orderLineNumber: null,
          sku: 'HAPPY_COLIS_STOCK_REFERENCE',
          quantity: { value: '2', unit: 'EA' },
          fulfilledQuantity: { value: '1', unit: 'EA' },
          batchNumber: 'optional requested batch number',
          limitUsageDate: 'optional requested use of product with limit usage date',
          unitPrice: null,
          totalPrice: null,
          totalPriceTaxInclusive: null,
          taxRate: null,
        },
      ],
      tracking: [
        {
          carrier: 'CARRIER_NAME',
          trackingNumber: 'TRACKING_NUMBER',
          trackingUrl: null,
          isReturn: false,
        },
      ],
      parcels: [
        {
          parcelId: 'FULFILLMENT_ID',
          reference: 'FULFILLMENT_REFERENCE',
          carrier: null,
          trackingNumber: null,
          trackingUrl: null,
          isReturn: false,
          lines: [
            {
              lineId: 'FULFILLMENT_LINE_ID',
              lineNumber: 'TRANSFER_ORDER_LINE_NUMBER',
              sku: 'HAPPY_COLIS_STOCK_REFERENCE',
              quantity: { value: '2', unit: 'EA' },
              batchNumber: 'optional requested batch number',
            },
          ],
        },
      ],
      expectedAt: '2023-12-08T13:56:00',
      shippedAt: '2023-12-08T13:56:00',
    });
  });

  it('reads both line number spellings, the correct one first when a line has both', () => {
    const event = normalizedFixture(
      'transfer-order/updated',
      'body-transfer-order-both-line-number-spellings.json',
    );
    expect(event.data).toMatchObject({
      reference: '880045',
      shippedAt: null,
      tracking: [],
      lines: [
        {
          lineId: 'TOL-1',
          lineNumber: '1',
          quantity: { value: '120', unit: 'EA' },
          fulfilledQuantity: { value: '0', unit: 'EA' },
        },
        {
          lineId: 'TOL-2',
          lineNumber: '2',
          quantity: { value: '60', unit: 'EA' },
          fulfilledQuantity: null,
        },
      ],
    });
    const both = withFields(fixture('body-transfer-order.json'), {
      lines: [{ id: 'L', trabsfer_line_number: 'typo', transfer_line_number: 'right' }],
    });
    const mixed = normalized(message('transfer-order/opened', both), 'transfer-order/opened');
    expect(mixed.data).toMatchObject({ lines: [{ lineId: 'L', lineNumber: 'right' }] });
  });
});

describe('fulfillment status', () => {
  /** The status of a delivery or transfer order without a state: from the action alone. */
  const byAction: readonly (readonly [string, string])[] = [
    ['delivery-order/created', 'OPEN'],
    ['delivery-order/updated', 'UNKNOWN'],
    ['delivery-order/fulfillment-created', 'UNKNOWN'],
    ['delivery-order/completed', 'FULFILLED'],
    ['delivery-order/integrated', 'RELEASED'],
    ['delivery-order/integration-error', 'EXCEPTION'],
    ['delivery-order/accepted', 'RELEASED'],
    ['delivery-order/rejected', 'REJECTED'],
    ['delivery-order/picked', 'PICKED'],
    ['delivery-order/packed', 'PACKED'],
    ['delivery-order/shipped', 'SHIPPED'],
    ['transfer-order/created', 'OPEN'],
    ['transfer-order/updated', 'UNKNOWN'],
    ['transfer-order/opened', 'OPEN'],
    ['transfer-order/completed', 'FULFILLED'],
    ['transfer-order/fulfillment-created', 'UNKNOWN'],
    ['transfer-order/accepted', 'RELEASED'],
    ['transfer-order/rejected', 'REJECTED'],
  ];

  it.each(byAction)('%s without a state → %s', (type, status) => {
    const body = withFields(fixture(route(type).body), { state: null });
    const event = normalized(message(type, body), type);
    expect(event.data).toMatchObject({ status, providerStatus: null });
  });

  it.each([
    ['OPENED', 'delivery-order/shipped', 'SHIPPED'],
    // An update states no status, whatever its body's state: the event type decides.
    ['OPENED', 'delivery-order/updated', 'UNKNOWN'],
    ['PICKED', 'delivery-order/updated', 'UNKNOWN'],
    ['COMPLETED', 'delivery-order/fulfillment-created', 'UNKNOWN'],
    ['SHIPPED', 'delivery-order/created', 'SHIPPED'],
    ['COMPLETED', 'delivery-order/created', 'FULFILLED'],
    ['CANCELED', 'delivery-order/created', 'CANCELLED'],
    ['cancelled', 'transfer-order/created', 'CANCELLED'],
    ['REJECTED', 'delivery-order/created', 'REJECTED'],
    ['ERROR', 'transfer-order/created', 'EXCEPTION'],
    ['integration-error', 'delivery-order/created', 'EXCEPTION'],
    ['ON_HOLD', 'delivery-order/picked', 'PICKED'],
    ['ON_HOLD', 'delivery-order/created', 'OPEN'],
  ])('state %s on %s → %s, the state as sent kept', (state, type, status) => {
    const body = withFields(fixture(route(type).body), { state });
    const event = normalized(message(type, body), type);
    expect(event.data).toMatchObject({ status, providerStatus: state });
  });
});

describe('shipments', () => {
  it('maps the documented shipment field by field', () => {
    const event = normalizedFixture('shipment/delivered', 'body-shipment.json');
    expect(event.data).toEqual({
      shipmentId: 'SHIPPING_ID',
      // The action says what happened; the example's state (OPENED) lags.
      status: 'DELIVERED',
      previousStatus: null,
      // Its history's last entry is the delivery, with its message.
      statusReason: 'Optional message',
      providerStatus: 'OPENED',
      reference: 'SHIPMENT_INTERNAL_REFERENCE',
      trackingNumber: 'TRACKING_NUMBER',
      trackingUrl: 'TRACKING_URL',
      shippingMethod: 'SHIPPING_METHOD_NAME',
      carrier: null,
      fulfillmentOrderId: null,
      estimatedDeliveryAt: null,
      signedBy: null,
      weight: null,
      shipTo: JOHN_DOE_NO_CONTACT,
      lines: [
        {
          lineId: 'SHIPPING_DETAIL_ID',
          // The delivery order's line and the customer order's: both joinable.
          fulfillmentLineId: 'optional reference to delivery order line number',
          orderLineNumber: 'optional reference to order line number',
          orderLineId: 'optional reference to order line id',
          sku: 'HAPPY_COLIS_STOCK_REFERENCE',
          stockReferenceId: 'stock_refernce_id',
          quantity: { value: '2', unit: 'EA' },
          batchNumber: 'optional batch number',
        },
      ],
      events: [
        {
          eventId: 'SHIPMENT_EVENT_ID',
          type: 'DELIVERED',
          time: '2023-12-08T13:56:00',
          message: 'Optional message',
          status: 'DELIVERED',
          providerStatus: 'DELIVERED',
          location: null,
        },
      ],
    });
  });

  it.each([
    ['shipment/created', 'OPEN'],
    ['shipment/info-received', 'OPEN'],
    ['shipment/in-transit', 'IN_TRANSIT'],
    ['shipment/out-for-delivery', 'OUT_FOR_DELIVERY'],
    ['shipment/attempt-failed', 'DELIVERY_ATTEMPT_FAILED'],
    ['shipment/available-for-pickup', 'AVAILABLE_FOR_PICKUP'],
    ['shipment/delivered', 'DELIVERED'],
    ['shipment/delivered-to-sender', 'RETURNED'],
    ['shipment/returned-to-sender', 'RETURNING'],
    ['shipment/expired', 'LOST'],
  ])('%s without a state → %s', (type, status) => {
    const body = withFields(fixture('body-shipment.json'), { state: undefined });
    const event = normalized(message(type, body), type);
    expect(event.data).toMatchObject({ status, providerStatus: null });
  });

  it('reads details with either line field spelling and a state word', () => {
    const event = normalizedFixture(
      'shipment/in-transit',
      'body-shipment-both-line-field-spellings.json',
    );
    expect(event.data).toEqual({
      shipmentId: 'SHP-8841',
      status: 'IN_TRANSIT',
      previousStatus: null,
      statusReason: null,
      providerStatus: 'IN_TRANSIT',
      reference: 'SHP-8841',
      trackingNumber: '6A12345678901',
      trackingUrl: null,
      shippingMethod: 'Colissimo Domicile',
      carrier: null,
      fulfillmentOrderId: null,
      estimatedDeliveryAt: null,
      signedBy: null,
      weight: null,
      shipTo: null,
      lines: [
        {
          lineId: 'SD-1',
          fulfillmentLineId: 'DOL-9',
          orderLineNumber: null,
          orderLineId: null,
          sku: 'MUG-WHITE',
          stockReferenceId: 'SR-311',
          quantity: { value: '1', unit: 'EA' },
          batchNumber: null,
        },
        {
          lineId: 'SD-2',
          fulfillmentLineId: 'DOL-10',
          orderLineNumber: null,
          orderLineId: 'OL-2',
          sku: 'MUG-BLACK',
          stockReferenceId: null,
          quantity: { value: '1', unit: 'EA' },
          batchNumber: null,
        },
      ],
      events: [
        {
          eventId: 'SE-1',
          type: 'IN_TRANSIT',
          time: '2024-02-06T07:30:00',
          message: null,
          status: 'IN_TRANSIT',
          providerStatus: 'IN_TRANSIT',
          location: null,
        },
      ],
    });
  });
});

const DOCUMENTED_STOCK_LEVEL = {
  stockReferenceId: 'STOCK_REFERENCE_ID',
  sku: 'STOCK_REFERENCE_SKU',
  reference: 'STOCK_REFERENCE_REFERENCE',
  locationId: 'LOCATION_ID',
  variantId: 'PRODUCT_VARIANT_ID',
  physicalQuantity: '10',
  usableQuantity: '10',
  reservedQuantity: '0',
  criticalThreshold: '10',
  snapshotAt: '2023-12-08T13:56:00',
  snapshotQuantity: '10',
  providerStatus: 'ACTIVE',
};

describe('stock references', () => {
  it('maps the documented stock reference field by field', () => {
    const event = normalizedFixture('stock-reference/snapshot', 'body-stock-reference.json');
    expect(event.data).toEqual({ ...DOCUMENTED_STOCK_LEVEL, movement: null });
  });

  it('maps a movement: the stock level from its stock reference, the movement from the body', () => {
    const event = normalizedFixture(MOVEMENT, 'body-stock-reference-movement.json');
    expect(event.subject).toBe('happycolis/stock-reference/STOCK_REFERENCE_ID');
    expect(event.data).toEqual({
      ...DOCUMENTED_STOCK_LEVEL,
      movement: {
        movementId: 'STOCK_REFERENCE_MOVEMENT_ID',
        type: 'INCREMENT',
        quantityType: 'PHYSICAL',
        quantity: '10',
        executedQuantity: '10',
        nature: 'ORDER',
        status: 'CONFIRMED',
        time: '2023-12-08T13:56:00',
        message: 'optional message',
        batchNumber: 'optional requested batch number',
      },
    });
  });

  it('reads numeric ids and quantities sent as strings', () => {
    const event = normalizedFixture(MOVEMENT, 'body-stock-reference-movement-numeric-ids.json');
    expect(event.subject).toBe('happycolis/stock-reference/311');
    expect(event.data).toEqual({
      stockReferenceId: '311',
      sku: 'MUG-WHITE',
      reference: null,
      locationId: 'LOC-PARIS-1',
      variantId: '1204',
      physicalQuantity: '41',
      usableQuantity: '40',
      reservedQuantity: '1',
      criticalThreshold: null,
      snapshotAt: null,
      snapshotQuantity: null,
      providerStatus: null,
      movement: {
        movementId: '90211',
        type: 'DECREMENT',
        quantityType: 'PHYSICAL',
        quantity: '1',
        executedQuantity: '1',
        nature: 'ORDER',
        status: 'CONFIRMED',
        time: '2024-02-06T07:29:58',
        message: null,
        batchNumber: null,
      },
    });
  });

  it('reads quantities sent as strings as plain decimal strings, a numeric id as text', () => {
    const event = normalizedFixture(
      'stock-reference/updated',
      'body-stock-reference-numbers-as-strings.json',
    );
    expect(event.subject).toBe('happycolis/stock-reference/311');
    expect(event.data).toEqual({
      stockReferenceId: '311',
      sku: 'MUG-WHITE',
      reference: '3760001234567',
      locationId: 'LOC-PARIS-1',
      variantId: '1204',
      physicalQuantity: '12.5',
      usableQuantity: '10',
      reservedQuantity: '2.5',
      criticalThreshold: '5',
      snapshotAt: '2024-02-06T06:00:00',
      snapshotQuantity: '7',
      providerStatus: 'ACTIVE',
      movement: null,
    });
  });

  it('keeps a movement without its own id: the stock reference keys it', () => {
    const body = withFields(fixture('body-stock-reference-movement.json'), { id: undefined });
    const event = normalized(message(MOVEMENT, body), MOVEMENT);
    expect(event.data).toMatchObject({ movement: { movementId: null } });
  });
});

const DOCUMENTED_VARIANT = {
  variantId: 'VARIANT_ID',
  sku: 'VARIANT_SKU',
  title: 'VARIANT_TITLE',
  description: 'VARIANT_DESCRIPTION',
  kind: 'PRODUCT',
  hsCode: 'HS_CODE',
  originCountry: 'ORIGIN_COUNTRY',
  weight: { value: '0.2', unit: 'KG' },
  length: { value: '0.2', unit: 'CM' },
  width: { value: '0.2', unit: 'CM' },
  height: { value: '0.2', unit: 'CM' },
};

describe('products and variants', () => {
  it('maps the documented product with its variants field by field', () => {
    const event = normalizedFixture('product/created', 'body-product.json');
    const variant = { ...DOCUMENTED_VARIANT, productId: 'PRODUCT_ID', barcodes: [] };
    expect(event.data).toEqual({
      productId: 'PRODUCT_ID',
      title: 'PRODUCT_TITLE',
      description: 'PRODUCT_DESCRIPTION',
      variants: [
        { ...variant, active: null, archived: null },
        { ...variant, kind: 'BUNDLE', active: null, archived: null },
      ],
    });
  });

  it('leaves out the variants of a messy product that have no id, keeps numeric ids as text', () => {
    const event = normalizedFixture('product/updated', 'body-product-variants-without-ids.json');
    expect(event.subject).toBe('happycolis/product/88');
    expect(event.data).toMatchObject({
      productId: '88',
      title: 'Mug',
      description: null,
      variants: [
        { variantId: '1204', productId: '88', weight: { value: '0.35', unit: 'KG' } },
        { variantId: '1205', productId: '88', weight: null, kind: null },
      ],
    });
    expect(dataOf(event, 'catalog').variants).toHaveLength(2);
  });

  it('leaves out a product variant without a usable id', () => {
    const body = withFields(fixture('body-product.json'), {
      variants: [{ id: '', sku: 'X' }, { sku: 'Y' }, { id: 7, sku: 'Z' }],
    });
    const event = normalized(message('product/updated', body), 'product/updated');
    expect(event.data).toMatchObject({ variants: [{ variantId: '7', sku: 'Z', weight: null }] });
  });

  it('maps the documented variant: its references as barcodes, with no product when it names none', () => {
    const event = normalizedFixture('variant/created', 'body-variant.json');
    expect(event.subject).toBe('happycolis/variant/VARIANT_ID');
    expect(event.data).toEqual({
      productId: null,
      title: null,
      description: null,
      variants: [
        {
          ...DOCUMENTED_VARIANT,
          productId: null,
          barcodes: [
            { value: 'HAPPY_COLIS_STOCK_REFERENCE', type: 'SKU' },
            { value: '12345678967890', type: 'EAN13' },
          ],
          active: null,
          archived: null,
        },
      ],
    });
  });

  it('reads a messy variant: numbers as strings, units only where given, references without a value left out', () => {
    const event = normalizedFixture('variant/updated', 'body-variant-numbers-as-strings.json');
    expect(event.subject).toBe('happycolis/variant/1204');
    expect(event.data).toEqual({
      productId: null,
      title: null,
      description: null,
      variants: [
        {
          variantId: '1204',
          productId: null,
          sku: 'MUG-WHITE',
          title: 'Mug blanc',
          description: null,
          kind: 'PRODUCT',
          hsCode: '691200',
          originCountry: null,
          weight: { value: '0.35', unit: null },
          length: { value: '9.5', unit: 'CM' },
          width: { value: '9', unit: 'CM' },
          height: null,
          barcodes: [
            { value: '3760001234567', type: 'EAN13' },
            { value: 'MUG-WHITE', type: null },
          ],
          active: null,
          archived: null,
        },
      ],
    });
  });

  it('keys a variant by its product when the payload names one', () => {
    const body = withFields(fixture('body-variant.json'), { product_id: 'PRODUCT_9' });
    const event = normalized(message('variant/updated', body), 'variant/updated');
    expect(event.data).toMatchObject({
      productId: 'PRODUCT_9',
      variants: [{ variantId: 'VARIANT_ID', productId: 'PRODUCT_9' }],
    });
  });

  it.each([
    ['variant/created', null, null],
    ['variant/updated', null, null],
    ['variant/activated', true, null],
    ['variant/deactivated', false, null],
    ['variant/archived', null, true],
  ])('%s → active %s, archived %s', (type, active, archived) => {
    const event = normalizedFixture(type, 'body-variant.json');
    expect(event.data).toMatchObject({ variants: [{ active, archived }] });
  });
});

describe('locations', () => {
  it('maps the documented location field by field', () => {
    const event = normalizedFixture('location/created', 'body-location.json');
    expect(event.data).toEqual({
      locationId: 'LOCATION_ID',
      name: 'LOCATION_NAME',
      title: 'LOCATION_TITLE',
      type: 'WAREHOUSE',
      active: true,
      connected: true,
      fulfillmentServiceId: 'FULFILLMENT_SERVICE_ID_IF_CONNECTED_TO',
      address: JOHN_DOE_NO_CONTACT,
    });
  });

  it.each([
    ['location/created', 'body-location.json', true, true],
    ['location/updated', 'body-location.json', true, true],
    ['location/deactivated', 'body-location.json', false, true],
    ['location/connected', 'body-location.json', true, true],
    ['location/disconnected', 'body-location.json', true, false],
    // Booleans as strings; no fulfillment service named, so connected is unknown.
    ['location/created', 'body-location-booleans-as-strings.json', true, null],
    ['location/deactivated', 'body-location-booleans-as-strings.json', false, null],
    ['location/connected', 'body-location-booleans-as-strings.json', true, true],
    ['location/disconnected', 'body-location-booleans-as-strings.json', true, false],
  ])('%s with %s → active %s, connected %s', (type, body, active, connected) => {
    expect(normalizedFixture(type, body).data).toMatchObject({ active, connected });
  });

  it('reads "false" as false and an address with only an empty line as given', () => {
    const body = withFields(fixture('body-location-booleans-as-strings.json'), {
      active: 'FALSE',
      address: { fullname: '', email: '  ' },
    });
    const event = normalized(message('location/updated', body), 'location/updated');
    expect(event.data).toMatchObject({ active: false, address: null, fulfillmentServiceId: null });
  });
});

describe('identity', () => {
  const TYPE = 'delivery-order/shipped';
  const body = () => fixture('body-delivery-order.json');
  const identity = (msg: unknown, type = TYPE) => normalized(msg, type).identity;

  it("is the content: HappyColis's type, the subject and the body JSON", () => {
    const bodyValue = body();
    expect(identity(message(TYPE, bodyValue))).toEqual([
      'delivery-order/shipped',
      'happycolis/delivery-order/DELIVERY_ORDER_ID',
      Buffer.from(JSON.stringify(bodyValue)),
    ]);
    expect(normalized(message(TYPE, bodyValue), TYPE).identifiedBy).toBe('content');
  });

  it('is the same for the same message twice, so the event id is too', () => {
    const first = normalized(message(TYPE, body()), TYPE);
    const second = normalized(JSON.parse(JSON.stringify(message(TYPE, body()))), TYPE);
    expect(second.identity).toEqual(first.identity);
    expect(canonicalEventId('happycolis', second.identity)).toBe(
      canonicalEventId('happycolis', first.identity),
    );
  });

  it('ignores messageId: a new delivery attempt of the same event is the same event', () => {
    const attempt = (messageId: string) => ({
      header: { ...fixture('header-overview-page.json'), type: TYPE, messageId },
      body: body(),
    });
    expect(identity(attempt('attempt-1'))).toEqual(identity(attempt('attempt-2')));
    expect(normalized(attempt('attempt-2'), TYPE).providerEventId).toBe('attempt-2');
  });

  it('is the same under either header shape for the same event at the same time', () => {
    const time = '2024-02-05T10:01:00';
    const payloadsPage = {
      header: { id: 'W1', type: TYPE, timestamp: time, organization: 'ORG' },
      body: body(),
    };
    const overviewPage = {
      header: { messageId: 'M1', type: TYPE, date: time, organizationId: 'ORG' },
      body: body(),
    };
    expect(identity(overviewPage)).toEqual(identity(payloadsPage));
  });

  it('differs when the body differs by one field', () => {
    const changed = withFields(body(), { state: 'SHIPPED' });
    expect(identity(message(TYPE, changed))).not.toEqual(identity(message(TYPE, body())));
  });

  it('differs when the type differs', () => {
    const other = 'delivery-order/packed';
    expect(identity(message(other, body()), other)).not.toEqual(identity(message(TYPE, body())));
  });

  it('ignores the header time: a redelivery that renews it is the same event', () => {
    const at = (date: string) => ({
      header: { ...fixture('header-overview-page.json'), type: TYPE, date },
      body: body(),
    });
    expect(identity(at('2024-02-05T10:01:00'))).toEqual(identity(at('2024-02-05T10:02:00')));
    expect(identity({ header: { type: TYPE }, body: body() })).toEqual(
      identity(at('2024-02-05T10:01:00')),
    );
  });

  describe('from the raw message, as the pipeline gives it', () => {
    /** Normalizes a message from its text, with its bytes as the raw record's body. */
    const fromText = (text: string, type = TYPE) => {
      const result = normalizeHappycolis(
        JSON.parse(text),
        { eventType: type },
        { ...CONTEXT, body: Buffer.from(text) },
      );
      if ('code' in result) throw new Error(result.message);
      return result;
    };
    const rawIdentity = (msg: unknown) => fromText(JSON.stringify(msg)).identity;

    it('is the bytes before and after the header when the header is there as compact JSON', () => {
      const msg = message(TYPE, body());
      const headerJson = JSON.stringify(msg.header);
      expect(rawIdentity(msg)).toEqual([
        'delivery-order/shipped',
        'happycolis/delivery-order/DELIVERY_ORDER_ID',
        Buffer.from('{"header":'),
        Buffer.from(JSON.stringify(msg).slice('{"header":'.length + headerJson.length)),
      ]);
    });

    it('cuts the header at byte offsets, whatever characters come before it', () => {
      const text = `{"body":${JSON.stringify({ ...body(), note: 'Société 🚚' })},"header":${JSON.stringify({ type: TYPE, organization: 'Zürich AG' })}}`;
      const parts = fromText(text).identity.slice(2);
      expect(parts).toHaveLength(2);
      const header = Buffer.from(JSON.stringify({ type: TYPE, organization: 'Zürich AG' }));
      expect(Buffer.concat([parts[0] as Uint8Array, header, parts[1] as Uint8Array])).toEqual(
        Buffer.from(text),
      );
    });

    it('ignores messageId: delivery attempts of the same event have the same event id', () => {
      const attempt = (messageId: string) =>
        canonicalEventId(
          'happycolis',
          rawIdentity({
            header: { ...fixture('header-overview-page.json'), type: TYPE, messageId },
            body: body(),
          }),
        );
      expect(attempt('attempt-1')).toBe(attempt('attempt-2'));
    });

    it('is the same under either header shape for the same event at the same time', () => {
      const time = '2024-02-05T10:01:00';
      expect(
        rawIdentity({ header: { id: 'W1', type: TYPE, timestamp: time }, body: body() }),
      ).toEqual(rawIdentity({ header: { messageId: 'M1', type: TYPE, date: time }, body: body() }));
    });

    it('differs when the body differs by one field', () => {
      const changed = withFields(body(), { state: 'SHIPPED' });
      expect(rawIdentity(message(TYPE, changed))).not.toEqual(rawIdentity(message(TYPE, body())));
    });

    it('is the body as JSON when the message is written otherwise (indented)', () => {
      const msg = message(TYPE, body());
      const identity = fromText(JSON.stringify(msg, null, 2)).identity;
      expect(identity.slice(2)).toEqual([Buffer.from(JSON.stringify(msg.body))]);
    });
  });
});

/** The messy fixtures, by the type family they are bodies of. */
const MESSY: readonly (readonly [string, string])[] = [
  ['body-delivery-order-flat-fulfillment-lines.json', 'delivery-order'],
  ['body-delivery-order-numbers-as-strings.json', 'delivery-order'],
  ['body-location-booleans-as-strings.json', 'location'],
  ['body-order-nulls-missing-and-unknown-fields.json', 'order'],
  ['body-shipment-both-line-field-spellings.json', 'shipment'],
  ['body-stock-reference-movement-numeric-ids.json', MOVEMENT],
  ['body-transfer-order-both-line-number-spellings.json', 'transfer-order'],
  ['body-stock-reference-numbers-as-strings.json', 'stock-reference'],
  ['body-variant-numbers-as-strings.json', 'variant'],
  ['body-product-variants-without-ids.json', 'product'],
];

const MESSY_CASES = MESSY.flatMap(([body, family]) =>
  TYPES.filter((type) =>
    family === MOVEMENT ? type === MOVEMENT : familyOf(type) === family && type !== MOVEMENT,
  ).flatMap((type) => HEADERS.map((header: HeaderFile) => [body, type, header] as const)),
);

describe('messy bodies', () => {
  it.each(MESSY_CASES)('%s as %s with %s fits the canonical schema', (body, type, header) => {
    const msg = message(type, fixture(body), header);
    expect(happycolisWorker.validate(msg, { eventType: type })).toBeUndefined();
    expectFitsSchema(normalized(msg, type), msg, type);
  });
});

describe('failures', () => {
  const BAD_IDS: readonly unknown[] = ['', '   ', null, true, { id: 1 }, [1], Number.NaN];

  it.each(TYPES.filter((type) => type !== MOVEMENT))(
    '%s with no usable body id → NORMALIZATION_FAILED at body.id',
    (type) => {
      for (const id of [...BAD_IDS, undefined]) {
        const body = withFields(fixture(route(type).body), { id });
        expect(normalize(message(type, body), type)).toMatchObject({
          code: 'NORMALIZATION_FAILED',
          path: 'body.id',
        });
      }
    },
  );

  it('a movement with no usable stock reference id → NORMALIZATION_FAILED at body.stock_reference.id', () => {
    const documented = fixture('body-stock-reference-movement.json');
    const stockReference = documented.stock_reference as Record<string, unknown>;
    const bodies = [
      withFields(documented, { stock_reference: undefined }),
      withFields(documented, { stock_reference: null }),
      ...BAD_IDS.map((id) =>
        withFields(documented, { stock_reference: withFields(stockReference, { id }) }),
      ),
    ];
    for (const body of bodies) {
      expect(normalize(message(MOVEMENT, body), MOVEMENT)).toMatchObject({
        code: 'NORMALIZATION_FAILED',
        path: 'body.stock_reference.id',
      });
    }
  });

  it.each([null, [], 'body', 42])('a body that is no object (%j) fails at body', (body) => {
    expect(normalize(message('order/created', body), 'order/created')).toMatchObject({
      code: 'NORMALIZATION_FAILED',
      path: 'body',
    });
  });

  it.each([null, 'text', [], {}])(
    'a message that is no {header, body} (%j) fails at body',
    (msg) => {
      expect(normalize(msg, 'order/created')).toMatchObject({
        code: 'NORMALIZATION_FAILED',
        path: 'body',
      });
    },
  );

  it.each(['parcel/created', 'order', 'order/', ''])(
    'a type with no route (%j) fails at header.type',
    (type) => {
      const result = normalize(message(type, fixture('body-order.json')), type);
      expect(result).toMatchObject({ code: 'NORMALIZATION_FAILED', path: 'header.type' });
    },
  );

  it('goes by the detected type, not the URL event type or raw headers', () => {
    const msg = message('order/created', fixture('body-order.json'));
    const context = { urlEventType: 'shipment/delivered', headers: { 'user-agent': 'x' } };
    const event = { eventType: 'order/created' };
    expect(normalizeHappycolis(msg, event, context)).toEqual(
      normalizeHappycolis(msg, event, CONTEXT),
    );
  });
});

describe('statuses, reasons and references', () => {
  it('an order states its status by the event type: opened OPEN, completed COMPLETED, updated none', () => {
    const statusOf = (type: string) =>
      (normalizedFixture(type, 'body-order.json').data as { status: string }).status;
    expect(statusOf('order/opened')).toBe('OPEN');
    expect(statusOf('order/completed')).toBe('COMPLETED');
    expect(statusOf('order/updated')).toBe('UNKNOWN');
  });

  it("a rejection carries its history's message as the reason", () => {
    const body = withFields(fixture('body-delivery-order.json'), {
      events: [
        { id: 'e1', type: 'OPENED', date: '2023-12-08T13:56:00', message: null },
        { id: 'e2', type: 'REJECTED', date: '2023-12-08T14:10:00', message: 'Unknown SKU X-1' },
      ],
    });
    const event = normalized(message('delivery-order/rejected', body), 'delivery-order/rejected');
    expect(event.type).toBe('fulfillment_order.rejected');
    expect(event.data).toMatchObject({ status: 'REJECTED', statusReason: 'Unknown SKU X-1' });
  });

  it("no reason when the history's last entry is of another status", () => {
    const body = withFields(fixture('body-delivery-order.json'), {
      events: [{ id: 'e1', type: 'OPENED', date: '2023-12-08T13:56:00', message: 'Created' }],
    });
    const event = normalized(message('delivery-order/shipped', body), 'delivery-order/shipped');
    expect(event.data).toMatchObject({ status: 'SHIPPED', statusReason: null });
  });

  it('names the documents each family refers to, typed', () => {
    const referencesOf = (type: string, body: Record<string, unknown>) =>
      normalized(message(type, body), type).references;
    expect(referencesOf('order/created', fixture('body-order.json'))).toEqual([
      { type: 'ORDER', value: 'YOUR_ORDER_NUMBER_IF_APPLICABLE', qualifier: 'invoice_number' },
    ]);
    const deliveryOrder = withFields(fixture('body-delivery-order.json'), { order_id: 'ORD-9' });
    expect(referencesOf('delivery-order/created', deliveryOrder)).toEqual([
      { type: 'ORDER', value: 'ORD-9', qualifier: 'order_id' },
      { type: 'ORDER', value: 'YOUR_ORDER_NUMBER_IF_APPLICABLE', qualifier: 'invoice_number' },
    ]);
    expect(referencesOf('transfer-order/created', fixture('body-transfer-order.json'))).toEqual([
      {
        type: 'PURCHASE_ORDER',
        value: 'YOUR_SUPPLIER_ORDER_NUMBER_IF_APPLICABLE',
        qualifier: 'supplier_reference',
      },
    ]);
    const shipment = withFields(fixture('body-shipment.json'), { delivery_order_id: 'DO-7' });
    expect(referencesOf('shipment/created', shipment)).toEqual([
      { type: 'FULFILLMENT_ORDER', value: 'DO-7', qualifier: 'delivery_order_id' },
    ]);
    expect(referencesOf('product/created', fixture('body-product.json'))).toEqual([]);
  });
});
