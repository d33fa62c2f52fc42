/**
 * docs/reference/canonical-events.md: every canonical event type, with the
 * fields of its domain's record (from avro/canonical/, as the worker
 * registers them) and a real sample: a provider fixture run through the
 * worker's pure pipeline (samples.ts). A type no fixture produces says so,
 * and why when no provider emits it (NOT_EMITTED).
 */
import { CANONICAL_EVENT_TYPES, cloudEventType } from '../../src/canonical/event-types.ts';
import type { CanonicalEventType } from '../../src/canonical/event-types.ts';
import { DOMAINS } from '../../src/canonical/model.ts';
import type { Domain } from '../../src/canonical/model.ts';
import { canonicalSchema, canonicalSchemaFileName } from '../../src/canonical/schemas.ts';
import { domainTopicVariable, loadWorkerSettings } from '../../src/config/config.ts';
import type { AvroRecord } from '../../src/canonical/avro-records.ts';
import {
  isOptional,
  nestedRecords,
  topRecord,
  typeName,
} from '../../src/canonical/avro-records.ts';
import { code, generatedNotice, table } from './markdown.ts';
import type { Sample } from './samples.ts';
import { SAMPLE_RECEIVED_AT, entityDomains, fixtureSamples, samplesByType } from './samples.ts';

/** The entity of an event type: `fulfillment_order` of `fulfillment_order.shipped`. */
export function entityOf(type: string): string {
  return type.slice(0, type.indexOf('.'));
}

/**
 * The event types of each domain. An entity's domain is what its samples
 * show (every entity has some: the reference's test checks it).
 *
 * @throws {Error} when an entity has no sample, so that its domain is unknown.
 */
export function eventTypesByDomain(
  samples: readonly Sample[],
): ReadonlyMap<Domain, readonly CanonicalEventType[]> {
  const domains = entityDomains(samples);
  const byDomain = new Map<Domain, CanonicalEventType[]>(DOMAINS.map((domain) => [domain, []]));
  for (const type of CANONICAL_EVENT_TYPES) {
    const domain = domains.get(entityOf(type));
    if (domain === undefined) throw new Error(`no fixture gives a ${entityOf(type)} event`);
    byDomain.get(domain)?.push(type);
  }
  return byDomain;
}

const OWN_ONGOING_STATUS =
  'An Ongoing warehouse with a status of its own for it can map that status number to it ' +
  '(`WHARF_ONGOING_STATUS_MAP`); the samples use the standard table.';

/** A carrier's step, which the providers report on the shipment, not on the fulfillment order. */
const CARRIER_STEP =
  "It is a carrier's step, which the providers report on the shipment (`shipment.<status>`): " +
  "Ongoing's standard order statuses and HappyColis's delivery-order and transfer-order events " +
  `name no such step. ${OWN_ONGOING_STATUS}`;

/** A warehouse's step, which the providers report on the fulfillment order, not on the shipment. */
const WAREHOUSE_STEP =
  "It is a warehouse's step, which the providers report on the fulfillment order " +
  '(`fulfillment_order.<status>`): shipments come from carrier tracking (EasyPost tracker ' +
  'statuses, HappyColis shipment events), and no carrier status means it.';

/** The hand-over to the carrier, which shipment tracking does not report as a status of its own. */
const HANDOVER =
  'The shipment providers do not report the hand-over to the carrier as a status of its own: ' +
  "an EasyPost tracker goes from `pre_transit` (OPEN) to `in_transit`, and HappyColis's shipment " +
  'events have none (its `delivery-order/shipped` is `fulfillment_order.shipped`); Ongoing ' +
  'reports Sent and Collected on the fulfillment order.';

/**
 * Why no provider emits a type: no message of any provider, as its
 * normalizer reads it with the default configuration, has this type, so no
 * fixture can give it a sample. A note for a type that has a sample is
 * stale, and generating the page fails on it.
 */
export const NOT_EMITTED: ReadonlyMap<CanonicalEventType, string> = new Map<
  CanonicalEventType,
  string
>([
  [
    'fulfillment_order.picking',
    "None reports picking under way: Ongoing's standard statuses go from 320 Allocated to " +
      '400 Picked, and HappyColis sends `delivery-order/picked` but no event for picking begun. ' +
      OWN_ONGOING_STATUS,
  ],
  ['fulfillment_order.in_transit', CARRIER_STEP],
  ['fulfillment_order.out_for_delivery', CARRIER_STEP],
  ['fulfillment_order.available_for_pickup', CARRIER_STEP],
  ['fulfillment_order.delivery_attempt_failed', CARRIER_STEP],
  ['fulfillment_order.delivered', CARRIER_STEP],
  ['fulfillment_order.returning', CARRIER_STEP],
  ['fulfillment_order.lost', CARRIER_STEP],
  ['shipment.released', WAREHOUSE_STEP],
  ['shipment.allocated', WAREHOUSE_STEP],
  ['shipment.picking', WAREHOUSE_STEP],
  ['shipment.picked', WAREHOUSE_STEP],
  ['shipment.packed', WAREHOUSE_STEP],
  ['shipment.fulfilled', WAREHOUSE_STEP],
  ['shipment.shipped', HANDOVER],
  ['shipment.collected', HANDOVER],
  ['shipment.rejected', WAREHOUSE_STEP],
]);

function fieldTable(record: AvroRecord): string {
  return table(
    ['Field', 'Type', 'Optional', 'Description'],
    record.fields.map((field) => [
      code(field.name),
      code(typeName(field.type)),
      isOptional(field) ? 'yes' : 'no',
      field.doc ?? '',
    ]),
  );
}

