/**
 * docs/reference/canonical-events.md: every canonical event type, with the
 * fields of its domain's record (from avro/canonical/, as the worker
 * registers them) and a real sample: a provider fixture run through the
 * worker's pure pipeline (samples.ts). A type no fixture produces says so.
 */
import { CANONICAL_EVENT_TYPES, cloudEventType } from '../../src/canonical/event-types.ts';
import type { CanonicalEventType } from '../../src/canonical/event-types.ts';
import { DOMAINS } from '../../src/canonical/model.ts';
import type { Domain } from '../../src/canonical/model.ts';
import { canonicalSchema, canonicalSchemaFileName } from '../../src/canonical/schemas.ts';
import { domainTopicVariable, loadWorkerSettings } from '../../src/config/config.ts';
import type { AvroRecord } from './avro.ts';
import { isOptional, nestedRecords, topRecord, typeName } from './avro.ts';
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

function typeSection(type: CanonicalEventType, sample: Sample | undefined): string {
  return [
    `### ${code(type)}`,
    '',
    `CloudEvents type ${code(cloudEventType(type))}.`,
    '',
    sample === undefined
      ? 'No provider fixture produces this type yet: no sample.'
      : sampleBlock(sample),
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

/** The whole page, before prettier. */
export function canonicalEventsReference(): string {
  const all = fixtureSamples();
  const samples = samplesByType(all);
  const byDomain = eventTypesByDomain(all);
  const topics = loadWorkerSettings({}).domainTopics;
  const missing = typesWithoutSample(samples);
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
    `${String(CANONICAL_EVENT_TYPES.length - missing.length)} of ` +
      `${String(CANONICAL_EVENT_TYPES.length)} event types have a sample; no fixture produces ` +
      `${missing.map(code).join(', ')}.`,
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
