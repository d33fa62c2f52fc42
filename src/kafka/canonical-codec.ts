/**
 * Canonical events on the wire: Avro in the Confluent wire format (magic
 * byte, 4-byte schema id, Avro body), with schemas registered in a schema
 * registry under TopicRecordNameStrategy subjects (`<topic>-<record name>`).
 */
import { readFileSync } from 'node:fs';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Domain, DomainData, EventEnvelope } from '../canonical/model.ts';
import { DOMAINS } from '../canonical/model.ts';
import { canonicalSchemaFile, canonicalSubject } from '../canonical/schemas.ts';

/** Encodes canonical events with the schema ids a registry gave them. */
export class CanonicalCodec {
  readonly #registry: SchemaRegistry;
  readonly #ids: Readonly<Record<Domain, number>>;

  private constructor(registry: SchemaRegistry, ids: Readonly<Record<Domain, number>>) {
    this.#registry = registry;
    this.#ids = ids;
  }

  /**
   * Registers every domain's schema (an already registered one keeps its id;
   * an incompatible change is refused by the registry) and returns a codec.
   *
   * @param topics - the domain topics, which name the subjects.
   * @throws {SubjectCompatibilityError} when the registry reports a subject's
   *   compatibility level as other than BACKWARD.
   */
  static async register(
    registry: SchemaRegistry,
    topics: Readonly<Record<Domain, string>>,
  ): Promise<CanonicalCodec> {
    const ids = {} as Record<Domain, number>;
    for (const domain of DOMAINS) {
      const subject = canonicalSubject(topics[domain], domain);
      const { id } = await registry
        .register(
          // The file as written, docs included: the registry is where consumers read them.
          { type: SchemaType.AVRO, schema: readFileSync(canonicalSchemaFile(domain), 'utf8') },
          { subject },
        )
        .catch((error: unknown) => {
          throw isCompatibilityMismatch(error)
            ? new SubjectCompatibilityError(subject, error)
            : error;
        });
      ids[domain] = id;
    }
    return new CanonicalCodec(registry, ids);
  }

  /** The registry id of a domain's schema. */
  schemaId(domain: Domain): number {
    return this.#ids[domain];
  }

  /** Encodes an event of a domain. */
  encode(domain: Domain, event: EventEnvelope<DomainData[Domain]>): Promise<Buffer> {
    return this.#registry.encode(this.#ids[domain], event);
  }
}

/**
 * A subject's compatibility level, as the registry reports it, is not the
 * BACKWARD the client registers under, so the client refused to register.
 * Confluent reports a subject without a level of its own as such (40408), and
 * the client then sets BACKWARD. Apicurio reports its configured default
 * instead (`apicurio.rules.global.compatibility`, NONE when unset, whatever
 * global level was set through the API), so there such a subject stops the
 * worker here (docs/registries.md).
 */
export class SubjectCompatibilityError extends Error {
  override readonly name = 'SubjectCompatibilityError';
  /** The subject whose level is not BACKWARD. */
  readonly subject: string;

  constructor(subject: string, cause: Error) {
    super(
      `schema registry subject ${subject}: ${cause.message}. Wharf registers under BACKWARD ` +
        `compatibility: set the subject's level (PUT /config/${subject} ` +
        `{"compatibility": "BACKWARD"}); on Apicurio a subject without a level of its own ` +
        `reports apicurio.rules.global.compatibility, NONE when that is unset`,
      { cause },
    );
    this.subject = subject;
  }
}

/** The client's own check failed (its error class is not exported, so by name). */
function isCompatibilityMismatch(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ConfluentSchemaRegistryCompatibilityError';
}
