/**
 * Ongoing WMS order webhooks, normalized. Every trigger delivers the same
 * WebhookOrderPayload, a snapshot of one warehouse (outbound) order, which
 * becomes a canonical fulfillment order; the trigger only decides the type.
 *
 * The payload carries no lines, addresses or dates besides the event's own
 * timestamp, so those stay empty; the full message travels in the envelope's
 * providerPayload.
 */
import type { CanonicalEventType } from '../../canonical/event-types.ts';
import { fulfillmentEventType } from '../../canonical/event-types.ts';
import type { FulfillmentStatus } from '../../canonical/fulfillment-status.ts';
import type { FulfillmentOrder, Parcel, Reference, Tracking } from '../../canonical/model.ts';
import type {
  DetectedEvent,
  NormalizationFailure,
  NormalizedEvent,
  Normalizer,
} from '../provider.ts';
import { isRecord } from '../provider.ts';
import { DEFAULT_ONGOING_STATUSES, canonicalOngoingStatus } from './statuses.ts';
import type { OngoingEventType } from './detect-and-validate.ts';
import { normalizationFailure, text } from '../kit.ts';

/**
 * The canonical type of each Ongoing trigger, from the order's status: a
 * status change is typed by the status it reached (`fulfillment_order.shipped`
 * for 450), or `updated` for a status the table does not know.
 */
const CANONICAL_TYPES: ReadonlyMap<string, (status: FulfillmentStatus) => CanonicalEventType> =
  new Map<OngoingEventType, (status: FulfillmentStatus) => CanonicalEventType>([
    ['order.created', () => 'fulfillment_order.created'],
    [
      'order.status_changed',
      (status) => fulfillmentEventType('fulfillment_order', status, 'updated'),
    ],
    ['order.picked', () => 'fulfillment_order.picked'],
  ]);

/** An Ongoing webhook as a canonical fulfillment event. */
type OngoingEvent = NormalizedEvent<'fulfillment'>;

/** The id of the webhook (configuration) that fired, whichever kind it is. */
function webhookId(message: Record<string, unknown>): string | null {
  return text(message.webhookOrdersId) ?? text(message.webhookPurchaseOrdersId);
}

/**
 * Builds the Ongoing normalizer over a status table (the deployment's, see
 * `ongoingStatusTable`).
 *
 * - tenant: the Ongoing instance (`system`), whose credentials the ingress
 *   binds to it; order ids are unique within one instance, not across them,
 *   and the pipeline puts the tenant into the subject
 *   (`ongoing/<system>/order/<orderId>`).
 * - subject `ongoing/order/<orderId>`, before the tenant.
 * - status: the table's canonical status of `orderStatus.number` (UNKNOWN for
 *   a number it lacks); providerStatus keeps the number as a string either way.
 *   The body is the order as it is when the webhook fires, so its status is
 *   the order's even on the `picked` trigger, whose type says what happened
 *   (picking) while the order may already be further on.
 * - type: see CANONICAL_TYPES.
 * - tracking: one entry per `tracking[]` entry (waybill as tracking number),
 *   then one per parcel (`parcelNumber` as tracking number, its tracking URL);
 *   entries with neither number nor URL are left out, exact duplicates once.
 * - identity: `[system, trigger, webhook id, webhookEventId]` when the event id
 *   is given (the webhook id, `webhookOrdersId` or `webhookPurchaseOrdersId`,
 *   because the docs do not say whether event ids are unique across webhooks), so
 *   every retry of an event (Ongoing retries for a day) gets the same
 *   canonical id whatever else the retry carries, while two triggers that
 *   fire for one change (status changed and picked) stay two events even if
 *   Ongoing gave them one event id; otherwise the trigger, subject,
 *   timestamp and the message. The trigger, not the canonical type: the type
 *   follows the status table, which a deployment may change between two
 *   deliveries of one event.
 *
 * An order without a usable `orderId` fails with path `orderId`.
 */
export function createOngoingNormalizer(
  statuses: ReadonlyMap<number, FulfillmentStatus>,
): Normalizer {
  return (message: unknown, event: DetectedEvent): OngoingEvent | NormalizationFailure => {
    const typeOf = CANONICAL_TYPES.get(event.eventType);
    if (typeOf === undefined) {
      return normalizationFailure(
        '',
        `${JSON.stringify(event.eventType)} is not an Ongoing order trigger`,
      );
    }
    if (!isRecord(message)) return normalizationFailure('', 'the message is not a JSON object');
    const orderId = text(message.orderId);
    if (orderId === null)
      return normalizationFailure('orderId', 'the webhook names no order (orderId)');
    const system = text(message.system);
    const subject = `ongoing/order/${orderId}`;
    const providerTime = text(message.timestamp);
    const eventId = text(message.webhookEventId);
    const data = fulfillmentOrder(message, orderId, system, statuses);
    const type = typeOf(data.status);
    return {
      domain: 'fulfillment',
      type,
      references: orderReferences(message),
      subject,
      tenant: system,
      providerTime,
      providerEventId: eventId,
      identifiedBy: eventId === null ? 'content' : 'provider-event',
      identity:
        eventId === null
          ? [event.eventType, subject, providerTime ?? '', Buffer.from(JSON.stringify(message))]
          : [system ?? '', event.eventType, webhookId(message) ?? '', eventId],
      data,
    };
  };
}

