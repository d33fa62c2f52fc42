import { describe, expect, it } from 'vitest';

import { parseAvroSchema } from '../../../src/registry/avro-schema.ts';
import {
  checkCompatibility,
  COMPATIBILITY_LEVELS,
  explainIncompatibility,
  parseCompatibilityLevel,
} from '../../../src/registry/compatibility.ts';
import type { CompatibilityLevel, VersionedType } from '../../../src/registry/compatibility.ts';
import { InvalidCompatibilityLevelError } from '../../../src/registry/errors.ts';

type Field = Record<string, unknown>;

function shipment(...fields: Field[]): unknown {
  return { type: 'record', name: 'Shipment', namespace: 'com.acme', fields };
}

function typeOf(schema: unknown): VersionedType['type'] {
  return parseAvroSchema(JSON.stringify(schema)).type;
}

function history(...schemas: unknown[]): VersionedType[] {
  return schemas.map((schema, index) => ({ version: index + 1, type: typeOf(schema) }));
}

function accepts(level: CompatibilityLevel, existing: unknown[], candidate: unknown): boolean {
  return checkCompatibility(typeOf(candidate), history(...existing), level).length === 0;
}

const id = { name: 'id', type: 'string' };
const statusEnum = (symbols: string[], defaultSymbol?: string): unknown => ({
  type: 'enum',
  name: 'Status',
  symbols,
  ...(defaultSymbol === undefined ? {} : { default: defaultSymbol }),
});

describe('checkCompatibility against the latest version', () => {
  type Expectation = Record<'NONE' | 'BACKWARD' | 'FORWARD' | 'FULL', boolean>;
  const cases: [string, unknown, unknown, Expectation][] = [
    [
      'adding a field with a default',
      shipment(id),
      shipment(id, { name: 'carrier', type: 'string', default: 'unknown' }),
      { NONE: true, BACKWARD: true, FORWARD: true, FULL: true },
    ],
    [
      'adding a field without a default',
      shipment(id),
      shipment(id, { name: 'carrier', type: 'string' }),
      { NONE: true, BACKWARD: false, FORWARD: true, FULL: false },
    ],
    [
      'removing a field that had no default',
      shipment(id, { name: 'carrier', type: 'string' }),
      shipment(id),
      { NONE: true, BACKWARD: true, FORWARD: false, FULL: false },
    ],
    [
      'removing a field that had a default',
      shipment(id, { name: 'carrier', type: 'string', default: 'unknown' }),
      shipment(id),
      { NONE: true, BACKWARD: true, FORWARD: true, FULL: true },
    ],
    [
      'promoting int to long',
      shipment({ name: 'weight', type: 'int' }),
      shipment({ name: 'weight', type: 'long' }),
      { NONE: true, BACKWARD: true, FORWARD: false, FULL: false },
    ],
    [
      'changing string to int',
      shipment({ name: 'weight', type: 'string' }),
      shipment({ name: 'weight', type: 'int' }),
      { NONE: true, BACKWARD: false, FORWARD: false, FULL: false },
    ],
    [
      'adding an enum symbol',
      shipment({ name: 'status', type: statusEnum(['NEW', 'DONE']) }),
      shipment({ name: 'status', type: statusEnum(['NEW', 'DONE', 'LOST']) }),
      { NONE: true, BACKWARD: true, FORWARD: false, FULL: false },
    ],
    [
      'adding an enum symbol when the old enum has a default',
      shipment({ name: 'status', type: statusEnum(['NEW', 'DONE'], 'NEW') }),
      shipment({ name: 'status', type: statusEnum(['NEW', 'DONE', 'LOST'], 'NEW') }),
      { NONE: true, BACKWARD: true, FORWARD: true, FULL: true },
    ],
    [
      'widening a field to a union',
      shipment({ name: 'carrier', type: 'string' }),
      shipment({ name: 'carrier', type: ['null', 'string'] }),
      { NONE: true, BACKWARD: true, FORWARD: false, FULL: false },
    ],
    [
      'moving the record to another namespace (names match unqualified, as in Avro Java)',
      shipment(id),
      { type: 'record', name: 'Shipment', namespace: 'org.other', fields: [id] },
      { NONE: true, BACKWARD: true, FORWARD: true, FULL: true },
    ],
    [
      'renaming the record without an alias',
      shipment(id),
      { type: 'record', name: 'Parcel', namespace: 'com.acme', fields: [id] },
      { NONE: true, BACKWARD: false, FORWARD: false, FULL: false },
    ],
  ];

  describe.each(cases)('%s', (_label, previous, candidate, expected) => {
    it.each(Object.entries(expected))('%s → %s', (level, compatible) => {
      expect(accepts(parseCompatibilityLevel(level), [previous], candidate)).toBe(compatible);
    });
  });

  it('accepts anything when there is no previous version', () => {
    for (const level of COMPATIBILITY_LEVELS) {
      expect(checkCompatibility(typeOf(shipment(id)), [], level)).toEqual([]);
    }
  });

  it('only looks at the latest version for non-transitive levels', () => {
    const v1 = shipment({ name: 'weight', type: 'string' });
    const v2 = shipment({ name: 'weight', type: 'int' });
    expect(accepts('BACKWARD', [v1, v2], v2)).toBe(true);
    expect(accepts('BACKWARD_TRANSITIVE', [v1, v2], v2)).toBe(false);
  });
});

