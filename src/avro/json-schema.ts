/**
 * A parsed Avro type as the JSON Schema that accepts exactly the parsed JSON
 * values avsc's `isValid` accepts (with records refusing arrays, as the
 * provider validation does), so that ajv can compile it into a check.
 *
 * Why: avsc checks a value by walking its type objects, and a provider
 * message has hundreds of optional fields, each a union; in the worker that
 * walk cost a quarter of a record's transform. ajv compiles a schema into one
 * straight function per type. avsc stays the judge: a value ajv refuses is
 * checked again by avsc, which names the field. The two must therefore agree
 * on every value, and a property test holds them to it.
 *
 * Only the types provider schemas use are translated: null, boolean, int,
 * long, float, double, string, array, map, record and unwrapped unions of
 * them. For any other type (bytes, fixed, enum, logical types, a record that
 * contains itself or has a field named `__proto__`) there is no translation,
 * and avsc alone checks.
 */
import avro from 'avsc';
import type { Type } from 'avsc';

/** A JSON Schema, as plain data. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** avsc's bounds of a long: it refuses integers it could not read back exactly. */
const LONG_BOUND = 9007199254740990;

/**
 * The JSON Schema of an Avro type, or undefined when the type (or one inside
 * it) has no exact translation.
 */
export function avroToJsonSchema(type: Type): JsonSchema | undefined {
  return translate(type, new Set());
}

function translate(type: Type, enclosing: Set<Type>): JsonSchema | undefined {
  switch (type.typeName) {
    case 'null':
      return { type: 'null' };
    case 'boolean':
      return { type: 'boolean' };
    case 'int':
      // avsc: val === (val | 0).
      return { type: 'integer', minimum: -2147483648, maximum: 2147483647 };
    case 'long':
      return { type: 'integer', minimum: -LONG_BOUND, maximum: LONG_BOUND };
    case 'float':
    case 'double':
      return { type: 'number' };
    case 'string':
      return { type: 'string' };
    case 'array':
      return composite(
        type instanceof avro.types.ArrayType ? type.itemsType : undefined,
        enclosing,
        (items) => ({
          type: 'array',
          items,
        }),
      );
    case 'map':
      return composite(
        type instanceof avro.types.MapType ? (type.valuesType as Type) : undefined,
        enclosing,
        (values) => ({ type: 'object', additionalProperties: values }),
      );
    case 'record':
      return type instanceof avro.types.RecordType ? record(type, enclosing) : undefined;
    case 'union:unwrapped':
      return type instanceof avro.types.UnwrappedUnionType
        ? union(type.types, enclosing)
        : undefined;
    default:
      return undefined;
  }
}

function composite(
  inner: Type | undefined,
  enclosing: Set<Type>,
  make: (schema: JsonSchema) => JsonSchema,
): JsonSchema | undefined {
  const schema = inner && translate(inner, enclosing);
  return schema && make(schema);
}

/**
 * A record: an object (not an array); a field with a default may be missing,
 * one without must be there, and every field there must fit its type. Fields
 * it does not declare are allowed (a tolerant reader).
 */
function record(type: avro.types.RecordType, enclosing: Set<Type>): JsonSchema | undefined {
  // ajv skips a property named __proto__ (and setting it would set the
  // object's prototype): such a record has no exact translation.
  if (enclosing.has(type) || type.fields.some((field) => field.name === '__proto__')) {
    return undefined;
  }
  enclosing.add(type);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  try {
    for (const field of type.fields) {
      const schema = translate(field.type, enclosing);
      if (schema === undefined) return undefined;
      properties[field.name] = schema;
      if (field.defaultValue() === undefined) required.push(field.name);
    }
  } finally {
    enclosing.delete(type);
  }
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

/**
 * An unwrapped union takes a value by its JSON type: avsc allows one branch
 * per kind (null, boolean, number, string, array, object), so the branches'
 * JSON types never overlap. Each branch's other keywords apply to its JSON
 * type only (`items` to arrays, `properties` to objects, bounds to numbers),
 * so the branches merge into one schema with a list of types.
 */
function union(branches: readonly Type[], enclosing: Set<Type>): JsonSchema | undefined {
  const types: unknown[] = [];
  let merged: Record<string, unknown> = {};
  for (const branch of branches) {
    const schema = translate(branch, enclosing);
    if (schema === undefined) return undefined;
    const { type: kind, ...keywords } = schema;
    types.push(kind);
    merged = { ...merged, ...keywords };
  }
  return { type: types, ...merged };
}
