/** The HappyColis status table: words, their spelling variants, and precedence. */
import { describe, expect, it } from 'vitest';
import { isFulfillmentStatus } from '../../../../src/canonical/fulfillment-status.ts';
import {
  HAPPYCOLIS_STATUSES,
  happycolisStatus,
} from '../../../../src/providers/happycolis/statuses.ts';

describe('HappyColis statuses', () => {
  it('maps every word to a canonical status other than UNKNOWN, spelled as a table word', () => {
    for (const [word, status] of HAPPYCOLIS_STATUSES) {
      expect(word).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(isFulfillmentStatus(status) && status !== 'UNKNOWN').toBe(true);
    }
  });

  it.each([
    ['in-transit', 'IN_TRANSIT'],
    [' In Transit ', 'IN_TRANSIT'],
    ['integration-error', 'EXCEPTION'],
    ['returned-to-sender', 'RETURNING'],
    ['delivered-to-sender', 'RETURNED'],
    ['expired', 'LOST'],
    ['completed', 'FULFILLED'],
    ['canceled', 'CANCELLED'],
  ])('reads %j as a table word → %s', (value, status) => {
    expect(happycolisStatus(value, 'created')).toBe(status);
    expect(happycolisStatus(null, value)).toBe(status);
  });

  it('lets the event type decide; an update states no status, so it is UNKNOWN', () => {
    expect(happycolisStatus('PACKED', 'shipped')).toBe('SHIPPED');
    expect(happycolisStatus('OPENED', 'delivered')).toBe('DELIVERED');
    expect(happycolisStatus('SOMETHING_NEW', 'shipped')).toBe('SHIPPED');
    expect(happycolisStatus('', 'shipped')).toBe('SHIPPED');
    // The order shipped, then an update carrying a lagging state: not OPEN again.
    expect(happycolisStatus('OPENED', 'updated')).toBe('UNKNOWN');
    expect(happycolisStatus('PACKED', 'updated')).toBe('UNKNOWN');
    expect(happycolisStatus('SHIPPED', 'created')).toBe('SHIPPED');
    expect(happycolisStatus(null, 'created')).toBe('OPEN');
    expect(happycolisStatus(null, 'fulfillment-created')).toBe('UNKNOWN');
  });
});
