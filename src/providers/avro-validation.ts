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
  /** What the schema expected there, as Avro names it. */
  readonly expected: string;
}

/** Parses an Avro schema file (`.avsc`); unions of JSON-distinguishable branches stay unwrapped. */
export function loadAvroType(file: URL | string): Type {
  const schema = JSON.parse(readFileSync(file, 'utf8')) as Schema;
  return avro.Type.forSchema(schema, { wrapUnions: false });
}

/**
 * Checks a parsed JSON value against an Avro type. Returns the first issue,
 * or undefined when the value fits.
 *
 * @param prefix - path of `value` inside the whole message (e.g. `body`).
 */
export function validateJson(type: Type, value: unknown, prefix = ''): ValidationIssue | undefined {
  let issue: ValidationIssue | undefined;
  type.isValid(value, {
    errorHook(path, _value, expectedType) {
      issue ??= {
        path: [prefix, ...path].filter(Boolean).join('.'),
        expected: JSON.stringify(expectedType.schema()),
      };
    },
  });
  return issue;
}
