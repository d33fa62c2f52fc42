/**
 * One webhook followed through Wharf by its W3C trace context, on the real
 * broker: the request's traceparent (or a new one) on its raw record, the
 * same trace on its canonical record or its dead letter (the CloudEvents
 * distributed-tracing extension), and in the worker's dead-letter log line.
 */
import { Writable } from 'node:stream';
import { parseTraceParent } from '@opentelemetry/core';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import type { Config } from '../../../src/config/config.ts';
import { CLOUDEVENT_HEADERS, RAW_HEADERS } from '../../../src/kafka/headers.ts';
import { createLogger } from '../../../src/logging.ts';
import { createMetrics } from '../../../src/metrics/catalog.ts';
import { providerAdapters } from '../../../src/providers/index.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { startWorker } from '../../../src/worker/worker.ts';
import type { RunningWorker } from '../../../src/worker/worker.ts';
import { post } from '../../support/http.ts';
import { ONGOING_TOKEN, header, startTestIngress } from '../../support/ingress.ts';
import { TEST_CONSUMER, testKafka, uniqueName, waitFor } from '../../support/kafka.ts';
import { fixture, startTestRegistry, workerEnvironment } from '../../support/worker.ts';

const CALLER_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_TRACEPARENT = `00-${CALLER_TRACE_ID}-b7ad6b7169203331-01`;
const VALID_TRACEPARENT = /^00-[\da-f]{32}-[\da-f]{16}-0[01]$/;

/** An Ongoing "order picked" webhook of its own order (so that none is a redelivery of another). */
function pickedOrder(orderId: number): string {
  const body = JSON.parse(fixture('ongoing', 'order-picked.json')) as Record<string, unknown>;
  return JSON.stringify({ ...body, system: 'wh1', orderId, webhookEventId: orderId * 10 });
}

/** Reads a topic from the beginning until a record satisfies `wanted`. */
async function findRecord(
  topic: string,
  description: string,
  wanted: (message: KafkaMessage) => boolean,
): Promise<KafkaMessage> {
  const consumer = testKafka().consumer({ ...TEST_CONSUMER, groupId: uniqueName('finder') });
  let found: KafkaMessage | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        if (wanted(message)) found ??= message;
        return Promise.resolve();
      },
    });
    return await waitFor(`${description} on ${topic}`, () => found, { timeoutMs: 20_000 });
  } finally {
    await consumer.disconnect();
  }
}

function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent === undefined ? undefined : (parseTraceParent(traceparent)?.traceId ?? '');
}

describe('trace context from the request to the canonical record and the dead letter', () => {
  let registry: EmbeddedRegistry;
  let ingress: Awaited<ReturnType<typeof startTestIngress>>;
  let worker: RunningWorker;
  let config: Config;
  const logged: string[] = [];
  const env: Record<string, string> = {};

  beforeAll(async () => {
    registry = await startTestRegistry();
    Object.assign(env, workerEnvironment(registry.url));
    ingress = await startTestIngress(env);
    config = loadConfig(env, 'worker');
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString());
        done();
      },
    });
    worker = await startWorker(
      config,
      { adapters: providerAdapters(config.worker.providerSettings) },
      createLogger('info', destination),
      { metrics: createMetrics({ defaultMetrics: false }) },
    );
  });
  afterAll(async () => {
    await worker.shutdown();
    await ingress.shutdown();
    await registry.close();
  });

  const rawTopic = () => ingress.config.ingress.sources.ongoing.rawTopic;
  const send = async (body: string, headers: Record<string, string> = {}) => {
    const answer = await post(ingress.url, '/webhooks/ongoing/order-picked', body, {
      'x-ongoing-token': ONGOING_TOKEN,
      ...headers,
    });
    expect(answer.status).toBe(200);
    const requestId = String(answer.json.id);
    const raw = await findRecord(
      rawTopic(),
      `the raw record of ${requestId}`,
      (message) => header(message, RAW_HEADERS.requestId) === requestId,
    );
    return { requestId, raw };
  };
  const deadLetterLines = () =>
    logged
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'record dead-lettered');

  it("keeps the request's trace id on its raw record and its canonical record", async () => {
    const { raw } = await send(pickedOrder(101), {
      traceparent: CALLER_TRACEPARENT,
      tracestate: 'congo=t61rcWkgMzE',
    });
    const traceparent = header(raw, RAW_HEADERS.traceparent);
    expect(traceIdOf(traceparent)).toBe(CALLER_TRACE_ID);
    expect(header(raw, RAW_HEADERS.tracestate)).toBe('congo=t61rcWkgMzE');

    const canonical = await findRecord(
      config.worker.domainTopics.fulfillment,
      'the canonical record of order 101',
      (message) => header(message, CLOUDEVENT_HEADERS.subject)?.endsWith('/101') === true,
    );
    expect(header(canonical, CLOUDEVENT_HEADERS.traceparent)).toBe(traceparent);
    expect(header(canonical, CLOUDEVENT_HEADERS.tracestate)).toBe('congo=t61rcWkgMzE');
  });

  it('keeps it on the dead letter, and in the dead-letter log line', async () => {
    const { raw } = await send('{"orderId": 102, "not json', { traceparent: CALLER_TRACEPARENT });
    const traceparent = header(raw, RAW_HEADERS.traceparent);
    expect(traceIdOf(traceparent)).toBe(CALLER_TRACE_ID);

    const dead = await findRecord(
      config.worker.deadLetterTopic,
      'the dead letter',
      (message) => header(message, 'wharf-original-offset') !== undefined,
    );
    expect(header(dead, CLOUDEVENT_HEADERS.traceparent)).toBe(traceparent);
    const line = await waitFor('the dead-letter log line', () => deadLetterLines()[0]);
    expect(line).toMatchObject({
      level: 40,
      source: 'ongoing',
      stage: 'parse',
      code: 'INVALID_JSON',
      path: '',
      topic: rawTopic(),
      partition: Number(header(dead, 'wharf-original-partition')),
      offset: header(dead, 'wharf-original-offset'),
      traceId: CALLER_TRACE_ID,
    });
    expect(deadLetterLines()).toHaveLength(1);
  });

  it('gives a request without a traceparent a valid new one, through to its canonical record', async () => {
    const { raw } = await send(pickedOrder(103));
    const traceparent = header(raw, RAW_HEADERS.traceparent);
    expect(traceparent).toMatch(VALID_TRACEPARENT);
    expect(traceIdOf(traceparent)).not.toBe(CALLER_TRACE_ID);
    expect(parseTraceParent(traceparent ?? '')).not.toBeNull();
    expect(header(raw, RAW_HEADERS.tracestate)).toBeUndefined();

    const canonical = await findRecord(
      config.worker.domainTopics.fulfillment,
      'the canonical record of order 103',
      (message) => header(message, CLOUDEVENT_HEADERS.subject)?.endsWith('/103') === true,
    );
    expect(header(canonical, CLOUDEVENT_HEADERS.traceparent)).toBe(traceparent);
    expect(header(canonical, CLOUDEVENT_HEADERS.tracestate)).toBeUndefined();
  });
});
