import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  METRIC_NAMES,
  countsOf,
  deadLetterLine,
  hasChanged,
  startLiveView,
  summaryLine,
  terminalLogDestination,
} from '../../../src/cli/live-view.ts';
import type { Counts } from '../../../src/cli/live-view.ts';
import { createMetrics } from '../../../src/metrics/catalog.ts';
import { Scrape } from '../../../src/metrics/scrape.ts';

const AT = Date.parse('2026-12-05T12:00:00Z');

/** The ingress's endpoint after 12 webhooks accepted and 2 refused. */
const INGRESS_TEXT = `
# HELP wharf_ingress_webhooks_accepted_total Webhooks stored in Kafka and answered 200, by source.
# TYPE wharf_ingress_webhooks_accepted_total counter
wharf_ingress_webhooks_accepted_total{source="ongoing"} 7
wharf_ingress_webhooks_accepted_total{source="happycolis"} 5
# HELP wharf_ingress_webhooks_rejected_total Webhooks answered with an error, by source and error code.
# TYPE wharf_ingress_webhooks_rejected_total counter
wharf_ingress_webhooks_rejected_total{source="ongoing",code="AUTH_INVALID"} 2
`;

/** The worker's endpoint after routing 9, dropping a redelivery and dead-lettering 3. */
const WORKER_TEXT = `
# HELP wharf_worker_records_total Raw records processed by the worker.
# TYPE wharf_worker_records_total counter
wharf_worker_records_total{source="ongoing",event_type="ORDER_CREATED",outcome="routed"} 6
wharf_worker_records_total{source="happycolis",event_type="order/created",outcome="routed"} 3
wharf_worker_records_total{source="happycolis",event_type="order/created",outcome="deduplicated"} 1
wharf_worker_records_total{source="happycolis",event_type="order/created",outcome="dead_lettered"} 3
# HELP wharf_worker_dead_letter_records_total Records sent to the dead-letter topic.
# TYPE wharf_worker_dead_letter_records_total counter
wharf_worker_dead_letter_records_total{source="happycolis",stage="validate",code="SCHEMA_VALIDATION_FAILED"} 2
wharf_worker_dead_letter_records_total{source="ongoing",stage="detect",code="UNKNOWN_EVENT_TYPE"} 1
# HELP wharf_worker_consumer_lag_records Records between the worker position and the end.
# TYPE wharf_worker_consumer_lag_records gauge
wharf_worker_consumer_lag_records{topic="webhooks.raw.ongoing",partition="0"} 4
wharf_worker_consumer_lag_records{topic="webhooks.raw.happycolis",partition="2"} 1
`;

function counts(overrides: Partial<Counts> = {}): Counts {
  return {
    at: AT,
    accepted: 0,
    rejected: {},
    routed: 0,
    deduplicated: 0,
    deadLettered: {},
    lag: 0,
    ...overrides,
  };
}

describe('countsOf', () => {
  it('reads accepted and refused webhooks from the ingress and outcomes and lag from the worker', () => {
    expect(countsOf(new Scrape(INGRESS_TEXT), new Scrape(WORKER_TEXT), AT)).toEqual({
      at: AT,
      accepted: 12,
      rejected: { AUTH_INVALID: 2 },
      routed: 9,
      deduplicated: 1,
      deadLettered: { SCHEMA_VALIDATION_FAILED: 2, UNKNOWN_EVENT_TYPE: 1 },
      lag: 5,
    });
  });

  it('counts nothing, and knows no lag, before anything happened', () => {
    expect(countsOf(new Scrape(''), new Scrape(''), AT)).toEqual(counts({ lag: undefined }));
  });

  it('reads metrics that the catalog declares', () => {
    const { registry } = createMetrics({ defaultMetrics: false });
    for (const name of Object.values(METRIC_NAMES)) {
      expect(registry.getSingleMetric(name), name).toBeDefined();
    }
  });
});

describe('summaryLine', () => {
  it('says what happened between two readings, dead letters and refusals with their codes', () => {
    const before = counts({ accepted: 3, routed: 2, deadLettered: { UNKNOWN_EVENT_TYPE: 1 } });
    const now = countsOf(new Scrape(INGRESS_TEXT), new Scrape(WORKER_TEXT), AT + 5_000);
    expect(summaryLine(before, now)).toMatch(
      /^\d\d:\d\d:\d\d {2}last 5 s: accepted 9, rejected 2 \(AUTH_INVALID 2\), routed 7, deduplicated 1, dead-lettered 2 \(SCHEMA_VALIDATION_FAILED 2\), lag 5$/,
    );
  });

  it('says everything since start without an earlier reading, most frequent code first', () => {
    const now = counts({
      accepted: 4,
      routed: 1,
      deadLettered: { INVALID_JSON: 1, UNKNOWN_EVENT_TYPE: 2 },
      lag: undefined,
    });
    expect(summaryLine(undefined, now)).toMatch(
      /^\d\d:\d\d:\d\d {2}since start: accepted 4, routed 1, dead-lettered 3 \(UNKNOWN_EVENT_TYPE 2, INVALID_JSON 1\), lag unknown$/,
    );
  });

  it('leaves out refusals and redeliveries when there were none', () => {
    expect(summaryLine(counts(), counts({ at: AT + 5_000, accepted: 1, routed: 1 }))).toMatch(
      /last 5 s: accepted 1, routed 1, dead-lettered 0, lag 0$/,
    );
  });

  it('says how long the span was, in tenths below a second', () => {
    expect(summaryLine(counts(), counts({ at: AT + 480 }))).toMatch(/ last 0\.5 s: /);
    expect(summaryLine(counts(), counts({ at: AT + 960 }))).toMatch(/ last 1 s: /);
    expect(summaryLine(counts(), counts({ at: AT + 5_120 }))).toMatch(/ last 5 s: /);
    expect(summaryLine(counts(), counts({ at: AT + 12_400 }))).toMatch(/ last 12 s: /);
  });

  it('counts from zero again when a process restarted between readings', () => {
    const before = counts({ accepted: 50, routed: 50 });
    expect(summaryLine(before, counts({ at: AT + 10_000, accepted: 2, routed: 1 }))).toMatch(
      /last 10 s: accepted 2, routed 1,/,
    );
  });
});

