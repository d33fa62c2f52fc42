import fc from 'fast-check';
import { DateTime } from 'luxon';
import { xxh3 } from '@node-rs/xxhash';
import { parse as parseUuid } from 'uuid';
import { describe, expect, it } from 'vitest';
import { toDecimalString, viaDecimal } from '../../../src/canonical/decimal.ts';
import { canonicalEventId, WHARF_EVENT_NAMESPACE } from '../../../src/canonical/event-id.ts';
import {
  FULFILLMENT_STATUSES,
  isFulfillmentStatus,
} from '../../../src/canonical/fulfillment-status.ts';
import { isKnownZone, readProviderTime } from '../../../src/canonical/time.ts';

describe('canonicalEventId', () => {
  it('is the same for the same provider event and different otherwise', () => {
    const id = canonicalEventId('happycolis', ['msg-1']);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(canonicalEventId('happycolis', ['msg-1'])).toBe(id);
    expect(canonicalEventId('happycolis', ['msg-2'])).not.toBe(id);
    expect(canonicalEventId('ongoing', ['msg-1'])).not.toBe(id);
  });

  it('keeps identity parts apart', () => {
    expect(canonicalEventId('s', ['a|b'])).not.toBe(canonicalEventId('s', ['a', 'b']));
    expect(canonicalEventId('s', ['a', 'b'])).not.toBe(canonicalEventId('s', ['ab']));
    const bytes = (text: string) => Buffer.from(text);
    expect(canonicalEventId('s', [bytes('ab')])).not.toBe(canonicalEventId('s', ['ab']));
    expect(canonicalEventId('s', [bytes('a'), bytes('b')])).not.toBe(
      canonicalEventId('s', [bytes('ab')]),
    );
    expect(canonicalEventId('s', [bytes('a'), 'b'])).not.toBe(
      canonicalEventId('s', ['a', bytes('b')]),
    );
    expect(canonicalEventId('s', ['x', bytes('{"a":1}')])).toBe(
      canonicalEventId('s', ['x', new Uint8Array(bytes('{"a":1}'))]),
    );
  });

  /**
   * The id as its documentation defines it, computed with another XXH3
   * implementation (native, not WebAssembly): XXH3-128 of the name, seeded
   * with the namespace's first 64 bits, version 8 and variant bits set.
   */
  function expectedId(source: string, identity: readonly (string | Uint8Array)[]): string {
    const names = [
      source,
      ...identity.map((part) => (typeof part === 'string' ? part : part.length)),
    ];
    const name = Buffer.concat([
      Buffer.from(JSON.stringify(names)),
      ...identity.filter((part) => typeof part !== 'string'),
    ]);
    const seed = Buffer.from(parseUuid(WHARF_EVENT_NAMESPACE)).readBigUInt64BE(0);
    const hex = xxh3.xxh128(name, seed).toString(16).padStart(32, '0');
    const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
    const uuid = `${hex.slice(0, 12)}8${hex.slice(13, 16)}${variant}${hex.slice(17)}`;
    return [
      uuid.slice(0, 8),
      uuid.slice(8, 12),
      uuid.slice(12, 16),
      uuid.slice(16, 20),
      uuid.slice(20),
    ].join('-');
  }

  it("is the UUIDv8 of XXH3-128 over the name of source and parts, seeded by Wharf's namespace", () => {
    expect(canonicalEventId('ongoing', ['wh1', 'order.picked', '17', '884213'])).toBe(
      expectedId('ongoing', ['wh1', 'order.picked', '17', '884213']),
    );
    const part = fc.oneof(fc.string(), fc.uint8Array({ maxLength: 3000 }));
    fc.assert(
      fc.property(fc.string(), fc.array(part, { maxLength: 6 }), (source, identity) => {
        expect(canonicalEventId(source, identity)).toBe(expectedId(source, identity));
      }),
      { numRuns: 2000 },
    );
  });

  it('is the same for large parts and long names', () => {
    const bytes = (size: number, fill: number) => Buffer.alloc(size, fill);
    const identities: (string | Uint8Array)[][] = [
      ['x', bytes(40_000, 1), bytes(40_000, 2)],
      ['x', bytes(70_000, 3)],
      ['é'.repeat(30_000), bytes(10, 4)],
      ['a'.repeat(70_000)],
      [bytes(65_536 - 20, 5), 'tail', bytes(30, 6)],
    ];
    for (const identity of identities) {
      expect(canonicalEventId('s', identity)).toBe(expectedId('s', identity));
    }
  });
});

