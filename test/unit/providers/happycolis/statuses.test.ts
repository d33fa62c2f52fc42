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
    ['in-transit', 'SHIPPED'],
    [' In Transit ', 'SHIPPED'],
    ['integration-error', 'ERROR'],
    ['delivered-to-sender', 'RETURNED'],
    ['canceled', 'CANCELLED'],
  ])('reads %j as a table word → %s', (value, status) => {
    expect(happycolisStatus(value, 'updated')).toBe(status);
    expect(happycolisStatus(null, value)).toBe(status);
  });

  it('lets a status action decide, and the state decide for created, updated, fulfillment-created', () => {
    expect(happycolisStatus('PACKED', 'shipped')).toBe('SHIPPED');
    expect(happycolisStatus('OPENED', 'delivered')).toBe('DELIVERED');
    expect(happycolisStatus('SOMETHING_NEW', 'shipped')).toBe('SHIPPED');
    expect(happycolisStatus('', 'shipped')).toBe('SHIPPED');
    expect(happycolisStatus('PACKED', 'updated')).toBe('PACKED');
    expect(happycolisStatus('SHIPPED', 'created')).toBe('SHIPPED');
    expect(happycolisStatus(null, 'created')).toBe('OPEN');
    expect(happycolisStatus('SOMETHING_NEW', 'updated')).toBe('UNKNOWN');
    expect(happycolisStatus(null, 'fulfillment-created')).toBe('UNKNOWN');
  });
});
