/**
 * HappyColis messages in the worker: telling the event type from the header
 * and checking header and body against the Avro schemas of
 * `avro/providers/happycolis/`.
 */
import type { Type } from 'avsc';
import type { ValidationIssue } from '../../avro/validation.ts';
import { loadAvroType, validateJson } from '../../avro/validation.ts';
import type { DetectionFailure, ProviderWorker } from '../provider.ts';
import { isRecord } from '../provider.ts';

/** HappyColis's Avro schemas. */
export const HAPPYCOLIS_SCHEMAS = new URL('../../../avro/providers/happycolis/', import.meta.url);

/** A HappyColis schema of avro/providers/happycolis/. */
function schema(name: string): Type {
  return loadAvroType(new URL(`${name}.avsc`, HAPPYCOLIS_SCHEMAS));
}

// Loaded once: parsing a schema is far dearer than checking a message with it.
const HEADER = schema('header');
const ORDER = schema('order');
const DELIVERY_ORDER = schema('delivery-order');
const SHIPMENT = schema('shipment');
const PRODUCT = schema('product');
const VARIANT = schema('variant');
const STOCK_REFERENCE = schema('stock-reference');
const STOCK_REFERENCE_MOVEMENT = schema('stock-reference-movement');
const TRANSFER_ORDER = schema('transfer-order');
const LOCATION = schema('location');

/**
 * The 51 HappyColis event types: the 50 of the event payloads page, spelled
 * as there, and `transfer-order/updated`, which the provider's per-event
 * pages list but the payloads page's table leaves out; each with the schema
 * of its body. Listed in full rather than built from the
 * family prefixes so that each one can be found by searching for it, and
 * because `stock-reference/movement` does not carry its family's entity.
 */
const BODY_SCHEMAS: ReadonlyMap<string, Type> = new Map([
  ['order/created', ORDER],
  ['order/updated', ORDER],
  ['order/opened', ORDER],
  ['order/completed', ORDER],
  ['delivery-order/created', DELIVERY_ORDER],
  ['delivery-order/updated', DELIVERY_ORDER],
  ['delivery-order/fulfillment-created', DELIVERY_ORDER],
  ['delivery-order/completed', DELIVERY_ORDER],
  ['delivery-order/integrated', DELIVERY_ORDER],
  ['delivery-order/integration-error', DELIVERY_ORDER],
  ['delivery-order/accepted', DELIVERY_ORDER],
  ['delivery-order/rejected', DELIVERY_ORDER],
  ['delivery-order/picked', DELIVERY_ORDER],
  ['delivery-order/packed', DELIVERY_ORDER],
  ['delivery-order/shipped', DELIVERY_ORDER],
  ['shipment/created', SHIPMENT],
  ['shipment/delivered', SHIPMENT],
  ['shipment/delivered-to-sender', SHIPMENT],
  ['shipment/returned-to-sender', SHIPMENT],
  ['shipment/in-transit', SHIPMENT],
  ['shipment/available-for-pickup', SHIPMENT],
  ['shipment/expired', SHIPMENT],
  ['shipment/info-received', SHIPMENT],
  ['shipment/out-for-delivery', SHIPMENT],
  ['shipment/attempt-failed', SHIPMENT],
  ['product/created', PRODUCT],
  ['product/updated', PRODUCT],
  ['variant/created', VARIANT],
  ['variant/updated', VARIANT],
  ['variant/deactivated', VARIANT],
  ['variant/activated', VARIANT],
  ['variant/archived', VARIANT],
  ['stock-reference/created', STOCK_REFERENCE],
  ['stock-reference/updated', STOCK_REFERENCE],
  ['stock-reference/movement', STOCK_REFERENCE_MOVEMENT],
  ['stock-reference/archived', STOCK_REFERENCE],
  ['stock-reference/accepted', STOCK_REFERENCE],
  ['stock-reference/rejected', STOCK_REFERENCE],
  ['stock-reference/snapshot', STOCK_REFERENCE],
  ['transfer-order/created', TRANSFER_ORDER],
  ['transfer-order/updated', TRANSFER_ORDER],
  ['transfer-order/opened', TRANSFER_ORDER],
  ['transfer-order/completed', TRANSFER_ORDER],
  ['transfer-order/fulfillment-created', TRANSFER_ORDER],
  ['transfer-order/accepted', TRANSFER_ORDER],
  ['transfer-order/rejected', TRANSFER_ORDER],
  ['location/created', LOCATION],
  ['location/updated', LOCATION],
  ['location/deactivated', LOCATION],
  ['location/connected', LOCATION],
  ['location/disconnected', LOCATION],
]);

/** Longest part of an unknown type quoted in a failure: the header is untrusted input. */
const QUOTED_TYPE_MAX = 100;

function unknownType(message: string): DetectionFailure {
  return { code: 'UNKNOWN_EVENT_TYPE', path: 'header.type', message };
}

/** What a whole message should be, for the (detect-rejected) case where it is no object. */
function messageExpected(body: Type): string {
  return JSON.stringify({
    type: 'record',
    fields: [
      { name: 'header', type: HEADER.name },
      { name: 'body', type: body.name },
    ],
  });
}

/**
 * Checks a value that must be a JSON object against a record type. avsc takes
 * any object for a record, arrays included, so an array is swapped for null:
 * the record then refuses it at `path`, naming the schema like any other issue.
 */
function objectIssue(type: Type, value: unknown, path: string): ValidationIssue | undefined {
  return validateJson(type, isRecord(value) ? value : null, path);
}

/**
 * The HappyColis worker adapter. A message is `{header, body}`; the header
 * names the event type (`header.type`, e.g. `delivery-order/shipped`) in
 * either of its two documented shapes, and the body is the entity of the
 * type's family, or a stock movement for `stock-reference/movement`.
 *
 * The URL's event type is not used: every HappyColis message says its type,
 * and one subscription URL may receive several types.
 */
export const happycolisWorker: ProviderWorker = {
  eventTypes: [...BODY_SCHEMAS.keys()],

  detect(message) {
    if (!isRecord(message) || !isRecord(message.header)) {
      return unknownType('HappyColis message has no header object');
    }
    const type = message.header.type;
    if (typeof type !== 'string') {
      return unknownType('HappyColis header has no string type');
    }
    // Whitespace is a sender's slip, not a different type; case is kept, as
    // the docs spell every type in lower case and a capitalised one is not theirs.
    const eventType = type.trim();
    if (!BODY_SCHEMAS.has(eventType)) {
      const quoted = JSON.stringify(eventType.slice(0, QUOTED_TYPE_MAX));
      return unknownType(`unknown HappyColis event type ${quoted}`);
    }
    return { eventType };
  },

  validate(message, event) {
    const body = BODY_SCHEMAS.get(event.eventType);
    if (body === undefined) {
      return { path: 'header.type', expected: JSON.stringify([...BODY_SCHEMAS.keys()]) };
    }
    if (!isRecord(message)) return { path: '', expected: messageExpected(body) };
    return objectIssue(HEADER, message.header, 'header') ?? objectIssue(body, message.body, 'body');
  },
};
