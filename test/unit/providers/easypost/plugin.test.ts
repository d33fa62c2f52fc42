/** The EasyPost plug-in as the ingress and the worker see it: its facts, its raw record key, its example. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { easypost } from '../../../../src/providers/easypost/index.ts';
import type { NormalizedEvent } from '../../../../src/providers/provider.ts';
import { CONTEXT, EVENT_FIXTURES, expectFitsSchema, fixture, trackerIn } from './support.ts';

const rawRecordKey = (body: unknown) => easypost.ingress.rawRecordKey(body);

describe('EasyPost plug-in', () => {
  it('is named for URLs and variables, signs with HMAC by default, allows Basic and none', () => {
    expect(easypost.name).toMatch(/^[a-z][a-z0-9]*$/);
    expect(easypost.ingress.authModes).toEqual(['hmac', 'basic', 'none']);
    expect(easypost.ingress.defaultAuthMode).toBe('hmac');
    expect(easypost.ingress.signature).toEqual({
      header: 'x-hmac-signature',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: 'hmac-sha256-hex=',
      secretNormalization: 'NFKD',
    });
  });

  it('forwards the user agent and signature, never credentials', () => {
    expect(easypost.ingress.forwardedHeaders).toEqual(['user-agent', 'x-hmac-signature']);
    expect(easypost.ingress.forwardedHeaders).not.toContain('authorization');
    for (const name of easypost.ingress.forwardedHeaders) expect(name).toBe(name.toLowerCase());
  });

  it('has its schemas in avro/providers/easypost/, its example beside it, no settings of its own', () => {
    expect(fileURLToPath(easypost.schemas)).toMatch(/avro\/providers\/easypost\/$/);
    expect(fileURLToPath(easypost.example)).toMatch(/src\/providers\/easypost\/example\.json$/);
    expect(easypost.settings).toEqual({});
  });
});

describe('EasyPost raw record key: one parcel, one partition', () => {
  it.each(EVENT_FIXTURES)('%s is keyed by its parcel, as its subject is', (name) => {
    const message = fixture(name);
    const tracker = trackerIn(message);
    const key = rawRecordKey(message);
    expect(key).toBe(`tracker/${String(tracker.carrier)}/${String(tracker.tracking_code)}`);
    const adapter = easypost.adapter();
    const event = adapter.normalize(message, { eventType: String(message.description) }, CONTEXT);
    expect('subject' in event && event.subject).toBe(`easypost/${String(key)}`);
  });

  it("keys a parcel's Events alike, whichever Event and tracker state", () => {
    const created = fixture('tracker.created.json');
    const updated = structuredClone(created);
    updated.description = 'tracker.updated';
    updated.id = 'evt_2';
    trackerIn(updated).status = 'delivered';
    expect(rawRecordKey(updated)).toBe(rawRecordKey(created));
  });

  it('is undefined when the body names no parcel', () => {
    expect(
      rawRecordKey({ description: 'batch.updated', result: { id: 'batch_1' } }),
    ).toBeUndefined();
    expect(rawRecordKey({ result: { tracking_code: '1Z1' } })).toBeUndefined();
    expect(rawRecordKey({ result: { carrier: 'UPS', tracking_code: '' } })).toBeUndefined();
    expect(rawRecordKey({ result: null })).toBeUndefined();
    expect(rawRecordKey({ carrier: 'UPS', tracking_code: '1Z1' })).toBeUndefined();
    expect(rawRecordKey([{ result: { carrier: 'UPS', tracking_code: '1Z1' } }])).toBeUndefined();
    expect(rawRecordKey('tracker.updated')).toBeUndefined();
    expect(rawRecordKey(null)).toBeUndefined();
  });
});

describe('EasyPost example webhook (wharf send)', () => {
  it('is a tracker Event the adapter detects, validates and normalizes into the schema', () => {
    const message = JSON.parse(readFileSync(easypost.example, 'utf8')) as unknown;
    const { worker, normalize } = easypost.adapter();
    const detected = worker.detect(message, CONTEXT);
    if (!('eventType' in detected)) throw new Error(detected.message);
    expect(worker.validate(message, detected)).toBeUndefined();
    const event = normalize(message, detected, CONTEXT);
    if ('code' in event) throw new Error(event.message);
    expect(event.domain).toBe('shipments');
    expectFitsSchema(event as NormalizedEvent<'shipments'>, message, detected.eventType);
  });
});
