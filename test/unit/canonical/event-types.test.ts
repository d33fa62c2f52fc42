/**
 * The closed list of canonical event types: what it holds, and that every
 * provider speaks it, the same word for the same happening.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CANONICAL_EVENT_TYPES,
  fulfillmentEventType,
  isCanonicalEventType,
  orderEventType,
} from '../../../src/canonical/event-types.ts';
import { normalizeHappycolis } from '../../../src/providers/happycolis/normalize.ts';
import { normalizeOngoing } from '../../../src/providers/ongoing/normalize.ts';
import type { Normalizer } from '../../../src/providers/provider.ts';

function fixture(provider: string, name: string): unknown {
  const url = new URL(`../../fixtures/providers/${provider}/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as unknown;
}

function typeOf(normalizer: Normalizer, message: unknown, eventType: string): string {
  const event = normalizer(message, { eventType }, { urlEventType: undefined, headers: {} });
  if ('code' in event) throw new Error(`${eventType}: ${event.message}`);
  return event.type;
}

function ongoingAt(status: number): unknown {
  const message = fixture('ongoing', 'order-status-changed.json') as Record<string, unknown>;
  return { ...message, orderStatus: { number: status } };
}

function happycolis(type: string, body: string): unknown {
  const header = fixture('happycolis', 'header-event-payloads-page.json') as object;
  return { header: { ...header, type }, body: fixture('happycolis', body) };
}

describe('the canonical event types', () => {
  it('are one closed list with no duplicates, typed by status where a status is stated', () => {
    expect(new Set(CANONICAL_EVENT_TYPES).size).toBe(CANONICAL_EVENT_TYPES.length);
    expect(CANONICAL_EVENT_TYPES).toEqual(
      expect.arrayContaining([
        'order.created',
        'order.cancelled',
        'order.line_updated',
        'fulfillment_order.created',
        'fulfillment_order.released',
        'fulfillment_order.shipped',
        'fulfillment_order.exception',
        'shipment.out_for_delivery',
        'shipment.delivery_attempt_failed',
        'shipment.returning',
        'shipment.returned',
        'stock_reference.movement',
        'variant.archived',
      ]),
    );
    // Neither a status-less "status changed" nor an UNKNOWN status is a type.
    expect(CANONICAL_EVENT_TYPES.some((type) => type.endsWith('.status_changed'))).toBe(false);
    expect(CANONICAL_EVENT_TYPES.some((type) => type.endsWith('.unknown'))).toBe(false);
  });

  it('type an event by the status it states, created stays created, no status is updated', () => {
    expect(fulfillmentEventType('shipment', 'IN_TRANSIT', 'updated')).toBe('shipment.in_transit');
    expect(fulfillmentEventType('fulfillment_order', 'RELEASED', 'created')).toBe(
      'fulfillment_order.created',
    );
    expect(fulfillmentEventType('fulfillment_order', 'UNKNOWN', 'updated')).toBe(
      'fulfillment_order.updated',
    );
    expect(orderEventType('COMPLETED', 'updated')).toBe('order.completed');
    expect(orderEventType('UNKNOWN', 'line_updated')).toBe('order.line_updated');
  });

  it('give "shipped" the same type whichever provider says it', () => {
    const fromOngoing = typeOf(normalizeOngoing, ongoingAt(450), 'order.status_changed');
    const fromHappycolis = typeOf(
      normalizeHappycolis,
      happycolis('delivery-order/shipped', 'body-delivery-order.json'),
      'delivery-order/shipped',
    );
    expect(fromOngoing).toBe('fulfillment_order.shipped');
    expect(fromHappycolis).toBe('fulfillment_order.shipped');
  });

  it('type an Ongoing status change by its status, and one the table lacks as updated', () => {
    expect(typeOf(normalizeOngoing, ongoingAt(300), 'order.status_changed')).toBe(
      'fulfillment_order.released',
    );
    expect(typeOf(normalizeOngoing, ongoingAt(1000), 'order.status_changed')).toBe(
      'fulfillment_order.cancelled',
    );
    expect(typeOf(normalizeOngoing, ongoingAt(777), 'order.status_changed')).toBe(
      'fulfillment_order.updated',
    );
  });

  it('narrows strings to the list', () => {
    expect(isCanonicalEventType('fulfillment_order.shipped')).toBe(true);
    expect(isCanonicalEventType('fulfillment_order.status_changed')).toBe(false);
  });
});
