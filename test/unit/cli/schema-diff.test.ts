import avsc from 'avsc';
import type { Schema } from 'avsc';
import { describe, expect, it } from 'vitest';
import { checkCompatibility } from '../../../src/registry/compatibility.ts';
import { explainFieldChanges } from '../../../src/ops/schema-diff.ts';

interface RecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  aliases?: string[];
  fields: { name: string; type: unknown; default?: unknown }[];
}

const BASE: RecordSchema = {
  type: 'record',
  name: 'Event',
  namespace: 'wharf.canonical',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'count', type: 'long' },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OPEN', 'SHIPPED'] } },
    {
      name: 'lines',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Line',
          fields: [{ name: 'quantity', type: ['null', 'string'], default: null }],
        },
      },
    },
  ],
};

const type = (schema: RecordSchema) =>
  avsc.Type.forSchema(schema as unknown as Schema, { noAnonymousTypes: true });

function changed(change: (schema: RecordSchema) => void) {
  const schema = structuredClone(BASE);
  change(schema);
  return type(schema);
}

/** The explanation, checked to agree with the registry's verdict. */
function explain(next: ReturnType<typeof type>, previous = type(BASE)) {
  const problems = explainFieldChanges(next, previous);
  const verdict = checkCompatibility(next, [{ version: 1, type: previous }], 'BACKWARD');
  expect(problems.length > 0).toBe(verdict.length > 0);
  return problems.map(({ path, field, reason }) => ({ path, field, reason }));
}

describe('explainFieldChanges (backward: the new schema reads the old data)', () => {
  it('finds nothing in compatible changes', () => {
    expect(explain(type(BASE))).toEqual([]);
    expect(
      explain(
        changed((s) => s.fields.push({ name: 'tenant', type: ['null', 'string'], default: null })),
      ),
    ).toEqual([]);
    expect(explain(changed((s) => s.fields.splice(0, 1)))).toEqual([]);
    // int → long is a promotion Avro reads.
    expect(explain(changed((s) => (s.fields[1] = { name: 'count', type: 'double' })))).toEqual([]);
  });

  it('names a field added without a default', () => {
    expect(explain(changed((s) => s.fields.push({ name: 'tenant', type: 'string' })))).toEqual([
      {
        path: 'Event.tenant',
        field: 'tenant',
        reason: 'field `tenant` added without a default',
      },
    ]);
  });

  it('names a changed type, also inside arrays and unions', () => {
    expect(explain(changed((s) => (s.fields[1] = { name: 'count', type: 'string' })))).toEqual([
      { path: 'Event.count', field: 'count', reason: 'type changed long → string' },
    ]);
    const line = changed((s) => {
      (s.fields[3] as { type: { items: RecordSchema } }).type.items.fields[0] = {
        name: 'quantity',
        type: 'string',
      };
    });
    expect(explain(line)).toEqual([
      {
        path: 'Event.lines[].quantity',
        field: 'quantity',
        reason: 'type changed [null, string] → string: null values written before cannot be read',
      },
    ]);
  });

  it('names removed enum symbols and renamed records, and lists every problem', () => {
    const problems = explain(
      changed((s) => {
        s.name = 'Renamed';
        s.fields[2] = { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OPEN'] } };
        s.fields.push({ name: 'tenant', type: 'string' });
      }),
    );
    expect(problems.map((problem) => problem.reason)).toEqual([
      'record renamed Event → Renamed without an alias',
      'enum symbol SHIPPED removed, and the enum has no default',
      'field `tenant` added without a default',
    ]);
    // An alias makes the rename readable.
    expect(explain(changed((s) => ((s.name = 'Renamed'), (s.aliases = ['Event']))))).toEqual([]);
  });

  it('tells a removed field from the old readers’ side (forward)', () => {
    const next = changed((s) => s.fields.splice(0, 1));
    expect(explainFieldChanges(type(BASE), next, 'forward')).toEqual([
      {
        path: 'Event.id',
        field: 'id',
        reason: 'field `id` removed, and the previous schema has no default for it',
      },
    ]);
  });
});
