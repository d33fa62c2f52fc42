/**
 * The worker's pure core: one raw record in, the records to produce out.
 *
 * parse → detect the provider's event type → validate against its Avro
 * schema → normalize to a canonical event → route to its domain topic. No
 * Kafka, no clock, no network: everything it needs comes in as arguments,
 * so the same function serves the worker, the `wharf transform` command and
 * the property tests. Whatever fails at any stage becomes one dead-letter
 * record carrying the original bytes and headers, the stage, a stable code,
 * a message and the field path; nothing throws out of it.
 */
import type { PayloadWriter } from './provider-payload.ts';
import { payloadWriter } from './provider-payload.ts';
import { cloudEventType } from '../canonical/event-types.ts';
import type { Domain, EventEnvelope, DomainData } from '../canonical/model.ts';
import { utcData } from '../canonical/data-times.ts';
import { canonicalEventId } from '../canonical/event-id.ts';
import { readProviderTime } from '../canonical/time.ts';
import type { Config } from '../config/config.ts';
import type { ErrorCode } from '../errors.ts';
import { CLOUDEVENT_HEADERS, DEAD_LETTER_HEADERS, RAW_HEADERS } from '../kafka/headers.ts';
import type { Source } from '../providers/index.ts';
import { isSource } from '../providers/index.ts';
import type {
  DetectedEvent,
  Normalizer,
  ProviderAdapter,
  RawContext,
} from '../providers/provider.ts';

export type { ProviderAdapter } from '../providers/provider.ts';

/** A record read from a raw topic. */
export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Headers as strings (the ingress writes only strings). */
  readonly headers: Readonly<Record<string, string>>;
}

/** What the pipeline needs from the configuration. */
export interface PipelineConfig {
  readonly adapters: Readonly<Record<Source, ProviderAdapter>>;
  /** Domain topic of each domain. */
  readonly topics: Readonly<Record<Domain, string>>;
  readonly deadLetterTopic: string;
  /** Zone of provider timestamps without an offset, for a source without its own. */
  readonly timeZone: string;
  /** Each source's own zone, where it has one. */
  readonly timeZones?: Readonly<Partial<Record<Source, string>>>;
  /** Each source's raw topic: the only topic its records may come from. */
  readonly rawTopics: Readonly<Record<Source, string>>;
  /**
   * An event whose provider time lies further than this before its arrival
   * is marked stale (`ce_wharfstaleseconds`): the deduplication window, past
   * which a replayed request would no longer be recognised as a duplicate.
   */
  readonly staleAfterMs: number;
  /** What each source's events carry of the provider message; all of it when absent. */
  readonly payloads?: Readonly<Partial<Record<Source, PayloadWriter>>>;
}

const keepPayload: PayloadWriter = (text) => text;

/** What the pipeline takes from the worker's settings. */
type PipelineSettings = Pick<
  Config['worker'],
  | 'domainTopics'
  | 'deadLetterTopic'
  | 'timeZone'
  | 'timeZones'
  | 'rawTopics'
  | 'dedupWindowMs'
  | 'payloads'
>;

/** The pipeline configuration of a deployment's worker settings. */
export function pipelineConfigOf(
  settings: PipelineSettings,
  adapters: Readonly<Record<Source, ProviderAdapter>>,
): PipelineConfig {
  return {
    adapters,
    topics: settings.domainTopics,
    deadLetterTopic: settings.deadLetterTopic,
    timeZone: settings.timeZone,
    timeZones: settings.timeZones,
    rawTopics: settings.rawTopics,
    staleAfterMs: settings.dedupWindowMs,
    payloads: Object.fromEntries(
      Object.entries(settings.payloads).map(([source, policy]) => [source, payloadWriter(policy)]),
    ),
  };
}

/** The stage a record failed at. */
export type Stage =
  'source' | 'parse' | 'detect' | 'validate' | 'normalize' | 'authorize' | 'encode' | 'produce';

/** Why a record went to the dead-letter topic. */
export interface PipelineError {
  readonly stage: Stage;
  readonly code: ErrorCode;
  readonly message: string;
  /** Dotted field path ('' when the failure is not about one field). */
  readonly path: string;
}

/** A canonical event for its domain topic. */
export interface DomainRecord {
  readonly kind: 'domain';
  readonly topic: string;
  readonly domain: Domain;
  /** The event's subject: one entity's events stay on one partition, in order. */
  readonly key: string;
  /** CloudEvents Kafka binding, binary mode. */
  readonly headers: Readonly<Record<string, string>>;
  readonly event: EventEnvelope<DomainData[Domain]>;
  /**
   * The request's signed delivery id with its source, tenant and identity as
   * one key, when the provider signs one (`NormalizedEvent.deliveryId`): what
   * the worker remembers to tell a replayed request from a delivery.
   */
  readonly replayKey?: string;
  /**
   * For an event known by its content (`NormalizedEvent.identifiedBy`), that
   * content's key: the worker drops the event as a redelivery while it is
   * its entity's latest content, and routes it otherwise.
   */
  readonly contentKey?: string;
}

