/**
 * The TypeScript model and the Avro schemas describe the same records: an
 * example of every domain, typed by the model, must fit its schema with
 * exactly the schema's fields, at every depth.
 */
import { readFileSync } from 'node:fs';
import type { Type } from 'avsc';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import type { Address, DomainData, Money, Quantity } from '../../../src/canonical/model.ts';
import { DOMAINS } from '../../../src/canonical/model.ts';
import {
  CANONICAL_TYPES,
  SHARED_SCHEMA_FILE,
  canonicalSchemaFileName,
  canonicalSubject,
} from '../../../src/canonical/schemas.ts';

const money: Money = { amount: '10.5', currency: 'EUR' };
const quantity: Quantity = { value: '2', unit: null };
const address: Address = {
  name: 'John Doe',
  company: null,
  line1: '1 rue de la paix',
  line2: null,
  line3: null,
  city: 'Paris',
  postalCode: '75000',
  region: null,
  country: 'FR',
  email: null,
  phone: null,
  locationNumber: null,
  timezone: null,
  latitude: '48.8',
  longitude: '2.3',
};

const examples: { [D in keyof DomainData]: DomainData[D] } = {
  orders: {
    orderId: 'o1',
    orderNumber: 'MM-1',
    orderType: 'PURCHASE_ORDER',
    name: null,
    status: 'CANCELLED',
    previousStatus: 'OPEN',
    statusReason: null,
    providerStatus: 'READY',
    currency: 'EUR',
    total: money,
    totalTax: money,
    totalDiscount: null,
    totalShipping: null,
    totalTaxInclusive: money,
    issuedAt: '2023-12-08T13:56:00.000Z',
    shipTo: address,
    shipFrom: null,
    billTo: address,
    lines: [
      {
        lineId: 'l1',
        lineNumber: '1',
        sku: 'SKU',
        description: null,
        quantity,
        unitPrice: money,
        totalPrice: money,
        taxRate: '0.2',
        totalPriceTaxInclusive: money,
        pieces: { value: '4', unit: 'EA' },
        weight: { value: '12.5', unit: 'KG' },
      },
    ],
    changes: [
      {
        path: 'ship_from',
        field: 'shipFrom',
        oldValue: { kind: 'NULL', value: null },
        newValue: { kind: 'OBJECT', value: '{"country":"US"}' },
      },
      { path: 'name', field: 'name', oldValue: null, newValue: { kind: 'STRING', value: 'A' } },
    ],
    lineId: null,
    selfLink: null,
  },
  fulfillment: {
    fulfillmentOrderId: 'do1',
    goodsOwnerId: '162',
    orderId: 'o1',
    kind: 'OUTBOUND',
    orderNumber: 'R-1',
    reference: null,
    status: 'PICKED',
    previousStatus: 'ALLOCATED',
    statusReason: null,
    providerStatus: '400',
    warehouse: 'wh1',
    locationId: null,
    shipmentId: null,
    shipTo: address,
    lines: [
      {
        lineId: 'l1',
        lineNumber: null,
        orderLineNumber: '1',
        sku: 'SKU',
        quantity,
        fulfilledQuantity: quantity,
        batchNumber: null,
        limitUsageDate: null,
        unitPrice: money,
        totalPrice: money,
        totalPriceTaxInclusive: null,
        taxRate: '0.2',
      },
    ],
    tracking: [{ carrier: 'DHL', trackingNumber: '123', trackingUrl: null, isReturn: false }],
    parcels: [
      {
        parcelId: 'p1',
        reference: null,
        carrier: 'DHL',
        trackingNumber: '123',
        trackingUrl: null,
        isReturn: false,
        lines: [{ lineId: 'l1', lineNumber: '1', sku: 'SKU', quantity, batchNumber: null }],
      },
    ],
    expectedAt: null,
    shippedAt: null,
  },
  shipments: {
    shipmentId: 's1',
    status: 'SHIPPED',
    previousStatus: null,
    statusReason: 'Handed to DHL',
    providerStatus: 'IN_TRANSIT',
    reference: null,
    trackingNumber: '123',
    trackingUrl: null,
    shippingMethod: null,
    carrier: 'DHL',
    fulfillmentOrderId: 'do1',
    estimatedDeliveryAt: '2024-08-20T00:00:00.000Z',
    signedBy: 'J. DOE',
    weight: { value: '136', unit: 'OZ' },
    shipTo: address,
    lines: [
      {
        lineId: 'd1',
        fulfillmentLineId: 'l1',
        orderLineNumber: '1',
        orderLineId: null,
        sku: 'SKU',
        stockReferenceId: null,
        quantity,
        batchNumber: null,
      },
    ],
    events: [
      {
        eventId: 'e1',
        type: 'DELIVERED',
        time: null,
        message: null,
        status: 'DELIVERED',
        providerStatus: 'delivered',
        location: address,
      },
    ],
  },
  inventory: {
    stockReferenceId: 'sr1',
    sku: 'SKU',
    reference: null,
    locationId: 'loc1',
    variantId: null,
    physicalQuantity: '10',
    usableQuantity: '10',
    reservedQuantity: '0',
    criticalThreshold: null,
    snapshotAt: null,
    snapshotQuantity: null,
    providerStatus: 'ACTIVE',
    movement: {
      movementId: 'm1',
      type: 'INCREMENT',
      quantityType: 'PHYSICAL',
      quantity: '10',
      executedQuantity: '10',
      nature: 'ORDER',
      status: 'CONFIRMED',
      time: null,
      message: null,
      batchNumber: null,
    },
  },
  catalog: {
    productId: 'p1',
    title: 'T-shirt',
    description: null,
    variants: [
      {
        variantId: 'v1',
        productId: 'p1',
        sku: 'SKU',
        title: null,
        description: null,
        kind: 'PRODUCT',
        hsCode: null,
        originCountry: 'FR',
        weight: { value: '0.2', unit: 'KG' },
        length: null,
        width: null,
        height: null,
        barcodes: [{ value: '1234567890123', type: 'EAN13' }],
        active: true,
        archived: false,
      },
    ],
  },
  locations: {
    locationId: 'loc1',
    name: 'Main',
    title: null,
    type: 'WAREHOUSE',
    active: true,
    connected: null,
    fulfillmentServiceId: null,
    address,
  },
};

