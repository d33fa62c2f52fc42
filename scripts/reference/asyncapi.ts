/**
 * docs/reference/asyncapi.yaml: the AsyncAPI 3.0 document of what Wharf
 * writes for others to read: one channel per domain topic and one for the
 * dead letters, each with a receive operation (the consumer's side), and
 * their messages: the canonical Avro records inline (expanded, as the worker
 * registers them), the CloudEvents headers, the Kafka key, and a real sample
 * (samples.ts). Topic names, partitions and limits are the defaults, from
 * the configuration and the topic specifications.
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { cloudEventType } from '../../src/canonical/event-types.ts';
import type { CanonicalEventType } from '../../src/canonical/event-types.ts';
import { DOMAINS } from '../../src/canonical/model.ts';
import type { Domain } from '../../src/canonical/model.ts';
import { canonicalSchema } from '../../src/canonical/schemas.ts';
import { domainTopicVariable, loadConfig } from '../../src/config/config.ts';
import { ERROR_CODES } from '../../src/errors.ts';
import { CLOUDEVENT_HEADERS, DEAD_LETTER_HEADERS, RAW_HEADERS } from '../../src/kafka/headers.ts';
import { workerTopicSpecs } from '../../src/kafka/topics.ts';
import type { TopicSpec } from '../../src/kafka/topics.ts';
import { DOMAIN_CONTENT_TYPE } from '../../src/worker/pipeline.ts';
import { shortName, topRecord, withNamespaces } from '../../src/canonical/avro-records.ts';
import { eventTypesByDomain } from './canonical-events.ts';
import type { Sample } from './samples.ts';
import { fixtureSamples, samplesByType } from './samples.ts';

/** The schema format of Avro payloads, as AsyncAPI names it. */
export const AVRO_SCHEMA_FORMAT = 'application/vnd.apache.avro;version=1.9.0';

/** The Kafka bindings' version used throughout. */
const KAFKA_BINDING_VERSION = '0.5.0';

/** The channel of dead letters, beside the domains'. */
export const DEAD_LETTER_CHANNEL = 'deadLetters';

/**
 * What each header means, by name. Partial, so that a header added to
 * headers.ts does not stop the build; the AsyncAPI test fails until it is
 * described here.
 */
export const HEADER_DESCRIPTIONS: Readonly<Partial<Record<string, string>>> = {
  [CLOUDEVENT_HEADERS.specversion]: 'The CloudEvents version, 1.0.',
  [CLOUDEVENT_HEADERS.id]:
    "The event's id (its `id` field): the same for every redelivery of one provider event.",
  [CLOUDEVENT_HEADERS.source]: 'The provider, as `/wharf/<source>`.',
  [CLOUDEVENT_HEADERS.type]:
    'The event type, reverse-DNS and versioned: `dev.wharf.logistics.<event type>.v1`.',
  [CLOUDEVENT_HEADERS.time]: 'When it happened, ISO 8601 in UTC (the `time` field).',
  [CLOUDEVENT_HEADERS.subject]:
    'The entity, `<source>/<tenant>/<entity>/<id>` (the `subject` field); also the key.',
  [CLOUDEVENT_HEADERS.dataschema]:
    "Where the value's schema is: `<registry>/schemas/ids/<id>` (when the worker knows the registry's address).",
  [CLOUDEVENT_HEADERS.partitionkey]:
    'The partitioning extension: the key that keeps one entity in order (the subject).',
  [CLOUDEVENT_HEADERS.tenant]: "The event's tenant, when known.",
  [CLOUDEVENT_HEADERS.staleSeconds]:
    "Wharf's extension: how many seconds the provider time lies before the arrival, when more than the deduplication window (a late redelivery, or a replayed capture).",
  [CLOUDEVENT_HEADERS.traceparent]:
    "The distributed-tracing extension: the webhook's W3C traceparent, when the raw record has one.",
  [CLOUDEVENT_HEADERS.tracestate]: 'The W3C tracestate that came with the traceparent.',
  [CLOUDEVENT_HEADERS.contentType]: `The value's content type: ${DOMAIN_CONTENT_TYPE} (Confluent wire format).`,
  [RAW_HEADERS.source]: 'The provider the webhook came to (its URL).',
  [RAW_HEADERS.requestId]: 'The id the ingress answered the webhook with.',
  [RAW_HEADERS.receivedAt]: 'When the ingress received the webhook, ISO 8601 in UTC.',
  [RAW_HEADERS.urlEventType]: "The event type the webhook's URL named, if any.",
  [RAW_HEADERS.tenant]: "The tenant the request's credential is bound to, if it is bound to one.",
  [RAW_HEADERS.traceparent]: "The webhook's W3C traceparent, as the ingress continued it.",
  [RAW_HEADERS.tracestate]: "The webhook's W3C tracestate.",
  [DEAD_LETTER_HEADERS.stage]:
    'The stage that failed: source, parse, detect, validate, normalize, authorize, encode or produce.',
  [DEAD_LETTER_HEADERS.code]: 'Why, as a stable code (the same as in logs and metrics).',
  [DEAD_LETTER_HEADERS.message]: 'Why, in words.',
  [DEAD_LETTER_HEADERS.path]: 'The field path at fault; empty when it is not about one field.',
  [DEAD_LETTER_HEADERS.originalTopic]: 'The raw topic the webhook was read from.',
  [DEAD_LETTER_HEADERS.originalPartition]: 'Its partition there.',
  [DEAD_LETTER_HEADERS.originalOffset]: 'Its offset there.',
};

