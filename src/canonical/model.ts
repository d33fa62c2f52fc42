/**
 * The canonical logistics model: what downstream services consume, whoever
 * sent the webhook. These types mirror the Avro schemas in avro/canonical/
 * (the contract on the wire); a test checks every normalizer's output
 * against those schemas, so the two cannot drift apart unnoticed.
 *
 * Optional fields are `null` when the provider did not say (Avro's
 * `["null", T]`); money and quantities are decimal strings, never floats.
 */
import type { CanonicalEventType } from './event-types.ts';
import type { FulfillmentStatus } from './fulfillment-status.ts';
import type { OrderStatus } from './order-status.ts';

/** The domains, one topic each (`logistics.<domain>.v1` by default). */
export const DOMAINS = [
  'orders',
  'fulfillment',
  'shipments',
  'inventory',
  'catalog',
  'locations',
] as const;

/** A canonical domain. */
export type Domain = (typeof DOMAINS)[number];

/** Fields every canonical event has, whatever its domain. */
export interface EventEnvelope<Data> {
  /** Deterministic: a redelivery of one provider event gives the same id, another event another id. */
  readonly id: string;
  /** Canonical type from the closed list (event-types.ts), e.g. `fulfillment_order.shipped`. */
  readonly type: CanonicalEventType;
  readonly source: string;
  /** The credential's tenant, else the body's (HappyColis organization, Ongoing instance). */
  readonly tenant: string | null;
  /** Entity key with tenant and provider entity id, e.g. `happycolis/org-1/delivery-order/DO-1`. */
  readonly subject: string;
  /** When it happened, ISO 8601 UTC. */
  readonly time: string;
  /** The provider's timestamp as sent. */
  readonly timeOriginal: string | null;
  /** Whether `time` is the receipt time: the provider gave no readable time. */
  readonly timeIsReceipt: boolean;
  /** The timestamps inside `data` as sent, by field path (in `data` they are UTC, or null). */
  readonly timesOriginal: Readonly<Record<string, string>>;
  /** When the ingress received the webhook, ISO 8601 UTC. */
  readonly receivedAt: string;
  /**
   * Per entity, grows with every event of the subject in the order Wharf
   * received them: the raw record's offset (an entity's webhooks share a raw
   * partition). A redriven dead letter is sequenced when redriven.
   */
  readonly sequence: number;
  /**
   * True when `data` states the entity whole; false when it holds only what
   * this change says (a null or empty field: not in the change, not cleared).
   */
  readonly snapshot: boolean;
  readonly providerEventType: string;
  readonly providerEventId: string | null;
  /** Other documents the event names: orders, invoices, purchase orders… */
  readonly references: readonly Reference[];
  readonly data: Data;
  /** The provider message as received (JSON text), so nothing is lost. */
  readonly providerPayload: string | null;
}

/** An amount of money. */
export interface Money {
  readonly amount: string;
  readonly currency: string | null;
}

/** A quantity with its unit from one vocabulary (`EA` for a count of items; see units.ts). */
export interface Quantity {
  readonly value: string;
  readonly unit: string | null;
}

/** A postal address (fields as providers give them). */
export interface Address {
  readonly name: string | null;
  readonly company: string | null;
  readonly line1: string | null;
  readonly line2: string | null;
  readonly line3: string | null;
  readonly city: string | null;
  readonly postalCode: string | null;
  readonly region: string | null;
  readonly country: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly locationNumber: string | null;
  readonly timezone: string | null;
  readonly latitude: string | null;
  readonly longitude: string | null;
}

/** What a document reference names. */
export const REFERENCE_TYPES = [
  'ORDER',
  'ORDER_LINE',
  'FULFILLMENT_ORDER',
  'PURCHASE_ORDER',
  'ASN',
  'INVOICE',
  'SHIPMENT',
  'CUSTOMER',
  'OTHER',
] as const;

/** A kind of document a reference names. */
export type ReferenceType = (typeof REFERENCE_TYPES)[number];

/** What each reference type names, for the docs (docs/canonical-model.md). */
export const REFERENCE_TYPE_MEANINGS: Readonly<Record<ReferenceType, string>> = {
  ORDER: 'A customer or sales order, by the id or number its owner gives it.',
  ORDER_LINE: 'A line of an order.',
  FULFILLMENT_ORDER: 'A delivery, warehouse or transfer order.',
  PURCHASE_ORDER: 'A purchase order (a supplier order number).',
  ASN: 'An advance shipping notice.',
  INVOICE: 'An invoice.',
  SHIPMENT: 'A shipment.',
  CUSTOMER: "The customer's own reference number.",
  OTHER: "Another kind: see the reference's qualifier.",
};

/** Another document an event names, e.g. the invoice of an order. */
export interface Reference {
  readonly type: ReferenceType;
  readonly value: string;
  /** The provider's name for it (`EXTERNAL_INVOICE_ID`, `invoice_number`). */
  readonly qualifier: string | null;
}

