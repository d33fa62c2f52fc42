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
   */
  static async register(
    registry: SchemaRegistry,
    topics: Readonly<Record<Domain, string>>,
  ): Promise<CanonicalCodec> {
    const ids = {} as Record<Domain, number>;
    for (const domain of DOMAINS) {
      const { id } = await registry.register(
        // The file as written, docs included: the registry is where consumers read them.
        { type: SchemaType.AVRO, schema: readFileSync(canonicalSchemaFile(domain), 'utf8') },
        { subject: canonicalSubject(topics[domain], domain) },
      );
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
