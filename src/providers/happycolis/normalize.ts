/**
 * HappyColis messages as canonical events: each event type's family picks
 * the domain, the canonical entity and the builder of the data; the header
 * gives tenant, time and event id. The field mapping itself lives in
 * orders.ts, inventory.ts and catalog.ts, the status table in statuses.ts.
 */
import type { CanonicalEventType } from '../../canonical/event-types.ts';
import {
  fulfillmentEventType,
  isCanonicalEventType,
  orderEventType,
} from '../../canonical/event-types.ts';
import type { Domain, DomainData, Reference } from '../../canonical/model.ts';
import type { NormalizationFailure, NormalizedEvent, Normalizer } from '../provider.ts';
import { isRecord } from '../provider.ts';
import { locationData, productData, variantItemData } from './catalog.ts';
import type { Fields } from './fields.ts';
import { fields, firstText, text } from './fields.ts';
import { movementData, stockLevelData } from './inventory.ts';
import { fulfillmentOrderData, happycolisReferences, orderData, shipmentData } from './orders.ts';
import { normalizationFailure } from '../kit.ts';

/** A domain with its data, kept together so that one cannot go with another's. */
type Routed = { [D in Domain]: { readonly domain: D; readonly data: DomainData[D] } }[Domain];

/** How the events of one body family are normalized. */
interface Route {
  /** Canonical entity, the first half of the canonical type (`fulfillment_order`). */
  readonly entity: string;
  /** Where the body keeps the id of the entity the subject names. */
  readonly idPath: readonly string[];
  /** The domain and data, from the entity id, the body and the event's action. */
  readonly build: (id: string, body: Fields, action: string) => Routed;
}

const BODY_ID = ['id'] as const;

/** The routes by family, the part of the event type before `/`. */
const ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  [
    'order',
    {
      entity: 'order',
      idPath: BODY_ID,
      build: (id, body, action) => ({ domain: 'orders', data: orderData(id, body, action) }),
    },
  ],
  [
    'delivery-order',
    {
      entity: 'fulfillment_order',
      idPath: BODY_ID,
      build: (id, body, action) => ({
        domain: 'fulfillment',
        data: fulfillmentOrderData(id, body, action, 'OUTBOUND'),
      }),
    },
  ],
  [
    'transfer-order',
    {
      entity: 'fulfillment_order',
      idPath: BODY_ID,
      build: (id, body, action) => ({
        domain: 'fulfillment',
        data: fulfillmentOrderData(id, body, action, 'TRANSFER'),
      }),
    },
  ],
  [
    'shipment',
    {
      entity: 'shipment',
      idPath: BODY_ID,
      build: (id, body, action) => ({ domain: 'shipments', data: shipmentData(id, body, action) }),
    },
  ],
  [
    'stock-reference',
    {
      entity: 'stock_reference',
      idPath: BODY_ID,
      build: (id, body) => ({ domain: 'inventory', data: stockLevelData(id, body, null) }),
    },
  ],
  [
    'product',
    {
      entity: 'product',
      idPath: BODY_ID,
      build: (id, body) => ({ domain: 'catalog', data: productData(id, body) }),
    },
  ],
  [
    'variant',
    {
      entity: 'variant',
      idPath: BODY_ID,
      build: (id, body, action) => ({ domain: 'catalog', data: variantItemData(id, body, action) }),
    },
  ],
  [
    'location',
    {
      entity: 'location',
      idPath: BODY_ID,
      build: (id, body, action) => ({ domain: 'locations', data: locationData(id, body, action) }),
    },
  ],
]);

/**
 * `stock-reference/movement` carries a movement, not its family's entity.
 * The event is about the stock reference moved, so that is its subject and
 * its data (the stock level), with the movement attached.
 */
const MOVEMENT_TYPE = 'stock-reference/movement';
const MOVEMENT: Route = {
  entity: 'stock_reference',
  idPath: ['stock_reference', 'id'],
  build: (id, body) => ({
    domain: 'inventory',
    data: stockLevelData(id, fields(body.stock_reference), movementData(body)),
  }),
};

/** Longest part of an event type quoted in a failure. */
const QUOTED_TYPE_MAX = 100;

/** The value at a path of field names, or undefined. */
function valueAt(body: Fields, path: readonly string[]): unknown {
  let node: unknown = body;
  for (const key of path) node = fields(node)[key];
  return node;
}

/** `delivery-order/integration-error` → family `delivery-order`, action `integration-error`. */
function splitType(eventType: string): { family: string; action: string } {
  const slash = eventType.indexOf('/');
  return slash < 0
    ? { family: eventType, action: '' }
    : { family: eventType.slice(0, slash), action: eventType.slice(slash + 1) };
}

/**
 * What names the event's content in its identity: the message without its
 * header. A redelivery of the same event sends the same body, so the same
 * bytes; a body that changed by one field is another event. The header is
 * left out because HappyColis describes its id as unique per delivery
 * attempt, so a redelivery would read as a new event.
 *
 * HappyColis writes its messages as compact JSON, so the header's own compact
 * JSON is found in the raw bytes: the identity is then the bytes before and
 * after it, as received, without writing the body out again (that cost a
 * tenth of a HappyColis record's transform). A message written otherwise
 * (indented, escaped differently) is named by its body written out as JSON.
 * Either way key order counts: a resend with reordered keys would read as
 * another event, which HappyColis, replaying its queue, has no reason to do.
 * So does the path taken: if one attempt's header were written otherwise
 * than JSON.stringify writes it (an id escaped differently, say) and the
 * next not, the two attempts would get different ids. HappyColis's ids and
 * types are plain text, written the same way on every attempt.
 */
