/**
 * Validation of parsed JSON against a provider's Avro schema, as a tolerant
 * reader: fields the schema does not declare are allowed (and kept by the
 * caller, which still has the parsed JSON), fields with a default may be
 * missing, and a failure names the path of the first field that does not fit.
 */
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import type { Schema, Type } from 'avsc';

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

/**
 * Checks a parsed JSON value against an Avro type. Returns the first issue,
 * or undefined when the value fits.
 *
 * @param prefix - path of `value` inside the whole message (e.g. `body`).
 */
export function validateJson(type: Type, value: unknown, prefix = ''): ValidationIssue | undefined {
  // Most messages fit: check without a hook first (avsc's quick path), and
  // walk again with one only to name the place of a misfit.
  if (type.isValid(value)) return arrayAsRecord(type, value, [prefix]);
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

/**
 * avsc checks a record value with `typeof value === 'object'`, so a JSON
 * array passes where a record is expected; this finds such a place.
 */
function arrayAsRecord(
  type: Type,
  value: unknown,
  path: readonly (string | number)[],
): ValidationIssue | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const parts = type as unknown as Introspectable;
  if (avro.Type.isType(type, 'union:unwrapped')) {
    // The value is an object or array here, so only a record, map or array
    // branch can hold it; which one follows from its shape, without checking
    // the whole value against each branch.
    const wanted = Array.isArray(value) ? ['array', 'record'] : ['record', 'map'];
    const branch = parts.types?.find((candidate) => wanted.includes(candidate.typeName));
    return branch ? arrayAsRecord(branch, value, path) : undefined;
  }
  if (avro.Type.isType(type, 'record')) {
    if (Array.isArray(value)) return { path: joinPath(path), expected: describe(type) };
    const record = value as Record<string, unknown>;
    for (const field of parts.fields ?? []) {
      const found = arrayAsRecord(field.type, record[field.name], [...path, field.name]);
      if (found) return found;
    }
    return undefined;
  }
  if (avro.Type.isType(type, 'array') && parts.itemsType && Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = arrayAsRecord(parts.itemsType, item, [...path, index]);
      if (found) return found;
    }
    return undefined;
  }
  if (avro.Type.isType(type, 'map') && parts.valuesType) {
    for (const [key, item] of Object.entries(value)) {
      const found = arrayAsRecord(parts.valuesType, item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
