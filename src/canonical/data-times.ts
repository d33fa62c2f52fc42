/**
 * The timestamps inside canonical data, in UTC. Providers write them in
 * their own way (HappyColis without an offset, in its account's zone);
 * normalizers copy them as sent, and this step reads each in the source's
 * zone: the field then holds the UTC instant (ISO 8601, `Z`), or null when it
 * cannot be read, and the text as sent is kept in the envelope's
 * `timesOriginal` under the field's path. Nothing is dropped silently.
 */
import type { Domain, DomainData } from './model.ts';
import { readProviderTime } from './time.ts';

/** Data in UTC, and what each converted field said before (path → text as sent). */
export interface UtcData<D extends Domain> {
  readonly data: DomainData[D];
  readonly originals: Readonly<Record<string, string>>;
}

/** Reads one field's text in `zone`, noting the original under `path`. */
type Reader = (path: string, value: string | null) => string | null;

function reader(zone: string, originals: Record<string, string>): Reader {
  return (path, value) => {
    if (value === null) return null;
    originals[path] = value;
    return readProviderTime(value, zone)?.utc ?? null;
  };
}

/** How each domain's time fields are read (the canonical model's own list). */
const CONVERTERS: { readonly [D in Domain]: (data: DomainData[D], read: Reader) => DomainData[D] } =
  {
    orders: (data, read) => ({ ...data, issuedAt: read('issuedAt', data.issuedAt) }),
    fulfillment: (data, read) => ({
      ...data,
      expectedAt: read('expectedAt', data.expectedAt),
      shippedAt: read('shippedAt', data.shippedAt),
    }),
    shipments: (data, read) => ({
      ...data,
      estimatedDeliveryAt: read('estimatedDeliveryAt', data.estimatedDeliveryAt),
      events: data.events.map((entry, i) => ({
        ...entry,
        time: read(`events[${String(i)}].time`, entry.time),
      })),
    }),
    inventory: (data, read) => ({
      ...data,
      snapshotAt: read('snapshotAt', data.snapshotAt),
      movement:
        data.movement === null
          ? null
          : { ...data.movement, time: read('movement.time', data.movement.time) },
    }),
    catalog: (data) => data,
    locations: (data) => data,
  };

/** The data with its timestamps read in `zone` as UTC, and their originals. */
export function utcData<D extends Domain>(
  domain: D,
  data: DomainData[D],
  zone: string,
): UtcData<D> {
  const originals: Record<string, string> = {};
  const convert = CONVERTERS[domain] as (data: DomainData[D], read: Reader) => DomainData[D];
  return { data: convert(data, reader(zone, originals)), originals };
}
