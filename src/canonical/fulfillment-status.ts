/**
 * The one fulfillment status vocabulary of the canonical model. Every
 * provider's statuses map onto it; a status a provider adds that no mapping
 * knows becomes UNKNOWN, and the provider's own value travels alongside.
 */
export const FULFILLMENT_STATUSES = [
  'OPEN',
  'RELEASED',
  'ALLOCATED',
  'PICKING',
  'PICKED',
  'PACKED',
  'FULFILLED',
  'SHIPPED',
  'COLLECTED',
  'IN_TRANSIT',
  'OUT_FOR_DELIVERY',
  'AVAILABLE_FOR_PICKUP',
  'DELIVERY_ATTEMPT_FAILED',
  'DELIVERED',
  'RETURNING',
  'RETURNED',
  'LOST',
  'REJECTED',
  'CANCELLED',
  'EXCEPTION',
  'UNKNOWN',
] as const;

/** A canonical fulfillment status. */
export type FulfillmentStatus = (typeof FULFILLMENT_STATUSES)[number];

/** What each status means, for the docs (docs/canonical-model.md). */
export const FULFILLMENT_STATUS_MEANINGS: Readonly<Record<FulfillmentStatus, string>> = {
  OPEN: 'Created, not yet with the warehouse (or, for a shipment, not yet with the carrier).',
  RELEASED: 'Taken in by the warehouse.',
  ALLOCATED: 'Stock reserved for it.',
  PICKING: 'Being picked.',
  PICKED: 'Picked.',
  PACKED: 'Packed.',
  FULFILLED: 'The warehouse finished its part (HappyColis `completed`); nothing says it arrived.',
  SHIPPED: 'Handed to the carrier.',
  COLLECTED: 'The carrier took it.',
  IN_TRANSIT: 'On its way.',
  OUT_FOR_DELIVERY: 'With the driver for delivery.',
  AVAILABLE_FOR_PICKUP: 'Waiting at a pickup point.',
  DELIVERY_ATTEMPT_FAILED: 'A delivery was tried and failed; the carrier may try again.',
  DELIVERED: 'Arrived.',
  RETURNING: 'On its way back to the sender.',
  RETURNED: 'Back at the sender.',
  LOST: 'Lost (HappyColis `expired`).',
  REJECTED: 'The warehouse refused it.',
  CANCELLED: 'Cancelled.',
  EXCEPTION: "An error to look at: an integration error, the WMS's own error status.",
  UNKNOWN: 'The event does not state a status: keep the one held.',
};

/** Narrows a string to a canonical status (exact, upper case). */
export function isFulfillmentStatus(value: unknown): value is FulfillmentStatus {
  return typeof value === 'string' && (FULFILLMENT_STATUSES as readonly string[]).includes(value);
}
