import { readdirSync } from 'node:fs';
import avro from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { avroToJsonSchema } from '../../../src/avro/json-schema.ts';
import { PLUGINS } from '../../../src/providers/index.ts';
import {
  avscIssue,
  compiledCheck,
  loadAvroType,
  validateJson,
} from '../../../src/avro/validation.ts';

const type = avro.Type.forSchema(
  {
    type: 'record',
    name: 'Order',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'quantity', type: ['null', 'double', 'string'], default: null },
      {
        name: 'address',
        type: [
          'null',
          {
            type: 'record',
            name: 'Address',
            fields: [{ name: 'city', type: ['null', 'string'], default: null }],
          },
        ],
        default: null,
      },
      { name: 'lines', type: ['null', { type: 'array', items: 'Address' }], default: null },
    ],
  },
  { wrapUnions: false },
);

describe('validateJson', () => {
  it('accepts unknown fields, missing optional ones, numbers as strings', () => {
    expect(validateJson(type, { id: 'o', extra: { deep: [1] }, quantity: '2' })).toBeUndefined();
    expect(
      validateJson(type, { id: 'o', quantity: 2.5, lines: [{ city: 'Paris' }] }),
    ).toBeUndefined();
  });

  it.each([
    [{ id: 7 }, 'body.id'],
    [{ id: 'o', quantity: true }, 'body.quantity'],
    [{ id: 'o', address: { city: 5 } }, 'body.address.city'],
    [{ id: 'o', lines: [{ city: 'x' }, { city: [] }] }, 'body.lines.1.city'],
    [{ id: 'o', lines: [[1, 2]] }, 'body.lines.0'],
    [[1, 2], 'body.id'],
  ])('names the path of %j', (value, path) => {
    expect(validateJson(type, value, 'body')?.path).toBe(path);
  });

  it('refuses an array where a record is expected, even when every field is optional', () => {
    const address = avro.Type.forSchema(
      {
        type: 'record',
        name: 'Address',
        fields: [{ name: 'city', type: ['null', 'string'], default: null }],
      },
      { wrapUnions: false },
    );
    expect(address.isValid(['Paris'])).toBe(true); // what avsc alone says
    expect(validateJson(address, ['Paris'], 'body')?.path).toBe('body');
  });

  it('takes an array by the array branch of a union that also has a record', () => {
    // A Shipwell field of undocumented shape: any scalar, object or list.
    const anything = avro.Type.forSchema(
      [
        'null',
        'double',
        { type: 'record', name: 'Undocumented', fields: [] },
        { type: 'array', items: ['null', 'double', 'Undocumented'] },
      ],
      { wrapUnions: false },
    );
    expect(validateJson(anything, [0.5, {}, null])).toBeUndefined();
    expect(avscIssue(anything, [0.5, {}, null])).toBeUndefined();
    expect(avscIssue(anything, [[1]])?.path).toBe('0');
  });

  it('names named types by name in what it expected', () => {
    expect(validateJson(type, { id: 'o', address: 5 })).toEqual({
      path: 'address',
      expected: '["null","Address"]',
    });
  });
});

