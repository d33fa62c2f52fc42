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
  'SHIPPED',
  'COLLECTED',
  'DELIVERED',
  'RETURNED',
  'CANCELLED',
  'ERROR',
  'UNKNOWN',
] as const;

/** A canonical fulfillment status. */
export type FulfillmentStatus = (typeof FULFILLMENT_STATUSES)[number];

/** Narrows a string to a canonical status (exact, upper case). */
export function isFulfillmentStatus(value: unknown): value is FulfillmentStatus {
  return typeof value === 'string' && (FULFILLMENT_STATUSES as readonly string[]).includes(value);
}
