import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { validateJson } from '../../../src/providers/avro-validation.ts';

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
    expect(validateJson(anything, [[1]])?.path).toBe('0');
  });

  it('names named types by name in what it expected', () => {
    expect(validateJson(type, { id: 'o', address: 5 })).toEqual({
      path: 'address',
      expected: '["null","Address"]',
    });
  });
});
