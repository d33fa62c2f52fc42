import { describe, expect, it } from 'vitest';
import { canonicalEventId } from '../../../../src/canonical/event-id.ts';
import type { FulfillmentOrder } from '../../../../src/canonical/model.ts';
import { CANONICAL_TYPES } from '../../../../src/canonical/schemas.ts';
import {
  createOngoingNormalizer,
  normalizeOngoing,
} from '../../../../src/providers/ongoing/normalize.ts';
import { ongoingStatusTable } from '../../../../src/providers/ongoing/statuses.ts';
import type {
  NormalizationFailure,
  NormalizedEvent,
  RawContext,
} from '../../../../src/providers/provider.ts';
import { transform } from '../../../../src/worker/pipeline.ts';
import { pipelineDefaults } from '../../../support/pipeline.ts';
import { fixtureJson, without } from '../../../support/fixtures.ts';
import type { Json } from '../../../support/fixtures.ts';

const fixture = (name: string): Json => fixtureJson('ongoing', name);

const CONTEXT: RawContext = { urlEventType: undefined, headers: {} };

/** The normalized event, failing the test when normalization failed. */
function normalized(
  result: NormalizedEvent | NormalizationFailure,
): NormalizedEvent<'fulfillment'> {
  if ('code' in result)
    throw new Error(`normalization failed at ${result.path}: ${result.message}`);
  expect(result.domain).toBe('fulfillment');
  return result as NormalizedEvent<'fulfillment'>;
}

function normalize(
  message: unknown,
  eventType = 'order.status_changed',
): NormalizedEvent<'fulfillment'> {
  return normalized(normalizeOngoing(message, { eventType }, CONTEXT));
}

/**
 * Checks the event, in a full envelope, against its canonical schema: no
 * field the schema lacks (noUndeclaredFields), and an Avro round trip gives
 * it back unchanged (a field the event lacked would come back null).
 */
