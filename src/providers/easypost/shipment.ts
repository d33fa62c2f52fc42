/**
 * An EasyPost Tracker as a canonical shipment: the parcel's current state
 * and its whole scan history (`tracking_details[]`), so the shipment is
 * stated whole on every event.
 */
import { toDecimalString } from '../../canonical/decimal.ts';
import type { FulfillmentStatus } from '../../canonical/fulfillment-status.ts';
import type { Quantity, Shipment, ShipmentEventEntry } from '../../canonical/model.ts';
import { canonicalUnit } from '../../canonical/units.ts';
import { isRecord } from '../provider.ts';
import { easypostStatus } from './statuses.ts';
import type { TrackedParcel } from './tracker.ts';
import { locationAddress, text } from './tracker.ts';

/**
 * The shipment a Tracker describes.
 *
 * - shipmentId: the tracker's id (`trk_…`), else `<carrier>/<tracking code>`.
 * - status: the tracker's `status` refined by its `status_detail` (see
 *   statuses.ts); providerStatus: EasyPost's `status` as sent.
 * - previousStatus: from the Event's `previous_attributes.status` (refined by
 *   its `status_detail` when that is there too), where EasyPost says the
 *   status changed; null otherwise.
 * - statusReason: see {@link statusReason}.
 * - shippingMethod: `carrier_detail.service`; shipTo: the destination
 *   `carrier_detail.destination_tracking_location` (city, state, zip,
 *   country: all a tracker knows of it).
 * - weight: in ounces, as EasyPost measures it.
 * - events: one per tracking detail, in EasyPost's order (oldest first in
 *   its examples, though not always by time: consumers order by `time`).
 */
export function trackerShipment(
  tracker: Record<string, unknown>,
  parcel: TrackedParcel,
  previousAttributes: unknown,
): Shipment {
  const status = easypostStatus(text(tracker.status), text(tracker.status_detail));
  const events = records(tracker.tracking_details).map(trackingEvent);
  const carrierDetail = isRecord(tracker.carrier_detail) ? tracker.carrier_detail : {};
  return {
    shipmentId: text(tracker.id) ?? `${parcel.carrier}/${parcel.trackingCode}`,
    status,
    previousStatus: previousStatus(previousAttributes),
    statusReason: statusReason(status, text(tracker.status_detail), events),
    providerStatus: text(tracker.status),
    reference: null,
    trackingNumber: parcel.trackingCode,
    trackingUrl: text(tracker.public_url),
    shippingMethod: text(carrierDetail.service),
    carrier: parcel.carrier,
    fulfillmentOrderId: null,
    estimatedDeliveryAt: text(tracker.est_delivery_date),
    signedBy: text(tracker.signed_by),
    weight: ounces(tracker.weight),
    shipTo: locationAddress(carrierDetail.destination_tracking_location),
    lines: [],
    events,
  };
}

/**
 * One tracking detail as a shipment event: its type is EasyPost's
 * `status_detail` (one vocabulary across carriers; the carrier's own
 * `carrier_code` stays in the payload), its status the canonical status of
 * its `status` and detail, null when it states none.
 */
function trackingEvent(detail: Record<string, unknown>): ShipmentEventEntry {
  const providerStatus = text(detail.status);
  const type = text(detail.status_detail);
  return {
    eventId: null,
    type,
    time: text(detail.datetime),
    message: text(detail.message),
    status: providerStatus === null ? null : easypostStatus(providerStatus, type),
    providerStatus,
    location: locationAddress(detail.tracking_location),
  };
}

/**
 * Why the shipment is in its status: the carrier's message of the last
 * tracking detail that states a status, when it is the shipment's (the scan
 * that put it there: "Missing Mail Search Closed, Item Not Found"), else
 * EasyPost's `status_detail` (`weather_delay`), else null.
 */
function statusReason(
  status: FulfillmentStatus,
  detail: string | null,
  events: readonly ShipmentEventEntry[],
): string | null {
  const last = events.findLast((entry) => entry.status !== null);
  const lastMessage = last?.status === status ? last.message : null;
  return lastMessage ?? detail;
}

/** The status before the event, where `previous_attributes` names it. */
function previousStatus(previousAttributes: unknown): FulfillmentStatus | null {
  if (!isRecord(previousAttributes)) return null;
  const status = text(previousAttributes.status);
  return status === null ? null : easypostStatus(status, text(previousAttributes.status_detail));
}

/** EasyPost's weight ("in ounces", a float, sometimes a string) as a quantity. */
function ounces(value: unknown): Quantity | null {
  const decimal = toDecimalString(value);
  return decimal === undefined ? null : { value: decimal, unit: canonicalUnit('oz') };
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}
