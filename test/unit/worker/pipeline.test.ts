/**
 * The pipeline's orchestration, with a small stand-in provider (the real
 * providers are tested on their own and end to end): what goes where, what a
 * dead-letter record carries, and that nothing throws.
 */
import { SOURCES } from '../../../src/providers/index.ts';
import type { Source } from '../../../src/providers/index.ts';
import { describe, expect, it } from 'vitest';
import type { Location } from '../../../src/canonical/model.ts';
import type { ProviderAdapter, RawRecord } from '../../../src/worker/pipeline.ts';
import { CLOUDEVENT_HEADERS, DEAD_LETTER_HEADERS } from '../../../src/kafka/headers.ts';
import { MAX_NESTING_DEPTH, transform } from '../../../src/worker/pipeline.ts';
import type { PipelineConfig } from '../../../src/worker/pipeline.ts';
import type { PayloadPolicy } from '../../../src/worker/provider-payload.ts';
import { REDACTED, payloadWriter } from '../../../src/worker/provider-payload.ts';

const location = (id: string): Location => ({
  locationId: id,
  name: null,
  title: null,
  type: null,
  active: true,
  connected: null,
  fulfillmentServiceId: null,
  address: null,
});

/** Knows one event type, `place/opened`, whose body needs a string `id`. */
const standIn: ProviderAdapter = {
  worker: {
    eventTypes: ['place/opened'],
    detect: (message) =>
      typeof message === 'object' &&
      message !== null &&
      (message as { type?: unknown }).type === 'place/opened'
        ? { eventType: 'place/opened' }
        : { code: 'UNKNOWN_EVENT_TYPE', message: 'not a place event', path: 'type' },
    validate: (message) =>
      typeof (message as { id?: unknown }).id === 'string'
        ? undefined
        : { path: 'id', expected: '"string"' },
  },
  normalize: (message, _event, context) => {
    const { id, at, org, delivery, byContent } = message as {
      id: string;
      at?: string;
      org?: string | null;
      delivery?: string;
      byContent?: boolean;
    };
    if (id === 'explode') throw new Error('normalizer bug');
    if (id === 'reject') return { code: 'NORMALIZATION_FAILED', message: 'cannot', path: 'id' };
    return {
      domain: 'locations',
      type: 'location.connected',
      subject: `happycolis/location/${id}`,
      tenant: org === undefined ? 'org-1' : org,
      providerTime: at ?? null,
      providerEventId: context.headers['x-event-id'] ?? null,
      identity: [id, at ?? ''],
      identifiedBy: byContent === true ? 'content' : 'provider-event',
      ...(delivery === undefined ? {} : { deliveryId: delivery }),
      data: location(id),
    };
  },
};

const config: PipelineConfig = {
  adapters: Object.fromEntries(SOURCES.map((source) => [source, standIn])) as Record<
    Source,
    ProviderAdapter
  >,
  topics: {
    orders: 'o',
    fulfillment: 'f',
    shipments: 's',
    inventory: 'i',
    catalog: 'c',
    locations: 'logistics.locations.v1',
  },
  deadLetterTopic: 'webhooks.dlq',
  timeZone: 'Europe/Paris',
  rawTopics: Object.fromEntries(
    SOURCES.map((source) => [source, `webhooks.raw.${source}`]),
  ) as Record<Source, string>,
  staleAfterMs: 86_400_000,
};

function raw(body: unknown, headers: Record<string, string> = {}): RawRecord {
  return {
    topic: 'webhooks.raw.happycolis',
    partition: 2,
    offset: '41',
    key: Buffer.from('k'),
    value:
      body === undefined
        ? null
        : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    headers: {
      'wharf-source': 'happycolis',
      'wharf-request-id': 'req-1',
      'wharf-received-at': '2023-12-08T12:57:00.000Z',
      ...headers,
    },
  };
}

