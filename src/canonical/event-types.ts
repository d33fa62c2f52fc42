/**
 * The closed list of canonical event types: `<entity>.<what happened>`, the
 * same whichever provider sent the event (`fulfillment_order.shipped` from
 * Ongoing's status change and from HappyColis's `delivery-order/shipped`).
 *
 * The rule: an event that puts its entity into a known status is typed by
 * that status, in lower case (`shipment.out_for_delivery`, `order.cancelled`);
 * an entity's first event is `created` whatever status it starts in; an
 * event that states no status is `updated`, or one of the entity's own
 * words below (`line_updated`, `movement`, `archived`…). A provider's own
 * name for what happened travels as `providerEventType`.
 */
import type { FulfillmentStatus } from './fulfillment-status.ts';
import { FULFILLMENT_STATUSES } from './fulfillment-status.ts';
import type { OrderStatus } from './order-status.ts';
import { ORDER_STATUSES } from './order-status.ts';

/** What a status reads as in an event type: `OUT_FOR_DELIVERY` → `out_for_delivery`. */
type StatusVerb<S extends string> = Lowercase<Exclude<S, 'UNKNOWN'>>;

/** The words each entity's events may end in, besides its statuses. */
const ENTITY_WORDS = {
  order: ['created', 'updated', 'deleted', 'line_updated', 'line_deleted'],
  fulfillment_order: ['created', 'updated'],
  shipment: ['created', 'updated'],
  stock_reference: [
    'created',
    'updated',
    'movement',
    'archived',
    'accepted',
    'rejected',
    'snapshot',
  ],
  product: ['created', 'updated'],
  variant: ['created', 'updated', 'activated', 'deactivated', 'archived'],
  location: ['created', 'updated', 'deactivated', 'connected', 'disconnected'],
} as const;

type Words = typeof ENTITY_WORDS;

/** A canonical entity, the first half of an event type. */
export type CanonicalEntity = keyof Words;

/** Entities whose events may be typed by a fulfillment status. */
export type FulfillmentEntity = 'fulfillment_order' | 'shipment';

/** A canonical event type: a member of the closed list. */
export type CanonicalEventType =
  | { [E in CanonicalEntity]: `${E}.${Words[E][number]}` }[CanonicalEntity]
  | `order.${StatusVerb<OrderStatus>}`
  | `${FulfillmentEntity}.${StatusVerb<FulfillmentStatus>}`;

function verbs(statuses: readonly string[]): string[] {
  return statuses.filter((status) => status !== 'UNKNOWN').map((status) => status.toLowerCase());
}

function typesOf(entity: CanonicalEntity, statuses: readonly string[]): string[] {
  return [...new Set([...ENTITY_WORDS[entity], ...verbs(statuses)])].map(
    (word) => `${entity}.${word}`,
  );
}

/** Every canonical event type, by entity. */
export const CANONICAL_EVENT_TYPES = [
  ...typesOf('order', ORDER_STATUSES),
  ...typesOf('fulfillment_order', FULFILLMENT_STATUSES),
  ...typesOf('shipment', FULFILLMENT_STATUSES),
  ...typesOf('stock_reference', []),
  ...typesOf('product', []),
  ...typesOf('variant', []),
  ...typesOf('location', []),
] as readonly CanonicalEventType[];

/** Narrows a string to a canonical event type. */
export function isCanonicalEventType(value: string): value is CanonicalEventType {
  return (CANONICAL_EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * The type of an order event: `order.<status>` when it states one, else
 * `fallback` (`created`, `updated`, `line_updated`…).
 */
export function orderEventType(
  status: OrderStatus,
  fallback: Words['order'][number],
): CanonicalEventType {
  return status === 'UNKNOWN' || fallback === 'created'
    ? `order.${fallback}`
    : `order.${status.toLowerCase() as StatusVerb<OrderStatus>}`;
}

/**
 * The type of a fulfillment order or shipment event: `<entity>.<status>`
 * when it states one, else `<entity>.<fallback>`; `created` stays `created`.
 */
export function fulfillmentEventType(
  entity: FulfillmentEntity,
  status: FulfillmentStatus,
  fallback: 'created' | 'updated',
): CanonicalEventType {
  return status === 'UNKNOWN' || fallback === 'created'
    ? `${entity}.${fallback}`
    : `${entity}.${status.toLowerCase() as StatusVerb<FulfillmentStatus>}`;
}

/** The major version of the canonical contract: the `v1` of `logistics.<domain>.v1`. */
export const CANONICAL_MAJOR_VERSION = 1;

/**
 * The CloudEvents `type` of a canonical event: reverse-DNS namespaced and
 * versioned (`dev.wharf.logistics.fulfillment_order.shipped.v1`), so it
 * cannot clash with another producer's types, and a breaking change of the
 * contract is a new type that consumers subscribe to knowingly.
 */
export function cloudEventType(type: CanonicalEventType): string {
  return `dev.wharf.logistics.${type}.v${String(CANONICAL_MAJOR_VERSION)}`;
}
