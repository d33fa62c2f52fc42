import { describe, expect, it } from 'vitest';
import { compiledCheck, loadAvroType } from '../../../../src/avro/validation.ts';
import {
  EASYPOST_EVENT_TYPES,
  EASYPOST_SCHEMAS,
  easypostWorker,
} from '../../../../src/providers/easypost/detect-and-validate.ts';
import { CONTEXT, EVENT_FIXTURES, fixture, trackerIn } from './support.ts';
import type { Json } from './support.ts';

const UPDATED = { eventType: 'tracker.updated' };

/** The first tracking detail of a message's Tracker, to change in place. */
function firstDetail(message: Json): Json {
  const details = trackerIn(message).tracking_details;
  if (!Array.isArray(details) || details.length === 0) throw new Error('no tracking details');
  return details[0] as Json;
}

describe('EasyPost detection', () => {
  it('knows tracker.created and tracker.updated', () => {
    expect(easypostWorker.eventTypes).toEqual(['tracker.created', 'tracker.updated']);
  });

  it.each(EASYPOST_EVENT_TYPES)('tells %s by its description', (eventType) => {
    expect(easypostWorker.detect({ description: eventType }, CONTEXT)).toEqual({ eventType });
  });

  it('reads every fixture as the Event its description names', () => {
    for (const name of EVENT_FIXTURES) {
      const message = fixture(name);
      expect(easypostWorker.detect(message, CONTEXT), name).toEqual({
        eventType: message.description,
      });
    }
  });

  it.each(['batch.updated', 'payment.created', 'refund.successful', 'claim.submitted'])(
    'refuses the other Events an unfiltered webhook sends (%s), at description',
    (description) => {
      const message = { ...fixture('tracker.updated.json'), description };
      const detected = easypostWorker.detect(message, CONTEXT);
      expect(detected).toMatchObject({ code: 'UNKNOWN_EVENT_TYPE', path: 'description' });
      expect('message' in detected && detected.message).toContain(JSON.stringify(description));
    },
  );

  it('matches the name exactly: a drifted spelling fails loudly rather than being guessed', () => {
    for (const description of ['Tracker.Updated', ' tracker.updated', 'tracker_updated']) {
      expect(easypostWorker.detect({ description }, CONTEXT)).toMatchObject({
        code: 'UNKNOWN_EVENT_TYPE',
        path: 'description',
      });
    }
  });

  it('refuses a missing or non-string description at description', () => {
    for (const description of [undefined, null, 7, ['tracker.updated'], {}]) {
      expect(easypostWorker.detect({ description }, CONTEXT)).toMatchObject({
        code: 'UNKNOWN_EVENT_TYPE',
        path: 'description',
      });
    }
  });

  it.each([null, 'tracker.updated', 42, [{ description: 'tracker.updated' }]])(
    'refuses a message that is not an object (%j) at the root',
    (message) => {
      expect(easypostWorker.detect(message, CONTEXT)).toMatchObject({
        code: 'UNKNOWN_EVENT_TYPE',
        path: '',
      });
    },
  );

  it('does not let the webhook URL override the body', () => {
    const message = fixture('tracker.updated.json');
    expect(
      easypostWorker.detect(message, { urlEventType: 'tracker.created', headers: {} }),
    ).toEqual(UPDATED);
  });
});

describe('EasyPost validation', () => {
  it.each(EVENT_FIXTURES)('%s fits the tracker Event schema', (name) => {
    const message = fixture(name);
    expect(easypostWorker.validate(message, { eventType: String(message.description) })).toBe(
      undefined,
    );
  });

  it('has a compiled check (the fast path) for its schema', () => {
    const type = loadAvroType(new URL('tracker-event.avsc', EASYPOST_SCHEMAS));
    expect(compiledCheck(type)).not.toBeNull();
  });

  it('needs only a description', () => {
    expect(easypostWorker.validate({ description: 'tracker.updated' }, UPDATED)).toBeUndefined();
  });

  it('refuses a wrong type at its path', () => {
    const message = fixture('tracker.updated.in-transit-fedex.json');
    trackerIn(message).tracking_code = 12345;
    expect(easypostWorker.validate(message, UPDATED)).toMatchObject({
      path: 'result.tracking_code',
    });
  });

  it('refuses a wrong type deep inside, naming the array index', () => {
    const message = fixture('tracker.updated.in-transit-fedex.json');
    const location = firstDetail(message).tracking_location as Json;
    location.city = { name: 'ORLANDO' };
    expect(easypostWorker.validate(message, UPDATED)).toMatchObject({
      path: 'result.tracking_details.0.tracking_location.city',
    });
  });

  it('refuses an array where a record is expected', () => {
    const message = fixture('tracker.updated.in-transit-fedex.json');
    trackerIn(message).carrier_detail = [];
    expect(easypostWorker.validate(message, UPDATED)).toMatchObject({
      path: 'result.carrier_detail',
    });
  });

  it('accepts the numbers and booleans EasyPost may write as strings, and the reverse', () => {
    const message = fixture('tracker.updated.in-transit-fedex.json');
    const tracker = trackerIn(message);
    tracker.weight = '614.4';
    tracker.finalized = 'false';
    (firstDetail(message).tracking_location as Json).zip = 32837;
    expect(easypostWorker.validate(message, UPDATED)).toBeUndefined();
  });

  it('accepts fields it does not declare', () => {
    const message = { ...fixture('tracker.created.json'), webhook_version: 3 };
    trackerIn(message).carrier_account_id = 'ca_1';
    expect(easypostWorker.validate(message, { eventType: 'tracker.created' })).toBeUndefined();
  });

  it('refuses an event type it does not know and a message that is not an object', () => {
    expect(
      easypostWorker.validate({ description: 'batch.updated' }, { eventType: 'batch.updated' }),
    ).toMatchObject({ path: '' });
    expect(easypostWorker.validate([], UPDATED)).toMatchObject({ path: '' });
  });
});