/** The JSON types a changed value can have. */
export type ChangeValueKind = 'STRING' | 'NUMBER' | 'BOOLEAN' | 'NULL' | 'OBJECT' | 'ARRAY';

/**
 * A changed value with its type: a string as is, a number as a decimal
 * string, a boolean as `true`/`false`, an object or array as JSON text; null
 * for NULL (the provider sent null).
 */
export interface ChangeValue {
  readonly kind: ChangeValueKind;
  readonly value: string | null;
}

/** One changed field of an update. */
export interface Change {
  /** The provider's field path. */
  readonly path: string;
  /** The canonical field it changed (`shipFrom.city`); null when the model has none. */
  readonly field: string | null;
  /** Null when the side lacks the field (a value of kind NULL: it was null). */
  readonly oldValue: ChangeValue | null;
  readonly newValue: ChangeValue | null;
}

/** A line of an order. */
export interface OrderLine {
  readonly lineId: string | null;
  readonly lineNumber: string | null;
  readonly sku: string | null;
  readonly description: string | null;
  readonly quantity: Quantity | null;
  readonly unitPrice: Money | null;
  readonly totalPrice: Money | null;
  readonly taxRate: string | null;
  readonly totalPriceTaxInclusive: Money | null;
  /** How many pieces (unit EA), where the provider counts them apart from `quantity`. */
  readonly pieces: Quantity | null;
  /** Gross weight, kept apart from `quantity`. */
  readonly weight: Quantity | null;
}

/** A customer or purchase order, or a change to one (domain `orders`). */
export interface Order {
  readonly orderId: string;
  readonly orderNumber: string | null;
  readonly orderType: string | null;
  readonly name: string | null;
  readonly status: OrderStatus;
  /** The status before this event, where the provider says. */
  readonly previousStatus: OrderStatus | null;
  /** Why the status is what it is, where the provider says. */
  readonly statusReason: string | null;
  readonly providerStatus: string | null;
  readonly currency: string | null;
  readonly total: Money | null;
  readonly totalTax: Money | null;
  readonly totalDiscount: Money | null;
  readonly totalShipping: Money | null;
  readonly totalTaxInclusive: Money | null;
  readonly issuedAt: string | null;
  readonly shipTo: Address | null;
  readonly shipFrom: Address | null;
  readonly billTo: Address | null;
  readonly lines: readonly OrderLine[];
  /** For updates: what changed. */
  readonly changes: readonly Change[];
  /** For line events: the line concerned. */
  readonly lineId: string | null;
  readonly selfLink: string | null;
}

/** A line of a fulfillment order. */
export interface FulfillmentLine {
  readonly lineId: string | null;
  readonly lineNumber: string | null;
  /** The customer order line it fulfils, where the provider names it. */
  readonly orderLineNumber: string | null;
  readonly sku: string | null;
  readonly quantity: Quantity | null;
  readonly fulfilledQuantity: Quantity | null;
  readonly batchNumber: string | null;
  readonly limitUsageDate: string | null;
  readonly unitPrice: Money | null;
  readonly totalPrice: Money | null;
  readonly totalPriceTaxInclusive: Money | null;
  readonly taxRate: string | null;
}

/** Tracking of a parcel or shipment. */
export interface Tracking {
  readonly carrier: string | null;
  readonly trackingNumber: string | null;
  readonly trackingUrl: string | null;
  readonly isReturn: boolean;
}

/** A line that went in a parcel. */
export interface ParcelLine {
  readonly lineId: string | null;
  /** The fulfillment order line (its `lineNumber`). */
  readonly lineNumber: string | null;
  readonly sku: string | null;
  readonly quantity: Quantity | null;
  readonly batchNumber: string | null;
}

/** One parcel (or other fulfillment) of a fulfillment order. */
export interface Parcel {
  readonly parcelId: string | null;
  readonly reference: string | null;
  readonly carrier: string | null;
  readonly trackingNumber: string | null;
  readonly trackingUrl: string | null;
  readonly isReturn: boolean;
  readonly lines: readonly ParcelLine[];
}

/** A delivery order, an Ongoing warehouse order or a transfer order (domain `fulfillment`). */
export interface FulfillmentOrder {
  readonly fulfillmentOrderId: string;
  /** Whose goods these are within the tenant (Ongoing's goods owner). */
  readonly goodsOwnerId: string | null;
  /** The customer order it fulfils, where the provider names it. */
  readonly orderId: string | null;
  readonly kind: 'OUTBOUND' | 'TRANSFER' | 'UNKNOWN';
  readonly orderNumber: string | null;
  readonly reference: string | null;
  readonly status: FulfillmentStatus;
  /** The status before this event, where the provider says. */
  readonly previousStatus: FulfillmentStatus | null;
  /** Why the status is what it is, where the provider says (a rejection's message). */
  readonly statusReason: string | null;
  /** The provider's status as sent (Ongoing's number as a string). */
  readonly providerStatus: string | null;
  readonly warehouse: string | null;
  readonly locationId: string | null;
  readonly shipmentId: string | null;
  readonly shipTo: Address | null;
  readonly lines: readonly FulfillmentLine[];
  readonly tracking: readonly Tracking[];
  /** The parcels sent, each with the lines that went in it. */
  readonly parcels: readonly Parcel[];
  readonly expectedAt: string | null;
  readonly shippedAt: string | null;
}