/** The headers whose meaning is not written here (the test wants none). */
export function undescribedHeaders(): string[] {
  const names = new Set([
    ...Object.values(CLOUDEVENT_HEADERS),
    ...Object.values(RAW_HEADERS),
    ...Object.values(DEAD_LETTER_HEADERS),
  ]);
  return [...names].filter((name) => HEADER_DESCRIPTIONS[name] === undefined);
}

function described(name: string): string {
  return HEADER_DESCRIPTIONS[name] ?? 'Not described yet: see src/kafka/headers.ts.';
}

interface JsonSchema {
  readonly [keyword: string]: unknown;
}

/** A headers schema: every name a string, the required ones those every sample carries. */
function headersSchema(
  names: readonly string[],
  required: readonly string[],
  refine: Readonly<Record<string, JsonSchema>> = {},
  additional = false,
): JsonSchema {
  return {
    type: 'object',
    properties: Object.fromEntries(
      names.map((name) => [
        name,
        { type: 'string', description: described(name), ...refine[name] },
      ]),
    ),
    required: names.filter((name) => required.includes(name)),
    additionalProperties: additional ? { type: 'string' } : false,
  };
}

/** The header names every record of the list carries. */
function carriedByAll(headers: readonly Readonly<Record<string, string>>[]): string[] {
  const [first, ...rest] = headers;
  return Object.keys(first ?? {}).filter((name) => rest.every((other) => name in other));
}

/** The default configuration of a worker: what the topics are when nothing is set. */
function defaultWorkerTopics(): {
  specs: readonly TopicSpec[];
  config: ReturnType<typeof loadConfig>;
} {
  const config = loadConfig(
    { KAFKA_BROKERS: 'localhost:9092', SCHEMA_REGISTRY_URL: 'http://localhost:8081' },
    'worker',
  );
  return { specs: workerTopicSpecs(config), config };
}

function channelBinding(spec: TopicSpec | undefined): JsonSchema {
  if (spec === undefined) throw new Error('a topic Wharf writes has no specification');
  const maxMessageBytes = spec.config['max.message.bytes'];
  return {
    kafka: {
      topic: spec.topic,
      partitions: spec.numPartitions,
      ...(maxMessageBytes === undefined
        ? {}
        : { topicConfiguration: { 'max.message.bytes': Number(maxMessageBytes) } }),
      bindingVersion: KAFKA_BINDING_VERSION,
    },
  };
}

