/**
 * Reading an EasyPost Event's Tracker (`result`): its fields as text, the
 * parcel it follows, and its locations as addresses. Shared by the ingress
 * (the raw record key) and the normalizer (the subject), so the two key a
 * parcel the same way.
 */
import type { Address } from '../../canonical/model.ts';
import { isRecord } from '../provider.ts';
import { text } from '../kit.ts';

/** Text out of JSON: the kit's, shared by every provider. */
export { text };

/** The Tracker an Event carries (`result`); undefined when it carries none. */
export function trackerOf(message: unknown): Record<string, unknown> | undefined {
  return isRecord(message) && isRecord(message.result) ? message.result : undefined;
}

/**
 * The parcel a tracker follows. A tracking code alone is not unique (each
 * carrier has its own codes), so the carrier goes with it.
 */
export interface TrackedParcel {
  readonly carrier: string;
  readonly trackingCode: string;
}

/** What is missing for a message to name a parcel, as the path of the field. */
export interface MissingParcel {
  readonly missing: 'result' | 'result.tracking_code' | 'result.carrier';
}

/**
 * The parcel an Event's Tracker follows, or the first field that is missing
 * to say (the Tracker, its tracking code, its carrier).
 */
export function trackedParcel(message: unknown): TrackedParcel | MissingParcel {
  const tracker = trackerOf(message);
  if (tracker === undefined) return { missing: 'result' };
  const trackingCode = text(tracker.tracking_code);
  if (trackingCode === null) return { missing: 'result.tracking_code' };
  const carrier = text(tracker.carrier);
  if (carrier === null) return { missing: 'result.carrier' };
  return { carrier, trackingCode };
}

/** The parcel's key, `tracker/<carrier>/<tracking code>`: what its raw records and subject share. */
export function parcelKey({ carrier, trackingCode }: TrackedParcel): string {
  return `tracker/${carrier}/${trackingCode}`;
}

/**
 * A TrackingLocation (`{city, state, country, zip}`) as an address; null when
 * there is none or all four are null (EasyPost then sends the object anyway).
 * A zip may come as a number; it is kept as written.
 */
export function locationAddress(value: unknown): Address | null {
  if (!isRecord(value)) return null;
  const city = text(value.city);
  const region = text(value.state);
  const country = text(value.country);
  const postalCode = text(value.zip);
  if (city === null && region === null && country === null && postalCode === null) return null;
  return {
    name: null,
    company: null,
    line1: null,
    line2: null,
    line3: null,
    city,
    postalCode,
    region,
    country,
    email: null,
    phone: null,
    locationNumber: null,
    timezone: null,
    latitude: null,
    longitude: null,
  };
}