/** A line of a shipment. */
export interface ShipmentLine {
  readonly lineId: string | null;
  /** The fulfillment order line it ships. */
  readonly fulfillmentLineId: string | null;
  readonly orderLineNumber: string | null;
  readonly orderLineId: string | null;
  readonly sku: string | null;
  readonly stockReferenceId: string | null;
  readonly quantity: Quantity | null;
  readonly batchNumber: string | null;
}

/** One tracking event of a shipment. */
export interface ShipmentEventEntry {
  readonly eventId: string | null;
  readonly type: string | null;
  readonly time: string | null;
  readonly message: string | null;
  /** The canonical status this step put the shipment in, where it says. */
  readonly status: FulfillmentStatus | null;
  /** The carrier's or provider's own status of the step, as sent. */
  readonly providerStatus: string | null;
  /** Where the step happened. */
  readonly location: Address | null;
}

/** A shipment (domain `shipments`). */
export interface Shipment {
  readonly shipmentId: string;
  readonly status: FulfillmentStatus;
  readonly previousStatus: FulfillmentStatus | null;
  /** Why the status is what it is, where the provider says (the carrier's message). */
  readonly statusReason: string | null;
  readonly providerStatus: string | null;
  readonly reference: string | null;
  readonly trackingNumber: string | null;
  readonly trackingUrl: string | null;
  readonly shippingMethod: string | null;
  readonly carrier: string | null;
  /** The fulfillment order it ships, where the provider names it. */
  readonly fulfillmentOrderId: string | null;
  /** When the carrier expects to deliver (UTC). */
  readonly estimatedDeliveryAt: string | null;
  readonly signedBy: string | null;
  readonly weight: Quantity | null;
  readonly shipTo: Address | null;
  readonly lines: readonly ShipmentLine[];
  readonly events: readonly ShipmentEventEntry[];
}

/** A stock movement. */
export interface StockMovement {
  readonly movementId: string | null;
  readonly type: string | null;
  readonly quantityType: string | null;
  readonly quantity: string | null;
  readonly executedQuantity: string | null;
  readonly nature: string | null;
  readonly status: string | null;
  readonly time: string | null;
  readonly message: string | null;
  readonly batchNumber: string | null;
}

/** Stock of one reference at one location (domain `inventory`). */
export interface StockLevel {
  readonly stockReferenceId: string;
  readonly sku: string | null;
  readonly reference: string | null;
  readonly locationId: string | null;
  readonly variantId: string | null;
  readonly physicalQuantity: string | null;
  readonly usableQuantity: string | null;
  readonly reservedQuantity: string | null;
  readonly criticalThreshold: string | null;
  readonly snapshotAt: string | null;
  readonly snapshotQuantity: string | null;
  readonly providerStatus: string | null;
  /** For movement events: the movement. */
  readonly movement: StockMovement | null;
}

/** A barcode or other reference of a variant. */
export interface Barcode {
  readonly value: string;
  readonly type: string | null;
}

/** A sellable variant. */
export interface Variant {
  readonly variantId: string;
  readonly productId: string | null;
  readonly sku: string | null;
  readonly title: string | null;
  readonly description: string | null;
  readonly kind: string | null;
  readonly hsCode: string | null;
  readonly originCountry: string | null;
  readonly weight: Quantity | null;
  readonly length: Quantity | null;
  readonly width: Quantity | null;
  readonly height: Quantity | null;
  readonly barcodes: readonly Barcode[];
  readonly active: boolean | null;
  readonly archived: boolean | null;
}

/** A product and its variants, or one variant (domain `catalog`). */
export interface CatalogItem {
  /** The product; null for a variant event that names none (never the variant's own id). */
  readonly productId: string | null;
  readonly title: string | null;
  readonly description: string | null;
  readonly variants: readonly Variant[];
}

/** A warehouse or store location (domain `locations`). */
export interface Location {
  readonly locationId: string;
  readonly name: string | null;
  readonly title: string | null;
  readonly type: string | null;
  readonly active: boolean | null;
  readonly connected: boolean | null;
  readonly fulfillmentServiceId: string | null;
  readonly address: Address | null;
}

/** The data of each domain's events. */
export interface DomainData {
  readonly orders: Order;
  readonly fulfillment: FulfillmentOrder;
  readonly shipments: Shipment;
  readonly inventory: StockLevel;
  readonly catalog: CatalogItem;
  readonly locations: Location;
}

/** A canonical event of one domain, with the domain it is routed to. */
export type CanonicalEvent = {
  [D in Domain]: { readonly domain: D; readonly event: EventEnvelope<DomainData[D]> };
}[Domain];