describe('transform: nesting', () => {
  /** A valid message with `depth` levels of arrays in an unknown field (the message is one more). */
  const nested = (depth: number, filler = '') =>
    `{"type":"place/opened","id":"L1","${filler}deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;

  it(`takes a message nested ${String(MAX_NESTING_DEPTH)} levels deep`, () => {
    expect(transform(raw(nested(MAX_NESTING_DEPTH - 1)), config).kind).toBe('domain');
  });

  it('dead-letters a deeper one at parse, with a specific code, whatever the depth', () => {
    for (const depth of [MAX_NESTING_DEPTH, 100_000]) {
      const output = transform(raw(nested(depth)), config);
      expect(output.kind === 'dead-letter' && output.error).toMatchObject({
        stage: 'parse',
        code: 'NESTING_TOO_DEEP',
      });
    }
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    // JSON writes the backslash and the quote escaped: \\\" then the brackets.
    const brackets = {
      type: 'place/opened',
      id: 'L1',
      s: `\\"${'['.repeat(3 * MAX_NESTING_DEPTH)}`,
    };
    expect(transform(raw(brackets), config).kind).toBe('domain');
  });

  it('takes a wide message with more brackets than the limit, but shallow', () => {
    const wide = `{"type":"place/opened","id":"L1","wide":[${Array.from({ length: 3 * MAX_NESTING_DEPTH }, () => '{"a":[]}').join(',')}]}`;
    expect(transform(raw(wide), config).kind).toBe('domain');
  });

  it('dead-letters a deep message whose brackets are spread among many shallow ones', () => {
    const shallow = Array.from({ length: MAX_NESTING_DEPTH }, () => '[]').join(',');
    const deep = `${'['.repeat(MAX_NESTING_DEPTH)}${']'.repeat(MAX_NESTING_DEPTH)}`;
    const output = transform(
      raw(`{"type":"place/opened","id":"L1","x":[${shallow}],"deep":${deep}}`),
      config,
    );
    expect(output.kind === 'dead-letter' && output.error.code).toBe('NESTING_TOO_DEEP');
  });
});

describe('the tenant', () => {
  const eventOf = (body: object, headers: Record<string, string> = {}) => {
    const output = transform(raw({ type: 'place/opened', id: 'L1', ...body }, headers), config);
    if (output.kind !== 'domain') throw new Error(`dead-lettered: ${output.error.message}`);
    return output.event;
  };

  it("is the credential's (the wharf-tenant header), which the body may repeat", () => {
    expect(eventOf({ org: 'org-1' }, { 'wharf-tenant': 'org-1' })).toMatchObject({
      tenant: 'org-1',
      subject: 'happycolis/org-1/location/L1',
    });
    // A body that names no tenant (Shipwell's never do) gets the credential's.
    expect(eventOf({ org: null }, { 'wharf-tenant': 'acme' })).toMatchObject({
      tenant: 'acme',
      subject: 'happycolis/acme/location/L1',
    });
  });

  it("dead-letters a body that contradicts its credential's tenant", () => {
    const output = transform(
      raw(
        { type: 'place/opened', id: 'L1', org: 'victim-org' },
        { 'wharf-tenant': 'attacker-org' },
      ),
      config,
    );
    expect(output.kind).toBe('dead-letter');
    if (output.kind !== 'dead-letter') return;
    expect(output.error).toEqual({
      stage: 'authorize',
      code: 'TENANT_MISMATCH',
      message:
        'the body speaks for tenant "victim-org", but its credential is bound to "attacker-org"',
      path: '',
    });
    expect(output.headers[DEAD_LETTER_HEADERS.code]).toBe('TENANT_MISMATCH');
    expect(output.eventType).toBe('place/opened');
  });

  it("is the body's when the credential may speak for any tenant, or none is known", () => {
    expect(eventOf({ org: 'org-9' })).toMatchObject({
      tenant: 'org-9',
      subject: 'happycolis/org-9/location/L1',
    });
    expect(eventOf({ org: null })).toMatchObject({
      tenant: null,
      subject: 'happycolis/location/L1',
    });
  });

  it('parts two tenants: the same entity and body give another subject and id', () => {
    const victim = eventOf({ org: 'victim-org' });
    const attacker = eventOf({ org: 'attacker-org' });
    expect(attacker.subject).not.toBe(victim.subject);
    expect(attacker.id).not.toBe(victim.id);
    expect(eventOf({ org: null }).id).not.toBe(victim.id);
  });

  it('travels as the CloudEvents extension ce_tenant, left out when unknown', () => {
    const tenantHeader = (body: object) => {
      const output = transform(raw({ type: 'place/opened', id: 'L1', ...body }), config);
      return output.kind === 'domain' ? output.headers.ce_tenant : 'dead-lettered';
    };
    expect(tenantHeader({ org: 'org-9' })).toBe('org-9');
    expect(tenantHeader({ org: null })).toBeUndefined();
  });

  it('stays one segment of the subject whatever it holds', () => {
    expect(eventOf({ org: 'a/b%c' }).subject).toBe('happycolis/a%2Fb%25c/location/L1');
  });
});

