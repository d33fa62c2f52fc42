import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ONGOING_STATUSES,
  canonicalOngoingStatus,
  ongoingStatusTable,
} from '../../../../src/providers/ongoing/statuses.ts';

describe('Ongoing status table', () => {
  it('maps the standard statuses as documented', () => {
    expect(Object.fromEntries(DEFAULT_ONGOING_STATUSES)).toEqual({
      150: 'EXCEPTION',
      200: 'OPEN',
      300: 'RELEASED',
      320: 'ALLOCATED',
      400: 'PICKED',
      450: 'SHIPPED',
      500: 'COLLECTED',
      800: 'RETURNED',
      1000: 'CANCELLED',
    });
  });

  it('gives UNKNOWN for a number the table lacks', () => {
    expect(canonicalOngoingStatus(410, DEFAULT_ONGOING_STATUSES)).toBe('UNKNOWN');
  });

  it('lets a deployment add and rename statuses', () => {
    const table = ongoingStatusTable(' 410=packed, 450 = DELIVERED ');
    expect(canonicalOngoingStatus(410, table)).toBe('PACKED');
    expect(canonicalOngoingStatus(450, table)).toBe('DELIVERED');
    expect(canonicalOngoingStatus(200, table)).toBe('OPEN');
    expect(ongoingStatusTable(undefined)).toEqual(DEFAULT_ONGOING_STATUSES);
  });

  it.each([['410=PACKT'], ['abc=OPEN'], ['410'], ['4.5=OPEN']])('refuses %s', (pair) => {
    expect(() => ongoingStatusTable(pair)).toThrow(pair);
  });
});
