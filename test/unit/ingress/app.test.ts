/**
 * The ingress application without Kafka: a publisher that keeps what it is
 * given (or refuses it), the app served on a free port, its log captured.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { PublishError } from '../../../src/errors.ts';
import { createIngressApp } from '../../../src/ingress/app.ts';
import type { PublishRecord } from '../../../src/kafka/batching-publisher.ts';
import { RAW_HEADERS } from '../../../src/kafka/headers.ts';
import { createLogger } from '../../../src/logging.ts';
import { createMetrics } from '../../../src/metrics/catalog.ts';
import { withEverySourceSecret } from '../../support/sources.ts';

const CREDENTIALS = 'shipwell-user:shipwell-password';
const AUTHORIZATION = `Basic ${Buffer.from(CREDENTIALS).toString('base64')}`;
const BODY = JSON.stringify({ id: 'I-1', resource_type: 'order_item', order_id: 'O-1' });
const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const CALLER_TRACEPARENT = `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`;
const VALID_TRACEPARENT = /^00-[\da-f]{32}-[\da-f]{16}-0[01]$/;

interface Published {
  readonly topic: string;
  readonly record: PublishRecord;
}

/** A running app, what it published and the JSON lines it logged. */
interface TestApp {
  readonly url: string;
  readonly published: Published[];
  readonly logLines: () => Record<string, unknown>[];
  close(): Promise<void>;
}

async function startApp(publish: 'store' | 'refuse' = 'store'): Promise<TestApp> {
  const config = loadConfig(
    withEverySourceSecret({
      KAFKA_BROKERS: 'kafka:9092',
      WHARF_SHIPWELL_SECRETS: `*=${CREDENTIALS}`,
    }),
  );
  const published: Published[] = [];
  const written: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString());
      done();
    },
  });
  const app = createIngressApp({
    config: config.ingress,
    sources: config.sources,
    publisher: {
      publish(topic, record) {
        if (publish === 'refuse') return Promise.reject(new PublishError('broker unreachable'));
        published.push({ topic, record });
        return Promise.resolve();
      },
    },
    metrics: createMetrics({ defaultMetrics: false }),
    logger: createLogger('info', destination),
    isDraining: () => false,
  });
  const server: Server = createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    published,
    logLines: () =>
      written
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function started(publish: 'store' | 'refuse' = 'store'): Promise<TestApp> {
  const app = await startApp(publish);
  apps.push(app);
  return app;
}

function postWebhook(app: TestApp, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.url}/webhooks/shipwell`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: AUTHORIZATION, ...headers },
    body: BODY,
  });
}

function headerOf(published: Published | undefined, name: string): string | undefined {
  const value = published?.record.headers[name];
  return typeof value === 'string' ? value : undefined;
}

describe('a method other than POST on a webhook path', () => {
  it.each(['GET', 'PUT', 'DELETE', 'PATCH'])(
    'is answered 405 with Allow: POST and the usual error body (%s)',
    async (method) => {
      const app = await started();
      for (const path of ['/webhooks/shipwell', '/webhooks/ongoing/order-picked']) {
        const response = await fetch(`${app.url}${path}`, { method });
        expect(response.status).toBe(405);
        expect(response.headers.get('allow')).toBe('POST');
        expect(await response.json()).toEqual({
          error: { code: 'METHOD_NOT_ALLOWED', message: expect.stringContaining('POST') as string },
        });
      }
      expect(app.published).toEqual([]);
    },
  );

  it('is answered 405 without a body to HEAD', async () => {
    const app = await started();
    const response = await fetch(`${app.url}/webhooks/shipwell`, { method: 'HEAD' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('on a source that does not exist is answered 404 UNKNOWN_SOURCE, as a POST is', async () => {
    const app = await started();
    const response = await fetch(`${app.url}/webhooks/nowhere`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'UNKNOWN_SOURCE' } });
  });

  it('elsewhere is still 404 NOT_FOUND', async () => {
    const app = await started();
    const response = await fetch(`${app.url}/webhooks/shipwell/a/b`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});

describe('trace context on the raw record', () => {
  it("keeps the caller's trace id, with a span id of Wharf's own and the tracestate", async () => {
    const app = await started();
    const response = await postWebhook(app, {
      traceparent: CALLER_TRACEPARENT,
      tracestate: 'vendor=abc,other=1',
    });
    expect(response.status).toBe(200);
    const [landed] = app.published;
    const traceparent = headerOf(landed, RAW_HEADERS.traceparent);
    expect(traceparent).toMatch(VALID_TRACEPARENT);
    expect(traceparent?.slice(3, 35)).toBe(CALLER_TRACE_ID);
    expect(traceparent?.slice(36, 52)).not.toBe(CALLER_SPAN_ID);
    expect(traceparent?.slice(53)).toBe('01');
    expect(headerOf(landed, RAW_HEADERS.tracestate)).toBe('vendor=abc,other=1');
  });

  it.each([
    { case: 'none', headers: {} },
    { case: 'an invalid one', headers: { traceparent: '00-nonsense-01', tracestate: 'a=b' } },
    {
      case: 'an all-zero trace id',
      headers: { traceparent: `00-${'0'.repeat(32)}-${CALLER_SPAN_ID}-01` },
    },
  ])('starts a new trace when the request brings $case', async ({ headers }) => {
    const app = await started();
    expect((await postWebhook(app, headers)).status).toBe(200);
    const [landed] = app.published;
    const traceparent = headerOf(landed, RAW_HEADERS.traceparent);
    expect(traceparent).toMatch(VALID_TRACEPARENT);
    expect(traceparent?.slice(3, 35)).not.toBe('0'.repeat(32));
    // A tracestate belongs to the traceparent it came with: not to a new trace.
    expect(headerOf(landed, RAW_HEADERS.tracestate)).toBeUndefined();
  });

  it('starts a different trace for each request without one', async () => {
    const app = await started();
    await postWebhook(app);
    await postWebhook(app);
    const ids = app.published.map((landed) => headerOf(landed, RAW_HEADERS.traceparent));
    expect(new Set(ids).size).toBe(2);
  });

  it('puts the trace id in the log line of a webhook that was not stored', async () => {
    const app = await started('refuse');
    expect((await postWebhook(app, { traceparent: CALLER_TRACEPARENT })).status).toBe(503);
    const line = app.logLines().find((entry) => entry.msg === 'webhook not stored');
    expect(line).toMatchObject({ level: 40, source: 'shipwell', traceId: CALLER_TRACE_ID });
  });
});
