import { describe, expect, it } from 'vitest';
import { EACH, canonicalUnit } from '../../../src/canonical/units.ts';

describe('canonical units', () => {
  it.each([
    ['pcs', EACH],
    ['Each', EACH],
    ['kg', 'KG'],
    ['Kilograms', 'KG'],
    ['lbs', 'LB'],
    [' cm ', 'CM'],
    ['inches', 'IN'],
  ])('read %j as %s', (sent, code) => {
    expect(canonicalUnit(sent)).toBe(code);
  });

  it('keep a unit the vocabulary lacks, in upper case, and none as none', () => {
    expect(canonicalUnit('pallet')).toBe('PALLET');
    expect(canonicalUnit('')).toBeNull();
    expect(canonicalUnit(null)).toBeNull();
  });
});