describe('checkCompatibility with transitive levels', () => {
  it('BACKWARD_TRANSITIVE: the new schema must read every version', () => {
    const v1 = shipment(id);
    const v2 = shipment(id, { name: 'carrier', type: 'string', default: 'unknown' });
    const candidate = shipment(id, { name: 'carrier', type: 'string' });
    expect(accepts('BACKWARD', [v1, v2], candidate)).toBe(true);
    expect(accepts('BACKWARD_TRANSITIVE', [v1, v2], candidate)).toBe(false);
  });

  it('FORWARD_TRANSITIVE: every version must read the new schema', () => {
    const v1 = shipment(id, { name: 'carrier', type: 'string' });
    const v2 = shipment(id, { name: 'carrier', type: 'string', default: 'unknown' });
    const candidate = shipment(id);
    expect(accepts('FORWARD', [v1, v2], candidate)).toBe(true);
    expect(accepts('FORWARD_TRANSITIVE', [v1, v2], candidate)).toBe(false);
  });

  it('FULL_TRANSITIVE: both directions against every version', () => {
    const v1 = shipment(id, { name: 'carrier', type: 'string' });
    const v2 = shipment(id, { name: 'carrier', type: 'string', default: 'unknown' });
    const candidate = shipment(id);
    expect(accepts('FULL', [v1, v2], candidate)).toBe(true);
    expect(accepts('FULL_TRANSITIVE', [v1, v2], candidate)).toBe(false);
  });

  it('reports one message per failing version, naming it', () => {
    const v1 = shipment({ name: 'weight', type: 'string' });
    const v2 = shipment({ name: 'weight', type: 'boolean' });
    const candidate = shipment({ name: 'weight', type: 'int' });
    const messages = checkCompatibility(typeOf(candidate), history(v1, v2), 'FULL_TRANSITIVE');
    expect(messages).toHaveLength(4);
    expect(messages[0]).toContain('version 2');
    expect(messages.filter((message) => message.includes('version 1'))).toHaveLength(2);
  });
});

describe('explainIncompatibility', () => {
  it('names the field whose type changed and keeps the avsc text', () => {
    const problem = explainIncompatibility(
      typeOf(shipment(id, { name: 'weight', type: 'int' })),
      typeOf(shipment(id, { name: 'weight', type: 'string' })),
    );
    expect(problem).toContain('com.acme.Shipment.weight');
    expect(problem).toContain('cannot read "string" as "int"');
  });

  it('names nested fields, array items and map values', () => {
    const wrap = (leaf: string): unknown =>
      shipment({
        name: 'legs',
        type: {
          type: 'array',
          items: {
            type: 'record',
            name: 'Leg',
            fields: [{ name: 'stops', type: { type: 'map', values: leaf } }],
          },
        },
      });
    const problem = explainIncompatibility(typeOf(wrap('int')), typeOf(wrap('string')));
    expect(problem).toContain('com.acme.Shipment.legs[].stops{}');
  });

  it('names a field added without a default', () => {
    const problem = explainIncompatibility(
      typeOf(shipment(id, { name: 'carrier', type: 'string' })),
      typeOf(shipment(id)),
    );
    expect(problem).toContain('default-less');
    expect(problem).toContain('carrier');
  });

  it('lists the enum symbols the reader lacks', () => {
    const problem = explainIncompatibility(
      typeOf(statusEnum(['NEW'])),
      typeOf(statusEnum(['NEW', 'LOST'])),
    );
    expect(problem).toContain('LOST');
  });

  it.each([
    ['through a union', ['null', 'Node']],
    ['directly', 'Node'],
  ])('terminates on schemas recursive %s', (_label, nextType) => {
    const list = (valueType: string): unknown => ({
      type: 'record',
      name: 'Node',
      fields: [
        { name: 'next', type: nextType },
        { name: 'value', type: valueType },
      ],
    });
    const problem = explainIncompatibility(typeOf(list('int')), typeOf(list('string')));
    expect(problem).toContain('Node.next');
    expect(problem).toContain('cannot read');
  });

  it('returns undefined when the reader can read the writer', () => {
    expect(explainIncompatibility(typeOf(shipment(id)), typeOf(shipment(id)))).toBeUndefined();
  });
});

describe('parseCompatibilityLevel', () => {
  it('accepts every level, case-insensitively', () => {
    for (const level of COMPATIBILITY_LEVELS) {
      expect(parseCompatibilityLevel(level.toLowerCase())).toBe(level);
    }
  });

  it('refuses unknown levels with Confluent code 42203', () => {
    expect(() => parseCompatibilityLevel('SIDEWAYS')).toThrow(InvalidCompatibilityLevelError);
    expect(() => parseCompatibilityLevel('SIDEWAYS')).toThrow(/Invalid compatibility level/);
    expect(new InvalidCompatibilityLevelError('x').errorCode).toBe(42203);
  });
});
