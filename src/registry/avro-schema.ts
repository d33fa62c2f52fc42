/**
 * Parsing and normalization of Avro schemas.
 *
 * The normalized form is the registry's identity key and what it hands back to clients. It mirrors
 * what Confluent stores (Avro Java's `Schema.toString()`): formatting, key order and the way names
 * and namespaces are spelled do not matter, but everything that changes how data is read or
 * documented (defaults, aliases, doc, logical types, custom properties) is kept. Avro's Parsing
 * Canonical Form is deliberately not used: it drops defaults, so two schemas that resolve data
 * differently would share an id.
 */
import avsc from 'avsc';
import type { Schema, Type } from 'avsc';

import { InvalidSchemaError } from './errors.ts';

/** A JSON value as produced by normalization. */
export type Json =
  null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** A schema that parsed as valid Avro, with its normalized text. */
export interface ParsedAvroSchema {
  /** Normalized JSON text: identical for equivalent spellings of the same schema. */
  readonly normalized: string;
  /** The avsc type, used for compatibility checks. */
  readonly type: Type;
}

type JsonObject = Readonly<Record<string, unknown>>;
type Entry = readonly [string, Json];

const PRIMITIVES: ReadonlySet<string> = new Set([
  'null',
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'bytes',
  'string',
]);

/** Attributes with a fixed position in the output; everything else is a custom property. */
const RESERVED = {
  record: new Set(['type', 'name', 'namespace', 'doc', 'fields', 'aliases']),
  field: new Set(['name', 'type', 'doc', 'default', 'order', 'aliases']),
  enum: new Set(['type', 'name', 'namespace', 'doc', 'symbols', 'default', 'aliases']),
  fixed: new Set(['type', 'name', 'namespace', 'doc', 'size', 'aliases']),
  array: new Set(['type', 'items']),
  map: new Set(['type', 'values']),
  primitive: new Set(['type']),
} as const;

/**
 * Parses and validates an Avro schema given as JSON text.
 *
 * @param text - The schema as sent by the client (the `schema` field of a request).
 * @returns The normalized text and the avsc type.
 * @throws {@link InvalidSchemaError} when the text is not JSON or not a valid Avro schema.
 */
export function parseAvroSchema(text: string): ParsedAvroSchema {
  const raw = parseJson(text);
  const type = toAvscType(raw);
  return { normalized: JSON.stringify(normalizeSchema(raw, undefined)), type };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidSchemaError(`Invalid Avro schema: not valid JSON (${messageOf(error)})`);
  }
}

