import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { happycolisWorker as worker } from '../../../../src/providers/happycolis/detect-and-validate.ts';
import type { RawContext } from '../../../../src/providers/provider.ts';
import { isRecord } from '../../../../src/providers/provider.ts';

const CONTEXT: RawContext = { urlEventType: undefined, headers: {} };

const HEADERS = ['header-event-payloads-page.json', 'header-overview-page.json'] as const;

/** A fixture file of test/fixtures/providers/happycolis, parsed. */
function fixture(name: string): unknown {
  const url = new URL(`../../../fixtures/providers/happycolis/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as unknown;
}

function objectFixture(name: string): Record<string, unknown> {
  const value = fixture(name);
  if (!isRecord(value)) throw new Error(`${name} is not an object`);
  return value;
}

/** A message with the given header fixture, its type set to `type`. */
function message(header: string, type: unknown, body: unknown): Record<string, unknown> {
  return { header: { ...objectFixture(header), type }, body };
}

/**
 * A copy of `value` with the field at dotted `path` replaced; the field must
 * exist, so that a test cannot pass by setting a field the fixture lacks.
 */
function replaced(value: unknown, path: string, replacement: unknown): unknown {
  const copy = structuredClone(value);
  const keys = path.split('.');
  const last = keys.pop();
  let node: unknown = copy;
  for (const key of keys) {
    if (typeof node !== 'object' || node === null || !(key in node)) {
      throw new Error(`no ${key} on the way to ${path}`);
    }
    node = (node as Record<string, unknown>)[key];
  }
  if (last === undefined || typeof node !== 'object' || node === null || !(last in node)) {
    throw new Error(`no ${path} to replace`);
  }
  (node as Record<string, unknown>)[last] = replacement;
  return copy;
}

/**
 * The 51 types (the docs' table and transfer-order/updated), by body family, written out again here
 * (not taken from the worker) so that a misspelt or missing type fails. The
 * probe is a field only that family's schema declares, with a value it refuses:
 * it shows which schema a type is checked against.
 */
const FAMILIES = [
  {
    family: 'order',
    body: 'body-order.json',
    probe: ['issuedAt', 5],
    types: ['order/created', 'order/updated', 'order/opened', 'order/completed'],
  },
  {
    family: 'delivery-order',
    body: 'body-delivery-order.json',
    probe: ['order_number', true],
    types: [
      'delivery-order/created',
      'delivery-order/updated',
      'delivery-order/fulfillment-created',
      'delivery-order/completed',
      'delivery-order/integrated',
      'delivery-order/integration-error',
      'delivery-order/accepted',
      'delivery-order/rejected',
      'delivery-order/picked',
      'delivery-order/packed',
      'delivery-order/shipped',
    ],
  },
  {
    family: 'shipment',
    body: 'body-shipment.json',
    probe: ['shippingMethodName', 5],
    types: [
      'shipment/created',
      'shipment/delivered',
      'shipment/delivered-to-sender',
      'shipment/returned-to-sender',
      'shipment/in-transit',
      'shipment/available-for-pickup',
      'shipment/expired',
      'shipment/info-received',
      'shipment/out-for-delivery',
      'shipment/attempt-failed',
    ],
  },
  {
    family: 'product',
    body: 'body-product.json',
    probe: ['variants', 5],
    types: ['product/created', 'product/updated'],
  },
  {
    family: 'variant',
    body: 'body-variant.json',
    probe: ['stock_references', 5],
    types: [
      'variant/created',
      'variant/updated',
      'variant/deactivated',
      'variant/activated',
      'variant/archived',
    ],
  },
  {
    family: 'stock-reference',
    body: 'body-stock-reference.json',
    probe: ['units', 5],
    types: [
      'stock-reference/created',
      'stock-reference/updated',
      'stock-reference/archived',
      'stock-reference/accepted',
      'stock-reference/rejected',
      'stock-reference/snapshot',
    ],
  },
  {
    family: 'stock-reference movement',
    body: 'body-stock-reference-movement.json',
    probe: ['stock_reference', 5],
    types: ['stock-reference/movement'],
  },
  {
    family: 'transfer-order',
    body: 'body-transfer-order.json',
    probe: ['supplier_reference', true],
    types: [
      'transfer-order/created',
      'transfer-order/updated',
      'transfer-order/opened',
      'transfer-order/completed',
      'transfer-order/fulfillment-created',
      'transfer-order/accepted',
      'transfer-order/rejected',
    ],
  },
  {
    family: 'location',
    body: 'body-location.json',
    probe: ['register_all_variants', 5],
    types: [
      'location/created',
      'location/updated',
      'location/deactivated',
      'location/connected',
      'location/disconnected',
    ],
  },
] as const;

const TYPES = FAMILIES.flatMap(({ family, body, probe, types }) =>
  types.map((type) => ({ type, family, body, probe })),
);

describe('HappyColis event types', () => {
  it('are the 51 of the docs, each once', () => {
    expect(TYPES).toHaveLength(51);
    expect(new Set(worker.eventTypes).size).toBe(worker.eventTypes.length);
    expect([...worker.eventTypes].sort()).toEqual(TYPES.map(({ type }) => type).sort());
  });
});

describe('HappyColis documented examples', () => {
  const cases = TYPES.flatMap((entry) => HEADERS.map((header) => ({ ...entry, header })));

  it.each(cases)('$type with $header and $body is detected and valid', ({ type, header, body }) => {
    const msg = message(header, type, fixture(body));
    expect(worker.detect(msg, CONTEXT)).toEqual({ eventType: type });
    expect(worker.validate(msg, { eventType: type })).toBeUndefined();
  });

  it.each(TYPES)('$type is checked against the $family schema', ({ type, probe }) => {
    const [field, value] = probe;
    const msg = message(HEADERS[0], type, { id: 'X', [field]: value });
    expect(worker.validate(msg, { eventType: type })?.path).toBe(`body.${field}`);
  });
});

describe('HappyColis tolerance', () => {
  const messy = [
    { body: 'body-delivery-order-numbers-as-strings.json', type: 'delivery-order/updated' },
    { body: 'body-delivery-order-flat-fulfillment-lines.json', type: 'delivery-order/shipped' },
    { body: 'body-order-nulls-missing-and-unknown-fields.json', type: 'order/created' },
    { body: 'body-shipment-both-line-field-spellings.json', type: 'shipment/in-transit' },
    {
      body: 'body-transfer-order-both-line-number-spellings.json',
      type: 'transfer-order/accepted',
    },
    { body: 'body-location-booleans-as-strings.json', type: 'location/connected' },
    { body: 'body-stock-reference-movement-numeric-ids.json', type: 'stock-reference/movement' },
  ].flatMap((entry) => HEADERS.map((header) => ({ ...entry, header })));

  it.each(messy)('$body as $type with $header is valid', ({ body, type, header }) => {
    const msg = message(header, type, fixture(body));
    expect(worker.detect(msg, CONTEXT)).toEqual({ eventType: type });
    expect(worker.validate(msg, { eventType: type })).toBeUndefined();
  });

  it('takes a body with nothing but its id, as a string or a number', () => {
    for (const id of ['ORDER_ID', 42]) {
      const msg = message(HEADERS[1], 'order/updated', { id });
      expect(worker.validate(msg, { eventType: 'order/updated' })).toBeUndefined();
    }
  });

  it('takes a header with nothing but its type, and an epoch timestamp', () => {
    const body = fixture('body-location.json');
    const bare = { header: { type: 'location/created' }, body };
    expect(worker.validate(bare, { eventType: 'location/created' })).toBeUndefined();
    const epoch = { header: { type: 'location/created', timestamp: 1702043760 }, body };
    expect(worker.validate(epoch, { eventType: 'location/created' })).toBeUndefined();
  });

  it('detects a type with surrounding whitespace as the documented type', () => {
    const msg = message(
      HEADERS[0],
      ' delivery-order/shipped\n',
      fixture('body-delivery-order.json'),
    );
    expect(worker.detect(msg, CONTEXT)).toEqual({ eventType: 'delivery-order/shipped' });
  });
});

describe('HappyColis validation issues', () => {
  const wrong = [
    { type: 'order/created', body: 'body-order.json', path: 'lines.0.quantity', value: {} },
    { type: 'order/created', body: 'body-order.json', path: 'lines.0.quantity', value: true },
    { type: 'order/updated', body: 'body-order.json', path: 'delivery_address', value: 5 },
    { type: 'order/updated', body: 'body-order.json', path: 'billing_address.city', value: 75 },
    { type: 'order/opened', body: 'body-order.json', path: 'lines', value: { id: 'L' } },
    { type: 'order/opened', body: 'body-order.json', path: 'lines.0', value: null },
    { type: 'order/completed', body: 'body-order.json', path: 'issuedAt', value: 1702043760 },
    {
      type: 'delivery-order/fulfillment-created',
      body: 'body-delivery-order.json',
      path: 'fulfillments.0.lines.0.lines.0.quantity',
      value: [],
    },
    {
      type: 'delivery-order/picked',
      body: 'body-delivery-order.json',
      path: 'events.0.date',
      value: {},
    },
    {
      type: 'shipment/delivered',
      body: 'body-shipment.json',
      path: 'details.0.delievery_order_line_number',
      value: false,
    },
    {
      type: 'product/updated',
      body: 'body-product.json',
      path: 'variants.1.links.0.quantity',
      value: {},
    },
    { type: 'variant/created', body: 'body-variant.json', path: 'images.0.url', value: [] },
    {
      type: 'stock-reference/snapshot',
      body: 'body-stock-reference.json',
      path: 'units.0.quantity',
      value: false,
    },
    {
      type: 'stock-reference/movement',
      body: 'body-stock-reference-movement.json',
      path: 'stock_reference.physical_quantity',
      value: {},
    },
    {
      type: 'transfer-order/completed',
      body: 'body-transfer-order.json',
      path: 'lines.0.trabsfer_line_number',
      value: {},
    },
    {
      type: 'transfer-order/accepted',
      body: 'body-transfer-order.json',
      path: 'fulfillments.0.lines.0.valid_quantity',
      value: true,
    },
    { type: 'location/updated', body: 'body-location.json', path: 'active', value: 1 },
    { type: 'location/updated', body: 'body-location.json', path: 'address', value: 'Paris' },
    { type: 'location/updated', body: 'body-location.json', path: 'id', value: true },
    { type: 'location/updated', body: 'body-location.json', path: 'id', value: null },
  ];

  it.each(wrong)('$type: body.$path = $value is refused there', ({ type, body, path, value }) => {
    const msg = message(HEADERS[0], type, replaced(fixture(body), path, value));
    const issue = worker.validate(msg, { eventType: type });
    expect(issue?.path).toBe(`body.${path}`);
    expect(issue?.expected).toMatch(/^[[{"]/);
  });

  it('names what was expected', () => {
    const body = replaced(fixture('body-order.json'), 'lines.0.quantity', {});
    const issue = worker.validate(message(HEADERS[0], 'order/created', body), {
      eventType: 'order/created',
    });
    expect(issue?.expected).toBe('["null","double","string"]');
  });

  it('refuses a body without its id', () => {
    const body = objectFixture('body-shipment.json');
    delete body.id;
    const issue = worker.validate(message(HEADERS[1], 'shipment/expired', body), {
      eventType: 'shipment/expired',
    });
    expect(issue?.path).toBe('body.id');
  });

  it.each([
    { name: 'a string', body: 'ORDER_ID' },
    { name: 'a number', body: 5 },
    { name: 'an array', body: [{ id: 'ORDER_ID' }] },
    { name: 'null', body: null },
  ])('refuses a body that is $name, at body', ({ body }) => {
    const msg = message(HEADERS[0], 'order/created', body);
    expect(worker.validate(msg, { eventType: 'order/created' })?.path).toBe('body');
  });

  it('refuses a message without a body, at body', () => {
    const msg = { header: objectFixture(HEADERS[1]) };
    expect(worker.validate(msg, { eventType: 'order/created' })?.path).toBe('body');
  });

  it.each([
    { field: 'timestamp', value: {} },
    { field: 'organization', value: true },
    { field: 'messageId', value: [] },
    { field: 'date', value: false },
  ])('refuses header.$field = $value there', ({ field, value }) => {
    const msg = {
      header: { type: 'order/created', [field]: value },
      body: fixture('body-order.json'),
    };
    expect(worker.validate(msg, { eventType: 'order/created' })?.path).toBe(`header.${field}`);
  });

  it.each([
    { name: 'a string', header: 'order/created' },
    { name: 'an array', header: [{ type: 'order/created' }] },
    { name: 'missing', header: undefined },
  ])('refuses a header that is $name, at header', ({ header }) => {
    const msg = { header, body: fixture('body-order.json') };
    expect(worker.validate(msg, { eventType: 'order/created' })?.path).toBe('header');
  });

  it('checks the header before the body', () => {
    const msg = { header: 'order/created', body: 'ORDER_ID' };
    expect(worker.validate(msg, { eventType: 'order/created' })?.path).toBe('header');
  });

  it('refuses a message that is no object, at the root', () => {
    expect(worker.validate('{}', { eventType: 'order/created' })?.path).toBe('');
  });

  it('refuses an event type it does not know, at header.type', () => {
    const msg = message(HEADERS[0], 'order/deleted', fixture('body-order.json'));
    expect(worker.validate(msg, { eventType: 'order/deleted' })?.path).toBe('header.type');
  });
});

describe('HappyColis detection failures', () => {
  // Matchers are typed any; as unknown keeps them out of typed code.
  const failure = {
    code: 'UNKNOWN_EVENT_TYPE',
    path: 'header.type',
    message: expect.any(String) as unknown,
  };

  it.each([
    { name: 'a string', msg: 'order/created' },
    { name: 'null', msg: null },
    { name: 'an array', msg: [{ header: { type: 'order/created' } }] },
  ])('for a message that is $name', ({ msg }) => {
    expect(worker.detect(msg, CONTEXT)).toEqual(failure);
  });

  it.each([
    { name: 'missing', header: undefined },
    { name: 'a string', header: 'order/created' },
    { name: 'null', header: null },
    { name: 'an array', header: [{ type: 'order/created' }] },
  ])('for a header that is $name', ({ header }) => {
    const msg = { header, body: fixture('body-order.json') };
    expect(worker.detect(msg, CONTEXT)).toEqual(failure);
  });

  it.each([
    { name: 'missing', type: undefined },
    { name: 'null', type: null },
    { name: 'a number', type: 5 },
    { name: 'an object', type: { name: 'order/created' } },
  ])('for a header type that is $name', ({ type }) => {
    const msg = message(HEADERS[1], type, fixture('body-order.json'));
    expect(worker.detect(msg, CONTEXT)).toEqual(failure);
  });

  it.each(['order/deleted', 'Order/Created', 'order.created', 'order', '', 'WEBHOOK_TYPE'])(
    'for the unknown type %j, naming it',
    (type) => {
      const msg = message(HEADERS[0], type, fixture('body-order.json'));
      expect(worker.detect(msg, CONTEXT)).toEqual({
        ...failure,
        message: expect.stringContaining(JSON.stringify(type)) as unknown,
      });
    },
  );

  it('quotes no more than the start of an overlong type', () => {
    const msg = message(HEADERS[0], `order/${'x'.repeat(10_000)}`, {});
    const result = worker.detect(msg, CONTEXT);
    expect('message' in result && result.message.length).toBeLessThan(200);
  });

  it('ignores the URL event type: the header says it', () => {
    const msg = message(HEADERS[0], 'order/created', fixture('body-order.json'));
    const context: RawContext = { urlEventType: 'shipment/created', headers: {} };
    expect(worker.detect(msg, context)).toEqual({ eventType: 'order/created' });
  });
});
