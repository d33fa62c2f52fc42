/**
 * In-memory state of the embedded schema registry: subjects, their versions, global schema ids and
 * compatibility configuration. No HTTP here; the REST layer in `app.ts` is a thin mapping onto it.
 */
import type { Type } from 'avsc';

import { parseAvroSchema } from './avro-schema.ts';
import type { ParsedAvroSchema } from './avro-schema.ts';
import { checkCompatibility } from './compatibility.ts';
import type { CompatibilityLevel, VersionedType } from './compatibility.ts';
import {
  IncompatibleSchemaError,
  InvalidSchemaError,
  InvalidVersionError,
  SchemaNotFoundError,
  SubjectCompatibilityNotConfiguredError,
  SubjectNotFoundError,
  SubjectNotSoftDeletedError,
  VersionNotFoundError,
} from './errors.ts';

/** A subject version: a positive number, or the newest live version. */
export type VersionSpec = number | 'latest';

/** Highest version number Confluent accepts (it stores versions as Java ints). */
const MAX_VERSION = 2 ** 31 - 1;

/** A reference to a schema registered under another subject (Confluent's `references`). */
export interface SchemaReference {
  /** The name the referencing schema uses for the referenced type. */
  readonly name: string;
  /** The subject the referenced schema is registered under. */
  readonly subject: string;
  /** The version of the referenced schema. */
  readonly version: number;
}

/** A schema as clients send it. */
export interface SchemaInput {
  /** The schema itself, as JSON text. */
  readonly schema: string;
  /** `AVRO` (the default when absent); other types are refused. */
  readonly schemaType?: string | null | undefined;
  /** Schema references; only an empty list is supported. */
  readonly references?: readonly SchemaReference[] | null | undefined;
}

/** A schema version within a subject, in the shape Confluent answers with. */
export interface SubjectVersion {
  /** The subject name. */
  readonly subject: string;
  /** The version within the subject, starting at 1. */
  readonly version: number;
  /** The global schema id. */
  readonly id: number;
  /** The normalized schema text. */
  readonly schema: string;
}

/** Result of a registration. */
export interface Registration {
  /** The global schema id (shared by every subject holding the same schema). */
  readonly id: number;
  /** The version of the schema within the subject. */
  readonly version: number;
}

/** Result of a compatibility test. */
export interface CompatibilityResult {
  /** Whether the schema could be registered under the subject. */
  readonly compatible: boolean;
  /** Why not, one entry per failed check; empty when compatible. */
  readonly messages: readonly string[];
}

/** Options of {@link SchemaStore}. */
export interface SchemaStoreOptions {
  /** Global compatibility level until changed; Confluent's default is `BACKWARD`. */
  readonly defaultCompatibility?: CompatibilityLevel;
}

/** Whether soft-deleted versions count, for the read operations that support `?deleted=true`. */
export interface IncludeDeletedOptions {
  /** Also consider soft-deleted versions. */
  readonly includeDeleted?: boolean;
}

interface StoredSchema {
  readonly id: number;
  readonly normalized: string;
  readonly type: Type;
}

interface StoredVersion {
  readonly version: number;
  readonly schema: StoredSchema;
  deleted: boolean;
}

/**
 * Parses a version path segment the way Confluent does: a positive 32-bit integer, `latest` (in
 * any case), or `-1` (an alias of `latest`).
 *
 * @param raw - The path segment.
 * @throws {@link InvalidVersionError} for anything else.
 */
export function parseVersionSpec(raw: string): VersionSpec {
  if (raw.toLowerCase() === 'latest' || raw === '-1') {
    return 'latest';
  }
  if (!/^\d+$/.test(raw)) {
    throw new InvalidVersionError(raw);
  }
  const version = Number(raw);
  if (version < 1 || version > MAX_VERSION) {
    throw new InvalidVersionError(raw);
  }
  return version;
}

