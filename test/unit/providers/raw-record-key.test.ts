import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../../src/providers/index.ts';

describe('raw record keys: one entity, one partition', () => {
  it('Ongoing keys by instance and order id', () => {
    const key = PROVIDERS.ongoing.ingress.rawRecordKey;
    expect(key({ system: 'wh1', orderId: 42, webhookEventId: 1 })).toBe('wh1/order/42');
    expect(key({ orderId: '42' })).toBe('order/42');
    expect(key({ orderId: null })).toBeUndefined();
    expect(key([1, 2])).toBeUndefined();
  });

  it('Shipwell keys items by their order, so an order and its items stay in order', () => {
    const key = PROVIDERS.shipwell.ingress.rawRecordKey;
    expect(key({ id: 'o1', resource_type: 'order' })).toBe('order/o1');
    expect(key({ id: 'i1', resource_type: 'order_item', order_id: 'o1' })).toBe('order/o1');
    expect(key({ resource_type: 'order_item', id: 'i1' })).toBeUndefined();
    expect(
      key({
        event: 'order.item.updated',
        data: { resource_type: 'order_item', id: 'i1', order_id: 'o1' },
      }),
    ).toBe('order/o1');
  });

  it('HappyColis keys by entity family and body id, with either header shape', () => {
    const key = PROVIDERS.happycolis.ingress.rawRecordKey;
    expect(key({ header: { id: 'm', type: 'delivery-order/shipped' }, body: { id: 'DO1' } })).toBe(
      'delivery-order/DO1',
    );
    expect(
      key({ header: { messageId: 'm', webhookId: 'w', type: 'order/created' }, body: { id: 7 } }),
    ).toBe('order/7');
    expect(
      key({
        header: { type: 'stock-reference/movement' },
        body: { id: 'MOVE-1', stock_reference: { id: 'SR-1' } },
      }),
    ).toBe('stock-reference/SR-1');
    expect(key({ header: {}, body: { id: 'x' } })).toBeUndefined();
    expect(key({ body: { id: 'x' } })).toBeUndefined();
    expect(key('string')).toBeUndefined();
  });
});