describe('events known by their content', () => {
  const domainOf = (body: object, place: Partial<RawRecord> = {}) => {
    const output = transform(
      { ...raw({ type: 'place/opened', id: 'L1', byContent: true, ...body }), ...place },
      config,
    );
    if (output.kind !== 'domain') throw new Error(`dead-lettered: ${output.error.message}`);
    return output;
  };

  it("take their id from the raw record's place, so that a state come back to is a new event", () => {
    const first = domainOf({});
    expect(domainOf({}).event.id).toBe(first.event.id);
    // The same content landed again (A→B→A): another record, another event.
    const again = domainOf({}, { offset: '42' });
    expect(again.event.id).not.toBe(first.event.id);
    expect(domainOf({}, { partition: 1 }).event.id).not.toBe(first.event.id);
  });

  it('carry their content key, for the worker to tell a redelivery of the latest state', () => {
    const first = domainOf({});
    expect(first.contentKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(domainOf({}, { offset: '42' }).contentKey).toBe(first.contentKey);
    expect(domainOf({ at: 'later' }).contentKey).not.toBe(first.contentKey);
    expect(domainOf({ byContent: false }).contentKey).toBeUndefined();
  });
});

describe('replays', () => {
  const domainOf = (body: object) => {
    const output = transform(raw({ type: 'place/opened', id: 'L1', ...body }), config);
    if (output.kind !== 'domain') throw new Error(`dead-lettered: ${output.error.message}`);
    return output;
  };

  it('keys a signed delivery of one event, with its tenant, for the worker to remember', () => {
    const key = domainOf({ delivery: 'msg-1' }).replayKey;
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    // A replay repeats the request: the same key.
    expect(domainOf({ delivery: 'msg-1' }).replayKey).toBe(key);
    expect(domainOf({ delivery: 'msg-2' }).replayKey).not.toBe(key);
    expect(domainOf({ delivery: 'msg-1', org: 'org-2' }).replayKey).not.toBe(key);
    // Another event under the same delivery id is no replay of this one.
    expect(domainOf({ delivery: 'msg-1', at: 'later' }).replayKey).not.toBe(key);
    expect(domainOf({}).replayKey).toBeUndefined();
  });

  it('marks an event whose provider time is older than the window before its arrival', () => {
    // Received 2023-12-08T12:57:00Z; the provider time is read in Europe/Paris.
    const stale = domainOf({ at: '2023-12-07T13:56:59' });
    expect(stale.headers[CLOUDEVENT_HEADERS.staleSeconds]).toBe(String(86_400 + 1));
    expect(
      domainOf({ at: '2023-12-07T13:57:00' }).headers[CLOUDEVENT_HEADERS.staleSeconds],
    ).toBeUndefined();
    expect(domainOf({}).headers[CLOUDEVENT_HEADERS.staleSeconds]).toBeUndefined();
  });
});

describe('the provider payload', () => {
  const message = {
    type: 'place/opened',
    id: 'L1',
    contact: { email: 'jane@example.com', phone: '+33 1' },
  };
  const withPolicy = (policy: PayloadPolicy) =>
    transform(raw(message), {
      ...config,
      payloads: { happycolis: payloadWriter(policy) },
    });

  it('is the message as received by default', () => {
    const output = transform(raw(message), config);
    expect(output.kind === 'domain' && output.event.providerPayload).toBe(JSON.stringify(message));
  });

  it('is left out on request', () => {
    const output = withPolicy({ mode: 'omit' });
    expect(output.kind === 'domain' && output.event.providerPayload).toBeNull();
  });

  it('has listed fields censored on request, the rest kept', () => {
    const output = withPolicy({ mode: 'redact', paths: ['contact.email', 'missing.field'] });
    if (output.kind !== 'domain') throw new Error(`dead-lettered: ${JSON.stringify(output)}`);
    expect(JSON.parse(output.event.providerPayload ?? 'null')).toEqual({
      ...message,
      contact: { email: REDACTED, phone: '+33 1' },
    });
  });
});

describe('transform', () => {
  it('routes a valid message to its domain topic with CloudEvents headers', () => {
    const output = transform(
      raw({ type: 'place/opened', id: 'L1', at: '2023-12-08T13:56:00' }),
      config,
    );
    expect(output.kind).toBe('domain');
    if (output.kind !== 'domain') return;
    expect(output.topic).toBe('logistics.locations.v1');
    expect(output.key).toBe('happycolis/org-1/location/L1');
    expect(output.event).toMatchObject({
      type: 'location.connected',
      source: 'happycolis',
      tenant: 'org-1',
      subject: 'happycolis/org-1/location/L1',
      time: '2023-12-08T12:56:00.000Z', // read in Europe/Paris
      timeOriginal: '2023-12-08T13:56:00',
      receivedAt: '2023-12-08T12:57:00.000Z',
      sequence: 41,
      providerEventType: 'place/opened',
      providerEventId: null,
      providerPayload: '{"type":"place/opened","id":"L1","at":"2023-12-08T13:56:00"}',
    });
    expect(output.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: output.event.id,
      ce_source: '/wharf/happycolis',
      ce_type: 'dev.wharf.logistics.location.connected.v1',
      ce_time: '2023-12-08T12:56:00.000Z',
      ce_subject: 'happycolis/org-1/location/L1',
      ce_partitionkey: 'happycolis/org-1/location/L1',
      ce_tenant: 'org-1',
      'content-type': 'application/avro',
    });
  });

  it('gives the same event the same id, and another event another id', () => {
    const first = transform(raw({ type: 'place/opened', id: 'L1', at: 'x' }), config);
    const again = transform(
      raw({ type: 'place/opened', id: 'L1', at: 'x' }, { 'wharf-request-id': 'req-2' }),
      config,
    );
    const other = transform(raw({ type: 'place/opened', id: 'L2', at: 'x' }), config);
    expect(
      first.kind === 'domain' && again.kind === 'domain' && first.event.id === again.event.id,
    ).toBe(true);
    expect(
      first.kind === 'domain' && other.kind === 'domain' && first.event.id !== other.event.id,
    ).toBe(true);
  });

  it('dates an event without a readable provider time by its arrival', () => {
    const output = transform(raw({ type: 'place/opened', id: 'L1', at: 'yesterday' }), config);
    expect(output.kind === 'domain' && output.event.time).toBe('2023-12-08T12:57:00.000Z');
  });

  it.each([
    ['a body that is not JSON', raw('{"type": '), undefined],
    ['an unknown type', raw({ type: 'place/closed' }), undefined],
    ['a schema misfit', raw({ type: 'place/opened', id: 7 }), 'place/opened'],
    ['a normalization failure', raw({ type: 'place/opened', id: 'reject' }), 'place/opened'],
    [
      'no received-at header',
      raw({ type: 'place/opened', id: 'L1' }, { 'wharf-received-at': 'never' }),
      'place/opened',
    ],
  ])('tells the event type of %s when detection got that far', (_name, record, eventType) => {
    const output = transform(record, config);
    expect(output.kind === 'dead-letter' && output.eventType).toBe(eventType);
  });

  it.each([
    ['no source header', raw({ id: 'x' }, { 'wharf-source': '' }), 'source', 'MISSING_SOURCE', ''],
    // Anyone who can write HappyColis's raw topic must not pose as Shipwell.
    [
      "another source's name on this raw topic",
      raw({ type: 'place/opened', id: 'x' }, { 'wharf-source': 'shipwell' }),
      'source',
      'SOURCE_MISMATCH',
      '',
    ],
    ['an empty body', raw(undefined), 'parse', 'INVALID_JSON', ''],
    ['a body that is not JSON', raw('{"type": '), 'parse', 'INVALID_JSON', ''],
    ['an unknown type', raw({ type: 'place/closed' }), 'detect', 'UNKNOWN_EVENT_TYPE', 'type'],
    [
      'a schema misfit',
      raw({ type: 'place/opened', id: 7 }),
      'validate',
      'SCHEMA_VALIDATION_FAILED',
      'id',
    ],
    [
      'a normalization failure',
      raw({ type: 'place/opened', id: 'reject' }),
      'normalize',
      'NORMALIZATION_FAILED',
      'id',
    ],
    [
      'a provider module that throws',
      raw({ type: 'place/opened', id: 'explode' }),
      'normalize',
      'INTERNAL',
      '',
    ],
    [
      'no received-at header',
      raw({ type: 'place/opened', id: 'L1' }, { 'wharf-received-at': 'never' }),
      'normalize',
      'NORMALIZATION_FAILED',
      '',
    ],
  ])('sends %s to the dead-letter topic, whole', (_name, record, stage, code, path) => {
    const output = transform(record, config);
    expect(output.kind).toBe('dead-letter');
    if (output.kind !== 'dead-letter') return;
    expect(output.topic).toBe('webhooks.dlq');
    expect(output.key).toEqual(record.key);
    expect(output.value).toEqual(record.value);
    expect(output.error).toMatchObject({ stage, code, path });
    expect(output.headers).toMatchObject({
      ...record.headers,
      [DEAD_LETTER_HEADERS.stage]: stage,
      [DEAD_LETTER_HEADERS.code]: code,
      [DEAD_LETTER_HEADERS.path]: path,
      [DEAD_LETTER_HEADERS.originalTopic]: 'webhooks.raw.happycolis',
      [DEAD_LETTER_HEADERS.originalPartition]: '2',
      [DEAD_LETTER_HEADERS.originalOffset]: '41',
    });
    expect(output.headers[DEAD_LETTER_HEADERS.message]).toEqual(expect.any(String));
  });
});
