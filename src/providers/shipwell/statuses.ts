/**
 * Shipwell order statuses and their canonical order status. Shipwell's
 * payload docs show one value (`READY`); the others are read by their plain
 * meaning, and a status this table does not know is UNKNOWN with Shipwell's
 * own value kept as `providerStatus`. An order with a `cancelled_at` time is
 * CANCELLED whatever its status says.
 */
import type { OrderStatus } from '../../canonical/order-status.ts';
import { tableWord } from '../../canonical/words.ts';
import { text } from './fields.ts';

const SHIPWELL_ORDER_STATUSES: ReadonlyMap<string, OrderStatus> = new Map([
  ['DRAFT', 'DRAFT'],
  ['READY', 'OPEN'],
  ['OPEN', 'OPEN'],
  ['ACTIVE', 'OPEN'],
  ['COMPLETE', 'COMPLETED'],
  ['COMPLETED', 'COMPLETED'],
  ['CLOSED', 'COMPLETED'],
  ['CANCELED', 'CANCELLED'],
  ['CANCELLED', 'CANCELLED'],
]);

/**
 * The canonical status an order resource (or an update's `old_data` or
 * `new_data`) states; undefined when it states none (neither `status` nor a
 * `cancelled_at` time), UNKNOWN for a status the table does not know.
 */
export function shipwellOrderStatus(resource: Record<string, unknown>): OrderStatus | undefined {
  if (text(resource.cancelled_at) !== null) return 'CANCELLED';
  const status = text(resource.status);
  if (status === null) return undefined;
  return SHIPWELL_ORDER_STATUSES.get(tableWord(status)) ?? 'UNKNOWN';
}