function expectCanonical(event: NormalizedEvent): void {
  const envelope = {
    id: canonicalEventId('ongoing', event.identity),
    type: event.type,
    source: 'ongoing',
    tenant: event.tenant,
    subject: event.subject,
    time: '2024-03-05T08:14:27.123Z',
    timeOriginal: event.providerTime,
    receivedAt: '2024-03-05T08:14:28.000Z',
    sequence: 0,
    snapshot: true,
    timeIsReceipt: false,
    timesOriginal: {},
    providerEventType: 'order.status_changed',
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

/** What every docs-example fixture becomes, but for the status. */
const DOCS_ORDER: Omit<FulfillmentOrder, 'status' | 'providerStatus'> = {
  fulfillmentOrderId: '0',
  previousStatus: null,
  statusReason: null,
  goodsOwnerId: '0',
  orderId: null,
  kind: 'OUTBOUND',
  orderNumber: 'string',
  reference: null,
  warehouse: 'string',
  locationId: null,
  shipmentId: null,
  shipTo: null,
  lines: [],
  // Two tracking entries and two parcels, all "string": one distinct entry.
  tracking: [{ carrier: null, trackingNumber: 'string', trackingUrl: 'string', isReturn: false }],
  // Each parcel with its id: lines are not in the payload.
  parcels: [0, 1].map(() => ({
    parcelId: '0',
    reference: 'string',
    carrier: null,
    trackingNumber: 'string',
    trackingUrl: 'string',
    isReturn: false,
    lines: [],
  })),
  expectedAt: null,
  shippedAt: null,
};

/** Envelope fields of the fixtures made from the docs example. */
const DOCS_ENVELOPE = {
  subject: 'ongoing/order/0',
  tenant: 'string',
  providerTime: '2023-01-01T12:00:00.0000000',
  providerEventId: '0',
};

const FIXTURES = [
  {
    file: 'order-created.json',
    eventType: 'order.created',
    expected: { type: 'fulfillment_order.created', ...DOCS_ENVELOPE },
  },
  {
    file: 'order-status-changed.json',
    eventType: 'order.status_changed',
    // Status 300: the order was released.
    expected: { type: 'fulfillment_order.released', ...DOCS_ENVELOPE },
  },
  {
    file: 'order-picked.json',
    eventType: 'order.picked',
    expected: { type: 'fulfillment_order.picked', ...DOCS_ENVELOPE },
  },
  {
    file: 'order-status-changed-allocated.json',
    eventType: 'order.status_changed',
    expected: { type: 'fulfillment_order.allocated', ...DOCS_ENVELOPE },
  },
  {
    file: 'order-status-changed-collected.json',
    eventType: 'order.status_changed',
    expected: { type: 'fulfillment_order.collected', ...DOCS_ENVELOPE },
  },
  {
    file: 'order-status-changed-returned.json',
    eventType: 'order.status_changed',
    expected: { type: 'fulfillment_order.returned', ...DOCS_ENVELOPE },
  },
  {
    file: 'order-status-changed-cancelled.json',
    eventType: 'order.status_changed',
    expected: { type: 'fulfillment_order.cancelled', ...DOCS_ENVELOPE },
  },
  {
    // Its webhookTemplate is a placeholder: the trigger would come from the URL.
    file: 'doc-example.json',
    eventType: 'order.created',
    expected: { type: 'fulfillment_order.created', ...DOCS_ENVELOPE },
  },
  {
    file: 'messy-numbers-as-strings.json',
    eventType: 'order.picked',
    expected: {
      type: 'fulfillment_order.picked',
      subject: 'ongoing/order/120455',
      tenant: 'acme-wh1',
      providerTime: '2024-03-05T09:14:27.1234567',
      providerEventId: '884213',
    },
  },
  {
    file: 'messy-nulls-and-missing.json',
    eventType: 'order.status_changed',
    expected: {
      type: 'fulfillment_order.released',
      subject: 'ongoing/order/120456',
      tenant: 'acme-wh1',
      providerTime: '2024-03-05T09:20:00.0000000',
      providerEventId: '884214',
    },
  },
  {
    file: 'messy-extra-fields.json',
    eventType: 'order.created',
    expected: {
      type: 'fulfillment_order.created',
      subject: 'ongoing/order/120457',
      tenant: 'acme-wh1',
      providerTime: '2024-03-05T09:25:13.5000000',
      providerEventId: '884215',
    },
  },
];

describe('Ongoing normalizer: every fixture', () => {
  it.each(FIXTURES)(
    '$file ($eventType) fits the canonical schema',
    ({ file, eventType, expected }) => {
      const event = normalize(fixture(file), eventType);
      expect(event).toMatchObject({ domain: 'fulfillment', ...expected });
      expectCanonical(event);
    },
  );
});

describe('Ongoing normalizer: field by field', () => {
  it.each([
    ['order-created.json', 'order.created', 'OPEN', '200'],
    ['order-status-changed.json', 'order.status_changed', 'RELEASED', '300'],
    ['order-picked.json', 'order.picked', 'PICKED', '400'],
    ['doc-example.json', 'order.created', 'UNKNOWN', '0'],
  ])('%s: the docs example with status %s (%s)', (file, eventType, status, providerStatus) => {
    expect(normalize(fixture(file), eventType).data).toEqual({
      ...DOCS_ORDER,
      status,
      providerStatus,
    });
  });

  it('reads ids and numbers sent as strings, and a parcel repeating the waybill once', () => {
    expect(normalize(fixture('messy-numbers-as-strings.json'), 'order.picked').data).toEqual({
      fulfillmentOrderId: '120455',
      goodsOwnerId: '3',
      orderId: null,
      kind: 'OUTBOUND',
      orderNumber: 'SO-2024-0042',
      reference: null,
      // The body is the order now: already shipped when the picked trigger fired.
      status: 'SHIPPED',
      previousStatus: null,
      statusReason: null,
      providerStatus: '450',
      warehouse: 'acme-wh1',
      locationId: null,
      shipmentId: '98765',
      shipTo: null,
      lines: [],
      tracking: [
        {
          carrier: null,
          trackingNumber: '00370712345678901234',
          trackingUrl: 'https://tracking.example.com/?id=00370712345678901234',
          isReturn: false,
        },
      ],
      // The parcel keeps its id, which the tracking list cannot.
      parcels: [
        {
          parcelId: '5511',
          reference: '00370712345678901234',
          carrier: null,
          trackingNumber: '00370712345678901234',
          trackingUrl: 'https://tracking.example.com/?id=00370712345678901234',
          isReturn: false,
          lines: [],
        },
      ],
      expectedAt: null,
      shippedAt: null,
    });
  });

  it('leaves out parcels and tracking that say nothing', () => {
    const data = normalize(fixture('messy-nulls-and-missing.json')).data;
    expect(data.tracking).toEqual([]);
    expect(data).toMatchObject({ status: 'RELEASED', providerStatus: '300', shipmentId: null });
  });

  it('keeps order tracking and parcels apart when they differ, returns included', () => {
    const message = {
      ...fixture('messy-numbers-as-strings.json'),
      tracking: [{ trackingUrl: null, waybill: 'WB-1', isReturn: null }],
      parcels: [
        {
          id: 1,
          parcelNumber: 'P-1',
          isReturnParcel: false,
          tracking: { trackingUrl: 'https://t/P-1' },
        },
        { id: 2, parcelNumber: 'P-2', isReturnParcel: true, tracking: null },
        { id: 3, parcelNumber: '', tracking: { trackingUrl: 'https://t/3' } },
      ],
    };
    expect(normalize(message).data.tracking).toEqual([
      { carrier: null, trackingNumber: 'WB-1', trackingUrl: null, isReturn: false },
      { carrier: null, trackingNumber: 'P-1', trackingUrl: 'https://t/P-1', isReturn: false },
      { carrier: null, trackingNumber: 'P-2', trackingUrl: null, isReturn: true },
      { carrier: null, trackingNumber: null, trackingUrl: 'https://t/3', isReturn: false },
    ]);
  });

  it('names the order without its instance when system is missing', () => {
    const message = without(fixture('messy-extra-fields.json'), 'system');
    const event = normalize(message, 'order.created');
    expect(event.subject).toBe('ongoing/order/120457');
    expect(event.tenant).toBeNull();
    expect(event.data.warehouse).toBeNull();
    expect(event.identity).toEqual(['', 'order.created', '9', '884215']);
  });

  it('leaves tenant, time and event id null when the webhook omits them', () => {
    const message = without(
      fixture('messy-extra-fields.json'),
      'system',
      'timestamp',
      'webhookEventId',
    );
    expect(normalize(message)).toMatchObject({
      tenant: null,
      providerTime: null,
      providerEventId: null,
    });
  });
});

describe('Ongoing normalizer: status table', () => {
  const withStatus = (number: unknown): Json => ({
    ...fixture('messy-extra-fields.json'),
    orderStatus: { number },
  });

  it('gives UNKNOWN for a number the table lacks, and keeps the number', () => {
    expect(normalize(withStatus(410)).data).toMatchObject({
      status: 'UNKNOWN',
      providerStatus: '410',
    });
  });

  it('uses the table it is built with, instead of the standard one', () => {
    const custom = createOngoingNormalizer(new Map([[410, 'PACKED']]));
    const packed = normalized(
      custom(withStatus(410), { eventType: 'order.status_changed' }, CONTEXT),
    );
    expect(packed.data).toMatchObject({ status: 'PACKED', providerStatus: '410' });
    const open = normalized(
      custom(withStatus(200), { eventType: 'order.status_changed' }, CONTEXT),
    );
    expect(open.data).toMatchObject({ status: 'UNKNOWN', providerStatus: '200' });
  });

  it.each([
    [' 1000 ', 'CANCELLED', '1000'],
    ['0150', 'EXCEPTION', '150'],
    ['Open', 'UNKNOWN', 'Open'],
    [400.5, 'UNKNOWN', '400.5'],
    [null, 'UNKNOWN', null],
  ])('status number %j → %s, provider status %j', (number, status, providerStatus) => {
    expect(normalize(withStatus(number)).data).toMatchObject({ status, providerStatus });
  });

  it('gives UNKNOWN and no provider status without orderStatus', () => {
    const message = without(fixture('messy-extra-fields.json'), 'orderStatus');
    expect(normalize(message).data).toMatchObject({ status: 'UNKNOWN', providerStatus: null });
  });
});

describe('Ongoing normalizer: identity', () => {
  const base = fixture('messy-numbers-as-strings.json');

  it('is the instance, trigger and webhookEventId: a retry is the same event, even restamped', () => {
    const first = normalize(base);
    const retry = normalize({ ...base, timestamp: '2024-03-05T09:15:27.0000000' });
    // The trigger (order.status_changed), not the canonical type the status table derives.
    expect(first.identity).toEqual(['acme-wh1', 'order.status_changed', '17', '884213']);
    expect(retry.identity).toEqual(first.identity);
  });

  it('keeps two triggers of one change apart even with one event id', () => {
    expect(normalize(base, 'order.picked').identity).not.toEqual(
      normalize(base, 'order.status_changed').identity,
    );
  });

  it('differs for another event id, or the same event id in another instance', () => {
    const first = normalize(base).identity;
    expect(normalize({ ...base, webhookEventId: 884299 }).identity).not.toEqual(first);
    expect(normalize({ ...base, system: 'acme-wh2' }).identity).not.toEqual(first);
  });

  it('without webhookEventId, is trigger, subject, timestamp and the message', () => {
    const message = without(base, 'webhookEventId');
    const event = normalize(message, 'order.picked');
    expect(event.identity).toEqual([
      'order.picked',
      'ongoing/order/120455',
      '2024-03-05T09:14:27.1234567',
      Buffer.from(JSON.stringify(message)),
    ]);
    expect(normalize(JSON.parse(JSON.stringify(message)), 'order.picked').identity).toEqual(
      event.identity,
    );
    const moved = normalize({ ...message, orderStatus: { number: 500 } }, 'order.picked');
    expect(moved.identity).not.toEqual(event.identity);
  });
});

describe('Ongoing normalizer: failures', () => {
  it.each([[undefined], [null], [''], ['  '], [true]])(
    'orderId %j → NORMALIZATION_FAILED at orderId',
    (orderId) => {
      const message = { ...fixture('order-created.json'), orderId };
      expect(normalizeOngoing(message, { eventType: 'order.created' }, CONTEXT)).toMatchObject({
        code: 'NORMALIZATION_FAILED',
        path: 'orderId',
      });
    },
  );

  it('refuses a message that is not an object, and a type that is not a trigger', () => {
    expect(normalizeOngoing([], { eventType: 'order.created' }, CONTEXT)).toMatchObject({
      code: 'NORMALIZATION_FAILED',
      path: '',
    });
    expect(
      normalizeOngoing(fixture('order-created.json'), { eventType: 'order.deleted' }, CONTEXT),
    ).toMatchObject({
      code: 'NORMALIZATION_FAILED',
      path: '',
    });
  });
});

describe('Ongoing normalizer in the pipeline', () => {
  it('reads the 7-digit timestamp in the configured zone and routes to fulfillment', () => {
    const output = transform(
      {
        topic: 'webhooks.raw.ongoing',
        partition: 0,
        offset: '7',
        key: null,
        value: Buffer.from(JSON.stringify(fixture('messy-numbers-as-strings.json'))),
        headers: { 'wharf-source': 'ongoing', 'wharf-received-at': '2024-03-05T08:14:30.000Z' },
      },
      { ...pipelineDefaults(), timeZone: 'Europe/Stockholm' },
    );
    expect(output).toMatchObject({
      kind: 'domain',
      topic: 'logistics.fulfillment.v1',
      key: 'ongoing/acme-wh1/order/120455',
      event: {
        // The tenant (the instance) first, then the provider's identity.
        id: canonicalEventId('ongoing', ['acme-wh1', 'acme-wh1', 'order.picked', '17', '884213']),
        tenant: 'acme-wh1',
        subject: 'ongoing/acme-wh1/order/120455',
        type: 'fulfillment_order.picked',
        time: '2024-03-05T08:14:27.123Z',
        timeOriginal: '2024-03-05T09:14:27.1234567',
        providerEventType: 'order.picked',
      },
    });
  });
});

describe('Ongoing normalizer: references', () => {
  it("names the goods owner's order number as the order it fulfils", () => {
    const event = normalize(fixture('messy-numbers-as-strings.json'), 'order.picked');
    expect(event.references).toEqual([
      { type: 'ORDER', value: 'SO-2024-0042', qualifier: 'orderNumber' },
    ]);
  });
});

describe('Ongoing normalizer: identity', () => {
  it('does not follow the status table: a redelivery after the table changed is the same event', () => {
    const message = { ...fixture('messy-numbers-as-strings.json'), orderStatus: { number: 410 } };
    const standard = createOngoingNormalizer(ongoingStatusTable(undefined));
    const extended = createOngoingNormalizer(ongoingStatusTable('410=PACKED'));
    const context = { urlEventType: undefined, headers: {} };
    const before = standard(message, { eventType: 'order.status_changed' }, context);
    const after = extended(message, { eventType: 'order.status_changed' }, context);
    if ('code' in before || 'code' in after) throw new Error('not normalized');
    expect([before.type, after.type]).toEqual([
      'fulfillment_order.updated',
      'fulfillment_order.packed',
    ]);
    expect(after.identity).toEqual(before.identity);
  });
});