/**
 * The registry's state and rules, independent of HTTP. All operations are synchronous, so
 * concurrent requests cannot interleave inside one of them.
 */
export class SchemaStore {
  readonly #schemasById = new Map<number, StoredSchema>();
  readonly #idsByNormalized = new Map<string, number>();
  /** Versions per subject, ascending; soft-deleted ones stay so that numbers are never reused. */
  readonly #subjects = new Map<string, StoredVersion[]>();
  readonly #subjectLevels = new Map<string, CompatibilityLevel>();
  #globalLevel: CompatibilityLevel;
  #nextId = 1;

  /** @param options - See {@link SchemaStoreOptions}. */
  constructor(options: SchemaStoreOptions = {}) {
    this.#globalLevel = options.defaultCompatibility ?? 'BACKWARD';
  }

  /**
   * Registers a schema under a subject. Registering a schema the subject already holds returns
   * the existing version without a compatibility check; a schema already known under another
   * subject keeps its global id.
   *
   * @throws {@link InvalidSchemaError} when the schema is invalid or unsupported.
   * @throws {@link IncompatibleSchemaError} when the subject's compatibility level forbids it.
   */
  register(subject: string, input: SchemaInput): Registration {
    const parsed = parseInput(input);
    const versions = this.#subjects.get(subject) ?? [];
    const live = versions.filter((entry) => !entry.deleted);
    const existing = live.find((entry) => entry.schema.normalized === parsed.normalized);
    if (existing !== undefined) {
      return { id: existing.schema.id, version: existing.version };
    }
    const level = this.effectiveCompatibility(subject);
    const problems = checkCompatibility(parsed.type, live.map(toVersionedType), level);
    if (problems.length > 0) {
      throw new IncompatibleSchemaError(subject, level, problems);
    }
    const schema = this.#intern(parsed);
    const version = (versions.at(-1)?.version ?? 0) + 1;
    versions.push({ version, schema, deleted: false });
    this.#subjects.set(subject, versions);
    return { id: schema.id, version };
  }

  /**
   * Finds the version of a subject holding the given schema.
   *
   * @throws {@link SubjectNotFoundError} when the subject has no versions.
   * @throws {@link SchemaNotFoundError} when none of them holds the schema.
   * @throws {@link InvalidSchemaError} when the schema is invalid or unsupported.
   */
  lookup(subject: string, input: SchemaInput, options: IncludeDeletedOptions = {}): SubjectVersion {
    const versions = this.#versionsOf(subject, options);
    const parsed = parseInput(input);
    const matches = versions.filter((entry) => entry.schema.normalized === parsed.normalized);
    const match = matches.find((entry) => !entry.deleted) ?? matches.at(-1);
    if (match === undefined) {
      throw new SchemaNotFoundError();
    }
    return toSubjectVersion(subject, match);
  }

  /**
   * Returns a schema by global id. Ids stay resolvable after their subjects are deleted, since
   * messages written with them may still be in Kafka.
   *
   * @throws {@link SchemaNotFoundError} for an unknown id.
   */
  getSchemaById(id: number): { readonly id: number; readonly schema: string } {
    const schema = this.#schemasById.get(id);
    if (schema === undefined) {
      throw new SchemaNotFoundError(id);
    }
    return { id, schema: schema.normalized };
  }

  /**
   * Returns one version of a subject.
   *
   * @throws {@link SubjectNotFoundError} when the subject has no versions.
   * @throws {@link VersionNotFoundError} when it does not have that one.
   */
  getVersion(
    subject: string,
    spec: VersionSpec,
    options: IncludeDeletedOptions = {},
  ): SubjectVersion {
    const versions = this.#versionsOf(subject, options);
    const found =
      spec === 'latest' ? versions.at(-1) : versions.find((entry) => entry.version === spec);
    if (found === undefined) {
      throw new VersionNotFoundError(spec);
    }
    return toSubjectVersion(subject, found);
  }

