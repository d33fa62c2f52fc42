/**
 * HappyColis states and event actions to the canonical fulfillment status,
 * for delivery orders, transfer orders and shipments.
 *
 * HappyColis documents only one state value (`OPENED`) and otherwise names
 * what happened in the event type (`delivery-order/picked`,
 * `shipment/in-transit`…). So one vocabulary serves both: a body `state` and
 * an action are read as the same word (upper case, `-` and blanks as `_`),
 * and the body's `state` wins when it is a word of the table, as it is the
 * entity's status at sending time; otherwise the action decides; otherwise
 * the status is UNKNOWN and the provider's state still travels as
 * `providerStatus`.
 *
 * Choices where HappyColis does not say:
 * - `integrated` / `accepted` → RELEASED: the warehouse has taken the order
 *   into its system and agreed to fulfil it (Ongoing's "Released"); neither
 *   event says stock was reserved, which ALLOCATED would claim.
 * - `completed` → DELIVERED, for delivery orders and transfer orders alike:
 *   a completed transfer has arrived into its warehouse. COLLECTED means a
 *   carrier picked the goods up, a step before arrival, so it would understate.
 * - `info-received` / `created` (shipments) → OPEN: the carrier knows of the
 *   parcel but does not have it yet.
 * - `in-transit`, `out-for-delivery`, `attempt-failed`,
 *   `available-for-pickup` → SHIPPED: the parcel is with the carrier (or its
 *   pickup point) and not yet delivered.
 * - `delivered-to-sender` / `returned-to-sender` → RETURNED.
 * - `expired` (the docs: lost) → ERROR.
 * - `updated` and `fulfillment-created` say nothing of the status (a
 *   fulfillment may be partial), so without a known state they give UNKNOWN.
 */
import type { FulfillmentStatus } from '../../canonical/fulfillment-status.ts';

/** The words (states, and actions spelled as states) and their canonical status. */
export const HAPPYCOLIS_STATUSES: ReadonlyMap<string, FulfillmentStatus> = new Map([
  // Created, not yet with the warehouse or carrier.
  ['OPEN', 'OPEN'],
  ['OPENED', 'OPEN'],
  ['CREATED', 'OPEN'],
  ['PENDING', 'OPEN'],
  ['INFO_RECEIVED', 'OPEN'],
  // Taken in by the warehouse.
  ['RELEASED', 'RELEASED'],
  ['INTEGRATED', 'RELEASED'],
  ['ACCEPTED', 'RELEASED'],
  ['ALLOCATED', 'ALLOCATED'],
  // Warehouse work.
  ['PICKING', 'PICKING'],
  ['PICKED', 'PICKED'],
  ['PACKED', 'PACKED'],
  // With the carrier.
  ['SHIPPED', 'SHIPPED'],
  ['IN_TRANSIT', 'SHIPPED'],
  ['OUT_FOR_DELIVERY', 'SHIPPED'],
  ['ATTEMPT_FAILED', 'SHIPPED'],
  ['AVAILABLE_FOR_PICKUP', 'SHIPPED'],
  ['COLLECTED', 'COLLECTED'],
  // Arrived.
  ['DELIVERED', 'DELIVERED'],
  ['COMPLETED', 'DELIVERED'],
  // Came back.
  ['RETURNED', 'RETURNED'],
  ['RETURNED_TO_SENDER', 'RETURNED'],
  ['DELIVERED_TO_SENDER', 'RETURNED'],
  // Ended early.
  ['CANCELED', 'CANCELLED'],
  ['CANCELLED', 'CANCELLED'],
  // Failed.
  ['ERROR', 'ERROR'],
  ['REJECTED', 'ERROR'],
  ['INTEGRATION_ERROR', 'ERROR'],
  ['EXPIRED', 'ERROR'],
]);

/** A state or action as a table word: `in-transit` and ` In Transit` both read IN_TRANSIT. */
function word(value: string): string {
  return value
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
}

/**
 * The canonical status of a delivery order, transfer order or shipment.
 *
 * An event whose action is a status (`picked`, `shipped`, `delivered`…)
 * says what just happened, so the action decides: the provider's own
 * examples carry `"state": "OPENED"` on every event, and a body's state may
 * lag behind the event. Actions that are no status (`created`, `updated`,
 * `fulfillment-created`) leave it to the body's state when it is known.
 *
 * @param state - the body's `state`, as sent (null when absent).
 * @param action - the event type's action, e.g. `integration-error`.
 */
export function happycolisStatus(state: string | null, action: string): FulfillmentStatus {
  const actionWord = word(action);
  const fromAction = HAPPYCOLIS_STATUSES.get(actionWord);
  const fromState = state === null ? undefined : HAPPYCOLIS_STATUSES.get(word(state));
  return NO_STATUS_ACTIONS.has(actionWord)
    ? (fromState ?? fromAction ?? 'UNKNOWN')
    : (fromAction ?? fromState ?? 'UNKNOWN');
}

/** Actions that say something happened to the entity, not which status it is in now. */
const NO_STATUS_ACTIONS: ReadonlySet<string> = new Set([
  'CREATED',
  'UPDATED',
  'FULFILLMENT_CREATED',
]);
