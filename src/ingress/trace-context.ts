/**
 * A webhook's W3C trace context (https://www.w3.org/TR/trace-context/), as
 * the ingress writes it on the raw record. A request whose `traceparent` is
 * valid continues its caller's trace: same trace id, its `tracestate`, its
 * sampled flag, and a new span id for Wharf's hop, whose parent is the
 * caller's span. A request without one, or with an invalid one (a repeated
 * header is invalid), starts a new trace, sampled (so that a consumer's
 * parent-based sampler records its part), and its `tracestate` is dropped.
 * Wharf records no spans of its own: the ids are for following one webhook
 * through records and log lines.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  ROOT_CONTEXT,
  TraceFlags,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  isValidSpanId,
  isValidTraceId,
  trace,
} from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import {
  TRACE_PARENT_HEADER,
  TRACE_STATE_HEADER,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';

/** The trace context of one webhook's hop through Wharf. */
export interface WebhookTrace {
  /** The trace id: the caller's, or a new one. */
  readonly traceId: string;
  /** Wharf's own span id for the hop. */
  readonly spanId: string;
  /** `00-<trace id>-<span id>-<flags>`. */
  readonly traceparent: string;
  /** The caller's vendor entries (validated), when it continued a trace that had any. */
  readonly tracestate: string | undefined;
}

const propagator = new W3CTraceContextPropagator();

/** `bytes` random bytes as hex, drawn again in the (2⁻⁶⁴ or less) case of an invalid all-zero id. */
function randomId(bytes: number, isValid: (id: string) => boolean): string {
  for (;;) {
    const id = randomBytes(bytes).toString('hex');
    if (isValid(id)) return id;
  }
}

/** The caller's span context, when the request carries a valid one. */
function callerSpanContext(requestHeaders: IncomingHttpHeaders): SpanContext | undefined {
  const context = propagator.extract(ROOT_CONTEXT, requestHeaders, defaultTextMapGetter);
  const caller = trace.getSpanContext(context);
  return caller && isSpanContextValid(caller) ? caller : undefined;
}

/** The span context of Wharf's hop: the caller's trace continued, or a new one. */
function hopSpanContext(caller: SpanContext | undefined): SpanContext {
  const spanId = randomId(8, isValidSpanId);
  if (!caller)
    return { traceId: randomId(16, isValidTraceId), spanId, traceFlags: TraceFlags.SAMPLED };
  return {
    traceId: caller.traceId,
    spanId,
    // The sampled flag is the only one Level 1 of the standard defines; the others are not passed on.
    traceFlags: caller.traceFlags & TraceFlags.SAMPLED,
    ...(caller.traceState ? { traceState: caller.traceState } : {}),
  };
}

/** The trace context of a webhook request (its headers as Node.js gives them). */
export function webhookTrace(requestHeaders: IncomingHttpHeaders): WebhookTrace {
  const hop = hopSpanContext(callerSpanContext(requestHeaders));
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpanContext(ROOT_CONTEXT, hop), carrier, defaultTextMapSetter);
  const traceparent = carrier[TRACE_PARENT_HEADER];
  if (traceparent === undefined) throw new Error('the propagator wrote no traceparent');
  return {
    traceId: hop.traceId,
    spanId: hop.spanId,
    traceparent,
    // A tracestate none of whose entries is valid serializes to nothing.
    tracestate: carrier[TRACE_STATE_HEADER] || undefined,
  };
}