  /**
   * Lists the version numbers of a subject, ascending.
   *
   * @throws {@link SubjectNotFoundError} when the subject has no versions.
   */
  listVersions(subject: string, options: IncludeDeletedOptions = {}): number[] {
    return this.#versionsOf(subject, options).map((entry) => entry.version);
  }

  /** Lists the subjects that have versions, sorted by name. */
  listSubjects(options: IncludeDeletedOptions = {}): string[] {
    return [...this.#subjects.entries()]
      .filter(([, versions]) => versions.some((entry) => options.includeDeleted || !entry.deleted))
      .map(([subject]) => subject)
      .sort();
  }

  /**
   * Deletes a subject. A soft delete hides its versions (numbers are not reused) and drops its
   * compatibility setting, as Confluent does; a permanent delete, allowed only after a soft one,
   * forgets the subject entirely. Schema ids stay resolvable either way.
   *
   * @returns The deleted version numbers.
   * @throws {@link SubjectNotFoundError} when there is nothing to delete.
   * @throws {@link SubjectNotSoftDeletedError} on a permanent delete of live versions.
   */
  deleteSubject(subject: string, options: { readonly permanent?: boolean } = {}): number[] {
    const versions = this.#subjects.get(subject) ?? [];
    if (options.permanent === true) {
      if (versions.length === 0) {
        throw new SubjectNotFoundError(subject);
      }
      if (versions.some((entry) => !entry.deleted)) {
        throw new SubjectNotSoftDeletedError(subject);
      }
      this.#subjects.delete(subject);
      this.#subjectLevels.delete(subject);
      return versions.map((entry) => entry.version);
    }
    const live = versions.filter((entry) => !entry.deleted);
    if (live.length === 0) {
      throw new SubjectNotFoundError(subject);
    }
    for (const entry of live) {
      entry.deleted = true;
    }
    this.#subjectLevels.delete(subject);
    return live.map((entry) => entry.version);
  }

  /**
   * Tests a schema against one version of a subject, as Confluent's
   * `POST /compatibility/subjects/{subject}/versions/{version}` does: against that version alone,
   * under the subject's level (so a transitive level means the same as its plain form here).
   * `latest` of a subject without live versions accepts anything. Registers nothing.
   *
   * @throws {@link VersionNotFoundError} for an explicit version the subject does not have, also
   *   when the subject has no versions at all (Confluent looks the version up, not the subject).
   * @throws {@link InvalidSchemaError} when the schema is invalid or unsupported.
   */
  testCompatibility(subject: string, spec: VersionSpec, input: SchemaInput): CompatibilityResult {
    const live = (this.#subjects.get(subject) ?? []).filter((entry) => !entry.deleted);
    const target = spec === 'latest' ? live.at(-1) : live.find((entry) => entry.version === spec);
    if (target === undefined && spec !== 'latest') {
      throw new VersionNotFoundError(spec);
    }
    const parsed = parseInput(input);
    const targets = target === undefined ? [] : [toVersionedType(target)];
    const messages = checkCompatibility(parsed.type, targets, this.effectiveCompatibility(subject));
    return { compatible: messages.length === 0, messages };
  }

  /**
   * Tests whether a schema could be registered under a subject, without registering it: the check
   * {@link register} makes, against every live version the subject's level looks at (Confluent's
   * `POST /compatibility/subjects/{subject}/versions`). A subject without versions accepts
   * anything.
   *
   * @throws {@link InvalidSchemaError} when the schema is invalid or unsupported.
   */
  testRegistration(subject: string, input: SchemaInput): CompatibilityResult {
    const parsed = parseInput(input);
    const live = (this.#subjects.get(subject) ?? []).filter((entry) => !entry.deleted);
    const level = this.effectiveCompatibility(subject);
    const messages = checkCompatibility(parsed.type, live.map(toVersionedType), level);
    return { compatible: messages.length === 0, messages };
  }

  /** The global compatibility level. */
  getGlobalCompatibility(): CompatibilityLevel {
    return this.#globalLevel;
  }

  /** Changes the global compatibility level. */
  setGlobalCompatibility(level: CompatibilityLevel): void {
    this.#globalLevel = level;
  }

  /**
   * The subject-level compatibility.
   *
   * @param options - `defaultToGlobal`: answer the global level when the subject has none.
   * @throws {@link SubjectCompatibilityNotConfiguredError} when the subject has none and
   *   `defaultToGlobal` is not set, as Confluent does.
   */
  getSubjectCompatibility(
    subject: string,
    options: { readonly defaultToGlobal?: boolean } = {},
  ): CompatibilityLevel {
    const level = this.#subjectLevels.get(subject);
    if (level !== undefined) {
      return level;
    }
    if (options.defaultToGlobal === true) {
      return this.#globalLevel;
    }
    throw new SubjectCompatibilityNotConfiguredError(subject);
  }

  /** Sets the subject-level compatibility; the subject need not exist yet. */
  setSubjectCompatibility(subject: string, level: CompatibilityLevel): void {
    this.#subjectLevels.set(subject, level);
  }

  /**
   * Removes the subject-level compatibility, so that the global one applies again.
   *
   * @returns The level that applied before the removal.
   * @throws {@link SubjectNotFoundError} when the subject has neither a setting nor versions.
   */
  deleteSubjectCompatibility(subject: string): CompatibilityLevel {
    const level = this.#subjectLevels.get(subject);
    if (level === undefined && !this.#subjects.has(subject)) {
      throw new SubjectNotFoundError(subject);
    }
    this.#subjectLevels.delete(subject);
    return level ?? this.#globalLevel;
  }

  /** The level that applies to the subject: its own, else the global one. */
  effectiveCompatibility(subject: string): CompatibilityLevel {
    return this.#subjectLevels.get(subject) ?? this.#globalLevel;
  }

  #versionsOf(subject: string, options: IncludeDeletedOptions): StoredVersion[] {
    const versions = (this.#subjects.get(subject) ?? []).filter(
      (entry) => options.includeDeleted === true || !entry.deleted,
    );
    if (versions.length === 0) {
      throw new SubjectNotFoundError(subject);
    }
    return versions;
  }

  /** Returns the stored schema for this normalized text, assigning the next id if it is new. */
  #intern(parsed: ParsedAvroSchema): StoredSchema {
    const knownId = this.#idsByNormalized.get(parsed.normalized);
    const known = knownId === undefined ? undefined : this.#schemasById.get(knownId);
    if (known !== undefined) {
      return known;
    }
    const schema: StoredSchema = {
      id: this.#nextId,
      normalized: parsed.normalized,
      type: parsed.type,
    };
    this.#nextId += 1;
    this.#schemasById.set(schema.id, schema);
    this.#idsByNormalized.set(schema.normalized, schema.id);
    return schema;
  }
}

function parseInput(input: SchemaInput): ParsedAvroSchema {
  const schemaType = input.schemaType ?? 'AVRO';
  if (schemaType.toUpperCase() !== 'AVRO') {
    throw new InvalidSchemaError(
      `Schema type ${schemaType} is not supported by the embedded schema registry; only AVRO is`,
    );
  }
  if (input.references != null && input.references.length > 0) {
    throw new InvalidSchemaError(
      'Schema references are not supported by the embedded schema registry; ' +
        'inline the referenced types into the schema',
    );
  }
  return parseAvroSchema(input.schema);
}

function toVersionedType(entry: StoredVersion): VersionedType {
  return { version: entry.version, type: entry.schema.type };
}

function toSubjectVersion(subject: string, entry: StoredVersion): SubjectVersion {
  return { subject, version: entry.version, id: entry.schema.id, schema: entry.schema.normalized };
}
