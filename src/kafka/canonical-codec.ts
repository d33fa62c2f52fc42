/**
 * Canonical events on the wire: Avro in the Confluent wire format (magic
 * byte, 4-byte schema id, Avro body), with schemas registered in a schema
 * registry under the subjects `canonicalSubject` names (`<topic>-value` by
 * default), each at compatibility FULL_TRANSITIVE.
 */
import { COMPATIBILITY, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Domain, DomainData, EventEnvelope } from '../canonical/model.ts';
import { DOMAINS } from '../canonical/model.ts';
import { canonicalSchema, canonicalSubject } from '../canonical/schemas.ts';
import type { SubjectNameStrategy } from '../canonical/schemas.ts';
import type { CompatibilityLevel } from '../registry/compatibility.ts';

/**
 * The compatibility level of every canonical subject: a new version reads
 * the data of every earlier one and every earlier one reads its data, so
 * producers and consumers upgrade in any order, and a consumer may be
 * several versions behind. `wharf schemas check` and `release` hold the
 * schemas to it before they reach a registry.
 */
export const CANONICAL_COMPATIBILITY = 'FULL_TRANSITIVE' satisfies CompatibilityLevel;

/** Encodes canonical events with the schema ids a registry gave them. */
export class CanonicalCodec {
  readonly #registry: SchemaRegistry;
  readonly #ids: Readonly<Record<Domain, number>>;
  readonly #dataSchemas: Readonly<Record<Domain, string>> | undefined;

  private constructor(
    registry: SchemaRegistry,
    ids: Readonly<Record<Domain, number>>,
    registryUrl: string | undefined,
  ) {
    this.#registry = registry;
    this.#ids = ids;
    this.#dataSchemas = registryUrl === undefined ? undefined : dataSchemas(registryUrl, ids);
  }

  /**
   * Registers every domain's schema (an already registered one keeps its id;
   * an incompatible change is refused by the registry) and returns a codec.
   * A subject registered for the first time is given the level
   * {@link CANONICAL_COMPATIBILITY}.
   *
   * @param topics - the domain topics, which name the subjects.
   * @param strategy - how subjects are named (WHARF_SCHEMA_SUBJECT_STRATEGY).
   * @param registryUrl - the registry's address as consumers reach it, for
   *   {@link CanonicalCodec.dataSchema}.
   * @throws {SubjectCompatibilityError} when the registry reports a subject's
   *   compatibility level as other than {@link CANONICAL_COMPATIBILITY}.
   */
  static async register(
    registry: SchemaRegistry,
    topics: Readonly<Record<Domain, string>>,
    strategy: SubjectNameStrategy = 'topic',
    registryUrl?: string,
  ): Promise<CanonicalCodec> {
    const ids = {} as Record<Domain, number>;
    for (const domain of DOMAINS) {
      const subject = canonicalSubject(topics[domain], domain, strategy);
      const { id } = await registry
        .register(
          // Docs included: the registry is where consumers read them.
          { type: SchemaType.AVRO, schema: JSON.stringify(canonicalSchema(domain)) },
          { subject, compatibility: COMPATIBILITY[CANONICAL_COMPATIBILITY] },
        )
        .catch((error: unknown) => {
          throw isCompatibilityMismatch(error)
            ? new SubjectCompatibilityError(subject, error)
            : error;
        });
      ids[domain] = id;
    }
    return new CanonicalCodec(registry, ids, registryUrl);
  }

  /** The registry id of a domain's schema. */
  schemaId(domain: Domain): number {
    return this.#ids[domain];
  }

  /**
   * The CloudEvents `dataschema` of a domain's events: the schema's address
   * in the registry (`<registry>/schemas/ids/<id>`, credentials in the URL
   * left out); undefined when the codec was given no registry address.
   */
  dataSchema(domain: Domain): string | undefined {
    return this.#dataSchemas?.[domain];
  }

  /** Encodes an event of a domain. */
  encode(domain: Domain, event: EventEnvelope<DomainData[Domain]>): Promise<Buffer> {
    return this.#registry.encode(this.#ids[domain], event);
  }
}

/** Each domain's schema address in the registry, worked out once (it is read per record). */
function dataSchemas(
  registryUrl: string,
  ids: Readonly<Record<Domain, number>>,
): Record<Domain, string> {
  const url = new URL(registryUrl);
  url.username = '';
  url.password = '';
  const base = url.href.replace(/\/+$/, '');
  return Object.fromEntries(
    DOMAINS.map((domain) => [domain, `${base}/schemas/ids/${String(ids[domain])}`]),
  ) as Record<Domain, string>;
}

/**
 * A subject's compatibility level, as the registry reports it, is not the
 * FULL_TRANSITIVE the client registers under, so the client refused to
 * register (it never changes the level of a subject that has one).
 * Confluent reports a subject without a level of its own as such (40408),
 * and the client then sets FULL_TRANSITIVE. Apicurio reports its configured
 * default instead (`apicurio.rules.global.compatibility`, NONE when unset,
 * whatever global level was set through the API), so there such a subject
 * stops the worker here unless that default is FULL_TRANSITIVE
 * (docs/registries.md). So does a subject a Wharf before FULL_TRANSITIVE
 * created at BACKWARD.
 */
export class SubjectCompatibilityError extends Error {
  override readonly name = 'SubjectCompatibilityError';
  /** The subject whose level is not FULL_TRANSITIVE. */
  readonly subject: string;

  constructor(subject: string, cause: Error) {
    super(
      `schema registry subject ${subject}: ${cause.message}. Wharf registers under ` +
        `${CANONICAL_COMPATIBILITY} compatibility: set the subject's level (PUT /config/${subject} ` +
        `{"compatibility": "${CANONICAL_COMPATIBILITY}"}); on Apicurio a subject without a level ` +
        `of its own reports apicurio.rules.global.compatibility, NONE when that is unset`,
      { cause },
    );
    this.subject = subject;
  }
}

/** The client's own check failed (its error class is not exported, so by name). */
function isCompatibilityMismatch(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ConfluentSchemaRegistryCompatibilityError';
}
