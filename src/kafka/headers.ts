/**
 * Every Kafka record header name Wharf writes or reads, in one place: raw
 * records (written by the ingress, with the provider's allow-listed request
 * headers under their own names), dead letters, redriven records, and the
 * CloudEvents headers of domain records.
 */
export const RAW_HEADERS = {
  /** The provider the webhook came from (`ongoing`, `shipwell`, `happycolis`). */
  source: 'wharf-source',
  /** The id the ingress answered with. */
  requestId: 'wharf-request-id',
  /** When the ingress received the request (ISO 8601, UTC). */
  receivedAt: 'wharf-received-at',
  /** The event type named by the URL (`/webhooks/:source/:eventType`), if any. */
  urlEventType: 'wharf-url-event-type',
  /**
   * The tenant the request's credential is bound to (absent when it may
   * speak for any). The worker trusts it over the body: the ingress writes
   * it after authentication and drops any such header a request sends.
   */
  tenant: 'wharf-tenant',
  /** The request's Content-Type. */
  contentType: 'content-type',
  /**
   * The webhook's W3C trace context, under the standard's own names: the
   * caller's trace continued with a span id of Wharf's own, or a new trace
   * (src/ingress/trace-context.ts). Absent on records written before it was.
   */
  traceparent: 'traceparent',
  /** The caller's W3C tracestate, with the traceparent it came with. */
  tracestate: 'tracestate',
} as const;

/**
 * The CloudEvents distributed-tracing extension, Kafka binary mode: the raw
 * record's trace context, on the canonical record and the dead letter alike,
 * so that one webhook can be followed through both.
 */
const TRACE_CONTEXT_EXTENSION = {
  traceparent: 'ce_traceparent',
  tracestate: 'ce_tracestate',
} as const;

/** Headers the dead-letter records carry besides the original ones. */
export const DEAD_LETTER_HEADERS = {
  stage: 'wharf-error-stage',
  code: 'wharf-error-code',
  message: 'wharf-error-message',
  path: 'wharf-error-path',
  originalTopic: 'wharf-original-topic',
  originalPartition: 'wharf-original-partition',
  originalOffset: 'wharf-original-offset',
  ...TRACE_CONTEXT_EXTENSION,
} as const;

/** Headers a redriven raw record carries besides its original ones. */
export const REDRIVE_HEADERS = {
  /** `<dead-letter topic>/<partition>/<offset>` of the dead letter it came from. */
  from: 'wharf-redriven-from',
  /** When it was redriven (ISO 8601, UTC). */
  at: 'wharf-redriven-at',
  /** How many times this webhook was redriven, this time included. */
  count: 'wharf-redrive-count',
} as const;

/**
 * The CloudEvents headers of domain records (the Kafka binding in binary
 * mode: each attribute a `ce_` header, the content type plain).
 */
export const CLOUDEVENT_HEADERS = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  time: 'ce_time',
  subject: 'ce_subject',
  /** Where the schema of the value is: `<registry>/schemas/ids/<id>`. */
  dataschema: 'ce_dataschema',
  /** The partitioning extension: the key that keeps one entity in order. */
  partitionkey: 'ce_partitionkey',
  /** The tenant, when known. */
  tenant: 'ce_tenant',
  /**
   * Wharf's extension marking an event whose provider time lies further
   * before its arrival than the deduplication window: how many seconds
   * before. A late redelivery, or a replayed capture; produced either way.
   */
  staleSeconds: 'ce_wharfstaleseconds',
  /** The distributed-tracing extension, when the raw record has a trace context. */
  ...TRACE_CONTEXT_EXTENSION,
  contentType: 'content-type',
} as const;
