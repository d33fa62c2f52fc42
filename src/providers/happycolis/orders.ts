/**
 * HappyColis orders, delivery orders, transfer orders and shipments as
 * canonical data. What the model has no field for (invoice numbers of
 * orders, prices of delivery order lines, fulfillment lines, delivery order
 * line references of shipment details…) stays in the provider payload the
 * pipeline keeps with every event.
 */
import type {
  Reference,
  FulfillmentLine,
  FulfillmentOrder,
  Order,
  OrderLine,
  Parcel,
  ParcelLine,
  Shipment,
  ShipmentEventEntry,
  ShipmentLine,
  Tracking,
} from '../../canonical/model.ts';
import type { Fields } from './fields.ts';
import { address, count, decimal, firstText, money, records, text } from './fields.ts';
import { happycolisOrderStatus, happycolisStatus, happycolisStatusReason } from './statuses.ts';

function orderLine(line: Fields, currency: string | null): OrderLine {
  return {
    lineId: text(line.id),
    lineNumber: text(line.order_line_number),
    // The docs: "The product SKU".
    sku: text(line.reference),
    description: null,
    quantity: count(line.quantity),
    unitPrice: money(line.unit_price, currency),
    totalPrice: money(line.total_price, currency),
    taxRate: decimal(line.vat),
    totalPriceTaxInclusive: money(line.total_price_tax_inclusive, currency),
    // The quantity counts the items already; HappyColis gives no separate pieces or weight.
    pieces: null,
    weight: null,
  };
}

/**
 * An order (`order/*`). Its `reference` is the order's number; its
 * `invoice_number` (the docs: "your order number if applicable") is a
 * reference (see {@link happycolisReferences}). Orders spell their dates in
 * camel case (`issuedAt`) unlike the other families; the other spelling is
 * read too. Status: {@link happycolisOrderStatus}.
 */
export function orderData(id: string, body: Fields, action: string): Order {
  const currency = text(body.currency);
  const state = text(body.state);
  return {
    orderId: id,
    orderNumber: text(body.reference),
    orderType: null,
    name: null,
    status: happycolisOrderStatus(state, action),
    previousStatus: null,
    statusReason: null,
    providerStatus: state,
    currency,
    total: money(body.total, currency),
    totalTax: money(body.total_tax, currency),
    totalDiscount: money(body.total_discount, currency),
    totalShipping: money(body.total_shipping, currency),
    totalTaxInclusive: money(body.total_tax_inclusive, currency),
    issuedAt: firstText(body.issuedAt, body.issued_at),
    shipTo: address(body.delivery_address),
    shipFrom: null,
    billTo: address(body.billing_address),
    lines: records(body.lines).map((line) => orderLine(line, currency)),
    // HappyColis sends the whole order, never a diff.
    changes: [],
    lineId: null,
    selfLink: null,
  };
}

/** A fulfillment line's own number: delivery order lines, then transfer order lines, typos too. */
function lineNumberOf(line: Fields): string | null {
  return firstText(
    line.delivery_order_line_number,
    line.delievery_order_line_number,
    line.transfer_line_number,
    line.trabsfer_line_number,
  );
}

function fulfillmentLine(line: Fields, currency: string | null): FulfillmentLine {
  return {
    lineId: text(line.id),
    lineNumber: lineNumberOf(line),
    orderLineNumber: text(line.order_line_number),
    // The HappyColis stock reference, its SKU-like code.
    sku: text(line.reference),
    quantity: count(line.quantity),
    fulfilledQuantity: count(line.fulfilled_quantity),
    batchNumber: text(line.batch_number),
    limitUsageDate: text(line.limit_usage_date),
    unitPrice: money(line.unit_price, currency),
    totalPrice: money(line.total_price, currency),
    totalPriceTaxInclusive: money(line.total_price_tax_inclusive, currency),
    taxRate: decimal(line.vat),
  };
}

/** Tracking of a fulfillment (or of a transfer order itself); null when it has none. */
function trackingOf(entry: Fields): Tracking | null {
  const carrier = text(entry.carrier);
  const trackingNumber = text(entry.tracking_number);
  const trackingUrl = text(entry.tracking_url);
  if (carrier === null && trackingNumber === null && trackingUrl === null) return null;
  const isReturn = text(entry.type)?.trim().toUpperCase() === 'RETURN';
  return { carrier, trackingNumber, trackingUrl, isReturn };
}

/**
 * Tracking of a fulfillment order: a transfer order carries its carrier and
 * tracking number itself, a delivery order in each of its `fulfillments[]`.
 * Both places are read for both kinds; a repeated entry is kept once.
 */
function trackingList(body: Fields): readonly Tracking[] {
  const found = new Map<string, Tracking>();
  for (const entry of [body, ...records(body.fulfillments)]) {
    const tracking = trackingOf(entry);
    if (tracking !== null) found.set(JSON.stringify(tracking), tracking);
  }
  return [...found.values()];
}

/**
 * The lines a fulfillment sent. The docs nest a fulfillment's `lines` once
 * more (entries with their own `lines`); both levels are read, leaves kept.
 */
function parcelLines(entries: unknown): ParcelLine[] {
  return records(entries).flatMap((entry) => {
    const nested = records(entry.lines);
    if (nested.length > 0) return parcelLines(nested);
    return [
      {
        lineId: text(entry.id),
        lineNumber: lineNumberOf(entry),
        sku: text(entry.reference),
        quantity: count(entry.quantity),
        batchNumber: text(entry.batch_number),
      },
    ];
  });
}

