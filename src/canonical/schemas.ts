/**
 * The canonical Avro schemas (avro/canonical/), one record type per domain.
 *
 * Types several domains share (Money, Quantity, Address, the status enums,
 * Reference, Change) are defined once, in `shared.avsc`; a domain's file
 * names them. What is registered and checked is the domain's schema
 * expanded: self-contained, each shared type written out at its first use,
 * as any Avro reader expects one schema to be.
 */
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import type { Schema, Type } from 'avsc';
import type { Domain } from './model.ts';

const FILES: Readonly<Record<Domain, string>> = {
  orders: 'order-event.avsc',
  fulfillment: 'fulfillment-event.avsc',
  shipments: 'shipment-event.avsc',
  inventory: 'inventory-event.avsc',
  catalog: 'catalog-event.avsc',
  locations: 'location-event.avsc',
};

/** The file of the shared named types, beside the domains' files. */
export const SHARED_SCHEMA_FILE = 'shared.avsc';

/** The Avro file of a domain's events (before expansion), as a URL. */
export function canonicalSchemaFile(domain: Domain): URL {
  return new URL(`../../avro/canonical/${FILES[domain]}`, import.meta.url);
}

/** The file name of a domain's schema in avro/canonical/. */
export function canonicalSchemaFileName(domain: Domain): string {
  return FILES[domain];
}

/**
 * A domain's schema with the shared types written in, from the two files'
 * texts (so that a check can expand the versions at a git commit the same
 * way). `sharedText` undefined: the domain file stands alone (schemas
 * written before the shared file existed).
 *
 * @throws {Error} when either text is not valid Avro, or names a type neither defines.
 */
export function expandCanonicalSchema(domainText: string, sharedText: string | undefined): Schema {
  const registry = {};
  if (sharedText !== undefined) {
    for (const shared of JSON.parse(sharedText) as Schema[]) {
      avro.Type.forSchema(shared, { registry, wrapUnions: false });
    }
  }
  const type = avro.Type.forSchema(JSON.parse(domainText) as Schema, {
    registry,
    wrapUnions: false,
  });
  return type.schema({ exportAttrs: true });
}

function read(url: URL): string {
  return readFileSync(url, 'utf8');
}

/** A domain's installed canonical schema, expanded (what the worker registers). */
export function canonicalSchema(domain: Domain): Schema {
  return expandCanonicalSchema(
    read(canonicalSchemaFile(domain)),
    read(new URL(`../../avro/canonical/${SHARED_SCHEMA_FILE}`, import.meta.url)),
  );
}

/** Each domain's canonical Avro type, loaded once. */
export const CANONICAL_TYPES: Readonly<Record<Domain, Type>> = Object.fromEntries(
  Object.keys(FILES).map((domain) => [
    domain,
    avro.Type.forSchema(canonicalSchema(domain as Domain), { wrapUnions: false }),
  ]),
) as Record<Domain, Type>;

/**
 * How the registry subject of a topic's values is named
 * (WHARF_SCHEMA_SUBJECT_STRATEGY):
 * - `topic`, Confluent's TopicNameStrategy and the default of Kafka Connect,
 *   ksqlDB and Flink: `<topic>-value`, one record type per topic, which is
 *   Wharf's case (each domain has its topic);
 * - `topic-record`, TopicRecordNameStrategy: `<topic>-<record full name>`,
 *   for topics that carry several record types.
 */
export type SubjectNameStrategy = 'topic' | 'topic-record';

/** The subject of values of the record type `recordFullName` on a topic. */
export function subjectName(
  topic: string,
  recordFullName: string,
  strategy: SubjectNameStrategy,
): string {
  return strategy === 'topic' ? `${topic}-value` : `${topic}-${recordFullName}`;
}

/** The schema registry subject of a domain's events on a topic. */
export function canonicalSubject(
  topic: string,
  domain: Domain,
  strategy: SubjectNameStrategy,
): string {
  return subjectName(topic, CANONICAL_TYPES[domain].name ?? domain, strategy);
}