/** Field names the schema declares but the value lacks, or the value has but the schema lacks. */
function fieldMismatches(type: Type, value: unknown, path = ''): string[] {
  if (value === null || value === undefined) return [];
  if (avro.Type.isType(type, 'union:unwrapped')) {
    const union = type as unknown as { types: Type[] };
    const branch = union.types.find((candidate) => candidate.isValid(value));
    return branch ? fieldMismatches(branch, value, path) : [`${path}: fits no branch`];
  }
  if (avro.Type.isType(type, 'array')) {
    const items = (type as unknown as { itemsType: Type }).itemsType;
    return (value as unknown[]).flatMap((item, i) =>
      fieldMismatches(items, item, `${path}.${String(i)}`),
    );
  }
  if (avro.Type.isType(type, 'record')) {
    const fields = (type as unknown as { fields: { name: string; type: Type }[] }).fields;
    const record = value as Record<string, unknown>;
    const declared = fields.map((field) => field.name).sort();
    const present = Object.keys(record).sort();
    const problems = declared
      .filter((name) => !present.includes(name))
      .map((name) => `${path}.${name}: in the schema, not in the model`)
      .concat(
        present
          .filter((name) => !declared.includes(name))
          .map((name) => `${path}.${name}: not in the schema`),
      );
    return problems.concat(
      fields.flatMap((field) =>
        fieldMismatches(field.type, record[field.name], `${path}.${field.name}`),
      ),
    );
  }
  return [];
}

describe('canonical schemas', () => {
  it.each(DOMAINS)('%s: the model example fits the schema field for field', (domain) => {
    const event = {
      id: '6f0c1a3e-0000-5000-8000-000000000000',
      type: 'fulfillment_order.picked',
      source: 'happycolis',
      tenant: null,
      subject: 'happycolis/x/1',
      time: '2023-12-08T13:56:00.000Z',
      timeOriginal: '2023-12-08T13:56:00',
      receivedAt: '2023-12-08T13:56:01.000Z',
      sequence: 12,
      snapshot: true,
      timeIsReceipt: false,
      timesOriginal: {},
      providerEventType: 'x/y',
      providerEventId: null,
      references: [{ type: 'INVOICE', value: 'INV-1', qualifier: 'EXTERNAL_INVOICE_ID' }],
      data: examples[domain],
      providerPayload: '{}',
    };
    const type = CANONICAL_TYPES[domain];
    expect(type.isValid(event, { noUndeclaredFields: true })).toBe(true);
    expect(fieldMismatches(type, event)).toEqual([]);
    // And it survives the wire.
    expect(type.fromBuffer(type.toBuffer(event))).toEqual(event);
  });

  it('names subjects by topic (TopicNameStrategy), or by topic and record full name', () => {
    expect(canonicalSubject('logistics.fulfillment.v1', 'fulfillment', 'topic')).toBe(
      'logistics.fulfillment.v1-value',
    );
    expect(canonicalSubject('logistics.fulfillment.v1', 'fulfillment', 'topic-record')).toBe(
      'logistics.fulfillment.v1-wharf.canonical.FulfillmentEvent',
    );
  });
});

/** The names of the record and enum types a schema file defines (not those it only names). */
function definedNames(schema: unknown, names: string[] = []): string[] {
  if (Array.isArray(schema)) {
    for (const branch of schema) definedNames(branch, names);
  } else if (typeof schema === 'object' && schema !== null) {
    const node = schema as Record<string, unknown>;
    if ((node.type === 'record' || node.type === 'enum') && typeof node.name === 'string') {
      names.push(node.name);
    }
    for (const value of Object.values(node)) definedNames(value, names);
  }
  return names;
}

describe('the schema files', () => {
  const read = (file: string): unknown =>
    JSON.parse(readFileSync(new URL(`../../../avro/canonical/${file}`, import.meta.url), 'utf8'));

  it('define each named type once: shared ones in shared.avsc, none twice', () => {
    const byFile = [SHARED_SCHEMA_FILE, ...DOMAINS.map(canonicalSchemaFileName)].map((file) => ({
      file,
      names: definedNames(read(file)),
    }));
    const all = byFile.flatMap(({ names }) => names);
    expect(all.filter((name, index) => all.indexOf(name) !== index)).toEqual([]);
    expect(byFile[0]?.names).toEqual(
      expect.arrayContaining(['Address', 'Quantity', 'Money', 'FulfillmentStatus', 'Reference']),
    );
  });
});
