/**
 * What the registry's compatibility check and the schema tools ask of avsc
 * types: whether a reader resolves a writer, as the registry decides it, and
 * which kind of type a type is.
 */
import avsc from 'avsc';
import type { Type, types } from 'avsc';

/**
 * Why `reader` cannot read data written with `writer` (avsc's message), or
 * undefined when it can.
 */
export function resolutionError(reader: Type, writer: Type): string | undefined {
  try {
    // Avro Java (hence Confluent) matches named types on their unqualified names.
    reader.createResolver(writer, { ignoreNamespaces: true });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function isUnion(type: Type): type is types.WrappedUnionType | types.UnwrappedUnionType {
  return (
    type instanceof avsc.types.WrappedUnionType || type instanceof avsc.types.UnwrappedUnionType
  );
}

/** A union's branches, or the type itself. */
export function branches(type: Type): readonly Type[] {
  return isUnion(type) ? type.types : [type];
}

export function isRecord(type: Type): type is types.RecordType {
  return type instanceof avsc.types.RecordType;
}

export function isArray(type: Type): type is types.ArrayType {
  return type instanceof avsc.types.ArrayType;
}

export function isMap(type: Type): type is types.MapType {
  return type instanceof avsc.types.MapType;
}

export function isEnum(type: Type): type is types.EnumType {
  return type instanceof avsc.types.EnumType;
}

export function isFixed(type: Type): type is types.FixedType {
  return type instanceof avsc.types.FixedType;
}

/** A map's values type (avsc's typings declare `valuesType` as `any`). */
export function mapValues(type: types.MapType): Type {
  const values: unknown = type.valuesType;
  if (!(values instanceof avsc.Type)) {
    throw new TypeError('avsc map type without a values type');
  }
  return values;
}