describe('the compiled checks', () => {
  /** Every provider schema, parsed as the adapters parse them. */
  const providerTypes = PLUGINS.flatMap((plugin) =>
    readdirSync(plugin.schemas).map(
      (file) => [`${plugin.name}/${file}`, loadAvroType(new URL(file, plugin.schemas))] as const,
    ),
  );

  it('exist for every provider schema', () => {
    for (const [name, providerType] of providerTypes) {
      expect(compiledCheck(providerType), name).not.toBeNull();
    }
  });

  /** Values that sit on the edges of avsc's checks. */
  const edge = fc.constantFrom<unknown>(
    null,
    true,
    0,
    -0,
    1.5,
    2147483647,
    2147483648,
    -2147483648,
    -2147483649,
    9007199254740990,
    9007199254740991,
    -9007199254740991,
    1e300,
    '',
    '12',
    [],
    [{}],
    {},
    { id: 'x' },
  );
  const replacement = fc.oneof(edge, fc.jsonValue({ maxDepth: 2 }));

  /** Every place in a JSON value: a container and one of its keys. */
  function places(value: unknown, into: [Record<string, unknown> | unknown[], string | number][]) {
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        into.push([value, index]);
        places(item, into);
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        into.push([value as Record<string, unknown>, key]);
        places(item, into);
      }
    }
    return into;
  }

  /** A value the schema accepts (avsc's own random value, as JSON), with some places changed. */
  const mutated = (providerType: avro.Type) =>
    fc
      .tuple(
        // A seed of 0 would stay 0: every draw the same.
        fc.integer({ min: 1, max: 2 ** 31 - 2 }),
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.constantFrom('replace', 'delete', 'wrap', 'stringify'),
            replacement,
          ),
          { maxLength: 3 },
        ),
      )
      .map(([seed, changes]) => {
        let state = seed;
        const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
        const saved = Math.random;
        Math.random = random;
        let value: unknown;
        try {
          value = JSON.parse(JSON.stringify(providerType.random()));
        } finally {
          Math.random = saved;
        }
        for (const [at, action, other] of changes) {
          const all = places(value, []);
          const place = all[at % Math.max(all.length, 1)];
          if (place === undefined) continue;
          const [container, key] = place;
          const current = (container as Record<string | number, unknown>)[key];
          // A copy: fast-check hands out the same constant object every time, and putting
          // one instance in two places (or inside itself) would make a cycle.
          const next =
            action === 'replace'
              ? structuredClone(other)
              : action === 'wrap'
                ? [current]
                : action === 'stringify'
                  ? JSON.stringify(current)
                  : undefined;
          if (next === undefined && !Array.isArray(container)) {
            Reflect.deleteProperty(container, key);
          } else {
            (container as Record<string | number, unknown>)[key] = next ?? null;
          }
        }
        return value;
      });

  it.each(providerTypes)('accept exactly what avsc accepts: %s', (_name, providerType) => {
    const check = compiledCheck(providerType);
    fc.assert(
      fc.property(fc.oneof(mutated(providerType), replacement), (value) => {
        expect(check?.(value)).toBe(avscIssue(providerType, value) === undefined);
      }),
      { numRuns: 400 },
    );
  });
});

describe('avroToJsonSchema', () => {
  const record = (fields: avro.schema.RecordType['fields']) =>
    avro.Type.forSchema({ type: 'record', name: 'R', fields }, { wrapUnions: false });

  it('has no translation for types it cannot express exactly, and avsc still checks them', () => {
    // The type, a value it refuses, and one it takes (a JSON value never fits bytes).
    const cases: [avro.Type, unknown, unknown][] = [
      [record([{ name: 'b', type: 'bytes' }]), { b: 'x' }, undefined],
      [
        record([{ name: 'e', type: { type: 'enum', name: 'E', symbols: ['A'] } }]),
        { e: 'B' },
        { e: 'A' },
      ],
      [
        record([{ name: '__proto__', type: 'string' }]),
        JSON.parse('{"__proto__":1}'),
        JSON.parse('{"__proto__":"x"}'),
      ],
    ];
    for (const [type, misfit, fit] of cases) {
      expect(avroToJsonSchema(type)).toBeUndefined();
      expect(compiledCheck(type)).toBeNull();
      expect(validateJson(type, misfit)).toBeDefined();
      if (fit !== undefined) expect(validateJson(type, fit)).toBeUndefined();
    }
  });

  it('has none for a record that contains itself', () => {
    const list = avro.Type.forSchema(
      {
        type: 'record',
        name: 'Node',
        fields: [{ name: 'next', type: ['null', 'Node'], default: null }],
      },
      { wrapUnions: false },
    );
    expect(avroToJsonSchema(list)).toBeUndefined();
    expect(validateJson(list, { next: { next: null } })).toBeUndefined();
    expect(validateJson(list, { next: { next: 5 } })?.path).toBe('next.next');
  });
});