/** A sample as it lies on the topic: the key, the CloudEvents headers, the Avro value as JSON. */
function sampleBlock(sample: Sample): string {
  const { topic, key, headers, event } = sample.record;
  return [
    `From ${code(sample.from)}:`,
    '',
    '```json',
    JSON.stringify({ topic, key, headers, value: event }, null, 2),
    '```',
  ].join('\n');
}

/** What a type without a sample says: why no provider emits it, or that no fixture does yet. */
function noSample(type: CanonicalEventType): string {
  const why = NOT_EMITTED.get(type);
  return why === undefined
    ? 'No provider fixture produces this type yet: no sample.'
    : `No provider fixture produces this type: no provider emits it with the default configuration. ${why}`;
}

function typeSection(type: CanonicalEventType, sample: Sample | undefined): string {
  return [
    `### ${code(type)}`,
    '',
    `CloudEvents type ${code(cloudEventType(type))}.`,
    '',
    sample === undefined ? noSample(type) : sampleBlock(sample),
  ].join('\n');
}

function domainSection(
  domain: Domain,
  types: readonly CanonicalEventType[],
  samples: ReadonlyMap<CanonicalEventType, Sample>,
  defaultTopic: string,
): string {
  const record = topRecord(canonicalSchema(domain));
  return [
    `## Domain ${code(domain)}`,
    '',
    `Topic ${code(defaultTopic)} (${code(domainTopicVariable(domain))}); Avro record ` +
      `${code(record.name)} ` +
      `(avro/canonical/${canonicalSchemaFileName(domain)}). ${record.doc ?? ''}`,
    '',
    `Every event of the domain is this record; ${code('type')} tells them apart.`,
    '',
    fieldTable(record),
    '',
    ...types.flatMap((type) => [typeSection(type, samples.get(type)), '']),
  ].join('\n');
}

function recordsSection(): string {
  const found = new Map<string, AvroRecord>();
  for (const domain of DOMAINS) nestedRecords(canonicalSchema(domain), found);
  return [...found]
    .map(([name, record]) =>
      [`### ${code(name)}`, '', ...(record.doc ? [record.doc, ''] : []), fieldTable(record)].join(
        '\n',
      ),
    )
    .join('\n\n');
}

/** The canonical event types no fixture produces. */
export function typesWithoutSample(
  samples: ReadonlyMap<CanonicalEventType, Sample>,
): CanonicalEventType[] {
  return CANONICAL_EVENT_TYPES.filter((type) => !samples.has(type));
}

/**
 * The sentence that counts the samples and names the types without one:
 * those no provider emits, and those a fixture could give but none does yet.
 *
 * @throws {Error} when a type that has a sample is noted as emitted by no provider.
 */
function sampleCount(samples: ReadonlyMap<CanonicalEventType, Sample>): string {
  const stale = [...NOT_EMITTED.keys()].filter((type) => samples.has(type));
  if (stale.length > 0) {
    throw new Error(`${stale.join(', ')}: a fixture produces it, yet NOT_EMITTED says none can`);
  }
  const missing = typesWithoutSample(samples);
  const notEmitted = missing.filter((type) => NOT_EMITTED.has(type));
  const notYet = missing.filter((type) => !NOT_EMITTED.has(type));
  return [
    `${String(CANONICAL_EVENT_TYPES.length - missing.length)} of ` +
      `${String(CANONICAL_EVENT_TYPES.length)} event types have a sample.`,
    ...(notEmitted.length === 0
      ? []
      : [
          `No provider emits ${notEmitted.map(code).join(', ')} with the default ` +
            "configuration, so no fixture produces them (each type's section says why).",
        ]),
    ...(notYet.length === 0 ? [] : [`No fixture produces ${notYet.map(code).join(', ')} yet.`]),
  ].join(' ');
}

/** The whole page, before prettier. */
export function canonicalEventsReference(): string {
  const all = fixtureSamples();
  const samples = samplesByType(all);
  const byDomain = eventTypesByDomain(all);
  const topics = loadWorkerSettings({}).domainTopics;
  return [
    generatedNotice('avro/canonical/ and the provider fixtures run through the worker pipeline'),
    '',
    '# Canonical events reference',
    '',
    'Every canonical event type, the fields of the record it travels in, and a real sample. ' +
      'Each domain has one topic and one Avro record; an event is a Kafka record whose value is ' +
      'that record (Confluent wire format, the schema in the registry), whose key is the ' +
      "event's `subject` (one entity's events stay in order on one partition), and whose " +
      'headers are the CloudEvents attributes (binary mode, `ce_*`).',
    '',
    'The samples are what the worker makes of the provider fixtures (test/fixtures/providers/ ' +
      "and each provider's example webhook): each read as the first record of its raw topic, " +
      `received at ${SAMPLE_RECEIVED_AT}, with the provider payload omitted ` +
      '(`WHARF_<SOURCE>_PAYLOAD=omit`; by default `providerPayload` holds the webhook as ' +
      'received). The value is shown as JSON; on the topic it is Avro.',
    '',
    sampleCount(samples),
    '',
    '## Event types',
    '',
    table(
      ['Event type', 'Domain', 'CloudEvents type', 'Sample'],
      [...byDomain].flatMap(([domain, types]) =>
        types.map((type) => [
          code(type),
          code(domain),
          code(cloudEventType(type)),
          samples.has(type) ? 'yes' : 'none',
        ]),
      ),
    ),
    '',
    ...[...byDomain].map(([domain, types]) =>
      domainSection(domain, types, samples, topics[domain]),
    ),
    '## Records',
    '',
    'The records the domain records hold, each once.',
    '',
    recordsSection(),
    '',
  ].join('\n');
}
