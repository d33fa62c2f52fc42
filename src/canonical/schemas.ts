/**
 * The canonical Avro schemas (avro/canonical/), one record type per domain.
 * Several record types never share a topic today, but the subject naming
 * strategy is TopicRecordNameStrategy (`<topic>-<record full name>`) so that
 * one may later without a subject clash.
 */
import type { Type } from 'avsc';
import { loadAvroType } from '../providers/avro-validation.ts';
import type { Domain } from './model.ts';

const FILES: Readonly<Record<Domain, string>> = {
  orders: 'order-event.avsc',
  fulfillment: 'fulfillment-event.avsc',
  shipments: 'shipment-event.avsc',
  inventory: 'inventory-event.avsc',
  catalog: 'catalog-event.avsc',
  locations: 'location-event.avsc',
};

/** The Avro file of a domain's events, as a URL. */
export function canonicalSchemaFile(domain: Domain): URL {
  return new URL(`../../avro/canonical/${FILES[domain]}`, import.meta.url);
}

/** Each domain's canonical Avro type, loaded once. */
export const CANONICAL_TYPES: Readonly<Record<Domain, Type>> = Object.fromEntries(
  Object.keys(FILES).map((domain) => [domain, loadAvroType(canonicalSchemaFile(domain as Domain))]),
) as Record<Domain, Type>;

/** The schema registry subject of a domain's events on a topic (TopicRecordNameStrategy). */
export function canonicalSubject(topic: string, domain: Domain): string {
  return `${topic}-${CANONICAL_TYPES[domain].name ?? domain}`;
}