describe('readProviderTime', () => {
  it.each([
    ['2024-07-01T02:00:00+02:00', 'UTC', '2024-07-01T00:00:00.000Z'],
    ['2023-12-08T13:56:00', 'UTC', '2023-12-08T13:56:00.000Z'],
    ['2023-12-08T13:56:00', 'Europe/Paris', '2023-12-08T12:56:00.000Z'],
    ['2023-07-08T13:56:00', 'Europe/Paris', '2023-07-08T11:56:00.000Z'],
    ['2023-01-01T12:00:00.0000000', 'UTC', '2023-01-01T12:00:00.000Z'],
    ['2023-01-01T12:00:00.1234567Z', 'Europe/Paris', '2023-01-01T12:00:00.123Z'],
    ['2024-02-29T23:59:59.999Z', 'Europe/Paris', '2024-02-29T23:59:59.999Z'],
  ])('%s in %s is %s, and keeps the original', (value, zone, utc) => {
    expect(readProviderTime(value, zone)).toEqual({ utc, original: value });
  });

  it.each([
    [''],
    ['yesterday'],
    ['2023-13-01T00:00:00'],
    ['2023-02-31T00:00:00.000Z'],
    // A time without a date would be read as today's: the pipeline has no clock.
    ['12:00'],
    ['12:00:00Z'],
    [null],
    [1700000000],
  ])('refuses %j', (value) => {
    expect(readProviderTime(value, 'UTC')).toBeUndefined();
  });

  it('reads every timestamp as luxon does, fast path or not', () => {
    const digits = (length: number, max: number) =>
      fc.integer({ min: 0, max }).map((n) => String(n).padStart(length, '0'));
    const timestamp = fc
      .record({
        year: fc.oneof(digits(4, 9999), digits(4, 2100)),
        month: digits(2, 14),
        day: digits(2, 32),
        hour: digits(2, 25),
        minute: digits(2, 61),
        second: digits(2, 61),
        fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
        offset: fc.constantFrom(
          '',
          'Z',
          '+02:00',
          '-05:30',
          '+14:00',
          '-00:00',
          '+23:59',
          '+24:00',
        ),
      })
      .map(
        (t) =>
          `${t.year}-${t.month}-${t.day}T${t.hour}:${t.minute}:${t.second}${t.fraction === undefined ? '' : `.${t.fraction}`}${t.offset}`,
      );
    fc.assert(
      fc.property(timestamp, fc.constantFrom('UTC', 'Europe/Paris'), (value, zone) => {
        const luxon = DateTime.fromISO(value, { zone, setZone: true });
        expect(readProviderTime(value, zone)?.utc).toBe(
          luxon.isValid ? luxon.toUTC().toISO() : undefined,
        );
      }),
      { numRuns: 10_000 },
    );
    // luxon is slow: 10,000 timestamps take about 0.5 s alone, far more on a busy machine.
  }, 60_000);

  it('knows zones', () => {
    expect(isKnownZone('Europe/Paris')).toBe(true);
    expect(isKnownZone('Mars/Olympus')).toBe(false);
  });
});

describe('toDecimalString', () => {
  it.each([
    [10.0, '10'],
    [0.2, '0.2'],
    [12.5, '12.5'],
    [-3, '-3'],
    [1e-7, '0.0000001'],
    ['200.00', '200'],
    [' 4000 ', '4000'],
    ['.5', '0.5'],
    ['1e3', '1000'],
  ])('%j → %s', (value, expected) => {
    expect(toDecimalString(value)).toBe(expected);
  });

  it.each([
    [null],
    [''],
    ['abc'],
    ['0x10'],
    ['1,5'],
    [Number.NaN],
    [Infinity],
    [true],
    [{}],
    ['1e100000000'],
    ['1e999'],
    [1e200],
    ['1'.repeat(150)],
  ])('refuses %j', (value) => {
    expect(toDecimalString(value)).toBeUndefined();
  });

  it('gives what decimal.js gives, shortcut or not', () => {
    const plain = fc
      .tuple(
        fc.constantFrom('', '-', '+', ' '),
        fc.oneof(fc.stringMatching(/^\d{1,45}$/), fc.stringMatching(/^[1-9]\d{25,45}$/)),
        fc.option(fc.oneof(fc.stringMatching(/^\d{0,45}$/), fc.stringMatching(/^\d{30,45}[1-9]$/))),
      )
      .map(
        ([sign, whole, fraction]) => `${sign}${whole}${fraction === null ? '' : `.${fraction}`}`,
      );
    const value = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.double({ min: -1e6, max: 1e6 }),
      plain,
      fc.constantFrom('-0', '0', '-0.0', '00', '0.10', '1e3', '-', '.'),
      fc.string(),
    );
    fc.assert(
      fc.property(value, (input) => {
        expect(toDecimalString(input)).toBe(viaDecimal(input));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('fulfillment statuses', () => {
  it('are one closed list in lifecycle order, with the carrier steps each their own', () => {
    expect(FULFILLMENT_STATUSES).toEqual([
      'OPEN',
      'RELEASED',
      'ALLOCATED',
      'PICKING',
      'PICKED',
      'PACKED',
      'FULFILLED',
      'SHIPPED',
      'COLLECTED',
      'IN_TRANSIT',
      'OUT_FOR_DELIVERY',
      'AVAILABLE_FOR_PICKUP',
      'DELIVERY_ATTEMPT_FAILED',
      'DELIVERED',
      'RETURNING',
      'RETURNED',
      'LOST',
      'REJECTED',
      'CANCELLED',
      'EXCEPTION',
      'UNKNOWN',
    ]);
    expect(isFulfillmentStatus('PICKED')).toBe(true);
    expect(isFulfillmentStatus('picked')).toBe(false);
  });
});
