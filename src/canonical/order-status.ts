/**
 * The one order status vocabulary of the canonical model: where a customer
 * or purchase order stands commercially. How it is being fulfilled is the
 * fulfillment order's status, not the order's.
 */
export const ORDER_STATUSES = ['DRAFT', 'OPEN', 'COMPLETED', 'CANCELLED', 'UNKNOWN'] as const;

/** A canonical order status. */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** What each status means, for the docs (docs/canonical-model.md). */
export const ORDER_STATUS_MEANINGS: Readonly<Record<OrderStatus, string>> = {
  DRAFT: 'Being written: not yet to be acted on (Shipwell `DRAFT`).',
  OPEN: 'Placed and to be fulfilled.',
  COMPLETED: 'Done with: fulfilled or closed.',
  CANCELLED: 'Cancelled.',
  UNKNOWN: 'The event does not state a status: keep the one held.',
};

/** Narrows a string to a canonical order status (exact, upper case). */
export function isOrderStatus(value: unknown): value is OrderStatus {
  return typeof value === 'string' && (ORDER_STATUSES as readonly string[]).includes(value);
}
