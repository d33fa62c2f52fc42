import { describe, expect, it } from 'vitest';
import { webhookTrace } from '../../../src/ingress/trace-context.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const VALID = /^00-([\da-f]{32})-([\da-f]{16})-(0[01])$/;

/** The parts of a traceparent Wharf wrote. */
function parts(traceparent: string): { traceId: string; spanId: string; flags: string } {
  const match = VALID.exec(traceparent);
  if (!match) throw new Error(`not a version 00 traceparent: ${traceparent}`);
  return { traceId: match[1] ?? '', spanId: match[2] ?? '', flags: match[3] ?? '' };
}

describe("a webhook's trace context", () => {
  it("continues the caller's trace with a span id of Wharf's own, the caller's span its parent", () => {
    const hop = webhookTrace({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
    expect(parts(hop.traceparent)).toEqual({ traceId: TRACE_ID, spanId: hop.spanId, flags: '01' });
    expect(hop.traceId).toBe(TRACE_ID);
    expect(hop.spanId).not.toBe(SPAN_ID);
    expect(hop.tracestate).toBeUndefined();
  });

  it("keeps the caller's sampling decision and drops flags the standard does not define", () => {
    expect(
      parts(webhookTrace({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` }).traceparent).flags,
    ).toBe('00');
    expect(
      parts(webhookTrace({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-03` }).traceparent).flags,
    ).toBe('01');
  });

  it('reads a later version as version 00 and writes version 00', () => {
    const hop = webhookTrace({ traceparent: `cc-${TRACE_ID}-${SPAN_ID}-01-what-comes-later` });
    expect(parts(hop.traceparent).traceId).toBe(TRACE_ID);
  });

  it("passes the caller's tracestate on, without entries that are not valid", () => {
    const hop = webhookTrace({
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      tracestate: 'congo=t61rcWkgMzE, NOT VALID,rojo=00f067aa0ba902b7',
    });
    expect(hop.tracestate).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    expect(
      webhookTrace({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: 'nothing valid' })
        .tracestate,
    ).toBeUndefined();
  });

  it.each([
    { case: 'no traceparent', headers: {} },
    { case: 'an empty one', headers: { traceparent: '' } },
    {
      case: 'upper-case hex',
      headers: { traceparent: `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01` },
    },
    {
      case: 'an all-zero trace id',
      headers: { traceparent: `00-${'0'.repeat(32)}-${SPAN_ID}-01` },
    },
    {
      case: 'an all-zero span id',
      headers: { traceparent: `00-${TRACE_ID}-${'0'.repeat(16)}-01` },
    },
    { case: 'version ff', headers: { traceparent: `ff-${TRACE_ID}-${SPAN_ID}-01` } },
    {
      case: 'version 00 with more after it',
      headers: { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01-x` },
    },
    {
      case: 'the header twice (Node.js joins them)',
      headers: { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01, 00-${TRACE_ID}-${SPAN_ID}-01` },
    },
  ])('starts a new sampled trace, without the tracestate, for $case', ({ headers }) => {
    const hop = webhookTrace({ ...headers, tracestate: 'congo=t61rcWkgMzE' });
    const written = parts(hop.traceparent);
    expect(written.traceId).not.toBe(TRACE_ID);
    expect(written.traceId).not.toBe('0'.repeat(32));
    expect(written.spanId).not.toBe('0'.repeat(16));
    expect(written.flags).toBe('01');
    expect(hop).toMatchObject({ traceId: written.traceId, spanId: written.spanId });
    expect(hop.tracestate).toBeUndefined();
  });

  it('starts a different trace each time', () => {
    const ids = new Set(Array.from({ length: 100 }, () => webhookTrace({}).traceId));
    expect(ids.size).toBe(100);
  });
});
