/**
 * Whatever a tracker Event holds, the normalizer never throws: an Event the
 * schema accepts gives an event that fits the shipments schema, or a
 * NORMALIZATION_FAILED naming the field that keeps it from naming a parcel.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { easypostWorker } from '../../../../src/providers/easypost/detect-and-validate.ts';
import { EVENT_FIXTURES, attempt, expectFitsSchema, fixture } from './support.ts';

const STATUSES = [
  'unknown',
  'pre_transit',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'available_for_pickup',
  'return_to_sender',
  'failure',
  'cancelled',
  'error',
];

const DETAILS = ['lost', 'damaged', 'refused', 'return', 'arrived_at_facility', 'unknown'];

/** A value EasyPost documents, one it may add, or anything. */
const word = (known: readonly string[]) =>
  fc.oneof(fc.constantFrom(...known), fc.string({ maxLength: 12 }));

/** Optional and nullable, as the schema has every field. */
function maybe<T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | null | undefined> {
  return fc.oneof(value, fc.constant(null), fc.constant(undefined));
}

/** Drops the undefined fields, which JSON would not have. */
function defined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

const time = fc
  .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
  .chain((date) =>
    fc.constantFrom(
      date.toISOString(),
      date.toISOString().replace('.000Z', 'Z'),
      date.toISOString().replace('Z', '+02:00'),
      date.toISOString().slice(0, 10),
    ),
  );

const trackingLocation = fc
  .record({
    object: maybe(fc.constant('TrackingLocation')),
    city: maybe(fc.string()),
    state: maybe(fc.string({ maxLength: 3 })),
    country: maybe(fc.string({ maxLength: 3 })),
    zip: maybe(fc.oneof(fc.string({ maxLength: 10 }), fc.integer({ min: 0, max: 99999 }))),
  })
  .map(defined);

const trackingDetail = fc
  .record({
    object: maybe(fc.constant('TrackingDetail')),
    message: maybe(fc.string()),
    status: maybe(word(STATUSES)),
    status_detail: maybe(word(DETAILS)),
    datetime: maybe(time),
    source: maybe(fc.string()),
    carrier_code: maybe(fc.string({ maxLength: 4 })),
    tracking_location: maybe(trackingLocation),
  })
  .map(defined);

const tracker = fc
  .record({
    id: maybe(fc.string()),
    tracking_code: maybe(fc.string({ maxLength: 30 })),
    carrier: maybe(fc.string({ maxLength: 12 })),
    status: maybe(word(STATUSES)),
    status_detail: maybe(word(DETAILS)),
    signed_by: maybe(fc.string()),
    weight: maybe(
      fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 8 })),
    ),
    est_delivery_date: maybe(time),
    shipment_id: maybe(fc.string()),
    public_url: maybe(fc.webUrl()),
    tracking_details: maybe(fc.array(trackingDetail, { maxLength: 5 })),
    carrier_detail: maybe(
      fc
        .record({
          service: maybe(fc.string()),
          destination_tracking_location: maybe(trackingLocation),
        })
        .map(defined),
    ),
    is_return: maybe(fc.oneof(fc.boolean(), fc.constantFrom('true', 'false'))),
  })
  .map(defined);

const trackerEvent = fc
  .record({
    description: fc.constantFrom('tracker.created', 'tracker.updated'),
    id: maybe(fc.string()),
    created_at: maybe(time),
    user_id: maybe(fc.string()),
    previous_attributes: maybe(fc.oneof(fc.jsonValue(), fc.record({ status: word(STATUSES) }))),
    result: maybe(tracker),
  })
  .map(defined);

/** The paths a failure may name: the fields that name a parcel. */
const PARCEL_PATHS = ['result', 'result.tracking_code', 'result.carrier'];

describe('EasyPost normalizer robustness', () => {
  it('random valid tracker Events never throw, and always fit the schema or name a parcel field', () => {
    fc.assert(
      fc.property(trackerEvent, (message) => {
        const eventType = String(message.description);
        expect(easypostWorker.validate(message, { eventType })).toBeUndefined();
        const result = attempt(message, eventType);
        if ('code' in result) {
          expect(result.code).toBe('NORMALIZATION_FAILED');
          expect(PARCEL_PATHS).toContain(result.path);
        } else {
          expectFitsSchema(result as Parameters<typeof expectFitsSchema>[0], message, eventType);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('fixtures with a field swapped for any JSON never throw', () => {
    const mutated = fc
      .constantFrom(...EVENT_FIXTURES)
      .chain((name) => {
        const message = fixture(name);
        const result = message.result as Record<string, unknown>;
        return fc.record({
          message: fc.constant(message),
          key: fc.constantFrom(...Object.keys(result)),
          value: fc.jsonValue(),
        });
      })
      .map(({ message, key, value }) => {
        const copy = structuredClone(message);
        (copy.result as Record<string, unknown>)[key] = value;
        return copy;
      });
    fc.assert(
      fc.property(mutated, (message) => {
        const eventType = String(message.description);
        const result = attempt(message, eventType);
        if (!('code' in result) && easypostWorker.validate(message, { eventType }) === undefined) {
          expectFitsSchema(result as Parameters<typeof expectFitsSchema>[0], message, eventType);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on any JSON at all', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('tracker.created', 'tracker.updated'),
        fc.jsonValue(),
        (type, message) => {
          const detected = easypostWorker.detect(message, { urlEventType: undefined, headers: {} });
          expect(detected).toBeDefined();
          expect(() => easypostWorker.validate(message, { eventType: type })).not.toThrow();
          expect(() => attempt(message, type)).not.toThrow();
        },
      ),
      { numRuns: 300 },
    );
  });
});