/** A delivery order's `fulfillments[]`: each a parcel with its tracking and lines. */
function parcelsOf(body: Fields): Parcel[] {
  return records(body.fulfillments).map((fulfillment) => ({
    parcelId: text(fulfillment.id),
    reference: text(fulfillment.reference),
    carrier: text(fulfillment.carrier),
    trackingNumber: text(fulfillment.tracking_number),
    trackingUrl: text(fulfillment.tracking_url),
    isReturn: text(fulfillment.type)?.trim().toUpperCase() === 'RETURN',
    lines: parcelLines(fulfillment.lines),
  }));
}

/**
 * A delivery order (`OUTBOUND`) or transfer order (`TRANSFER`). `reference`
 * is the merchant's own number: a delivery order's `invoice_number` (the
 * docs: "your order number if applicable") or a transfer order's
 * `supplier_reference`; `orderNumber` is the delivery order's `order_number`.
 */
export function fulfillmentOrderData(
  id: string,
  body: Fields,
  action: string,
  kind: FulfillmentOrder['kind'],
): FulfillmentOrder {
  const state = text(body.state);
  const status = happycolisStatus(state, action);
  const currency = text(body.currency);
  return {
    fulfillmentOrderId: id,
    // The organization is the tenant; HappyColis names no owner within it.
    goodsOwnerId: null,
    // Not in the docs' examples; read when it comes.
    orderId: firstText(body.order_id, body.orderId),
    kind,
    orderNumber: text(body.order_number),
    reference: firstText(body.invoice_number, body.supplier_reference),
    status,
    previousStatus: null,
    statusReason: happycolisStatusReason(status, records(body.events).map(shipmentEvent)),
    providerStatus: state,
    warehouse: null,
    locationId: text(body.location_id),
    shipmentId: null,
    shipTo: address(body.delivery_address),
    lines: records(body.lines).map((line) => fulfillmentLine(line, currency)),
    tracking: trackingList(body),
    parcels: parcelsOf(body),
    expectedAt: text(body.expected_at),
    shippedAt: text(body.shipped_at),
  };
}

/**
 * A shipment detail: its delivery order line (`delivery_order_line_id`, or
 * the docs' `delievery_order_line_id`) and its customer order line
 * (`order_line_id`, `order_line_number`), different id spaces.
 */
function shipmentLine(detail: Fields): ShipmentLine {
  return {
    lineId: text(detail.id),
    fulfillmentLineId: firstText(detail.delivery_order_line_id, detail.delievery_order_line_id),
    orderLineNumber: text(detail.order_line_number),
    orderLineId: text(detail.order_line_id),
    sku: text(detail.reference),
    stockReferenceId: text(detail.stock_reference_id),
    quantity: count(detail.quantity),
    batchNumber: text(detail.batch_number),
  };
}

function shipmentEvent(event: Fields): ShipmentEventEntry {
  const type = text(event.type);
  return {
    eventId: text(event.id),
    type,
    time: text(event.date),
    message: text(event.message),
    // The history names the step by its state word (OPENED, SHIPPED…).
    status: type === null ? null : happycolisStatus(type, type),
    providerStatus: type,
    location: null,
  };
}

/** A shipment (`shipment/*`); its status from its state, else from the event's action. */
export function shipmentData(id: string, body: Fields, action: string): Shipment {
  const state = text(body.state);
  const status = happycolisStatus(state, action);
  const events = records(body.events).map(shipmentEvent);
  return {
    shipmentId: id,
    status,
    previousStatus: null,
    statusReason: happycolisStatusReason(status, events),
    providerStatus: state,
    reference: text(body.reference),
    trackingNumber: text(body.tracking_number),
    trackingUrl: text(body.tracking_url),
    // Camel case in the docs, unlike the family's other fields; the snake case spelling is read too.
    shippingMethod: firstText(body.shippingMethodName, body.shipping_method_name),
    // Neither is in the docs' example; read when they come.
    carrier: firstText(body.carrier, body.carrier_name),
    fulfillmentOrderId: firstText(body.delivery_order_id, body.deliveryOrderId),
    estimatedDeliveryAt: null,
    signedBy: null,
    weight: null,
    shipTo: address(body.delivery_address),
    lines: records(body.details).map(shipmentLine),
    events,
  };
}

/** The entity families whose bodies name other documents. */
type ReferringFamily = 'order' | 'delivery-order' | 'transfer-order' | 'shipment';

function reference(
  type: Reference['type'],
  value: unknown,
  qualifier: string,
): readonly Reference[] {
  const found = text(value);
  return found === null ? [] : [{ type, value: found, qualifier }];
}

/**
 * The documents a body names: an order's or delivery order's
 * `invoice_number` (the docs: "your order number if applicable", so ORDER);
 * a delivery order's customer order (`order_id`); a transfer order's
 * `supplier_reference` (the supplier's order number: PURCHASE_ORDER); a
 * shipment's delivery order (`delivery_order_id`: FULFILLMENT_ORDER).
 */
export function happycolisReferences(family: ReferringFamily, body: Fields): Reference[] {
  switch (family) {
    case 'order':
      return [...reference('ORDER', body.invoice_number, 'invoice_number')];
    case 'delivery-order':
      return [
        ...reference('ORDER', body.order_id ?? body.orderId, 'order_id'),
        ...reference('ORDER', body.invoice_number, 'invoice_number'),
      ];
    case 'transfer-order':
      return [...reference('PURCHASE_ORDER', body.supplier_reference, 'supplier_reference')];
    case 'shipment':
      return [
        ...reference(
          'FULFILLMENT_ORDER',
          body.delivery_order_id ?? body.deliveryOrderId,
          'delivery_order_id',
        ),
      ];
  }
}
