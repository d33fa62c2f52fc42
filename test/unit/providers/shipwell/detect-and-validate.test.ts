import { readFileSync } from 'node:fs';
import avro from 'avsc';
import type { Schema } from 'avsc';
import { describe, expect, it } from 'vitest';
import type { RawContext } from '../../../../src/providers/provider.ts';
import {
  SHIPWELL_EVENT_HEADER,
  shipwellEnvelope,
  shipwellWorker,
} from '../../../../src/providers/shipwell/detect-and-validate.ts';

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  const url = new URL(`../../../fixtures/providers/shipwell/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Json;
}

function context(urlEventType?: string, headers: Record<string, string> = {}): RawContext {
  return { urlEventType, headers };
}

const BODY_ONLY = context();

/** The object at a path inside a message, to change a field in place. */
function objectAt(message: Json, ...keys: (string | number)[]): Json {
  let value: unknown = message;
  for (const key of keys) value = (value as Record<string | number, unknown>)[key];
  return value as Json;
}

describe('Shipwell worker: fixtures', () => {
  it.each([
    ['order.created.json', 'order.created'],
    ['order.updated.json', 'order.updated'],
    ['order.item.updated.json', 'order.item.updated'],
    ['order.item.deleted.json', 'order.item.deleted'],
    ['order.created.messy.json', 'order.created'],
    ['order.item.updated.messy.json', 'order.item.updated'],
    ['order.item.deleted.messy.json', 'order.item.deleted'],
    ['envelope.order.updated.made-up.json', 'order.updated'],
    ['order.updated.cancelled.made-up.json', 'order.updated'],
    ['order.updated.back-to-draft.made-up.json', 'order.updated'],
  ])('%s is %s and fits its schema', (file, eventType) => {
    const message = fixture(file);
    expect(shipwellWorker.detect(message, BODY_ONLY)).toEqual({ eventType });
    expect(shipwellWorker.validate(message, { eventType })).toBeUndefined();
  });

  it('the made-up order.deleted needs an explicit type (it looks like a created order) and fits', () => {
    const message = fixture('order.deleted.made-up.json');
    expect(shipwellWorker.detect(message, BODY_ONLY)).toEqual({ eventType: 'order.created' });
    expect(shipwellWorker.detect(message, context('order.deleted'))).toEqual({
      eventType: 'order.deleted',
    });
    expect(shipwellWorker.validate(message, { eventType: 'order.deleted' })).toBeUndefined();
  });

  it('knows the five order events, order.deleted included', () => {
    expect(shipwellWorker.eventTypes).toEqual([
      'order.created',
      'order.updated',
      'order.deleted',
      'order.item.updated',
      'order.item.deleted',
    ]);
  });
});

describe('Shipwell schemas', () => {
  function schemaJson(file: string): Schema {
    const url = new URL(`../../../../avro/providers/shipwell/${file}`, import.meta.url);
    return JSON.parse(readFileSync(url, 'utf8')) as Schema;
  }

  /** Every named type of a schema file, by full name. */
  function namedTypes(file: string): Record<string, avro.Type> {
    const registry: Record<string, avro.Type> = {};
    avro.Type.forSchema(schemaJson(file), { wrapUnions: false, registry });
    return registry;
  }

  /** Paths of objects with fields the schema does not declare, custom_data (free-form) removed. */
  function undeclaredFields(file: string, message: unknown): string[] {
    const withoutCustomData = JSON.parse(JSON.stringify(message), (key, value: unknown) =>
      key === 'custom_data' ? undefined : value,
    ) as unknown;
    const paths: string[] = [];
    avro.Type.forSchema(schemaJson(file), { wrapUnions: false }).isValid(withoutCustomData, {
      noUndeclaredFields: true,
      errorHook: (path) => paths.push(path.join('.')),
    });
    return paths;
  }

  it.each([
    ['order.avsc', 'order.created.json'],
    ['order-updated.avsc', 'order.updated.json'],
    ['order-item-updated.avsc', 'order.item.updated.json'],
    ['order-item.avsc', 'order.item.deleted.json'],
  ])('%s declares every field of the docs example %s but custom_data', (file, example) => {
    expect(undeclaredFields(file, fixture(example))).toEqual([]);
  });

  it('the declaration check can fail', () => {
    const message = fixture('order.created.json');
    objectAt(message, 'ship_to', 'geolocation').altitude = 150;
    expect(undeclaredFields('order.avsc', message)).toEqual(['ship_to.geolocation']);
  });

  it('the shared shapes are the same in every file', () => {
    const order = namedTypes('order.avsc');
    const orderUpdated = namedTypes('order-updated.avsc');
    const item = namedTypes('order-item.avsc');
    const itemUpdated = namedTypes('order-item-updated.avsc');
    const ORDER = 'wharf.providers.shipwell.Order';
    const ITEM = 'wharf.providers.shipwell.OrderItem';
    expect(orderUpdated[ORDER]?.schema()).toEqual(order[ORDER]?.schema());
    expect(item[ITEM]?.schema()).toEqual(order[ITEM]?.schema());
    expect(itemUpdated[ITEM]?.schema()).toEqual(order[ITEM]?.schema());
    expect(order[ITEM]).toBeDefined();
  });

  it('custom_data is free-form: any JSON passes', () => {
    for (const customData of ['{"abc": 1}', [1, [2, [3]]], { a: { b: [{ c: null }] } }, 7]) {
      const message = fixture('order.item.deleted.json');
      message.custom_data = customData;
      objectAt(message, 'shipping_requirements').custom_data = customData;
      expect(shipwellWorker.validate(message, { eventType: 'order.item.deleted' })).toBeUndefined();
    }
  });
});

describe('Shipwell worker: detection', () => {
  it.each([
    ['order.created.json', 'order.updated'],
    ['order.item.deleted.json', 'order.item.updated'],
    ['envelope.order.updated.made-up.json', 'order.deleted'],
  ])('the URL event type wins over the shape, header and envelope (%s as %s)', (file, type) => {
    const headers = { [SHIPWELL_EVENT_HEADER]: 'order.created' };
    expect(shipwellWorker.detect(fixture(file), context(type, headers))).toEqual({
      eventType: type,
    });
  });

  it('the header wins over the envelope and the shape', () => {
    const headers = { [SHIPWELL_EVENT_HEADER]: 'order.item.updated' };
    expect(
      shipwellWorker.detect(fixture('order.created.json'), context(undefined, headers)),
    ).toEqual({ eventType: 'order.item.updated' });
    expect(
      shipwellWorker.detect(
        fixture('envelope.order.updated.made-up.json'),
        context(undefined, headers),
      ),
    ).toEqual({ eventType: 'order.item.updated' });
  });

  it('an empty URL type or header counts as absent', () => {
    const detected = shipwellWorker.detect(
      fixture('order.updated.json'),
      context('', { [SHIPWELL_EVENT_HEADER]: '' }),
    );
    expect(detected).toEqual({ eventType: 'order.updated' });
  });

  it('explicit names are matched trimmed and case-insensitively', () => {
    expect(shipwellWorker.detect({}, context(' Order.Item.Deleted '))).toEqual({
      eventType: 'order.item.deleted',
    });
  });

  it.each([
    ['event', 'data'],
    ['event_name', 'data'],
    ['event_type', 'payload'],
    ['event', 'payload'],
  ])('an envelope with %s and %s names the event', (eventKey, dataKey) => {
    const message = {
      [eventKey]: 'order.item.deleted',
      [dataKey]: fixture('order.item.updated.json'),
    };
    expect(shipwellWorker.detect(message, BODY_ONLY)).toEqual({ eventType: 'order.item.deleted' });
    expect(shipwellEnvelope(message)).toMatchObject({ eventKey, dataKey });
  });

  it('a bare resource is not an envelope', () => {
    expect(shipwellEnvelope(fixture('order.created.json'))).toBeUndefined();
    expect(shipwellEnvelope({ event: 'order.created', data: 'x' })).toBeUndefined();
    expect(shipwellEnvelope({ event: 1, data: {} })).toBeUndefined();
  });

  it.each([
    [{ resource_type: 'order' }, 'order.created'],
    [{ resource_type: 'order', self_link: null }, 'order.created'],
    [{ resource_type: 'order', new_data: {} }, 'order.updated'],
    [{ resource_type: 'order', old_data: null }, 'order.updated'],
    [{ resource_type: 'order_item', old_data: {}, new_data: {} }, 'order.item.updated'],
    [{ resource_type: 'order_item', self_link: null }, 'order.item.deleted'],
    [{ resource_type: 'order_item' }, 'order.item.deleted'],
  ])('infers %j as %s', (message, eventType) => {
    expect(shipwellWorker.detect(message, BODY_ONLY)).toEqual({ eventType });
  });

  it.each([
    ['an unknown resource_type', { resource_type: 'shipment', id: 's1' }],
    ['no resource_type', { id: 'o1', order_number: 'MM-1' }],
    ['a non-string resource_type', { resource_type: ['order'] }],
    [
      'an order_item with a self_link and no changes',
      { resource_type: 'order_item', self_link: '/x' },
    ],
  ])('%s fails with path resource_type', (_what, message) => {
    expect(shipwellWorker.detect(message, BODY_ONLY)).toMatchObject({
      code: 'UNKNOWN_EVENT_TYPE',
      path: 'resource_type',
    });
  });

  it('an unknown URL type fails with path "" and names it, without falling back to the shape', () => {
    const detected = shipwellWorker.detect(
      fixture('order.created.json'),
      context('order.cancelled'),
    );
    expect(detected).toMatchObject({ code: 'UNKNOWN_EVENT_TYPE', path: '' });
    expect(detected).toHaveProperty('message', expect.stringContaining('"order.cancelled"'));
  });

  it('an unknown header type fails with path "" and names the header', () => {
    const detected = shipwellWorker.detect(
      fixture('order.created.json'),
      context(undefined, { [SHIPWELL_EVENT_HEADER]: 'shipment.created' }),
    );
    expect(detected).toMatchObject({ code: 'UNKNOWN_EVENT_TYPE', path: '' });
    expect(detected).toHaveProperty('message', expect.stringContaining(SHIPWELL_EVENT_HEADER));
    expect(detected).toHaveProperty('message', expect.stringContaining('"shipment.created"'));
  });

  it('an unknown envelope event fails with the envelope key as path', () => {
    const message = { event_name: 'order.archived', data: fixture('order.created.json') };
    expect(shipwellWorker.detect(message, BODY_ONLY)).toMatchObject({
      code: 'UNKNOWN_EVENT_TYPE',
      path: 'event_name',
    });
  });

  it.each([[null], [[fixture('order.created.json')]], ['order.created'], [1]])(
    'a message that is not an object (%j) fails with path ""',
    (message) => {
      expect(shipwellWorker.detect(message, context('order.created'))).toMatchObject({
        code: 'UNKNOWN_EVENT_TYPE',
        path: '',
      });
    },
  );
});

describe('Shipwell worker: validation', () => {
  it.each([
    [
      'order.created',
      'order.created.json',
      'ship_to.geolocation.latitude',
      (m: Json) => {
        objectAt(m, 'ship_to', 'geolocation').latitude = true;
      },
    ],
    [
      'order.created',
      'order.created.json',
      'ship_from.shipping_requirements.plan_window.start',
      (m: Json) => {
        objectAt(m, 'ship_from', 'shipping_requirements', 'plan_window').start = 20240701;
      },
    ],
    [
      'order.created',
      'order.created.json',
      'items.0.shipping_requirements.gross_weight.value',
      (m: Json) => {
        m.items = [fixture('order.item.deleted.json')];
        objectAt(m, 'items', 0, 'shipping_requirements', 'gross_weight').value = {};
      },
    ],
    [
      'order.created',
      'order.created.json',
      'references.1.value',
      (m: Json) => {
        objectAt(m, 'references', 1).value = ['customer-ref-2'];
      },
    ],
    [
      'order.created',
      'order.created.json',
      'archived',
      (m: Json) => {
        m.archived = 'false';
      },
    ],
    [
      'order.updated',
      'order.updated.json',
      'new_data.ship_from.geolocation.longitude',
      (m: Json) => {
        objectAt(m, 'new_data', 'ship_from', 'geolocation').longitude = [20];
      },
    ],
    [
      'order.updated',
      'order.updated.json',
      'old_data',
      (m: Json) => {
        m.old_data = 'ship_from';
      },
    ],
    [
      'order.item.updated',
      'order.item.updated.json',
      'new_data.amount.value',
      (m: Json) => {
        objectAt(m, 'new_data', 'amount').value = true;
      },
    ],
    [
      'order.item.updated',
      'order.item.updated.json',
      'old_data.shipping_requirements.quantity',
      (m: Json) => {
        objectAt(m, 'old_data', 'shipping_requirements').quantity = { value: 1 };
      },
    ],
    [
      'order.item.deleted',
      'order.item.deleted.json',
      'shipping_requirements.stackable',
      (m: Json) => {
        objectAt(m, 'shipping_requirements').stackable = 0;
      },
    ],
    [
      'order.item.deleted',
      'order.item.deleted.json',
      'available_amount.unit',
      (m: Json) => {
        objectAt(m, 'available_amount').unit = 1;
      },
    ],
    [
      'order.deleted',
      'order.deleted.made-up.json',
      'order_number',
      (m: Json) => {
        m.order_number = 5676;
      },
    ],
  ])(
    '%s: a wrong type in %s at %s is reported at exactly that path',
    (eventType, file, path, change) => {
      const message = fixture(file);
      change(message);
      expect(shipwellWorker.validate(message, { eventType })?.path).toBe(path);
    },
  );

  it('names what the schema expected', () => {
    const message = fixture('order.created.json');
    objectAt(message, 'ship_to', 'geolocation').latitude = true;
    expect(shipwellWorker.validate(message, { eventType: 'order.created' })).toEqual({
      path: 'ship_to.geolocation.latitude',
      expected: '["null","double","string"]',
    });
  });

  it('numbers may arrive as numbers or strings', () => {
    const message = fixture('order.item.deleted.json');
    const requirements = objectAt(message, 'shipping_requirements');
    for (const quantity of [1, '1', 1.5, '1.50', null]) {
      requirements.quantity = quantity;
      objectAt(message, 'amount').value = quantity;
      expect(shipwellWorker.validate(message, { eventType: 'order.item.deleted' })).toBeUndefined();
    }
  });

  it('validates an envelope by its resource, with the envelope key in the path', () => {
    const message = fixture('envelope.order.updated.made-up.json');
    objectAt(message, 'data', 'new_data', 'ship_from', 'geolocation').latitude = true;
    expect(shipwellWorker.validate(message, { eventType: 'order.updated' })?.path).toBe(
      'data.new_data.ship_from.geolocation.latitude',
    );
    const payload = {
      event_type: 'order.item.updated',
      payload: fixture('order.item.updated.json'),
    };
    objectAt(payload, 'payload', 'new_data', 'amount').value = true;
    expect(shipwellWorker.validate(payload, { eventType: 'order.item.updated' })?.path).toBe(
      'payload.new_data.amount.value',
    );
  });

  it('validates against the schema of the event type given, not the shape', () => {
    const message = fixture('order.item.updated.json');
    message.old_data = 'not an order';
    // order.item.updated's old_data must be a (partial) item or null.
    expect(shipwellWorker.validate(message, { eventType: 'order.item.updated' })?.path).toBe(
      'old_data',
    );
    // order.item.deleted's schema does not declare old_data: it passes.
    expect(shipwellWorker.validate(message, { eventType: 'order.item.deleted' })).toBeUndefined();
  });

  it('a message that is not an object does not fit', () => {
    expect(
      shipwellWorker.validate([fixture('order.created.json')], { eventType: 'order.created' }),
    ).toEqual({
      path: '',
      expected: '"wharf.providers.shipwell.Order"',
    });
  });

  it('an event type it does not know does not fit', () => {
    const issue = shipwellWorker.validate(fixture('order.created.json'), {
      eventType: 'order.cancelled',
    });
    expect(issue?.path).toBe('');
    expect(issue?.expected).toContain('order.item.deleted');
  });
});
