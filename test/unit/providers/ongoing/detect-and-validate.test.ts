import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadAvroType } from '../../../../src/avro/validation.ts';
import { providerAdapters } from '../../../../src/providers/index.ts';
import {
  ONGOING_TRIGGER_ALIASES,
  createOngoingWorker,
  MAX_TRIGGER_NAME_LENGTH,
  normalizeTriggerName,
  ongoingTriggerAliasTable,
  ongoingWorker,
} from '../../../../src/providers/ongoing/detect-and-validate.ts';
import type { RawContext } from '../../../../src/providers/provider.ts';

function fixture(name: string): Record<string, unknown> {
  const url = new URL(`../../../fixtures/providers/ongoing/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

function context(urlEventType?: string): RawContext {
  return { urlEventType, headers: {} };
}

const BODY_ONLY = context();

describe('Ongoing worker: fixtures', () => {
  it.each([
    ['order-created.json', 'order.created'],
    ['order-status-changed.json', 'order.status_changed'],
    ['order-picked.json', 'order.picked'],
    ['order-status-changed-allocated.json', 'order.status_changed'],
    ['order-status-changed-collected.json', 'order.status_changed'],
    ['order-status-changed-returned.json', 'order.status_changed'],
    ['order-status-changed-cancelled.json', 'order.status_changed'],
    ['messy-numbers-as-strings.json', 'order.picked'],
    ['messy-nulls-and-missing.json', 'order.status_changed'],
    ['messy-extra-fields.json', 'order.created'],
  ])('%s is %s and fits the schema', (file, eventType) => {
    const message = fixture(file);
    const detected = ongoingWorker.detect(message, BODY_ONLY);
    expect(detected).toEqual({ eventType });
    expect(ongoingWorker.validate(message, { eventType })).toBeUndefined();
  });

  it('the docs example fits the schema, but its placeholder template names no trigger', () => {
    const message = fixture('doc-example.json');
    expect(ongoingWorker.validate(message, { eventType: 'order.created' })).toBeUndefined();
    expect(ongoingWorker.detect(message, BODY_ONLY)).toMatchObject({
      code: 'UNKNOWN_EVENT_TYPE',
      path: 'webhookTemplate',
      message: expect.stringContaining('"string"') as unknown,
    });
    expect(ongoingWorker.detect(message, context('order-picked'))).toEqual({
      eventType: 'order.picked',
    });
  });

  it('the schema declares every field of the docs example, and the purchase-order id', () => {
    const type = loadAvroType(
      new URL('../../../../avro/providers/ongoing/order-webhook.avsc', import.meta.url),
    );
    const undeclared: string[] = [];
    const strict = {
      noUndeclaredFields: true,
      errorHook: (path: string[]) => undeclared.push(path.join('.')),
    };
    type.isValid(fixture('doc-example.json'), strict);
    type.isValid(fixture('messy-numbers-as-strings.json'), strict);
    type.isValid({ webhookPurchaseOrdersId: 9 }, strict);
    expect(undeclared).toEqual([]);
    // The check itself can fail: an unknown field is reported.
    type.isValid({ orderStatus: { number: 400, text: 'Picked' } }, strict);
    expect(undeclared).toEqual(['orderStatus']);
  });
});

describe('Ongoing worker: detection', () => {
  it('knows exactly the three order triggers', () => {
    expect(ongoingWorker.eventTypes).toEqual([
      'order.created',
      'order.status_changed',
      'order.picked',
    ]);
  });

  it('leaves a purchase-order webhook to the dead letters, not read as a customer order', () => {
    const purchaseOrder: Record<string, unknown> = {
      ...fixture('order-created.json'),
      webhookPurchaseOrdersId: 9,
    };
    delete purchaseOrder.webhookOrdersId;
    for (const context_ of [BODY_ONLY, context('order.created')]) {
      const detected = ongoingWorker.detect(purchaseOrder, context_);
      expect(detected).toMatchObject({
        code: 'UNKNOWN_EVENT_TYPE',
        path: 'webhookPurchaseOrdersId',
      });
      expect('message' in detected && detected.message).toMatch(
        /^an Ongoing purchase-order webhook/,
      );
    }
  });

  it('the URL event type wins over the body', () => {
    const message = fixture('order-created.json');
    expect(ongoingWorker.detect(message, context('order.picked'))).toEqual({
      eventType: 'order.picked',
    });
    expect(ongoingWorker.detect(message, context('status-changed'))).toEqual({
      eventType: 'order.status_changed',
    });
  });

  it('an unknown URL event type fails with path "" and names it, even if the body knows', () => {
    const detected = ongoingWorker.detect(fixture('order-created.json'), context('order.sent'));
    expect(detected).toMatchObject({ code: 'UNKNOWN_EVENT_TYPE', path: '' });
    expect(detected).toHaveProperty('message', expect.stringContaining('"order.sent"'));
  });

  it.each([
    ['Order is created', 'order.created'],
    ['order.created', 'order.created'],
    ['ORDER_CREATED', 'order.created'],
    ['OrderCreated', 'order.created'],
    ['created', 'order.created'],
    ['Order status is changed', 'order.status_changed'],
    ['order.status_changed', 'order.status_changed'],
    ['order-status-changed', 'order.status_changed'],
    ['OrderStatusChanged', 'order.status_changed'],
    ['Status changed', 'order.status_changed'],
    ['Order is picked', 'order.picked'],
    ['order.picked', 'order.picked'],
    ['OrderIsPicked', 'order.picked'],
    [' picked ', 'order.picked'],
  ])('webhookTemplate %j is %s', (webhookTemplate, eventType) => {
    expect(ongoingWorker.detect({ webhookTemplate }, BODY_ONLY)).toEqual({ eventType });
    // The URL is matched the same way.
    expect(ongoingWorker.detect({}, context(webhookTemplate))).toEqual({ eventType });
  });

  it('normalizes names to lower-case letters and digits', () => {
    expect(normalizeTriggerName('Order status is changed!')).toBe('orderstatusischanged');
    expect(normalizeTriggerName('order.status_changed')).toBe('orderstatuschanged');
    for (const key of Object.keys(ONGOING_TRIGGER_ALIASES)) {
      expect(normalizeTriggerName(key)).toBe(key);
    }
  });

  it('looks at a bounded prefix of a hostile name (NFKC turns U+FDFA into 18 characters)', () => {
    const hostile = '\uFDFA'.repeat(100_000);
    // Unbounded, this would be 1.8 million characters, normalized on every record.
    expect(normalizeTriggerName(hostile).length).toBeLessThanOrEqual(MAX_TRIGGER_NAME_LENGTH * 18);
    expect(normalizeTriggerName(`Order is picked${' '.repeat(200)}x`)).toBe('orderispicked');
  });

  it.each([
    ['missing', {}],
    ['null', { webhookTemplate: null }],
    ['a number', { webhookTemplate: 400 }],
    ['an object', { webhookTemplate: { name: 'Order is picked' } }],
    ['unknown', { webhookTemplate: 'Order is sent' }],
    ['empty', { webhookTemplate: '' }],
    ['an Object.prototype member', { webhookTemplate: 'constructor' }],
  ])('a webhookTemplate that is %s fails with path webhookTemplate', (_what, message) => {
    expect(ongoingWorker.detect(message, BODY_ONLY)).toMatchObject({
      code: 'UNKNOWN_EVENT_TYPE',
      path: 'webhookTemplate',
    });
  });

  it('does not guess from the status number', () => {
    const message = { orderStatus: { number: 400 }, webhookTemplate: 'string' };
    expect(ongoingWorker.detect(message, BODY_ONLY)).toMatchObject({ path: 'webhookTemplate' });
  });

  it.each([[null], [[fixture('order-picked.json')]], ['Order is picked'], [42]])(
    'a message that is not an object (%j) fails with path ""',
    (message) => {
      expect(ongoingWorker.detect(message, context('order.picked'))).toMatchObject({
        code: 'UNKNOWN_EVENT_TYPE',
        path: '',
      });
    },
  );

  it('a configuration can add trigger names without changing the default worker', () => {
    const worker = createOngoingWorker({ 'Plock klar': 'order.picked', created: 'order.picked' });
    expect(worker.detect({ webhookTemplate: 'PLOCK_KLAR' }, BODY_ONLY)).toEqual({
      eventType: 'order.picked',
    });
    // Extra names win over the built-in ones.
    expect(worker.detect({ webhookTemplate: 'created' }, BODY_ONLY)).toEqual({
      eventType: 'order.picked',
    });
    expect(worker.detect({ webhookTemplate: 'Order is created' }, BODY_ONLY)).toEqual({
      eventType: 'order.created',
    });
    expect(ongoingWorker.detect({ webhookTemplate: 'Plock klar' }, BODY_ONLY)).toMatchObject({
      path: 'webhookTemplate',
    });
    expect(ongoingWorker.detect({ webhookTemplate: 'created' }, BODY_ONLY)).toEqual({
      eventType: 'order.created',
    });
  });
});

describe('Ongoing worker: configured trigger names', () => {
  it('keeps letters of any script, composed, and drops the rest', () => {
    expect(normalizeTriggerName('Status ändrad!')).toBe('statusändrad');
    // "ä" as "a" plus a combining diaeresis is the same name.
    expect(normalizeTriggerName('Status a\u0308ndrad')).toBe('statusändrad');
    expect(normalizeTriggerName('Utlämnad')).not.toBe(normalizeTriggerName('Utlamnad'));
  });

  it('reads name=trigger pairs into normalized keys', () => {
    expect(
      ongoingTriggerAliasTable('Kundorder plockad=order.picked, Ny order = order.created,,'),
    ).toEqual({ kundorderplockad: 'order.picked', nyorder: 'order.created' });
    expect(ongoingTriggerAliasTable(undefined)).toEqual({});
    // The same name twice for the same trigger is harmless.
    expect(ongoingTriggerAliasTable('Plockad=order.picked,PLOCKAD=order.picked')).toEqual({
      plockad: 'order.picked',
    });
  });

  it('routes a configured name through the adapters the worker builds from its settings', () => {
    const configured = providerAdapters({
      ongoing: { WHARF_ONGOING_TRIGGER_ALIASES: 'Kundorder plockad=order.picked' },
    }).ongoing.worker;
    const message = { ...fixture('order-picked.json'), webhookTemplate: 'Kundorder plockad' };
    expect(configured.detect(message, BODY_ONLY)).toEqual({ eventType: 'order.picked' });
    expect(configured.detect({ webhookTemplate: 'Order is created' }, BODY_ONLY)).toEqual({
      eventType: 'order.created',
    });
    const unconfigured = providerAdapters().ongoing.worker;
    expect(unconfigured.detect(message, BODY_ONLY)).toMatchObject({
      code: 'UNKNOWN_EVENT_TYPE',
      path: 'webhookTemplate',
    });
  });
});

describe('Ongoing worker: validation', () => {
  const picked = { eventType: 'order.picked' };

  function withChange(change: (message: Record<string, unknown>) => void): unknown {
    const message = fixture('order-picked.json');
    change(message);
    return message;
  }

  function at(message: Record<string, unknown>, ...keys: (string | number)[]): unknown {
    let value: unknown = message;
    for (const key of keys) value = (value as Record<string | number, unknown>)[key];
    return value;
  }

  it.each([
    [
      'orderStatus.number',
      (m: Record<string, unknown>) => {
        (at(m, 'orderStatus') as Record<string, unknown>).number = {};
      },
    ],
    [
      'orderId',
      (m: Record<string, unknown>) => {
        m.orderId = 12.5;
      },
    ],
    [
      'byComputer.computerName',
      (m: Record<string, unknown>) => {
        (at(m, 'byComputer') as Record<string, unknown>).computerName = 7;
      },
    ],
    [
      'tracking.1.isReturn',
      (m: Record<string, unknown>) => {
        (at(m, 'tracking', 1) as Record<string, unknown>).isReturn = 'no';
      },
    ],
    [
      'parcels.0.tracking.trackingUrl',
      (m: Record<string, unknown>) => {
        (at(m, 'parcels', 0, 'tracking') as Record<string, unknown>).trackingUrl = ['x'];
      },
    ],
    [
      'goodsOwnerClasses',
      (m: Record<string, unknown>) => {
        m.goodsOwnerClasses = { id: 1 };
      },
    ],
    [
      'byUser',
      (m: Record<string, unknown>) => {
        m.byUser = 41;
      },
    ],
  ])('a wrong type at %s is reported at exactly that path', (path, change) => {
    const issue = ongoingWorker.validate(withChange(change), picked);
    expect(issue?.path).toBe(path);
  });

  it('names what the schema expected', () => {
    const message = withChange((m) => {
      (at(m, 'orderStatus') as Record<string, unknown>).number = {};
    });
    expect(ongoingWorker.validate(message, picked)).toEqual({
      path: 'orderStatus.number',
      expected: '["null","long","string"]',
    });
  });

  it('a message that is not an object does not fit', () => {
    expect(ongoingWorker.validate([fixture('order-picked.json')], picked)).toEqual({
      path: '',
      expected: '"wharf.providers.ongoing.OrderWebhook"',
    });
    expect(ongoingWorker.validate('x', picked)?.path).toBe('');
  });

  it('an event type it does not know does not fit', () => {
    const issue = ongoingWorker.validate(fixture('order-picked.json'), {
      eventType: 'order.shipped',
    });
    expect(issue?.path).toBe('');
    expect(issue?.expected).toContain('order.picked');
  });
});
