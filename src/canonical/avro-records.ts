/**
 * Reading the expanded canonical Avro schemas for the generated references
 * (docs/canonical-model.md, docs/reference/): their records, their fields, and
 * the names of their types as a reader says them.
 */
import type { Schema } from 'avsc';

/** A field of an Avro record, as the schema writes it. */
export interface AvroField {
  readonly name: string;
  readonly type: unknown;
  readonly doc?: string;
  readonly default?: unknown;
}

/** An Avro record, as the schema writes it. */
export interface AvroRecord {
  readonly type: 'record';
  readonly name: string;
  readonly namespace?: string;
  readonly doc?: string;
  readonly fields: readonly AvroField[];
}

const NAMESPACE = /^wharf\.canonical\./;

function isRecordSchema(schema: unknown): schema is AvroRecord {
  return (
    typeof schema === 'object' &&
    schema !== null &&
    (schema as { type?: unknown }).type === 'record' &&
    typeof (schema as { name?: unknown }).name === 'string'
  );
}

/** An Avro type as a reader names it: `string`, `null | Address`, `array<Parcel>`. */
export function typeName(type: unknown): string {
  if (typeof type === 'string') return type.replace(NAMESPACE, '');
  if (Array.isArray(type)) return type.map(typeName).join(' | ');
  const node = type as { type: unknown; name?: string; items?: unknown; values?: unknown };
  if (node.type === 'array') return `array<${typeName(node.items)}>`;
  if (node.type === 'map') return `map<${typeName(node.values)}>`;
  return typeName(node.name ?? node.type);
}

/** Whether a field may be null (its type a union with `null`). */
export function isOptional(field: AvroField): boolean {
  return Array.isArray(field.type) && field.type.includes('null');
}

/** Every record of a schema below the top one, depth first, each once (by short name). */
export function nestedRecords(
  schema: unknown,
  found: Map<string, AvroRecord> = new Map(),
): Map<string, AvroRecord> {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const { items, values, type } = node as { items?: unknown; values?: unknown; type?: unknown };
    if (isRecordSchema(node)) {
      const name = typeName(node.name);
      if (found.has(name)) return;
      found.set(name, node);
      for (const field of node.fields) visit(field.type);
      return;
    }
    visit(items);
    visit(values);
    if (typeof type === 'object') visit(type);
  };
  if (isRecordSchema(schema)) for (const field of schema.fields) visit(field.type);
  return found;
}

/** The top record of a domain's expanded schema. */
export function topRecord(schema: Schema): AvroRecord {
  if (!isRecordSchema(schema)) throw new Error('a canonical schema is a record');
  return schema;
}

/**
 * The schema with each full name (`wharf.canonical.Money`) written as a
 * `name` and a `namespace`: the same Avro schema (the same full names, the
 * same canonical form), in the shape AsyncAPI's Avro meta-schema accepts,
 * whose `name` has no dots.
 */
export function withNamespaces(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withNamespaces);
  if (typeof schema !== 'object' || schema === null) return schema;
  const node = Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, withNamespaces(value)]),
  );
  const { name, type } = node as { name?: unknown; type?: unknown };
  const named = type === 'record' || type === 'enum' || type === 'fixed';
  if (!named || typeof name !== 'string' || !name.includes('.')) return node;
  const dot = name.lastIndexOf('.');
  return { ...node, name: name.slice(dot + 1), namespace: name.slice(0, dot) };
}

/** A full name's last part: `OrderEvent` of `wharf.canonical.OrderEvent`. */
export function shortName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}
