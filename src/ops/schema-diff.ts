/**
 * Why a reader schema cannot read a writer's data, field by field. The
 * verdict itself comes from avsc's schema resolution (as in the registry,
 * src/registry/compatibility.ts); this walks both schemas side by side to
 * name every field that breaks it and how: a field added without a default,
 * a type changed, an enum symbol removed, a record renamed.
 */
import type { Type, types } from 'avsc';
import {
  branches,
  isArray,
  isEnum,
  isFixed,
  isMap,
  isRecord,
  isUnion,
  resolutionError,
} from '../registry/avro-types.ts';

/** One reason a reader cannot read a writer's data. */
export interface Incompatibility {
  /** Dotted path from the top record, e.g. `OrderEvent.data.lines[].quantity`. */
  readonly path: string;
  /** The field concerned, when it is about one field. */
  readonly field: string | undefined;
  /** What changed, in words. */
  readonly reason: string;
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** A type in a few characters: `long`, `OrderEvent`, `[null, string]`, `array<Line>`. */
export function typeLabel(type: Type): string {
  if (isUnion(type)) return `[${branches(type).map(typeLabel).join(', ')}]`;
  if (isArray(type)) return `array<${typeLabel(type.itemsType)}>`;
  if (isMap(type)) return `map<${typeLabel(type.valuesType as Type)}>`;
  return type.name === undefined ? type.typeName : shortName(type.name);
}

function lastSegment(path: string): string | undefined {
  const match = /\.([^.[\]{}]+)$/.exec(path);
  return match?.[1];
}

function incompatibility(path: string, reason: string): Incompatibility {
  return { path, field: lastSegment(path), reason };
}

/**
 * Which schema is the new one: `backward` checks that the new schema (the
 * reader) reads what the previous one wrote; `forward` that the previous
 * one (the reader, still in consumers' hands) reads what the new one
 * writes. It only decides the wording: a change is always told from the
 * previous schema to the new one.
 */
export type Direction = 'backward' | 'forward';

interface Walk {
  readonly direction: Direction;
  readonly seen: Set<string>;
}

/** `old → new` for two types met as reader and writer. */
function change(reader: Type, writer: Type, walk: Walk): string {
  const [before, after] = walk.direction === 'backward' ? [writer, reader] : [reader, writer];
  return `${typeLabel(before)} → ${typeLabel(after)}`;
}

/**
 * Every reason `reader` cannot read data written with `writer`; empty when
 * it can. Looks only where avsc's resolution fails, so the list never
 * disagrees with the verdict; where the walk cannot say more, avsc's own
 * message is given at the innermost path found.
 */
export function explainFieldChanges(
  reader: Type,
  writer: Type,
  direction: Direction = 'backward',
): Incompatibility[] {
  return walk(reader, writer, typeLabel(reader), { direction, seen: new Set() });
}

function walk(reader: Type, writer: Type, path: string, context: Walk): Incompatibility[] {
  if (resolutionError(reader, writer) === undefined) return [];
  // Recursive schemas: the same pair of named types at a deeper path says nothing new.
  const pair = `${reader.name ?? path}|${writer.name ?? path}`;
  if (reader.name !== undefined && context.seen.has(pair)) return [];
  context.seen.add(pair);
  const found = describe(reader, writer, path, context);
  return found.length > 0
    ? found
    : [incompatibility(path, resolutionError(reader, writer) ?? 'cannot be resolved')];
}

function describe(reader: Type, writer: Type, path: string, context: Walk): Incompatibility[] {
  if (isUnion(writer)) {
    // Every value the writer may have written must be readable.
    return branches(writer).flatMap((branch) => {
      if (resolutionError(reader, branch) === undefined) return [];
      const closest = sameKind(reader, branch);
      return closest
        ? walk(closest, branch, path, context)
        : [
            incompatibility(
              path,
              `type changed ${change(reader, writer, context)}: ${typeLabel(branch)} values ${context.direction === 'backward' ? 'written before' : 'written now'} cannot be read`,
            ),
          ];
    });
  }
  if (isUnion(reader)) {
    const closest = sameKind(reader, writer);
    return closest
      ? walk(closest, writer, path, context)
      : [incompatibility(path, `type changed ${change(reader, writer, context)}`)];
  }
  if (isRecord(reader) && isRecord(writer)) return describeRecords(reader, writer, path, context);
  if (isEnum(reader) && isEnum(writer)) return describeEnums(reader, writer, path, context);
  if (isArray(reader) && isArray(writer)) {
    return walk(reader.itemsType, writer.itemsType, `${path}[]`, context);
  }
  if (isMap(reader) && isMap(writer)) {
    return walk(reader.valuesType as Type, writer.valuesType as Type, `${path}{}`, context);
  }
  if (isFixed(reader) && isFixed(writer) && reader.size !== writer.size) {
    const [before, after] =
      context.direction === 'backward' ? [writer.size, reader.size] : [reader.size, writer.size];
    return [incompatibility(path, `fixed size changed ${String(before)} → ${String(after)}`)];
  }
  return [incompatibility(path, `type changed ${change(reader, writer, context)}`)];
}

/** The reader branch of the same kind (same name, or both records…) as a writer type. */
function sameKind(reader: Type, writer: Type): Type | undefined {
  const candidates = branches(reader);
  return (
    candidates.find(
      (branch) =>
        branch.name !== undefined &&
        writer.name !== undefined &&
        shortName(branch.name) === shortName(writer.name),
    ) ??
    candidates.find((branch) => branch.typeName === writer.typeName && branch.name !== undefined)
  );
}

function matchesName(reader: Type, writer: Type): boolean {
  const writerName = shortName(writer.name ?? '');
  const readerNames = [reader.name ?? '', ...((reader as { aliases?: string[] }).aliases ?? [])];
  return readerNames.some((name) => shortName(name) === writerName);
}

function describeRecords(
  reader: types.RecordType,
  writer: types.RecordType,
  path: string,
  context: Walk,
): Incompatibility[] {
  const problems: Incompatibility[] = [];
  if (!matchesName(reader, writer)) {
    problems.push(
      incompatibility(path, `record renamed ${change(reader, writer, context)} without an alias`),
    );
  }
  for (const field of reader.fields) {
    const names = [field.name, ...field.aliases];
    const written = writer.fields.find((candidate) => names.includes(candidate.name));
    const fieldPath = `${path}.${field.name}`;
    if (written === undefined) {
      if (field.defaultValue() === undefined) {
        const reason =
          context.direction === 'backward'
            ? `field \`${field.name}\` added without a default`
            : `field \`${field.name}\` removed, and the previous schema has no default for it`;
        problems.push(incompatibility(fieldPath, reason));
      }
      continue;
    }
    problems.push(...walk(field.type, written.type, fieldPath, context));
  }
  return problems;
}

function describeEnums(
  reader: types.EnumType,
  writer: types.EnumType,
  path: string,
  context: Walk,
): Incompatibility[] {
  const removed = writer.symbols.filter((symbol) => !reader.symbols.includes(symbol));
  const problems: Incompatibility[] = [];
  if (!matchesName(reader, writer)) {
    problems.push(
      incompatibility(path, `enum renamed ${change(reader, writer, context)} without an alias`),
    );
  }
  if (removed.length > 0) {
    problems.push(
      incompatibility(
        path,
        context.direction === 'backward'
          ? `enum symbol${removed.length === 1 ? '' : 's'} ${removed.join(', ')} removed, and the enum has no default`
          : `enum symbol${removed.length === 1 ? '' : 's'} ${removed.join(', ')} added, which the previous schema cannot read (no default)`,
      ),
    );
  }
  return problems;
}
