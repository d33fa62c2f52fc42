/**
 * The raw record's W3C trace context goes on to its canonical record and its
 * dead letter as the CloudEvents distributed-tracing extension, as written
 * (the ingress validated it); a raw record without one (written before the
 * ingress wrote them) gets none.
 */
import { describe, expect, it } from 'vitest';
import { CLOUDEVENT_HEADERS, RAW_HEADERS } from '../../../src/kafka/headers.ts';
import { transform } from '../../../src/worker/pipeline.ts';
import type { PipelineOutput, RawRecord } from '../../../src/worker/pipeline.ts';
import { fixtureText } from '../../support/fixtures.ts';
import { pipelineDefaults } from '../../support/pipeline.ts';

const config = pipelineDefaults();
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACESTATE = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7';
const PICKED = fixtureText('ongoing', 'order-picked.json');

/** An Ongoing "order picked" raw record as the ingress writes it, with `body` and extra headers. */
function raw(body: string, headers: Record<string, string> = {}): RawRecord {
  return {
    topic: config.rawTopics.ongoing,
    partition: 0,
    offset: '7',
    key: null,
    value: Buffer.from(body),
    headers: {
      [RAW_HEADERS.source]: 'ongoing',
      [RAW_HEADERS.requestId]: 'req-1',
      [RAW_HEADERS.receivedAt]: '2026-12-05T12:00:00.000Z',
      [RAW_HEADERS.urlEventType]: 'order-picked',
      ...headers,
    },
  };
}

function traceOf(output: PipelineOutput): Record<string, string | undefined> {
  return {
    traceparent: output.headers[CLOUDEVENT_HEADERS.traceparent],
    tracestate: output.headers[CLOUDEVENT_HEADERS.tracestate],
  };
}

const traced = { [RAW_HEADERS.traceparent]: TRACEPARENT, [RAW_HEADERS.tracestate]: TRACESTATE };

describe('trace context through the worker', () => {
  it("puts the raw record's trace context on its canonical record", () => {
    const output = transform(raw(PICKED, traced), config);
    expect(output.kind).toBe('domain');
    expect(traceOf(output)).toEqual({ traceparent: TRACEPARENT, tracestate: TRACESTATE });
  });

  it('puts it on a dead letter under the same header names', () => {
    const output = transform(raw('{"not json', traced), config);
    expect(output.kind).toBe('dead-letter');
    expect(traceOf(output)).toEqual({ traceparent: TRACEPARENT, tracestate: TRACESTATE });
  });

  it('carries a traceparent without a tracestate alone', () => {
    const output = transform(raw(PICKED, { [RAW_HEADERS.traceparent]: TRACEPARENT }), config);
    expect(traceOf(output)).toEqual({ traceparent: TRACEPARENT, tracestate: undefined });
    expect(Object.keys(output.headers)).not.toContain(CLOUDEVENT_HEADERS.tracestate);
  });

  it.each([
    { case: 'none (a record written before the ingress wrote one)', headers: {} },
    { case: 'only a tracestate', headers: { [RAW_HEADERS.tracestate]: TRACESTATE } },
  ])('gives a raw record with $case no trace context', ({ headers }) => {
    for (const body of [PICKED, '{"not json']) {
      const output = transform(raw(body, headers), config);
      expect(Object.keys(output.headers)).not.toContain(CLOUDEVENT_HEADERS.traceparent);
      expect(Object.keys(output.headers)).not.toContain(CLOUDEVENT_HEADERS.tracestate);
    }
  });

  it('gives the same headers each time the same raw record is transformed', () => {
    const record = raw(PICKED, traced);
    expect(transform(record, config).headers).toEqual(transform(record, config).headers);
  });
});
