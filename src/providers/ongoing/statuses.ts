/**
 * Ongoing WMS order statuses and their canonical fulfillment status. The
 * numbers are Ongoing's standard set; each warehouse may rename, add or
 * remove statuses, so a deployment can extend or override the table
 * (configuration `WHARF_ONGOING_STATUS_MAP`, e.g. `410=PACKED,1000=CANCELLED`).
 */
import type { FulfillmentStatus } from '../../canonical/fulfillment-status.ts';
import { isFulfillmentStatus } from '../../canonical/fulfillment-status.ts';

/** Ongoing's standard statuses: 150 Error (an exception to look at) … 1000 Cancelled. */
export const DEFAULT_ONGOING_STATUSES: ReadonlyMap<number, FulfillmentStatus> = new Map([
  [150, 'EXCEPTION'],
  [200, 'OPEN'],
  [300, 'RELEASED'],
  [320, 'ALLOCATED'],
  [400, 'PICKED'],
  [450, 'SHIPPED'],
  [500, 'COLLECTED'],
  [800, 'RETURNED'],
  [1000, 'CANCELLED'],
]);

/**
 * Reads `number=STATUS` pairs (comma-separated) over the default table.
 *
 * @throws {Error} naming the first pair that is not a whole number and a canonical status.
 */
export function ongoingStatusTable(
  overrides: string | undefined,
): ReadonlyMap<number, FulfillmentStatus> {
  const table = new Map(DEFAULT_ONGOING_STATUSES);
  for (const pair of (overrides ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const [numberText = '', status = ''] = pair.split('=').map((part) => part.trim());
    const number = Number(numberText);
    const upper = status.toUpperCase();
    if (!Number.isInteger(number) || !isFulfillmentStatus(upper)) {
      throw new Error(`"${pair}" is not <status number>=<canonical status, e.g. PACKED>`);
    }
    table.set(number, upper);
  }
  return table;
}

/** The canonical status of an Ongoing status number; UNKNOWN for a number the table lacks. */
export function canonicalOngoingStatus(
  number: number,
  table: ReadonlyMap<number, FulfillmentStatus>,
): FulfillmentStatus {
  return table.get(number) ?? 'UNKNOWN';
}
