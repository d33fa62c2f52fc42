/**
 * Validation of parsed JSON against a provider's Avro schema, as a tolerant
 * reader: fields the schema does not declare are allowed (and kept by the
 * caller, which still has the parsed JSON), fields with a default may be
 * missing, and a failure names the path of the first field that does not fit.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import avro from 'avsc';
import type { Schema, Type } from 'avsc';
import { avroToJsonSchema } from './json-schema.ts';

/** Why a value does not fit its schema. */
export interface ValidationIssue {
  /** Dotted path of the field, e.g. `body.lines.0.quantity` (empty for the root). */
  readonly path: string;
  /** What the schema expected there, as Avro names it (named types by name). */
  readonly expected: string;
}

/** Parses an Avro schema file (`.avsc`); unions of JSON-distinguishable branches stay unwrapped. */
export function loadAvroType(file: URL | string): Type {
  const schema = JSON.parse(readFileSync(file, 'utf8')) as Schema;
  return avro.Type.forSchema(schema, { wrapUnions: false });
}

function describe(type: Type): string {
  return JSON.stringify(type.schema({ noDeref: true }));
}

function joinPath(parts: readonly (string | number)[]): string {
  return parts.filter((part) => part !== '').join('.');
}

const AJV = new Ajv({ allowUnionTypes: true, strict: true });

/** The compiled check of each type (null: the type has no exact JSON Schema). */
const CHECKS = new WeakMap<Type, ValidateFunction | null>();

/** The compiled check of a type, made on its first use; null when the type has none. */
export function compiledCheck(type: Type): ValidateFunction | null {
  let check = CHECKS.get(type);
  if (check === undefined) {
    const schema = avroToJsonSchema(type);
    try {
      check = schema === undefined ? null : AJV.compile(schema);
    } catch {
      // A schema ajv will not compile leaves the type to avsc, slower but
      // exact (a test compiles every provider schema, so this is not expected).
      check = null;
    }
    CHECKS.set(type, check);
  }
  return check;
}

/**
 * Checks a parsed JSON value against an Avro type. Returns the first issue,
 * or undefined when the value fits.
 *
 * A value is first checked by the type's compiled JSON Schema (see
 * json-schema.ts), which accepts exactly what avsc accepts with records
 * refusing arrays. Only a value it refuses, or a type it cannot express, goes
 * to avsc, which finds and names the misfit.
 *
 * @param prefix - path of `value` inside the whole message (e.g. `body`).
 */
export function validateJson(type: Type, value: unknown, prefix = ''): ValidationIssue | undefined {
  if (compiledCheck(type)?.(value) === true) return undefined;
  return avscIssue(type, value, prefix);
}

/**
 * avsc's verdict alone: the first issue, or undefined when the value fits.
 * Checks without a hook first (avsc's quick path), and walks again with one
 * only to name the place of a misfit.
 */
export function avscIssue(type: Type, value: unknown, prefix = ''): ValidationIssue | undefined {
  if (type.isValid(value)) {
    const misfit = arrayFinder(type)?.(value);
    return misfit && { path: joinPath([prefix, ...misfit.path]), expected: describe(misfit.type) };
  }
  let issue: ValidationIssue | undefined;
  type.isValid(value, {
    errorHook(path, _value, expectedType) {
      issue ??= { path: joinPath([prefix, ...path]), expected: describe(expectedType) };
    },
  });
  return issue;
}

interface Introspectable {
  readonly fields?: readonly { readonly name: string; readonly type: Type }[];
  readonly itemsType?: Type;
  readonly valuesType?: Type;
  readonly types?: readonly Type[];
}

/** Where an array stands in for a record: the path below the value checked, and the record. */
interface Misfit {
  /** Field names and indexes from the value checked down to the array (built on the way out). */
  readonly path: (string | number)[];
  readonly type: Type;
}

/** Finds an array where a record is expected in a value avsc already found valid. */
type ArrayFinder = (value: unknown) => Misfit | undefined;

/**
 * The finder of each type, made once per type (and null for a type with no
 * record inside, which needs no walk): the walk then visits only the fields
 * that can hold a record, and allocates nothing unless it finds a misfit.
 */
const FINDERS = new WeakMap<Type, ArrayFinder | null>();

/**
 * avsc checks a record value with `typeof value === 'object'`, so a JSON
 * array passes where a record is expected; the finder of a type finds such a
 * place.
 */
function arrayFinder(type: Type): ArrayFinder | null {
  const known = FINDERS.get(type);
  if (known !== undefined) return known;
  if (avro.Type.isType(type, 'record')) {
    // A record may contain itself: its finder is registered before its
    // fields' finders are made, and reads them when it runs.
    const fields: [string, ArrayFinder][] = [];
    const finder: ArrayFinder = (value) => {
      if (value === null || typeof value !== 'object') return undefined;
      if (Array.isArray(value)) return { path: [], type };
      const record = value as Record<string, unknown>;
      for (const [name, field] of fields) {
        const misfit = field(record[name]);
        if (misfit) {
          misfit.path.unshift(name);
          return misfit;
        }
      }
      return undefined;
    };
    FINDERS.set(type, finder);
    for (const field of (type as unknown as Introspectable).fields ?? []) {
      const fieldFinder = arrayFinder(field.type);
      if (fieldFinder) fields.push([field.name, fieldFinder]);
    }
    return finder;
  }
  const finder = compositeFinder(type);
  FINDERS.set(type, finder);
  return finder;
}

function compositeFinder(type: Type): ArrayFinder | null {
  const parts = type as unknown as Introspectable;
  if (avro.Type.isType(type, 'union:unwrapped')) {
    // avsc's union takes an array by its array branch only, and an object by
    // its record or map branch: the branch follows from the value's shape.
    const branch = (wanted: readonly string[]) => {
      const found = parts.types?.find((candidate) => wanted.includes(candidate.typeName));
      return found ? arrayFinder(found) : null;
    };
    const forArray = branch(['array']);
    const forObject = branch(['record', 'map']);
    if (!forArray && !forObject) return null;
    return (value) => {
      if (value === null || typeof value !== 'object') return undefined;
      return (Array.isArray(value) ? forArray : forObject)?.(value);
    };
  }
  if (avro.Type.isType(type, 'array') && parts.itemsType) {
    const items = arrayFinder(parts.itemsType);
    if (!items) return null;
    return (value) => {
      if (!Array.isArray(value)) return undefined;
      for (let index = 0; index < value.length; index++) {
        const misfit = items(value[index]);
        if (misfit) {
          misfit.path.unshift(index);
          return misfit;
        }
      }
      return undefined;
    };
  }
  if (avro.Type.isType(type, 'map') && parts.valuesType) {
    const values = arrayFinder(parts.valuesType);
    if (!values) return null;
    return (value) => {
      if (value === null || typeof value !== 'object') return undefined;
      for (const [key, item] of Object.entries(value)) {
        const misfit = values(item);
        if (misfit) {
          misfit.path.unshift(key);
          return misfit;
        }
      }
      return undefined;
    };
  }
  return null;
}