/** The original record, for the dead-letter topic. */
export interface DeadLetterRecord {
  readonly kind: 'dead-letter';
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The original headers plus `wharf-error-*` and `wharf-original-*`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly error: PipelineError;
  /** The provider's event type, when the record got past detection (for metrics). */
  readonly eventType?: string;
}

/** What one raw record becomes. */
export type PipelineOutput = DomainRecord | DeadLetterRecord;

/** The CloudEvents content type of domain records (Avro, Confluent wire format). */
export const DOMAIN_CONTENT_TYPE = 'application/avro';

const NO_TRACE_CONTEXT: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The raw record's W3C trace context as the CloudEvents distributed-tracing
 * extension, copied as written: the ingress validated it, and the worker
 * trusts its raw records' headers as it trusts `wharf-tenant`. Nothing for a
 * raw record without one (landed before the ingress wrote it): no trace is
 * made up for it, since no log line of its request would carry that id.
 */
function traceContextOf(raw: RawRecord): Readonly<Record<string, string>> {
  const traceparent = raw.headers[RAW_HEADERS.traceparent];
  if (traceparent === undefined) return NO_TRACE_CONTEXT;
  const tracestate = raw.headers[RAW_HEADERS.tracestate];
  return tracestate === undefined
    ? { [CLOUDEVENT_HEADERS.traceparent]: traceparent }
    : {
        [CLOUDEVENT_HEADERS.traceparent]: traceparent,
        [CLOUDEVENT_HEADERS.tracestate]: tracestate,
      };
}

/** The dead-letter record of a raw record that failed, with the original bytes and headers. */
export function deadLetter(
  raw: RawRecord,
  config: Pick<PipelineConfig, 'deadLetterTopic'>,
  error: PipelineError,
  eventType?: string,
): DeadLetterRecord {
  return {
    kind: 'dead-letter',
    topic: config.deadLetterTopic,
    key: raw.key,
    value: raw.value,
    headers: {
      ...raw.headers,
      [DEAD_LETTER_HEADERS.stage]: error.stage,
      [DEAD_LETTER_HEADERS.code]: error.code,
      [DEAD_LETTER_HEADERS.message]: error.message,
      [DEAD_LETTER_HEADERS.path]: error.path,
      [DEAD_LETTER_HEADERS.originalTopic]: raw.topic,
      [DEAD_LETTER_HEADERS.originalPartition]: String(raw.partition),
      [DEAD_LETTER_HEADERS.originalOffset]: raw.offset,
      ...traceContextOf(raw),
    },
    error,
    ...(eventType === undefined ? {} : { eventType }),
  };
}

/**
 * The deepest nesting of objects and arrays a message may have. Provider
 * messages nest a handful of levels. JSON.parse takes any depth, but the
 * providers' code (and JSON.stringify) recurse, and would run out of stack
 * some thousands of levels down.
 */
export const MAX_NESTING_DEPTH = 1000;

