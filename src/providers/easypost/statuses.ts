/**
 * EasyPost tracker statuses, refined by their `status_detail`, to the
 * canonical fulfillment status. The same table reads a Tracker's status and
 * each tracking detail's (EasyPost gives them the same values).
 *
 * EasyPost documents ten statuses and 28 details but not which detail goes
 * with which status, and either list may grow: a status the table does not
 * know is UNKNOWN (EasyPost's value still travels as `providerStatus`), and
 * a detail it does not know leaves the status's own mapping.
 *
 * Choices:
 * - `pre_transit` → OPEN: the label exists, the carrier does not have the
 *   parcel yet (the canonical meaning of OPEN for a shipment).
 * - `in_transit` stays IN_TRANSIT whatever its detail (`delayed`,
 *   `delivery_exception`, `refused`…): EasyPost classifies a failed delivery
 *   the carrier retries as in_transit, and its examples put a refusal there
 *   before the parcel turns `return_to_sender`. The detail travels as the
 *   step's type and as `statusReason` when no carrier message says more.
 * - `return_to_sender` → RETURNING. RETURNED ("back at the sender") is never
 *   given: no EasyPost detail says the parcel arrived back.
 * - `failure` is where the carrier gave up on delivering ("the carrier
 *   decides to stop redelivery"): DELIVERY_ATTEMPT_FAILED, unless its
 *   detail says more: `lost` → LOST; `damaged` and `expired` (tracking
 *   ended without an outcome) → EXCEPTION, someone must look; `return` →
 *   RETURNING; `cancelled` → CANCELLED. `refused` stays
 *   DELIVERY_ATTEMPT_FAILED: a delivery was tried and refused.
 * - `error` (EasyPost or the carrier could not track it) → EXCEPTION.
 * - `unknown` (the carrier has no information yet) → UNKNOWN: it states no
 *   status, so a consumer keeps the one it holds.
 */
import type { FulfillmentStatus } from '../../canonical/fulfillment-status.ts';
import { tableWord } from '../../canonical/words.ts';

/** A table written in EasyPost's spelling, looked up by table word (`In Transit` finds `in_transit`). */
function byTableWord<V>(entries: readonly (readonly [string, V])[]): ReadonlyMap<string, V> {
  return new Map(entries.map(([key, value]) => [tableWord(key), value]));
}

/** Each EasyPost status and the canonical status it means when its detail says no more. */
export const EASYPOST_STATUSES: ReadonlyMap<string, FulfillmentStatus> = byTableWord([
  ['unknown', 'UNKNOWN'],
  ['pre_transit', 'OPEN'],
  ['in_transit', 'IN_TRANSIT'],
  ['out_for_delivery', 'OUT_FOR_DELIVERY'],
  ['delivered', 'DELIVERED'],
  ['available_for_pickup', 'AVAILABLE_FOR_PICKUP'],
  ['return_to_sender', 'RETURNING'],
  ['failure', 'DELIVERY_ATTEMPT_FAILED'],
  ['cancelled', 'CANCELLED'],
  ['error', 'EXCEPTION'],
]);

/** The details that refine a status, by status (see the choices above). */
export const EASYPOST_DETAIL_REFINEMENTS: ReadonlyMap<
  string,
  ReadonlyMap<string, FulfillmentStatus>
> = byTableWord([
  [
    'failure',
    byTableWord<FulfillmentStatus>([
      ['lost', 'LOST'],
      ['damaged', 'EXCEPTION'],
      ['expired', 'EXCEPTION'],
      ['return', 'RETURNING'],
      ['cancelled', 'CANCELLED'],
    ]),
  ],
]);

/**
 * The canonical status of an EasyPost status and its detail (either may be
 * null): UNKNOWN for a status that is missing or not in the table.
 */
export function easypostStatus(status: string | null, detail: string | null): FulfillmentStatus {
  if (status === null) return 'UNKNOWN';
  const word = tableWord(status);
  const refined =
    detail === null ? undefined : EASYPOST_DETAIL_REFINEMENTS.get(word)?.get(tableWord(detail));
  return refined ?? EASYPOST_STATUSES.get(word) ?? 'UNKNOWN';
}