/** The goods owner's own number of the order it fulfils (`orderNumber`). */
function orderReferences(message: Record<string, unknown>): Reference[] {
  const number = text(message.orderNumber);
  return number === null ? [] : [{ type: 'ORDER', value: number, qualifier: 'orderNumber' }];
}

/** The Ongoing normalizer with Ongoing's standard status table. */
export const normalizeOngoing: Normalizer = createOngoingNormalizer(DEFAULT_ONGOING_STATUSES);

function fulfillmentOrder(
  message: Record<string, unknown>,
  orderId: string,
  system: string | null,
  statuses: ReadonlyMap<number, FulfillmentStatus>,
): FulfillmentOrder {
  return {
    fulfillmentOrderId: orderId,
    goodsOwnerId: text(message.goodsOwnerId),
    orderId: null,
    kind: 'OUTBOUND',
    orderNumber: text(message.orderNumber),
    reference: null,
    ...orderStatus(message.orderStatus, statuses),
    // Ongoing sends the order as it is now, not what it was.
    previousStatus: null,
    statusReason: null,
    warehouse: system,
    locationId: null,
    shipmentId: text(message.currentShipmentId),
    shipTo: null,
    lines: [],
    tracking: distinct([...orderTracking(message.tracking), ...parcelTracking(message.parcels)]),
    parcels: records(message.parcels).map(parcel),
    expectedAt: null,
    shippedAt: null,
  };
}

/** The canonical status and Ongoing's number, from `orderStatus`. */
function orderStatus(
  value: unknown,
  statuses: ReadonlyMap<number, FulfillmentStatus>,
): Pick<FulfillmentOrder, 'status' | 'providerStatus'> {
  const sent = isRecord(value) ? text(value.number) : null;
  if (sent === null) return { status: 'UNKNOWN', providerStatus: null };
  const trimmed = sent.trim();
  // Numbers may arrive as strings ("450"); anything not a whole number is
  // kept as sent, and no table entry can match it.
  if (!/^-?\d+$/.test(trimmed)) return { status: 'UNKNOWN', providerStatus: sent };
  const number = Number(trimmed);
  return { status: canonicalOngoingStatus(number, statuses), providerStatus: String(number) };
}

function orderTracking(entries: unknown): Tracking[] {
  return records(entries).flatMap((entry) =>
    tracking(text(entry.waybill), text(entry.trackingUrl), entry.isReturn === true),
  );
}

/**
 * Parcels track under their parcel number: it is what the carrier labels and
 * follows the parcel by (the same number as the order's waybill when one
 * parcel is sent), and the parcel's tracking URL points at it.
 */
function parcelTracking(parcels: unknown): Tracking[] {
  return records(parcels).flatMap((parcel) => {
    const url = isRecord(parcel.tracking) ? text(parcel.tracking.trackingUrl) : null;
    return tracking(text(parcel.parcelNumber), url, parcel.isReturnParcel === true);
  });
}

/** An Ongoing parcel: its id and number; the payload says nothing of its lines. */
function parcel(entry: Record<string, unknown>): Parcel {
  const url = isRecord(entry.tracking) ? text(entry.tracking.trackingUrl) : null;
  return {
    parcelId: text(entry.id),
    reference: text(entry.parcelNumber),
    carrier: null,
    trackingNumber: text(entry.parcelNumber),
    trackingUrl: url,
    isReturn: entry.isReturnParcel === true,
    lines: [],
  };
}

/** A tracking entry, or none when it would say nothing. */
function tracking(number: string | null, url: string | null, isReturn: boolean): Tracking[] {
  if (number === null && url === null) return [];
  return [{ carrier: null, trackingNumber: number, trackingUrl: url, isReturn }];
}

/** The entries without repeats: a parcel often repeats the order's waybill. */
function distinct(entries: readonly Tracking[]): Tracking[] {
  const seen = new Set<string>();
  return entries.filter((entry) => {
    const key = JSON.stringify([entry.trackingNumber, entry.trackingUrl, entry.isReturn]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The objects of a JSON array (anything else in it, or a non-array, gives none). */
function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}
