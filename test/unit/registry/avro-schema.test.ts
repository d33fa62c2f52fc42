import { describe, expect, it } from 'vitest';

import { parseAvroSchema } from '../../../src/registry/avro-schema.ts';
import { InvalidSchemaError } from '../../../src/registry/errors.ts';

const shipment = {
  type: 'record',
  name: 'Shipment',
  namespace: 'com.acme',
  doc: 'A parcel on its way',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'weightGrams', type: 'int', default: 0 },
    { name: 'carrier', type: ['null', 'string'], default: null },
  ],
};

function normalize(schema: unknown): string {
  return parseAvroSchema(typeof schema === 'string' ? schema : JSON.stringify(schema)).normalized;
}

function parseFailure(text: string): InvalidSchemaError {
  try {
    parseAvroSchema(text);
  } catch (error) {
    if (error instanceof InvalidSchemaError) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected ${text} to be refused`);
}

describe('parseAvroSchema normalization', () => {
  it('ignores formatting and key order', () => {
    const reordered = `{
      "fields": [
        {"type": "string", "name": "id"},
        {"default": 0, "name": "weightGrams", "type": "int"},
        {"default": null, "type": ["null", "string"], "name": "carrier"}
      ],
      "namespace": "com.acme", "doc": "A parcel on its way", "name": "Shipment", "type": "record"
    }`;
    expect(normalize(reordered)).toBe(normalize(shipment));
  });

  it('writes primitives without properties by their bare name', () => {
    const spelledOut = {
      ...shipment,
      fields: [{ name: 'id', type: { type: 'string' } }, ...shipment.fields.slice(1)],
    };
    expect(normalize(spelledOut)).toBe(normalize(shipment));
    expect(normalize({ type: 'long' })).toBe('"long"');
  });

  it('treats the different spellings of a full name as the same schema', () => {
    const dotted = { ...shipment, name: 'com.acme.Shipment', namespace: undefined };
    expect(normalize(dotted)).toBe(normalize(shipment));
  });

  it('treats simple and full references to a named type as the same schema', () => {
    const withReference = (reference: string): unknown => ({
      type: 'record',
      name: 'Route',
      namespace: 'com.acme',
      fields: [
        {
          name: 'from',
          type: { type: 'record', name: 'Stop', fields: [{ name: 'code', type: 'string' }] },
        },
        { name: 'to', type: reference },
      ],
    });
    expect(normalize(withReference('com.acme.Stop'))).toBe(normalize(withReference('Stop')));
  });

  it.each([
    [
      'a default',
      {
        ...shipment,
        fields: [
          ...shipment.fields.slice(0, 1),
          { name: 'weightGrams', type: 'int', default: 1 },
          ...shipment.fields.slice(2),
        ],
      },
    ],
    ['the doc', { ...shipment, doc: 'Another text' }],
    ['aliases', { ...shipment, aliases: ['Parcel'] }],
    [
      'a field order',
      {
        ...shipment,
        fields: [{ name: 'id', type: 'string', order: 'descending' }, ...shipment.fields.slice(1)],
      },
    ],
    ['a custom property', { ...shipment, 'connect.name': 'com.acme.Shipment' }],
  ])('keeps %s, so changing it yields another schema', (_label, changed) => {
    expect(normalize(changed)).not.toBe(normalize(shipment));
  });

  it('keeps logical types, their parameters and null defaults', () => {
    const schema = {
      type: 'record',
      name: 'Invoice',
      fields: [
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        {
          name: 'amount',
          type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 },
        },
        { name: 'note', type: ['null', 'string'], default: null },
      ],
    };
    expect(JSON.parse(normalize(schema))).toEqual({
      type: 'record',
      name: 'Invoice',
      fields: [
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        {
          name: 'amount',
          type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 },
        },
        { name: 'note', type: ['null', 'string'], default: null },
      ],
    });
  });

  it('is idempotent and describes the same Avro type, across namespaces', () => {
    const schema = {
      type: 'record',
      name: 'Envelope',
      namespace: 'com.acme.events',
      fields: [
        {
          name: 'payload',
          type: {
            type: 'record',
            name: 'com.acme.model.Shipment',
            fields: [
              {
                name: 'status',
                type: { type: 'enum', name: 'Status', symbols: ['NEW', 'DONE'], default: 'NEW' },
              },
              { name: 'tag', type: { type: 'fixed', name: 'Tag', namespace: '', size: 4 } },
            ],
          },
        },
        { name: 'previousStatus', type: ['null', 'com.acme.model.Status'], default: null },
        { name: 'tags', type: { type: 'array', items: '.Tag' } },
        { name: 'history', type: { type: 'map', values: 'com.acme.model.Shipment' } },
      ],
    };
    const first = parseAvroSchema(JSON.stringify(schema));
    const second = parseAvroSchema(first.normalized);
    expect(second.normalized).toBe(first.normalized);
    expect(second.type.equals(first.type)).toBe(true);
    expect(JSON.parse(first.normalized)).toMatchObject({
      name: 'Envelope',
      namespace: 'com.acme.events',
      fields: [
        { name: 'payload', type: { name: 'Shipment', namespace: 'com.acme.model' } },
        { name: 'previousStatus', type: ['null', 'com.acme.model.Status'] },
        { name: 'tags', type: { type: 'array', items: '.Tag' } },
        { name: 'history', type: { type: 'map', values: 'com.acme.model.Shipment' } },
      ],
    });
  });
});

describe('parseAvroSchema validation', () => {
  it('refuses text that is not JSON', () => {
    const error = parseFailure('{"type": "record",');
    expect(error.errorCode).toBe(42201);
    expect(error.message).toContain('not valid JSON');
  });

  it('refuses unknown types with the parser message', () => {
    expect(parseFailure('{"type": "strin"}').message).toContain('unknown type');
  });

  it('refuses defaults that do not match the field type', () => {
    const schema = {
      type: 'record',
      name: 'R',
      fields: [{ name: 'n', type: 'int', default: 'x' }],
    };
    expect(parseFailure(JSON.stringify(schema)).message).toContain('incompatible field default');
  });

  it('refuses anonymous records, as Avro Java does', () => {
    const schema = { type: 'record', fields: [{ name: 'n', type: 'int' }] };
    expect(parseFailure(JSON.stringify(schema)).message).toContain('missing name');
  });

  it('refuses references to undefined types', () => {
    const schema = { type: 'record', name: 'R', fields: [{ name: 'n', type: 'Missing' }] };
    expect(parseFailure(JSON.stringify(schema)).message).toContain('undefined type name');
  });
});