function domainMessage(
  domain: Domain,
  types: readonly CanonicalEventType[],
  domainSamples: readonly Sample[],
  example: Sample | undefined,
): JsonSchema {
  const schema = canonicalSchema(domain);
  const record = topRecord(schema);
  const headerNames = Object.values(CLOUDEVENT_HEADERS);
  return {
    name: shortName(record.name),
    title: `${shortName(record.name)} (${domain})`,
    summary: record.doc ?? '',
    contentType: DOMAIN_CONTENT_TYPE,
    headers: headersSchema(
      headerNames,
      carriedByAll(domainSamples.map((sample) => sample.record.headers)),
      {
        [CLOUDEVENT_HEADERS.specversion]: { const: '1.0' },
        [CLOUDEVENT_HEADERS.type]: { enum: types.map(cloudEventType) },
        [CLOUDEVENT_HEADERS.contentType]: { const: DOMAIN_CONTENT_TYPE },
      },
    ),
    payload: { schemaFormat: AVRO_SCHEMA_FORMAT, schema: withNamespaces(schema) },
    bindings: {
      kafka: {
        key: {
          type: 'string',
          description:
            "The event's subject, `<source>/<tenant>/<entity>/<id>`: one entity's events share a partition, in order.",
        },
        schemaIdLocation: 'payload',
        schemaIdPayloadEncoding: 'confluent',
        schemaLookupStrategy: 'TopicNameStrategy',
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
    ...(example === undefined
      ? {}
      : {
          examples: [
            {
              name: example.record.event.type,
              summary: `From ${example.from}, as JSON (Avro on the topic).`,
              headers: example.record.headers,
              payload: example.record.event,
            },
          ],
        }),
  };
}

function deadLetterMessage(): JsonSchema {
  const errorHeaders: readonly string[] = Object.values(DEAD_LETTER_HEADERS);
  const rawHeaders = Object.values(RAW_HEADERS).filter((name) => !errorHeaders.includes(name));
  const always = [
    DEAD_LETTER_HEADERS.stage,
    DEAD_LETTER_HEADERS.code,
    DEAD_LETTER_HEADERS.message,
    DEAD_LETTER_HEADERS.path,
    DEAD_LETTER_HEADERS.originalTopic,
    DEAD_LETTER_HEADERS.originalPartition,
    DEAD_LETTER_HEADERS.originalOffset,
  ];
  return {
    name: 'DeadLetter',
    title: 'A raw record that failed',
    summary:
      'The webhook as it was landed (its bytes, key and headers, with the headers of the provider that the ingress keeps), and why it failed. `wharf dlq` lists and redrives them.',
    contentType: 'application/json',
    headers: headersSchema(
      [...rawHeaders, ...errorHeaders],
      always,
      {
        [DEAD_LETTER_HEADERS.code]: { enum: [...ERROR_CODES] },
      },
      true,
    ),
    payload: {
      description: 'The webhook body as received: JSON, or what the provider sent instead.',
    },
    bindings: {
      kafka: {
        key: {
          type: ['string', 'null'],
          description:
            "The raw record's key: the id of the entity the webhook is about, as the ingress read it; null when the body does not say.",
        },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
  };
}

function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/** The document as an object. */
export function asyncApiObject(): JsonSchema {
  const samples = fixtureSamples();
  const firstOfType = samplesByType(samples);
  const byDomain = eventTypesByDomain(samples);
  const { specs, config } = defaultWorkerTopics();
  const topicOf = (domain: Domain) => config.worker.domainTopics[domain];
  const specOf = (topic: string) => specs.find((spec) => spec.topic === topic);
  const messageKey = (domain: Domain) => shortName(topRecord(canonicalSchema(domain)).name);
  const channel = (
    key: string,
    topic: string,
    description: string,
    message: string,
  ): [string, JsonSchema] => [
    key,
    {
      address: topic,
      title: topic,
      description,
      messages: { [message]: { $ref: `#/components/messages/${message}` } },
      bindings: channelBinding(specOf(topic)),
    },
  ];
  const channels = Object.fromEntries([
    ...DOMAINS.map((domain) =>
      channel(
        domain,
        topicOf(domain),
        `The ${domain} events (${String(byDomain.get(domain)?.length ?? 0)} event types). ` +
          `The topic is named by ${domainTopicVariable(domain)}; this is its default.`,
        messageKey(domain),
      ),
    ),
    channel(
      DEAD_LETTER_CHANNEL,
      config.worker.deadLetterTopic,
      'Raw records the worker could not route, with why. The topic is named by WHARF_DEAD_LETTER_TOPIC; this is its default.',
      'DeadLetter',
    ),
  ]);
  const operation = (channel: string, message: string, summary: string) => ({
    action: 'receive',
    channel: { $ref: `#/channels/${channel}` },
    summary,
    messages: [{ $ref: `#/channels/${channel}/messages/${message}` }],
  });
  const capitalized = (word: string) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`;
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Wharf domain events',
      version: packageVersion(),
      description: [
        'What Wharf writes for others to read: logistics webhooks, normalized to one canonical model, on one Kafka topic per domain, and the dead letters.',
        '',
        "Each domain event is a Kafka record in the CloudEvents Kafka binding, binary mode: the attributes are `ce_*` headers, the value is the canonical Avro record in the Confluent wire format (magic byte, schema id, Avro body), registered in the schema registry under `<topic>-value` by default (WHARF_SCHEMA_SUBJECT_STRATEGY). The key is the event's subject, so one entity's events stay in order.",
        '',
        'A worker running exactly-once (WHARF_WORKER_DELIVERY) writes in transactions: consumers then read with isolation.level=read_committed. Otherwise a redelivery may repeat an event, with the same id.',
        '',
        'Generated by `npm run generate` from avro/canonical/, src/kafka/headers.ts, the configuration defaults and the provider fixtures (scripts/reference/asyncapi.ts); do not edit.',
      ].join('\n'),
    },
    defaultContentType: DOMAIN_CONTENT_TYPE,
    servers: {
      kafka: {
        host: config.kafka.brokers.join(','),
        protocol: 'kafka',
        description:
          'The Kafka cluster (KAFKA_BROKERS); the schema registry is SCHEMA_REGISTRY_URL.',
        bindings: {
          kafka: {
            schemaRegistryUrl: config.worker.schemaRegistryUrl,
            schemaRegistryVendor: 'confluent',
            bindingVersion: KAFKA_BINDING_VERSION,
          },
        },
      },
    },
    channels,
    operations: Object.fromEntries([
      ...DOMAINS.map((domain) => [
        `receive${capitalized(domain)}Events`,
        operation(domain, messageKey(domain), `Consume the ${domain} events.`),
      ]),
      [
        'receiveDeadLetters',
        operation(DEAD_LETTER_CHANNEL, 'DeadLetter', 'Consume the records that failed.'),
      ],
    ]),
    components: {
      messages: {
        ...Object.fromEntries(
          DOMAINS.map((domain) => {
            const types = byDomain.get(domain) ?? [];
            const domainSamples = samples.filter((sample) => sample.record.domain === domain);
            const example = types.map((type) => firstOfType.get(type)).find(Boolean);
            return [messageKey(domain), domainMessage(domain, types, domainSamples, example)];
          }),
        ),
        DeadLetter: deadLetterMessage(),
      },
    },
  };
}

/** The document as YAML, before prettier. */
export function asyncApiDocument(): string {
  return `# Generated by \`npm run generate\` (scripts/reference/asyncapi.ts): do not edit.\n${YAML.stringify(
    asyncApiObject(),
    { lineWidth: 0 },
  )}`;
}
