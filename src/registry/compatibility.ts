/**
 * Compatibility rules between versions of a subject, enforced with avsc's schema resolution: a
 * reader type can read data written with a writer type exactly when
 * `reader.createResolver(writer)` succeeds.
 */
import type { Type, types } from 'avsc';

import {
  isArray,
  isEnum,
  isFixed,
  isMap,
  isRecord,
  mapValues,
  resolutionError,
} from './avro-types.ts';
import { InvalidCompatibilityLevelError } from './errors.ts';

/** Compatibility levels, with Confluent's names and meaning. */
export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;

/** A Confluent compatibility level. */
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** A registered version of a subject, as needed to check a new schema against it. */
export interface VersionedType {
  /** The subject version number. */
  readonly version: number;
  /** The avsc type of that version's schema. */
  readonly type: Type;
}

/**
 * Parses a compatibility level case-insensitively, as Confluent does.
 *
 * @param value - The level as received, e.g. `backward` or `FULL_TRANSITIVE`.
 * @throws {@link InvalidCompatibilityLevelError} for anything else.
 */
export function parseCompatibilityLevel(value: string): CompatibilityLevel {
  const upper = value.toUpperCase();
  const level = COMPATIBILITY_LEVELS.find((candidate) => candidate === upper);
  if (level === undefined) {
    throw new InvalidCompatibilityLevelError(value);
  }
  return level;
}

/**
 * Checks a candidate schema against the existing versions of a subject.
 *
 * @param candidate - The schema about to be registered (or tested).
 * @param existing - The versions to check against, oldest first. Non-transitive levels only look
 *   at the last one, transitive levels at all of them.
 * @param level - The compatibility level in force.
 * @returns One message per failed check; empty when the candidate is compatible.
 */
export function checkCompatibility(
  candidate: Type,
  existing: readonly VersionedType[],
  level: CompatibilityLevel,
): string[] {
  if (level === 'NONE') {
    return [];
  }
  const latest = existing.at(-1);
  const targets = level.endsWith('_TRANSITIVE') ? existing : latest === undefined ? [] : [latest];
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const messages: string[] = [];
  // Newest first: the most relevant failure is reported first.
  for (const target of [...targets].reverse()) {
    if (backward) {
      const problem = explainIncompatibility(candidate, target.type);
      if (problem !== undefined) {
        messages.push(
          `the new schema cannot read data written with version ${target.version} (${problem})`,
        );
      }
    }
    if (forward) {
      const problem = explainIncompatibility(target.type, candidate);
      if (problem !== undefined) {
        messages.push(
          `version ${target.version} cannot read data written with the new schema (${problem})`,
        );
      }
    }
  }
  return messages;
}

/**
 * Tells why `reader` cannot read data written with `writer`.
 *
 * @param reader - The type data is read into.
 * @param writer - The type data was written with.
 * @returns `undefined` when the reader can read the writer's data, otherwise a message naming the
 *   offending field path and carrying avsc's own error text.
 */
export function explainIncompatibility(reader: Type, writer: Type): string | undefined {
  return explainAt(reader, writer, displayName(reader), new Map());
}

type Visited = Map<Type, Set<Type>>;

function explainAt(reader: Type, writer: Type, path: string, visited: Visited): string | undefined {
  const error = resolutionError(reader, writer);
  if (error === undefined) {
    return undefined;
  }
  // Recursive schemas would otherwise descend forever into the same pair.
  if (!markVisited(visited, reader, writer)) {
    return `at ${path}: ${error}`;
  }
  return locate(reader, writer, path, visited) ?? `at ${path}: ${describe(reader, writer, error)}`;
}

/** Descends into records, arrays and maps to find the innermost field that fails to resolve. */
function locate(reader: Type, writer: Type, path: string, visited: Visited): string | undefined {
  if (isRecord(reader) && isRecord(writer)) {
    for (const field of reader.fields) {
      const writerField = findWriterField(writer, field);
      if (writerField !== undefined) {
        const found = explainAt(field.type, writerField.type, `${path}.${field.name}`, visited);
        if (found !== undefined) {
          return found;
        }
      }
    }
    return undefined;
  }
  if (isArray(reader) && isArray(writer)) {
    return explainAt(reader.itemsType, writer.itemsType, `${path}[]`, visited);
  }
  if (isMap(reader) && isMap(writer)) {
    return explainAt(mapValues(reader), mapValues(writer), `${path}{}`, visited);
  }
  return undefined;
}

function findWriterField(writer: types.RecordType, field: types.Field): types.Field | undefined {
  const names = [field.name, ...field.aliases];
  return writer.fields.find((candidate) => names.includes(candidate.name));
}

/** avsc's message for enums and fixed only repeats the names; say what actually differs. */
function describe(reader: Type, writer: Type, error: string): string {
  if (isEnum(reader) && isEnum(writer)) {
    const missing = writer.symbols.filter((symbol) => !reader.symbols.includes(symbol));
    if (missing.length > 0) {
      return `${error}: reader enum has no symbol ${missing.join(', ')} and no default`;
    }
  }
  if (isFixed(reader) && isFixed(writer) && reader.size !== writer.size) {
    return `${error}: fixed size ${writer.size} cannot be read as size ${reader.size}`;
  }
  return error;
}

function markVisited(visited: Visited, reader: Type, writer: Type): boolean {
  const writers = visited.get(reader) ?? new Set<Type>();
  visited.set(reader, writers);
  if (writers.has(writer)) {
    return false;
  }
  writers.add(writer);
  return true;
}

function displayName(type: Type): string {
  return type.name ?? type.typeName;
}