/** Whether valid JSON text nests objects and arrays deeper than `limit`. */
function nestsDeeperThan(text: string, limit: number): boolean {
  // Each level takes two characters, and opens with a bracket: a text shorter
  // than that, or with no more opening brackets than the limit, cannot be so
  // deep. Nearly every message is cleared by these two looks (the count is a
  // native search; walking the text in JavaScript cost as much as parsing it).
  if (text.length <= 2 * limit || !hasMoreThan(text, ['[', '{'], limit)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the next character.
      if (char === 0x5c) i++;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x7b || char === 0x5b) {
      if (++depth > limit) return true;
    } else if (char === 0x7d || char === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** Whether a text holds more than `limit` of the given characters, all counted together. */
function hasMoreThan(text: string, chars: readonly string[], limit: number): boolean {
  let count = 0;
  for (const char of chars) {
    for (let at = text.indexOf(char); at >= 0; at = text.indexOf(char, at + 1)) {
      if (++count > limit) return true;
    }
  }
  return false;
}

function parse(
  value: Buffer | null,
): { ok: true; message: unknown; text: string } | { ok: false; error: PipelineError } {
  if (value === null || value.length === 0) {
    return {
      ok: false,
      error: { stage: 'parse', code: 'INVALID_JSON', message: 'the record has no body', path: '' },
    };
  }
  // The text is kept: it is the event's provider payload, decoded once.
  const text = value.toString('utf8');
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'not JSON';
    return {
      ok: false,
      error: {
        stage: 'parse',
        code: 'INVALID_JSON',
        message: `the body is not JSON: ${reason}`,
        path: '',
      },
    };
  }
  if (nestsDeeperThan(text, MAX_NESTING_DEPTH)) {
    return {
      ok: false,
      error: {
        stage: 'parse',
        code: 'NESTING_TOO_DEEP',
        message: `the body nests objects and arrays more than ${String(MAX_NESTING_DEPTH)} levels deep`,
        path: '',
      },
    };
  }
  return { ok: true, message, text };
}

/**
 * Transforms one raw record. Never throws: a failure at any stage, even an
 * unexpected exception inside a provider module, becomes a dead-letter record.
 */
export function transform(raw: RawRecord, config: PipelineConfig): PipelineOutput {
  try {
    return transformOrFail(raw, config);
  } catch (error) {
    const message = error instanceof Error ? error.message : 'unexpected failure';
    return deadLetter(raw, config, { stage: 'normalize', code: 'INTERNAL', message, path: '' });
  }
}

function transformOrFail(raw: RawRecord, config: PipelineConfig): PipelineOutput {
  const source = raw.headers[RAW_HEADERS.source];
  if (!isSource(source)) {
    return deadLetter(raw, config, {
      stage: 'source',
      code: 'MISSING_SOURCE',
      message:
        source === undefined ? `no ${RAW_HEADERS.source} header` : `unknown source "${source}"`,
      path: '',
    });
  }
  // Whoever can write a raw topic must not pose as another source: the
  // header is trusted only on the topic the ingress writes that source to.
  if (raw.topic !== config.rawTopics[source]) {
    return deadLetter(raw, config, {
      stage: 'source',
      code: 'SOURCE_MISMATCH',
      message: `${RAW_HEADERS.source} says ${source}, but the record was read from ${raw.topic}, not ${config.rawTopics[source]}`,
      path: '',
    });
  }
  const adapter = config.adapters[source];
  const parsed = parse(raw.value);
  if (!parsed.ok) return deadLetter(raw, config, parsed.error);

  const context: RawContext = {
    urlEventType: raw.headers[RAW_HEADERS.urlEventType],
    headers: raw.headers,
    ...(raw.value === null ? {} : { body: raw.value }),
  };
  const detected = adapter.worker.detect(parsed.message, context);
  if (!('eventType' in detected)) {
    return deadLetter(raw, config, { stage: 'detect', ...detected });
  }
  const issue = adapter.worker.validate(parsed.message, detected);
  if (issue) {
    return deadLetter(
      raw,
      config,
      {
        stage: 'validate',
        code: 'SCHEMA_VALIDATION_FAILED',
        message: `${issue.path || 'the message'} does not fit the ${source} ${detected.eventType} schema (expected ${issue.expected})`,
        path: issue.path,
      },
      detected.eventType,
    );
  }
  const normalized = adapter.normalize(parsed.message, detected, context);
  if ('code' in normalized) {
    return deadLetter(raw, config, { stage: 'normalize', ...normalized }, detected.eventType);
  }
  const tenant = authorizedTenant(raw.headers[RAW_HEADERS.tenant], normalized.tenant);
  if (typeof tenant !== 'string' && tenant !== null) {
    return deadLetter(raw, config, tenant, detected.eventType);
  }
  const payload = (config.payloads?.[source] ?? keepPayload)(parsed.text, parsed.message);
  return domainRecord(raw, config, { source, tenant, detected, normalized, payload });
}

/**
 * The event's tenant: the one the ingress authenticated the request for
 * (its header), which a body may repeat but not contradict; the body's when
 * the credential may speak for any tenant.
 */
function authorizedTenant(
  bound: string | undefined,
  claimed: string | null,
): string | null | PipelineError {
  if (bound === undefined) return claimed;
  if (claimed === null || claimed === bound) return bound;
  return {
    stage: 'authorize',
    code: 'TENANT_MISMATCH',
    message: `the body speaks for tenant ${JSON.stringify(claimed.slice(0, 100))}, but its credential is bound to ${JSON.stringify(bound)}`,
    path: '',
  };
}

/**
 * The subject qualified by its tenant, `<source>/<tenant>/<entity>/<id>`: the
 * same entity id of two tenants is two entities (and two event ids).
 */
function tenantSubject(source: Source, subject: string, tenant: string | null): string {
  const prefix = `${source}/`;
  if (tenant === null || !subject.startsWith(prefix)) return subject;
  // '/' and '%' escaped as in a URL path segment, so the tenant stays one segment.
  const segment = tenant.replaceAll('%', '%25').replaceAll('/', '%2F');
  return `${prefix}${segment}/${subject.slice(prefix.length)}`;
}

/** What the stages made of a raw record that reached normalization. */
interface Routed {
  readonly source: Source;
  /** The authorized tenant (see {@link authorizedTenant}). */
  readonly tenant: string | null;
  readonly detected: DetectedEvent;
  readonly normalized: Exclude<ReturnType<Normalizer>, { code: string }>;
  /** The raw body as text. */
  readonly payload: string | null;
}

function domainRecord(
  raw: RawRecord,
  config: PipelineConfig,
  { source, tenant, detected, normalized, payload }: Routed,
): PipelineOutput {
  const receivedAt = readProviderTime(raw.headers[RAW_HEADERS.receivedAt], 'UTC')?.utc;
  if (receivedAt === undefined) {
    return deadLetter(
      raw,
      config,
      {
        stage: 'normalize',
        code: 'NORMALIZATION_FAILED',
        message: `the ${RAW_HEADERS.receivedAt} header is missing or not a timestamp`,
        path: '',
      },
      detected.eventType,
    );
  }
  const zone = config.timeZones?.[source] ?? config.timeZone;
  const providerTime =
    normalized.providerTime === null ? undefined : readProviderTime(normalized.providerTime, zone);
  const subject = tenantSubject(source, normalized.subject, tenant);
  const identityKey = canonicalEventId(source, [tenant ?? '', ...normalized.identity]);
  const byContent = normalized.identifiedBy === 'content';
  const { data, originals } = utcData(normalized.domain, normalized.data, zone);
  const event: EventEnvelope<DomainData[Domain]> = {
    id: byContent ? rawPlaceId(source, tenant, raw) : identityKey,
    type: normalized.type,
    source,
    tenant,
    subject,
    // A provider that gives no (readable) time: the event is dated by its arrival.
    time: providerTime?.utc ?? receivedAt,
    timeOriginal: normalized.providerTime,
    timeIsReceipt: providerTime === undefined,
    timesOriginal: originals,
    receivedAt,
    sequence: Number(raw.offset),
    snapshot: normalized.partial !== true,
    providerEventType: detected.eventType,
    providerEventId: normalized.providerEventId,
    references: normalized.references ?? [],
    data,
    providerPayload: payload,
  };
  const staleSeconds = secondsStale(event, config.staleAfterMs);
  return {
    kind: 'domain',
    topic: config.topics[normalized.domain],
    domain: normalized.domain,
    key: subject,
    headers: {
      [CLOUDEVENT_HEADERS.specversion]: '1.0',
      [CLOUDEVENT_HEADERS.id]: event.id,
      [CLOUDEVENT_HEADERS.source]: `/wharf/${source}`,
      [CLOUDEVENT_HEADERS.type]: cloudEventType(event.type),
      [CLOUDEVENT_HEADERS.time]: event.time,
      [CLOUDEVENT_HEADERS.subject]: event.subject,
      [CLOUDEVENT_HEADERS.partitionkey]: subject,
      ...(tenant === null ? {} : { [CLOUDEVENT_HEADERS.tenant]: tenant }),
      [CLOUDEVENT_HEADERS.contentType]: DOMAIN_CONTENT_TYPE,
      ...(staleSeconds === undefined
        ? {}
        : { [CLOUDEVENT_HEADERS.staleSeconds]: String(staleSeconds) }),
      ...traceContextOf(raw),
    },
    event,
    ...(byContent ? { contentKey: identityKey } : {}),
    ...(normalized.deliveryId === undefined
      ? {}
      : { replayKey: replayKeyOf(source, tenant, normalized.deliveryId, identityKey) }),
  };
}

/**
 * The id of an event known by its content: its raw record's place in Kafka,
 * the same however often that record is read again (a worker's restart, a
 * rebalance) and different for every record landed, so that a state an
 * entity comes back to (A→B→A) is a new event with a new id.
 */
function rawPlaceId(source: Source, tenant: string | null, raw: RawRecord): string {
  return canonicalEventId(source, [
    'raw',
    tenant ?? '',
    raw.topic,
    String(raw.partition),
    raw.offset,
  ]);
}

/**
 * The key of one signed delivery of one event. The event's identity is part
 * of it: a replay repeats the request's bytes, so both match, while two
 * distinct events are never taken for a replay, even if a provider reused a
 * delivery id.
 */
function replayKeyOf(source: Source, tenant: string | null, deliveryId: string, identity: string) {
  return canonicalEventId(source, ['delivery', tenant ?? '', deliveryId, identity]);
}

/** How many whole seconds the event's time lies before its arrival, when more than `limitMs`. */
function secondsStale(
  event: Pick<EventEnvelope<unknown>, 'time' | 'receivedAt'>,
  limitMs: number,
): number | undefined {
  const lateMs = Date.parse(event.receivedAt) - Date.parse(event.time);
  return lateMs > limitMs ? Math.floor(lateMs / 1000) : undefined;
}