function toAvscType(raw: unknown): Type {
  try {
    // Avro Java (what Confluent runs) refuses anonymous named types; avsc only does when asked.
    return avsc.Type.forSchema(raw as Schema, { noAnonymousTypes: true });
  } catch (error) {
    throw new InvalidSchemaError(`Invalid Avro schema: ${messageOf(error)}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Normalizes a schema node. Only called after avsc accepted the schema, so the shape checks below
 * are for the type checker; they still fail loudly rather than guess.
 */
function normalizeSchema(node: unknown, namespace: string | undefined): Json {
  if (typeof node === 'string') {
    return PRIMITIVES.has(node) ? node : relativeName(qualify(node, namespace), namespace);
  }
  if (Array.isArray(node)) {
    return node.map((branch: unknown) => normalizeSchema(branch, namespace));
  }
  if (isJsonObject(node)) {
    return normalizeDefinition(node, namespace);
  }
  throw new InvalidSchemaError(`Invalid Avro schema: unexpected node ${JSON.stringify(node)}`);
}

function normalizeDefinition(node: JsonObject, namespace: string | undefined): Json {
  const type = node['type'];
  if (typeof type === 'string' && PRIMITIVES.has(type)) {
    const props = customProps(node, RESERVED.primitive);
    // Avro Java writes a primitive without properties as its bare name.
    return props.length === 0 ? type : Object.fromEntries([['type', type], ...props]);
  }
  switch (type) {
    case 'record':
    case 'error':
      return normalizeRecord(node, type, namespace);
    case 'enum':
      return normalizeEnum(node, namespace);
    case 'fixed':
      return normalizeFixed(node, namespace);
    case 'array':
      return Object.fromEntries([
        ['type', 'array'],
        ['items', normalizeSchema(node['items'], namespace)],
        ...customProps(node, RESERVED.array),
      ]);
    case 'map':
      return Object.fromEntries([
        ['type', 'map'],
        ['values', normalizeSchema(node['values'], namespace)],
        ...customProps(node, RESERVED.map),
      ]);
    default:
      throw new InvalidSchemaError(`Invalid Avro schema: unknown type ${JSON.stringify(type)}`);
  }
}

function normalizeRecord(node: JsonObject, type: string, namespace: string | undefined): Json {
  const name = namedHeader(node, namespace);
  const fields = arrayOf(node['fields']).map((field) => normalizeField(field, name.space));
  return Object.fromEntries([
    ['type', type],
    ...name.entries,
    ...docEntry(node),
    ['fields', fields],
    ...customProps(node, RESERVED.record),
    ...aliasesEntry(node),
  ]);
}

function normalizeField(field: unknown, namespace: string | undefined): Json {
  if (!isJsonObject(field)) {
    throw new InvalidSchemaError('Invalid Avro schema: a record field is not an object');
  }
  const entries: Entry[] = [
    ['name', stringOf(field['name'])],
    ['type', normalizeSchema(field['type'], namespace)],
    ...docEntry(field),
  ];
  // `"default": null` is meaningful, so presence is what counts, not the value.
  if (Object.hasOwn(field, 'default')) {
    entries.push(['default', canonicalJson(field['default'])]);
  }
  const order = field['order'];
  if (order !== undefined && order !== 'ascending') {
    entries.push(['order', canonicalJson(order)]);
  }
  return Object.fromEntries([
    ...entries,
    ...aliasesEntry(field),
    ...customProps(field, RESERVED.field),
  ]);
}

function normalizeEnum(node: JsonObject, namespace: string | undefined): Json {
  const entries: Entry[] = [
    ['type', 'enum'],
    ...namedHeader(node, namespace).entries,
    ...docEntry(node),
    ['symbols', canonicalJson(node['symbols'])],
  ];
  if (Object.hasOwn(node, 'default')) {
    entries.push(['default', canonicalJson(node['default'])]);
  }
  return Object.fromEntries([
    ...entries,
    ...customProps(node, RESERVED.enum),
    ...aliasesEntry(node),
  ]);
}

function normalizeFixed(node: JsonObject, namespace: string | undefined): Json {
  return Object.fromEntries([
    ['type', 'fixed'],
    ...namedHeader(node, namespace).entries,
    ...docEntry(node),
    ['size', canonicalJson(node['size'])],
    ...customProps(node, RESERVED.fixed),
    ...aliasesEntry(node),
  ]);
}

interface NamedHeader {
  /** Namespace of the type, which becomes the default for the types nested in it. */
  readonly space: string | undefined;
  readonly entries: readonly Entry[];
}

/**
 * Splits a named type's full name the way Avro Java writes it: the simple name, plus the
 * namespace only when it differs from the enclosing one (`""` for "back to no namespace").
 */
function namedHeader(node: JsonObject, enclosing: string | undefined): NamedHeader {
  const name = stringOf(node['name']);
  const declared = node['namespace'];
  const fullName = name.includes('.')
    ? name.replace(/^\./, '')
    : qualify(name, typeof declared === 'string' ? declared : enclosing);
  const { space, simple } = splitName(fullName);
  const entries: Entry[] = [['name', simple]];
  if (space !== enclosing) {
    entries.push(['namespace', space ?? '']);
  }
  return { space, entries };
}

function qualify(name: string, namespace: string | undefined): string {
  if (name.includes('.')) {
    return name.replace(/^\./, '');
  }
  return namespace === undefined || namespace === '' ? name : `${namespace}.${name}`;
}

function splitName(fullName: string): { space: string | undefined; simple: string } {
  const dot = fullName.lastIndexOf('.');
  return dot < 0
    ? { space: undefined, simple: fullName }
    : { space: fullName.slice(0, dot), simple: fullName.slice(dot + 1) };
}

/** Spells a reference so that it resolves to the same type when read back in `namespace`. */
function relativeName(fullName: string, namespace: string | undefined): string {
  const { space, simple } = splitName(fullName);
  if (space === namespace) {
    return simple;
  }
  // A leading dot is avsc's (and Avro Java's) way to say "no namespace" inside a namespace.
  return space === undefined ? `.${simple}` : fullName;
}

function docEntry(node: JsonObject): Entry[] {
  return node['doc'] === undefined ? [] : [['doc', canonicalJson(node['doc'])]];
}

function aliasesEntry(node: JsonObject): Entry[] {
  const aliases = node['aliases'];
  return Array.isArray(aliases) && aliases.length > 0 ? [['aliases', canonicalJson(aliases)]] : [];
}

/** Custom properties (logicalType, precision, connect.*, ...) sorted by key for stability. */
function customProps(node: JsonObject, reserved: ReadonlySet<string>): Entry[] {
  return Object.keys(node)
    .filter((key) => !reserved.has(key))
    .sort()
    .map((key): Entry => [key, canonicalJson(node[key])]);
}

/** JSON value with object keys sorted, so that key order in defaults and properties is irrelevant. */
function canonicalJson(value: unknown): Json {
  if (Array.isArray(value)) {
    return value.map((item: unknown) => canonicalJson(item));
  }
  if (isJsonObject(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key): Entry => [key, canonicalJson(value[key])]),
    );
  }
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  throw new InvalidSchemaError(`Invalid Avro schema: not a JSON value (${typeof value})`);
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function stringOf(value: unknown): string {
  if (typeof value !== 'string') {
    throw new InvalidSchemaError(
      `Invalid Avro schema: expected a name, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
