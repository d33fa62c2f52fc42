/**
 * Real provider messages for the benchmarks: every fixture of the three
 * providers (HappyColis bodies wrapped in a header, its event types spread
 * over its families), as raw records the ingress would have landed and as the
 * HTTP requests that land them, and distinct copies of them (unchanged copies
 * would be redeliveries, which the deduplication window rightly drops).
 */
import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { loadWorkerSettings } from '../../src/config/config.ts';
import { providerAdapters } from '../../src/providers/index.ts';
import type { Source } from '../../src/providers/index.ts';
import { pipelineConfigOf, transform } from '../../src/worker/pipeline.ts';
import type { PipelineConfig, RawRecord } from '../../src/worker/pipeline.ts';

/** The HappyColis client secret the benchmarks' ingress is configured with. */
export const HAPPYCOLIS_SECRET = 'bench-secret';

/** The pipeline as a deployment without overrides has it. */
export const PIPELINE: PipelineConfig = pipelineConfigOf(
  loadWorkerSettings({}),
  providerAdapters(),
);

/** The URL event type the benchmarks give Ongoing messages (one URL per webhook). */
const ONGOING_URL_EVENT_TYPE = 'order-status-changed';

function fixtures(source: Source): Buffer[] {
  const folder = new URL(`../../test/fixtures/providers/${source}/`, import.meta.url);
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json') && !name.startsWith('header-'))
    .sort()
    .map((name) => readFileSync(new URL(name, folder)));
}

/** Real messages of every provider, as raw records the ingress would have landed. */
export function rawRecords(): RawRecord[] {
  const header = JSON.parse(
    readFileSync(
      new URL(
        '../../test/fixtures/providers/happycolis/header-event-payloads-page.json',
        import.meta.url,
      ),
      'utf8',
    ),
  ) as Record<string, unknown>;
  const types = PIPELINE.adapters.happycolis.worker.eventTypes;
  const happycolis = fixtures('happycolis').map((body, i) =>
    Buffer.from(
      JSON.stringify({
        header: { ...header, type: types[i % types.length] },
        body: JSON.parse(body.toString()) as unknown,
      }),
    ),
  );
  const bodies: [Source, Buffer][] = [
    ...happycolis.map((body): [Source, Buffer] => ['happycolis', body]),
    ...fixtures('ongoing').map((body): [Source, Buffer] => ['ongoing', body]),
    ...fixtures('shipwell').map((body): [Source, Buffer] => ['shipwell', body]),
  ];
  return bodies.map(([source, value], i) => ({
    topic: `webhooks.raw.${source}`,
    partition: 0,
    offset: String(i),
    key: null,
    value,
    headers: {
      'wharf-source': source,
      'wharf-received-at': '2023-12-08T12:00:00.000Z',
      ...(source === 'ongoing' ? { 'wharf-url-event-type': ONGOING_URL_EVENT_TYPE } : {}),
    },
  }));
}

/** A copy of a message that is another event: copy numbers give distinct canonical ids. */
export function distinct(raw: RawRecord, copy: number): Buffer {
  const message = JSON.parse(raw.value?.toString('utf8') ?? '{}') as Record<string, unknown>;
  const source = raw.headers['wharf-source'];
  if (source === 'happycolis' && typeof message.body === 'object' && message.body !== null) {
    (message.body as Record<string, unknown>).bench_copy = copy;
  } else if (source === 'ongoing') {
    message.webhookEventId = copy;
  } else if (typeof message.data === 'object' && message.data !== null) {
    // A Shipwell envelope: its event is identified by the resource it carries.
    (message.data as Record<string, unknown>).bench_copy = copy;
  } else {
    message.bench_copy = copy;
  }
  return Buffer.from(JSON.stringify(message));
}

/** One webhook request, and the canonical event id the pipeline gives it (null: dead-lettered). */
export interface BenchRequest {
  readonly source: Source;
  /** `/webhooks/<source>[/<event type>]` */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /**
   * The W3C trace id of its `traceparent` header, one per request: the
   * ingress continues the trace and the worker carries it onto the canonical
   * record (`ce_traceparent`), so a record is matched to its request whatever
   * its event id (an event known by its content takes its id from its raw
   * record's place in Kafka, unknown before sending).
   */
  readonly traceId: string;
}

/** The trace id of the `copy`-th request (never all zeros, which W3C forbids). */
function traceIdOf(copy: number): string {
  return (copy + 1).toString(16).padStart(32, '0');
}

/** The trace id of a `traceparent` header value, if it has one. */
export function traceIdOfHeader(traceparent: string | undefined): string | undefined {
  return traceparent?.split('-')[1];
}

/**
 * The `copy`-th request of an endless stream of distinct webhooks cycling
 * over the real messages (only those the pipeline routes, when `routedOnly`).
 */
export function requestStream(routedOnly: boolean): (copy: number) => BenchRequest {
  const raws = rawRecords().filter(
    (raw) => !routedOnly || transform(raw, PIPELINE).kind === 'domain',
  );
  return (copy) => {
    const raw = raws[copy % raws.length] as RawRecord;
    const source = raw.headers['wharf-source'] as Source;
    const body = distinct(raw, copy);
    const traceId = traceIdOf(copy);
    const urlEventType = raw.headers['wharf-url-event-type'];
    return {
      source,
      path: `/webhooks/${source}${urlEventType === undefined ? '' : `/${urlEventType}`}`,
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        ...(source === 'happycolis'
          ? {
              'x-happycolis-webhook-signature': createHmac('sha256', HAPPYCOLIS_SECRET)
                .update(body)
                .digest('base64'),
            }
          : {}),
      },
      body,
      traceId,
    };
  };
}