function contentParts(header: Fields, body: Fields, raw: Uint8Array | undefined): Uint8Array[] {
  if (raw !== undefined) {
    const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    const headerJson = JSON.stringify(header);
    const at = bytes.indexOf(headerJson);
    if (at >= 0) {
      return [bytes.subarray(0, at), bytes.subarray(at + Buffer.byteLength(headerJson))];
    }
  }
  return [Buffer.from(JSON.stringify(body))];
}

/**
 * The tenant: the header's organization (either header shape), else the
 * body's `organization_id`, which a movement keeps on its stock reference.
 */
function tenantOf(header: Fields, body: Fields): string | null {
  return firstText(
    header.organization,
    header.organizationId,
    body.organization_id,
    fields(body.stock_reference).organization_id,
  );
}

/**
 * Normalizes a HappyColis message (`{header, body}`, already detected and
 * validated) into a canonical event; never throws.
 *
 * - Domain by family: `order/*` → orders; `delivery-order/*` and
 *   `transfer-order/*` → fulfillment (kind OUTBOUND, TRANSFER); `shipment/*`
 *   → shipments; `stock-reference/*` → inventory; `product/*` and
 *   `variant/*` → catalog; `location/*` → locations.
 * - Canonical type: see `canonicalType` (`delivery-order/shipped` →
 *   `fulfillment_order.shipped`, `shipment/returned-to-sender` →
 *   `shipment.returning`, `variant/archived` → `variant.archived`).
 * - Subject `happycolis/<family>/<entity id>`; a movement's entity is its
 *   stock reference.
 * - Tenant, time and event id from either header shape (`organization` /
 *   `organizationId`, `timestamp` / `date`, `id` / `messageId`), the time as sent.
 * - Identity: the content, canonical type, subject and the message without
 *   its header (see `contentParts`); not the header's id, which HappyColis
 *   describes as unique per delivery attempt, nor its time, which a
 *   redelivery may renew: either would make a redelivery read as a new
 *   event. Both header shapes give the same identity for the same event.
 *
 * Fails (`NORMALIZATION_FAILED`, with the field's path) only when the body is
 * no object or has no usable entity id (`body.id`, or for a movement
 * `body.stock_reference.id`), or the type is no HappyColis type.
 */
export const normalizeHappycolis: Normalizer = (message, event, context) => {
  const { family, action } = splitType(event.eventType);
  const route = event.eventType === MOVEMENT_TYPE ? MOVEMENT : ROUTES.get(family);
  if (route === undefined || action === '') {
    const quoted = JSON.stringify(event.eventType.slice(0, QUOTED_TYPE_MAX));
    return normalizationFailure(
      'header.type',
      `no HappyColis normalization for event type ${quoted}`,
    );
  }
  const { header, body } = fields(message);
  if (!isRecord(body))
    return normalizationFailure('body', 'the HappyColis message has no body object');
  const id = text(valueAt(body, route.idPath));
  if (id === null) {
    const path = ['body', ...route.idPath].join('.');
    return normalizationFailure(path, `the HappyColis ${family} has no usable id at ${path}`);
  }
  return eventOf(route, { family, action, id }, fields(header), body, context.body);
};

/**
 * The canonical type: by the status the event states for orders, fulfillment
 * orders and shipments (`created` stays `created`; no status: `updated`);
 * the entity and its action otherwise (`variant.deactivated`).
 */
function canonicalType(
  entity: string,
  action: string,
  routed: Routed,
): CanonicalEventType | undefined {
  const word = action.replaceAll('-', '_');
  const fallback = word === 'created' ? 'created' : 'updated';
  switch (routed.domain) {
    case 'orders':
      return orderEventType(routed.data.status, fallback);
    case 'fulfillment':
      return fulfillmentEventType('fulfillment_order', routed.data.status, fallback);
    case 'shipments':
      return fulfillmentEventType('shipment', routed.data.status, fallback);
    default: {
      const type = `${entity}.${word}`;
      return isCanonicalEventType(type) ? type : undefined;
    }
  }
}

function referencesOf(family: string, body: Fields): readonly Reference[] {
  return family === 'order' ||
    family === 'delivery-order' ||
    family === 'transfer-order' ||
    family === 'shipment'
    ? happycolisReferences(family, body)
    : [];
}

/** The normalized event of a message whose route and entity id are known. */
function eventOf(
  route: Route,
  entity: { readonly family: string; readonly action: string; readonly id: string },
  header: Fields,
  body: Fields,
  raw: Uint8Array | undefined,
): NormalizedEvent | NormalizationFailure {
  const routed = route.build(entity.id, body, entity.action);
  const type = canonicalType(route.entity, entity.action, routed);
  if (type === undefined) {
    const quoted = JSON.stringify(`${entity.family}/${entity.action}`.slice(0, QUOTED_TYPE_MAX));
    return normalizationFailure('header.type', `no canonical event type for HappyColis ${quoted}`);
  }
  const subject = `happycolis/${entity.family}/${entity.id}`;
  const providerTime = firstText(header.timestamp, header.date);
  const providerEventId = firstText(header.id, header.messageId);
  return {
    ...routed,
    type,
    references: referencesOf(entity.family, body),
    subject,
    tenant: tenantOf(header, body),
    providerTime,
    providerEventId,
    // New per delivery attempt and inside the signed body: a second sight is a replay.
    ...(providerEventId === null ? {} : { deliveryId: providerEventId }),
    // The provider's type, not the canonical one a table derives from it.
    identity: [`${entity.family}/${entity.action}`, subject, ...contentParts(header, body, raw)],
    identifiedBy: 'content',
  };
}