describe('hasChanged', () => {
  it('is false while nothing moves, true when a count or the lag moves', () => {
    const idle = counts({ accepted: 5, routed: 5 });
    expect(hasChanged(idle, { ...idle, at: AT + 5_000 })).toBe(false);
    expect(hasChanged(idle, { ...idle, accepted: 6 })).toBe(true);
    expect(hasChanged(idle, { ...idle, rejected: { AUTH_MISSING: 1 } })).toBe(true);
    expect(hasChanged(idle, { ...idle, deadLettered: { INVALID_JSON: 1 } })).toBe(true);
    expect(hasChanged(idle, { ...idle, lag: 3 })).toBe(true);
  });
});

/** A dead-letter log entry as the worker writes it through pino. */
function deadLetterEntry(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    level: 40,
    time: AT,
    service: 'wharf',
    msg: 'record dead-lettered',
    source: 'happycolis',
    eventType: 'order/created',
    stage: 'validate',
    code: 'SCHEMA_VALIDATION_FAILED',
    path: 'body.items[0].sku',
    topic: 'webhooks.raw.happycolis',
    partition: 2,
    offset: '17',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    ...overrides,
  };
}

describe('deadLetterLine', () => {
  it('shows a dead letter as one readable line: what, why, where in the payload and in Kafka', () => {
    expect(deadLetterLine(deadLetterEntry())).toMatch(
      /^\d\d:\d\d:\d\d {2}dead letter {2}happycolis order\/created {2}SCHEMA_VALIDATION_FAILED at body\.items\[0\]\.sku {2}\(webhooks\.raw\.happycolis 2@17\)$/,
    );
  });

  it('leaves out the field path and event type when the failure has none', () => {
    expect(deadLetterLine(deadLetterEntry({ path: '', eventType: undefined }))).toMatch(
      /dead letter {2}happycolis {2}SCHEMA_VALIDATION_FAILED {2}\(webhooks/,
    );
  });

  it('shows control characters from the payload as escapes', () => {
    const line = deadLetterLine(deadLetterEntry({ eventType: 'order\u001b[2Jcreated' }));
    expect(line).toContain('order\\u001b[2Jcreated');
    expect(line).not.toContain('\u001b');
  });

  it('is undefined for any other log entry', () => {
    expect(deadLetterLine({ level: 40, msg: 'something else', code: 'X' })).toBeUndefined();
    expect(deadLetterLine(deadLetterEntry({ code: undefined }))).toBeUndefined();
    expect(deadLetterLine('record dead-lettered')).toBeUndefined();
  });
});

describe('terminalLogDestination', () => {
  it('writes dead letters as readable lines and every other log line as it is', () => {
    let written = '';
    const destination = terminalLogDestination((text) => (written += text));
    const other = `${JSON.stringify({ level: 40, msg: 'the broker is slow' })}\n`;
    destination.write(`${JSON.stringify(deadLetterEntry())}\n`);
    destination.write(other);
    destination.write('not json\n');
    const [deadLetter, ...rest] = written.split(/(?<=\n)/);
    expect(deadLetter).toMatch(/^\d\d:\d\d:\d\d {2}dead letter {2}happycolis .*2@17\)\n$/);
    expect(rest).toEqual([other, 'not json\n']);
  });
});

describe('startLiveView', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: AT });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prints a line each interval with traffic and nothing while idle', async () => {
    const readings = [
      counts(),
      counts({ accepted: 2, routed: 2 }),
      counts({ accepted: 2, routed: 2 }),
      counts({ accepted: 3, routed: 2, deadLettered: { INVALID_JSON: 1 } }),
    ];
    const lines: string[] = [];
    const view = startLiveView({
      intervalMs: 5_000,
      read: () => Promise.resolve({ ...(readings.shift() ?? counts()), at: Date.now() }),
      write: (line) => lines.push(line),
    });
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/last 5 s: accepted 2, routed 2, dead-lettered 0, lag 0\n$/);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(lines).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(lines[1]).toMatch(/last 5 s: accepted 1, routed 0, dead-lettered 1 \(INVALID_JSON 1\)/);
    view.stop();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(lines).toHaveLength(2);
  });

  it('skips a reading that failed and carries on', async () => {
    let calls = 0;
    const lines: string[] = [];
    const view = startLiveView({
      intervalMs: 5_000,
      read: () => {
        calls += 1;
        if (calls === 2) return Promise.reject(new Error('registry busy'));
        return Promise.resolve(counts({ at: Date.now(), accepted: calls }));
      },
      write: (line) => lines.push(line),
    });
    await vi.advanceTimersByTimeAsync(10_000);
    view.stop();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/last 10 s: accepted 2,/);
  });
});
