/**
 * HappyColis states and event actions to the canonical fulfillment status,
 * for delivery orders, transfer orders and shipments.
 *
 * HappyColis documents only one state value (`OPENED`) and otherwise names
 * what happened in the event type (`delivery-order/picked`,
 * `shipment/in-transit`…). So one vocabulary serves both: a body `state` and
 * an action are read as the same word (upper case, `-` and blanks as `_`).
 *
 * The rule when they disagree: the event type decides. Its own examples
 * carry `"state": "OPENED"` on every event, so a body's state may lag
 * behind what the event says happened. An event whose action states no
 * status (`updated`, `fulfillment-created`) is UNKNOWN: it does not change
 * the status a consumer holds (the same order is not OPEN again on the
 * update after it shipped); its body's state still travels as
 * `providerStatus`. A `created` entity is OPEN, or what its state says when
 * that is a known word (an order created already released, say).
 *
 * Choices where HappyColis does not say:
 * - `integrated` / `accepted` → RELEASED: the warehouse has taken the order
 *   into its system and agreed to fulfil it (Ongoing's "Released"); neither
 *   event says stock was reserved, which ALLOCATED would claim.
 * - `completed` → FULFILLED: the warehouse finished its part; nothing says a
 *   parcel arrived (DELIVERED is the shipment's to say).
 * - `info-received` / `created` (shipments) → OPEN: the carrier knows of the
 *   parcel but does not have it yet.
 * - the carrier's steps are their own: IN_TRANSIT, OUT_FOR_DELIVERY,
 *   DELIVERY_ATTEMPT_FAILED, AVAILABLE_FOR_PICKUP.
 * - `returned-to-sender` → RETURNING (on its way back), `delivered-to-sender`
 *   → RETURNED (back).
 * - `expired` (the docs: lost) → LOST; `rejected` → REJECTED;
 *   `integration-error` → EXCEPTION.
 */
import type { FulfillmentStatus } from '../../canonical/fulfillment-status.ts';
import type { OrderStatus } from '../../canonical/order-status.ts';
import { tableWord as word } from '../../canonical/words.ts';

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
  ['COMPLETED', 'FULFILLED'],
  ['FULFILLED', 'FULFILLED'],
  // With the carrier.
  ['SHIPPED', 'SHIPPED'],
  ['COLLECTED', 'COLLECTED'],
  ['IN_TRANSIT', 'IN_TRANSIT'],
  ['OUT_FOR_DELIVERY', 'OUT_FOR_DELIVERY'],
  ['ATTEMPT_FAILED', 'DELIVERY_ATTEMPT_FAILED'],
  ['AVAILABLE_FOR_PICKUP', 'AVAILABLE_FOR_PICKUP'],
  // Arrived.
  ['DELIVERED', 'DELIVERED'],
  // Came back.
  ['RETURNED_TO_SENDER', 'RETURNING'],
  ['RETURNING', 'RETURNING'],
  ['DELIVERED_TO_SENDER', 'RETURNED'],
  ['RETURNED', 'RETURNED'],
  // Ended otherwise.
  ['EXPIRED', 'LOST'],
  ['LOST', 'LOST'],
  ['REJECTED', 'REJECTED'],
  ['CANCELED', 'CANCELLED'],
  ['CANCELLED', 'CANCELLED'],
  ['INTEGRATION_ERROR', 'EXCEPTION'],
  ['ERROR', 'EXCEPTION'],
]);

/**
 * The canonical status of a delivery order, transfer order or shipment: the
 * action's when it names one; for `created`, the body's state when known,
 * else OPEN; UNKNOWN for an action that states no status (see above).
 *
 * @param state - the body's `state`, as sent (null when absent).
 * @param action - the event type's action, e.g. `integration-error`.
 */
export function happycolisStatus(state: string | null, action: string): FulfillmentStatus {
  return statusOf(HAPPYCOLIS_STATUSES, state, action, 'OPEN');
}

/** Order states and actions (`order/opened`, `order/completed`) and their canonical status. */
export const HAPPYCOLIS_ORDER_STATUSES: ReadonlyMap<string, OrderStatus> = new Map([
  ['DRAFT', 'DRAFT'],
  ['OPEN', 'OPEN'],
  ['OPENED', 'OPEN'],
  ['CREATED', 'OPEN'],
  ['COMPLETED', 'COMPLETED'],
  ['CANCELED', 'CANCELLED'],
  ['CANCELLED', 'CANCELLED'],
]);

/** The canonical status of an order, by the same rule as {@link happycolisStatus}. */
export function happycolisOrderStatus(state: string | null, action: string): OrderStatus {
  return statusOf(HAPPYCOLIS_ORDER_STATUSES, state, action, 'OPEN');
}

function statusOf<S extends string>(
  table: ReadonlyMap<string, S>,
  state: string | null,
  action: string,
  created: S,
): S | 'UNKNOWN' {
  const actionWord = word(action);
  if (NO_STATUS_ACTIONS.has(actionWord)) return 'UNKNOWN';
  const fromState = state === null ? undefined : table.get(word(state));
  if (actionWord === 'CREATED') return fromState ?? created;
  return table.get(actionWord) ?? 'UNKNOWN';
}

/**
 * Why the entity is in its status: the message of the last entry of its
 * `events[]` (the entity's history, newest last) when that entry is of the
 * status the event states (a rejection and its reason); null otherwise.
 */
export function happycolisStatusReason(
  status: FulfillmentStatus,
  events: readonly { readonly type: string | null; readonly message: string | null }[],
): string | null {
  const last = events.at(-1);
  if (status === 'UNKNOWN' || last?.type == null) return null;
  return HAPPYCOLIS_STATUSES.get(word(last.type)) === status ? last.message : null;
}

/** Actions that say something happened to the entity, not which status it is in now. */
const NO_STATUS_ACTIONS: ReadonlySet<string> = new Set(['UPDATED', 'FULFILLMENT_CREATED']);
