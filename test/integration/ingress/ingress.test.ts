/**
 * The ingress against the test broker: what is answered 200 is in Kafka,
 * byte for byte, and what is refused is not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HAPPYCOLIS_SECRET,
  ONGOING_TOKEN,
  SHIPWELL_CREDENTIALS,
  basicAuth,
  countRecords,
  happycolisSignature,
  header,
  readTopic,
  startTestIngress,
} from '../../support/ingress.ts';
import { post as postTo } from '../../support/http.ts';
import { testKafka, uniqueName } from '../../support/kafka.ts';

type Ingress = Awaited<ReturnType<typeof startTestIngress>>;

const post = (
  ingress: Ingress,
  path: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
) => postTo(ingress.url, path, body, headers);

const happycolisBody = JSON.stringify({
  header: { id: 'msg-1', type: 'delivery-order/shipped', timestamp: '2023-12-08T13:56:00' },
  body: { id: 'DO-42', reference: 'R-1' },
});
const shipwellItemBody = JSON.stringify({
  id: '01HGTT8Y5JV3YCXQ4ZH6Q43XKB',
  resource_type: 'order_item',
  order_id: '01HGTT8Y5DF6Z04DXWKWEXJM4D',
  new_data: { quantity: '20' },
});
const ongoingBody = JSON.stringify({
  webhookEventId: 7,
  system: 'wh1',
  orderId: 1234,
  orderStatus: { number: 400 },
});

describe('ingress', () => {
  let ingress: Ingress;
  beforeAll(async () => {
    ingress = await startTestIngress();
  });
  afterAll(() => ingress.shutdown());

  const topic = (source: 'ongoing' | 'shipwell' | 'happycolis') =>
    ingress.config.ingress.sources[source].rawTopic;

  it.each([
    {
      source: 'happycolis' as const,
      path: '/webhooks/happycolis',
      body: happycolisBody,
      headers: () => ({ 'x-happycolis-webhook-signature': happycolisSignature(happycolisBody) }),
      key: 'delivery-order/DO-42',
      urlEventType: undefined,
    },
    {
      source: 'shipwell' as const,
      path: '/webhooks/shipwell',
      body: shipwellItemBody,
      headers: () => ({ authorization: basicAuth(SHIPWELL_CREDENTIALS) }),
      key: 'order/01HGTT8Y5DF6Z04DXWKWEXJM4D',
      urlEventType: undefined,
    },
    {
      source: 'ongoing' as const,
      path: '/webhooks/ongoing/order-picked',
      body: ongoingBody,
      headers: () => ({ 'x-ongoing-token': ONGOING_TOKEN }),
      key: 'wh1/order/1234',
      urlEventType: 'order-picked',
    },
  ])('lands an authenticated $source webhook byte for byte, keyed by entity', async (example) => {
    const sent = `${example.body}\n  `; // trailing bytes must survive too
    const answer = await post(ingress, example.path, sent, {
      ...example.headers(),
      ...(example.source === 'happycolis'
        ? { 'x-happycolis-webhook-signature': happycolisSignature(sent) }
        : {}),
      authorization:
        example.source === 'shipwell' ? basicAuth(SHIPWELL_CREDENTIALS) : 'Bearer not-for-kafka',
      cookie: 'session=never-landed',
    });
    expect(answer.status).toBe(200);
    const id = answer.json.id;
    expect(typeof id).toBe('string');

    const [record] = await readTopic(topic(example.source), 1);
    if (!record) throw new Error('no record landed');
    expect(record.value?.toString()).toBe(sent);
    expect(record.key?.toString()).toBe(example.key);
    expect(header(record, 'wharf-request-id')).toBe(id);
    expect(header(record, 'wharf-source')).toBe(example.source);
    expect(header(record, 'content-type')).toBe('application/json');
    expect(Date.parse(header(record, 'wharf-received-at') ?? '')).not.toBeNaN();
    expect(header(record, 'wharf-url-event-type')).toBe(example.urlEventType);
    expect(header(record, 'authorization')).toBeUndefined();
    expect(header(record, 'cookie')).toBeUndefined();
    if (example.source === 'happycolis') {
      expect(header(record, 'x-happycolis-webhook-signature')).toBe(happycolisSignature(sent));
    }
  });

  it('accepts a body that is not JSON once authenticated (judging content is the worker job)', async () => {
    const body = '{"header": truncated';
    const answer = await post(ingress, '/webhooks/happycolis', body, {
      'x-happycolis-webhook-signature': happycolisSignature(body, 'old-secret-rotated'),
    });
    expect(answer.status).toBe(200);
    const records = await readTopic(topic('happycolis'), 2);
    const landed = records.find((record) => header(record, 'wharf-request-id') === answer.json.id);
    expect(landed?.value?.toString()).toBe(body);
    expect(landed?.key).toBeNull();
  });

  it('refuses what is not authentic with 401 and lands nothing', async () => {
    const fresh = await startTestIngress(); // fresh topics to count on
    try {
      const signed = happycolisSignature(happycolisBody);
      const cases = [
        ['/webhooks/happycolis', happycolisBody, {}, 'AUTH_MISSING'],
        [
          '/webhooks/happycolis',
          happycolisBody,
          { 'x-happycolis-webhook-signature': happycolisSignature(happycolisBody, 'wrong') },
          'SIGNATURE_INVALID',
        ],
        [
          '/webhooks/happycolis',
          happycolisBody.replace('DO-42', 'DO-43'),
          { 'x-happycolis-webhook-signature': signed },
          'SIGNATURE_INVALID',
        ],
        [
          '/webhooks/happycolis',
          happycolisBody.slice(0, -5),
          { 'x-happycolis-webhook-signature': signed },
          'SIGNATURE_INVALID',
        ],
        ['/webhooks/shipwell', shipwellItemBody, {}, 'AUTH_MISSING'],
        [
          '/webhooks/shipwell',
          shipwellItemBody,
          { authorization: basicAuth('shipwell-user:wrong') },
          'AUTH_INVALID',
        ],
        ['/webhooks/shipwell', shipwellItemBody, { authorization: 'Bearer x' }, 'AUTH_MISSING'],
        ['/webhooks/ongoing', ongoingBody, {}, 'AUTH_MISSING'],
        [
          '/webhooks/ongoing',
          ongoingBody,
          { 'x-ongoing-token': `${ONGOING_TOKEN}x` },
          'AUTH_INVALID',
        ],
      ] as const;
      for (const [path, body, headers, code] of cases) {
        const answer = await post(fresh, path, body, headers);
        expect({
          path,
          status: answer.status,
          code: (answer.json.error as { code?: string }).code,
        }).toEqual({
          path,
          status: 401,
          code,
        });
        expect(JSON.stringify(answer.json)).not.toContain(HAPPYCOLIS_SECRET);
      }
      // One valid request to each topic, so that "nothing else" is observable.
      await post(fresh, '/webhooks/happycolis', happycolisBody, {
        'x-happycolis-webhook-signature': signed,
      });
      await post(fresh, '/webhooks/shipwell', shipwellItemBody, {
        authorization: basicAuth(SHIPWELL_CREDENTIALS),
      });
      await post(fresh, '/webhooks/ongoing', ongoingBody, { 'x-ongoing-token': ONGOING_TOKEN });
      for (const source of ['happycolis', 'shipwell', 'ongoing'] as const) {
        expect(await countRecords(fresh.config.ingress.sources[source].rawTopic)).toBe(1);
      }
    } finally {
      await fresh.shutdown();
    }
  });

  it('answers bad requests with specific codes', async () => {
    const signedHeaders = (body: string | Buffer) => ({
      'x-happycolis-webhook-signature': happycolisSignature(body),
    });
    const big = Buffer.alloc(1024 * 1024 + 1, 'x');
    const cases = [
      {
        path: '/webhooks/happycolis',
        body: big,
        headers: signedHeaders(big),
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      },
      {
        path: '/webhooks/happycolis',
        body: happycolisBody,
        headers: { ...signedHeaders(happycolisBody), 'content-type': 'text/xml' },
        status: 415,
        code: 'UNSUPPORTED_CONTENT_TYPE',
      },
      {
        path: '/webhooks/happycolis',
        body: '',
        headers: signedHeaders(''),
        status: 400,
        code: 'EMPTY_BODY',
      },
      { path: '/webhooks/dhl', body: '{}', headers: {}, status: 404, code: 'UNKNOWN_SOURCE' },
      { path: '/elsewhere', body: '{}', headers: {}, status: 404, code: 'NOT_FOUND' },
    ];
    for (const example of cases) {
      const answer = await post(ingress, example.path, example.body, example.headers);
      expect({ path: example.path, status: answer.status, error: answer.json.error }).toEqual({
        path: example.path,
        status: example.status,
        error: { code: example.code, message: expect.any(String) as unknown },
      });
    }
  });

  it('answers a source the deployment does not run as unknown, and makes no topic for it', async () => {
    const shipwellTopic = uniqueName('raw-shipwell-not-run');
    const only = await startTestIngress({
      WHARF_SOURCES: 'happycolis,ongoing',
      WHARF_SHIPWELL_RAW_TOPIC: shipwellTopic,
    });
    try {
      const refused = await post(only, '/webhooks/shipwell', '{}', {
        authorization: `Basic ${Buffer.from(SHIPWELL_CREDENTIALS).toString('base64')}`,
      });
      expect({ status: refused.status, error: refused.json.error }).toMatchObject({
        status: 404,
        error: { code: 'UNKNOWN_SOURCE' },
      });
      const served = await post(only, '/webhooks/happycolis', happycolisBody, {
        'x-happycolis-webhook-signature': happycolisSignature(happycolisBody),
      });
      expect(served.status).toBe(200);
      const admin = testKafka().admin();
      await admin.connect();
      try {
        expect(await admin.listTopics()).not.toContain(shipwellTopic);
      } finally {
        await admin.disconnect();
      }
    } finally {
      await only.shutdown();
    }
  });

  it('lands 1,000 concurrent webhooks, each 200 exactly once', async () => {
    const bodies = Array.from({ length: 1_000 }, (_, i) =>
      JSON.stringify({ header: { type: 'order/created' }, body: { id: `order-${String(i)}` } }),
    );
    const topicName = topic('happycolis');
    const before = await countRecords(topicName);
    const answers = await Promise.all(
      bodies.map((body) =>
        post(ingress, '/webhooks/happycolis', body, {
          'x-happycolis-webhook-signature': happycolisSignature(body),
        }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(bodies.map(() => 200));
    const records = await readTopic(topicName, before + 1_000);
    expect(records).toHaveLength(before + 1_000);
    const landedIds = records.map((record) => header(record, 'wharf-request-id'));
    for (const answer of answers) {
      expect(landedIds.filter((id) => id === answer.json.id)).toHaveLength(1);
    }
    const batches = await ingress.metrics.publishBatchSize.get();
    const sum = batches.values.find(
      (value) =>
        value.metricName === 'wharf_publish_batch_records_sum' && value.labels.topic === topicName,
    );
    const count = batches.values.find(
      (value) =>
        value.metricName === 'wharf_publish_batch_records_count' &&
        value.labels.topic === topicName,
    );
    // Group commit: far fewer sends than requests.
    expect(Number(count?.value)).toBeLessThan(Number(sum?.value) / 2);
  });

  it('is ready and exposes metrics on its own port, and the webhook port shows none of it', async () => {
    await post(ingress, '/webhooks/happycolis', happycolisBody, {
      'x-happycolis-webhook-signature': happycolisSignature(happycolisBody, 'wrong'),
    });
    expect(ingress.metricsUrl).not.toBe(ingress.url);
    for (const path of ['/readyz', '/livez', '/metrics'])
      expect((await fetch(`${ingress.url}${path}`)).status, path).toBe(404);
    expect((await fetch(`${ingress.metricsUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${ingress.metricsUrl}/livez`)).status).toBe(200);
    const metrics = await (await fetch(`${ingress.metricsUrl}/metrics`)).text();
    expect(metrics).toContain('wharf_ingress_request_duration_seconds_bucket');
    expect(metrics).toContain(
      'wharf_ingress_webhooks_rejected_total{source="happycolis",code="SIGNATURE_INVALID"}',
    );
    expect(metrics).not.toContain(HAPPYCOLIS_SECRET);
  });
});
