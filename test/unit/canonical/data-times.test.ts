import { describe, expect, it } from 'vitest';
import { utcData } from '../../../src/canonical/data-times.ts';
import type { DomainData } from '../../../src/canonical/model.ts';
import { transform } from '../../../src/worker/pipeline.ts';
import type { PipelineConfig } from '../../../src/worker/pipeline.ts';
import { fixtureJson } from '../../support/fixtures.ts';
import { pipelineDefaults } from '../../support/pipeline.ts';

const fulfillment = (times: Partial<DomainData['fulfillment']>) =>
  ({ expectedAt: null, shippedAt: null, ...times }) as DomainData['fulfillment'];

describe('timestamps inside canonical data', () => {
  it('are read in the source zone as UTC, their text as sent kept by path', () => {
    const { data, originals } = utcData(
      'fulfillment',
      fulfillment({ expectedAt: '2024-07-01T09:30:00', shippedAt: '2024-01-15T08:00:00+02:00' }),
      'Europe/Paris',
    );
    expect(data).toMatchObject({
      expectedAt: '2024-07-01T07:30:00.000Z',
      shippedAt: '2024-01-15T06:00:00.000Z',
    });
    expect(originals).toEqual({
      expectedAt: '2024-07-01T09:30:00',
      shippedAt: '2024-01-15T08:00:00+02:00',
    });
  });

  it('become null when unreadable, never a guess, with the text kept', () => {
    const { data, originals } = utcData('fulfillment', fulfillment({ shippedAt: 'demain' }), 'UTC');
    expect(data.shippedAt).toBeNull();
    expect(originals).toEqual({ shippedAt: 'demain' });
  });

  it('are found in lists and nested records', () => {
    const shipment = {
      events: [
        { eventId: '1', type: 'x', time: '2024-07-01T10:00:00', message: null },
        { eventId: '2', type: 'y', time: null, message: null },
      ],
    } as unknown as DomainData['shipments'];
    const { data, originals } = utcData('shipments', shipment, 'Europe/Paris');
    expect(data.events.map((event) => event.time)).toEqual(['2024-07-01T08:00:00.000Z', null]);
    expect(originals).toEqual({ 'events[0].time': '2024-07-01T10:00:00' });
    const stock = {
      snapshotAt: '2024-07-01T10:00:00Z',
      movement: { time: '2024-07-01T10:00:00' },
    } as unknown as DomainData['inventory'];
    expect(utcData('inventory', stock, 'UTC').originals).toEqual({
      snapshotAt: '2024-07-01T10:00:00Z',
      'movement.time': '2024-07-01T10:00:00',
    });
  });
});

describe('in the pipeline', () => {
  const happycolis = (
    header: Record<string, unknown>,
    body: Record<string, unknown>,
    zones: Partial<PipelineConfig> = { timeZone: 'Europe/Paris' },
  ) =>
    transform(
      {
        topic: 'webhooks.raw.happycolis',
        partition: 0,
        offset: '3',
        key: null,
        value: Buffer.from(JSON.stringify({ header, body })),
        headers: { 'wharf-source': 'happycolis', 'wharf-received-at': '2024-02-05T10:00:00.000Z' },
      },
      { ...pipelineDefaults(), ...zones },
    );

  it("reads a source's times in its own zone when it has one", () => {
    const body = fixtureJson('happycolis', 'body-delivery-order.json') as Record<string, unknown>;
    const header = { type: 'delivery-order/shipped', timestamp: '2024-02-05T10:01:00' };
    const output = happycolis(header, body, {
      timeZone: 'UTC',
      timeZones: { happycolis: 'Asia/Tokyo' },
    });
    expect(output.kind === 'domain' && output.event.time).toBe('2024-02-05T01:01:00.000Z');
  });

  it('puts UTC in data and says when the event time is the receipt time', () => {
    const body = {
      ...(fixtureJson('happycolis', 'body-delivery-order.json') as Record<string, unknown>),
      shipped_at: '2024-02-05T10:01:00',
    };
    const dated = happycolis(
      { type: 'delivery-order/shipped', timestamp: '2024-02-05T10:01:00' },
      body,
    );
    expect(dated.kind === 'domain' && dated.event).toMatchObject({
      time: '2024-02-05T09:01:00.000Z',
      timeIsReceipt: false,
      timesOriginal: { shippedAt: '2024-02-05T10:01:00' },
      data: { shippedAt: '2024-02-05T09:01:00.000Z' },
    });
    const undated = happycolis({ type: 'delivery-order/shipped', timestamp: 'soon' }, body);
    expect(undated.kind === 'domain' && undated.event).toMatchObject({
      time: '2024-02-05T10:00:00.000Z',
      timeOriginal: 'soon',
      timeIsReceipt: true,
    });
  });
});
