/**
 * The one fulfillment status vocabulary of the canonical model. Every
 * provider's statuses map onto it; a status a provider adds that no mapping
 * knows becomes UNKNOWN, and the provider's own value travels alongside.
 */
export const FULFILLMENT_STATUSES = [
  /** Created, not yet with the warehouse. */
  'OPEN',
  /** Taken in by the warehouse. */
  'RELEASED',
  /** Stock reserved for it. */
  'ALLOCATED',
  'PICKING',
  'PICKED',
  'PACKED',
  /** The warehouse finished its part (HappyColis `completed`). */
  'FULFILLED',
  /** Handed to the carrier. */
  'SHIPPED',
  /** The carrier took it. */
  'COLLECTED',
  'IN_TRANSIT',
  'OUT_FOR_DELIVERY',
  'AVAILABLE_FOR_PICKUP',
  'DELIVERY_ATTEMPT_FAILED',
  /** Arrived. */
  'DELIVERED',
  /** On its way back to the sender. */
  'RETURNING',
  /** Back at the sender. */
  'RETURNED',
  'LOST',
  /** The warehouse refused it. */
  'REJECTED',
  'CANCELLED',
  /** An error to look at: an integration error, the WMS's own error status. */
  'EXCEPTION',
  /** The event does not state a status: a consumer keeps the one it holds. */
  'UNKNOWN',
] as const;

/** A canonical fulfillment status. */
export type FulfillmentStatus = (typeof FULFILLMENT_STATUSES)[number];

/** Narrows a string to a canonical status (exact, upper case). */
export function isFulfillmentStatus(value: unknown): value is FulfillmentStatus {
  return typeof value === 'string' && (FULFILLMENT_STATUSES as readonly string[]).includes(value);
}
