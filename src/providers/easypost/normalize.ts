/**
 * EasyPost tracker Events, normalized into canonical shipments (domain
 * `shipments`). Every Event carries the Tracker whole (its status and every
 * scan so far), so each event is a snapshot of the shipment.
 */
import type { CanonicalEventType } from '../../canonical/event-types.ts';
import { fulfillmentEventType } from '../../canonical/event-types.ts';
import type { IdentityPart } from '../../canonical/event-id.ts';
import type { FulfillmentStatus } from '../../canonical/fulfillment-status.ts';
import type { Reference } from '../../canonical/model.ts';
import type {
  DetectedEvent,
  NormalizationFailure,
  NormalizedEvent,
  Normalizer,
} from '../provider.ts';
import { isRecord } from '../provider.ts';
import type { EasypostEventType } from './detect-and-validate.ts';
import { EASYPOST_EVENT_TYPES } from './detect-and-validate.ts';
import { trackerShipment } from './shipment.ts';
import { parcelKey, text, trackedParcel, trackerOf } from './tracker.ts';
import { normalizationFailure } from '../kit.ts';

/** An EasyPost Event as a canonical shipment event. */
type EasypostEvent = NormalizedEvent<'shipments'>;

const KNOWN: ReadonlySet<string> = new Set<EasypostEventType>(EASYPOST_EVENT_TYPES);

/**
 * The EasyPost normalizer.
 *
 * - type: `shipment.created` for tracker.created; otherwise
 *   `shipment.<status>` by the canonical status, `shipment.updated` when it
 *   is UNKNOWN.
 * - subject `easypost/tracker/<carrier>/<tracking code>`, the same parcel
 *   key as the raw record's, so a parcel's events share a partition.
 * - tenant: null; the credential's tenant decides (EasyPost's `user_id`
 *   stays in the payload).
 * - providerTime and providerEventId: the Event's `created_at` and `id`.
 * - identity: see {@link identityOf}.
 * - references: the EasyPost Shipment (`shipment_id`) the tracker belongs to.
 * - data: see `trackerShipment`.
 *
 * Fails (NORMALIZATION_FAILED) when the Event names no parcel: without a
 * Tracker (path `result`), a tracking code (`result.tracking_code`) or a
 * carrier (`result.carrier`).
 */
export const normalizeEasypost: Normalizer = (
  message: unknown,
  event: DetectedEvent,
): EasypostEvent | NormalizationFailure => {
  if (!KNOWN.has(event.eventType)) {
    return normalizationFailure(
      '',
      `${JSON.stringify(event.eventType)} is not an EasyPost tracker Event`,
    );
  }
  const tracker = trackerOf(message);
  const parcel = trackedParcel(message);
  if (!isRecord(message) || tracker === undefined || 'missing' in parcel) {
    const path = 'missing' in parcel ? parcel.missing : '';
    return normalizationFailure(
      path,
      'the Event names no parcel (a Tracker with a carrier and tracking code)',
    );
  }
  const data = trackerShipment(tracker, parcel, message.previous_attributes);
  const type = canonicalType(event.eventType, data.status);
  const subject = `easypost/${parcelKey(parcel)}`;
  const eventId = text(message.id);
  return {
    domain: 'shipments',
    type,
    references: shipmentReferences(tracker),
    subject,
    tenant: null,
    providerTime: text(message.created_at),
    providerEventId: eventId,
    identifiedBy: eventId === null ? 'content' : 'provider-event',
    identity: identityOf(eventId, event.eventType, subject, tracker),
    data,
  };
};

function canonicalType(eventType: string, status: FulfillmentStatus): CanonicalEventType {
  return fulfillmentEventType(
    'shipment',
    status,
    eventType === 'tracker.created' ? 'created' : 'updated',
  );
}

/**
 * What identifies the Event: its id (`evt_…`), which EasyPost repeats on
 * every retry of one Event (it retries for about a day). Without one, the
 * content: the event type, subject and the Tracker as JSON. Not the whole
 * body: `pending_urls` and `completed_urls` change from one delivery attempt
 * to the next.
 */
function identityOf(
  eventId: string | null,
  eventType: string,
  subject: string,
  tracker: Record<string, unknown>,
): IdentityPart[] {
  if (eventId !== null) return [eventId];
  return [eventType, subject, Buffer.from(JSON.stringify(tracker))];
}

/** The EasyPost Shipment (`shp_…`) the tracker belongs to; none for a tracker made from a code. */
function shipmentReferences(tracker: Record<string, unknown>): Reference[] {
  const shipmentId = text(tracker.shipment_id);
  return shipmentId === null
    ? []
    : [{ type: 'SHIPMENT', value: shipmentId, qualifier: 'shipment_id' }];
}
