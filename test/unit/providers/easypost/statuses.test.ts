/** The EasyPost status table: each status, the details that refine it, and what it does not know. */
import { describe, expect, it } from 'vitest';
import { isFulfillmentStatus } from '../../../../src/canonical/fulfillment-status.ts';
import {
  EASYPOST_DETAIL_REFINEMENTS,
  EASYPOST_STATUSES,
  easypostStatus,
} from '../../../../src/providers/easypost/statuses.ts';

describe('EasyPost statuses', () => {
  it.each([
    ['unknown', 'UNKNOWN'],
    ['pre_transit', 'OPEN'],
    ['in_transit', 'IN_TRANSIT'],
    ['out_for_delivery', 'OUT_FOR_DELIVERY'],
    ['delivered', 'DELIVERED'],
    ['available_for_pickup', 'AVAILABLE_FOR_PICKUP'],
    ['return_to_sender', 'RETURNING'],
    ['failure', 'DELIVERY_ATTEMPT_FAILED'],
    ['cancelled', 'CANCELLED'],
    ['error', 'EXCEPTION'],
  ])('%s → %s', (status, canonical) => {
    expect(easypostStatus(status, null)).toBe(canonical);
  });

  it('covers exactly the ten documented statuses, each with a canonical status', () => {
    expect(EASYPOST_STATUSES.size).toBe(10);
    for (const status of EASYPOST_STATUSES.values()) expect(isFulfillmentStatus(status)).toBe(true);
  });

  it.each([
    ['lost', 'LOST'],
    ['damaged', 'EXCEPTION'],
    ['expired', 'EXCEPTION'],
    ['return', 'RETURNING'],
    ['cancelled', 'CANCELLED'],
    // A delivery was tried and refused: the failure's own meaning.
    ['refused', 'DELIVERY_ATTEMPT_FAILED'],
    ['delivery_exception', 'DELIVERY_ATTEMPT_FAILED'],
    ['address_correction', 'DELIVERY_ATTEMPT_FAILED'],
    ['something_new', 'DELIVERY_ATTEMPT_FAILED'],
  ])('failure refined by %s → %s', (detail, canonical) => {
    expect(easypostStatus('failure', detail)).toBe(canonical);
  });

  it('refines only failure: the same details under other statuses keep the status', () => {
    expect([...EASYPOST_DETAIL_REFINEMENTS.keys()]).toEqual(['FAILURE']);
    // EasyPost classifies a retried failed delivery, and a refusal on the way back, as in_transit.
    expect(easypostStatus('in_transit', 'refused')).toBe('IN_TRANSIT');
    expect(easypostStatus('in_transit', 'delivery_exception')).toBe('IN_TRANSIT');
    expect(easypostStatus('in_transit', 'lost')).toBe('IN_TRANSIT');
    expect(easypostStatus('return_to_sender', 'return')).toBe('RETURNING');
    expect(easypostStatus('return_to_sender', 'arrived_at_destination')).toBe('RETURNING');
    expect(easypostStatus('delivered', 'arrived_at_destination')).toBe('DELIVERED');
  });

  it('never gives RETURNED: no EasyPost detail says the parcel is back', () => {
    for (const status of EASYPOST_STATUSES.keys()) {
      for (const detail of ['return', 'arrived_at_destination', 'delivered', null]) {
        expect(easypostStatus(status, detail)).not.toBe('RETURNED');
      }
    }
  });

  it('an unknown or missing status is UNKNOWN, whatever its detail', () => {
    expect(easypostStatus('held_at_customs', null)).toBe('UNKNOWN');
    expect(easypostStatus('held_at_customs', 'lost')).toBe('UNKNOWN');
    expect(easypostStatus(null, 'lost')).toBe('UNKNOWN');
    expect(easypostStatus('', null)).toBe('UNKNOWN');
  });

  it('reads values as table words (case, blanks and dashes)', () => {
    expect(easypostStatus(' In Transit ', null)).toBe('IN_TRANSIT');
    expect(easypostStatus('FAILURE', 'Lost')).toBe('LOST');
    expect(easypostStatus('return-to-sender', null)).toBe('RETURNING');
  });
});
