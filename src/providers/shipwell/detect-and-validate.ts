/**
 * Shipwell order events (modern Orders API), worker side: which event a
 * message is, and whether it fits the schema of that event.
 *
 * Shipwell's examples are the bare resource (`resource_type` `order` or
 * `order_item`), with no event name; whether real deliveries wrap the resource
 * in an envelope naming the event is not confirmed. So an explicit event name
 * is used when one is given (URL, header, envelope) and the event is inferred
 * from the resource's shape otherwise.
 */
import type { Type } from 'avsc';
import type { ValidationIssue } from '../../avro/validation.ts';
import { loadAvroType, validateJson } from '../../avro/validation.ts';
import type { DetectedEvent, DetectionFailure, ProviderWorker, RawContext } from '../provider.ts';
import { isRecord } from '../provider.ts';
import { describeValue, unknownEventType } from '../kit.ts';

/** The Shipwell order events, as Shipwell names them. */
export const SHIPWELL_EVENT_TYPES = [
  'order.created',
  'order.updated',
  // Documented, but not emitted for purchase orders (they are cancelled
  // instead, which is an order.updated); other order types may still send it.
  'order.deleted',
  'order.item.updated',
  'order.item.deleted',
] as const;

/** A Shipwell order event. */
export type ShipwellEventType = (typeof SHIPWELL_EVENT_TYPES)[number];

/**
 * Raw record header that names the event, when present. Shipwell does not
 * document one; it is for a proxy or gateway in front of Wharf that knows the
 * event (and for Shipwell, should it start sending it). The ingress keeps only
 * the headers listed in the provider's `forwardedHeaders`, so this header
 * reaches the worker only once it is listed there.
 */
export const SHIPWELL_EVENT_HEADER = 'x-shipwell-event';

/** Envelope keys that may name the event, in the order they are tried. */
const EVENT_NAME_KEYS = ['event', 'event_name', 'event_type'] as const;
/** Envelope keys that may hold the resource, in the order they are tried. */
const ENVELOPE_DATA_KEYS = ['data', 'payload'] as const;

/** A resource wrapped in an envelope that names its event. */
export interface ShipwellEnvelope {
  /** The key that named the event: `event`, `event_name` or `event_type`. */
  readonly eventKey: string;
  /** The event name the envelope gives (not necessarily a known one). */
  readonly eventName: string;
  /** The key that held the resource: `data` or `payload`. */
  readonly dataKey: string;
  /** The wrapped resource. */
  readonly resource: Record<string, unknown>;
}

/**
 * The envelope a message is, if it looks like one: a string under `event`,
 * `event_name` or `event_type` and an object under `data` or `payload`.
 * Shipwell's documented resources have none of these keys, so a bare resource
 * is never taken for an envelope. Normalization can use this to reach the
 * resource.
 */
export function shipwellEnvelope(message: unknown): ShipwellEnvelope | undefined {
  if (!isRecord(message)) return undefined;
  const eventKey = EVENT_NAME_KEYS.find((key) => typeof message[key] === 'string');
  const dataKey = ENVELOPE_DATA_KEYS.find((key) => isRecord(message[key]));
  if (eventKey === undefined || dataKey === undefined) return undefined;
  const eventName = message[eventKey];
  const resource = message[dataKey];
  if (typeof eventName !== 'string' || !isRecord(resource)) return undefined;
  return { eventKey, eventName, dataKey, resource };
}

/** A schema to validate against, and the name it goes by in issues. */
interface EventSchema {
  readonly type: Type;
  readonly name: string;
}

function eventSchema(type: Type): EventSchema {
  return { type, name: JSON.stringify(type.name) };
}

/** Shipwell's Avro schemas. */
export const SHIPWELL_SCHEMAS = new URL('../../../avro/providers/shipwell/', import.meta.url);

// Loaded once, at module load.
const ORDER = eventSchema(loadAvroType(new URL('order.avsc', SHIPWELL_SCHEMAS)));
const ORDER_UPDATED = eventSchema(loadAvroType(new URL('order-updated.avsc', SHIPWELL_SCHEMAS)));
const ORDER_ITEM = eventSchema(loadAvroType(new URL('order-item.avsc', SHIPWELL_SCHEMAS)));
const ORDER_ITEM_UPDATED = eventSchema(
  loadAvroType(new URL('order-item-updated.avsc', SHIPWELL_SCHEMAS)),
);

/**
 * The schema of each event. order.deleted has no documented payload; like
 * order.item.deleted it is taken to carry the resource's last state, so it is
 * checked as an order.
 */
const SCHEMAS: ReadonlyMap<string, EventSchema> = new Map<ShipwellEventType, EventSchema>([
  ['order.created', ORDER],
  ['order.updated', ORDER_UPDATED],
  ['order.deleted', ORDER],
  ['order.item.updated', ORDER_ITEM_UPDATED],
  ['order.item.deleted', ORDER_ITEM],
]);

/**
 * The Shipwell worker adapter.
 *
 * Detection, in order (the first that applies decides):
 * 1. A message that is not a JSON object: UNKNOWN_EVENT_TYPE, path ''.
 * 2. The webhook URL's event type (`context.urlEventType`).
 * 3. The raw record header {@link SHIPWELL_EVENT_HEADER}.
 * 4. An envelope's event name (see {@link shipwellEnvelope}).
 *
 *    An explicit name is matched trimmed and case-insensitively against the
 *    five event types; one that is not among them fails, naming it, with path
 *    '' (URL, header) or the envelope key (e.g. `event`), without falling back
 *    to the shape: a wrong explicit name is a configuration error to surface.
 * 5. The resource's shape: `resource_type` `order` with `old_data` or
 *    `new_data` is order.updated, without them order.created; `order_item`
 *    with `old_data` or `new_data` is order.item.updated, without them and with
 *    `self_link` null or absent order.item.deleted. Anything else fails with
 *    path `resource_type`. order.deleted cannot be told from the shape (a
 *    deleted order would look like a created one): it needs an explicit name.
 *
 * Validation checks the resource (the envelope's inner resource, paths
 * prefixed with `data` or `payload`) against the event's schema.
 */
export const shipwellWorker: ProviderWorker = {
  eventTypes: SHIPWELL_EVENT_TYPES,

  detect(message: unknown, context: RawContext): DetectedEvent | DetectionFailure {
    if (!isRecord(message))
      return unknownEventType('', 'the message is not a JSON object', SHIPWELL_EVENT_TYPES);
    const urlType = context.urlEventType;
    if (urlType !== undefined && urlType !== '') {
      return explicitType(urlType, '', 'the webhook URL');
    }
    const headerType = context.headers[SHIPWELL_EVENT_HEADER];
    if (headerType !== undefined && headerType !== '') {
      return explicitType(headerType, '', `header ${SHIPWELL_EVENT_HEADER}`);
    }
    const envelope = shipwellEnvelope(message);
    if (envelope !== undefined) {
      return explicitType(
        envelope.eventName,
        envelope.eventKey,
        `envelope field ${envelope.eventKey}`,
      );
    }
    return typeFromShape(message);
  },

  validate(message: unknown, event: DetectedEvent): ValidationIssue | undefined {
    const schema = SCHEMAS.get(event.eventType);
    if (schema === undefined) {
      return { path: '', expected: `a Shipwell event type (${SHIPWELL_EVENT_TYPES.join(', ')})` };
    }
    const envelope = shipwellEnvelope(message);
    const resource = envelope === undefined ? message : envelope.resource;
    // avsc takes an array for a record (it is an object); a resource is not.
    if (!isRecord(resource)) return { path: '', expected: schema.name };
    return validateJson(schema.type, resource, envelope?.dataKey ?? '');
  },
};

function explicitType(
  name: string,
  path: string,
  source: string,
): DetectedEvent | DetectionFailure {
  const eventType = name.trim().toLowerCase();
  if (SCHEMAS.has(eventType)) return { eventType };
  return unknownEventType(
    path,
    `${source} names event type ${describeValue(name)}, which is not a Shipwell order event`,
    SHIPWELL_EVENT_TYPES,
  );
}

function typeFromShape(resource: Record<string, unknown>): DetectedEvent | DetectionFailure {
  const resourceType = resource.resource_type;
  const hasChanges = resource.old_data !== undefined || resource.new_data !== undefined;
  if (resourceType === 'order') {
    return { eventType: hasChanges ? 'order.updated' : 'order.created' };
  }
  if (resourceType === 'order_item') {
    if (hasChanges) return { eventType: 'order.item.updated' };
    // The deleted item's payload has no self_link: the item no longer exists.
    if (resource.self_link === null || resource.self_link === undefined) {
      return { eventType: 'order.item.deleted' };
    }
    return unknownEventType(
      'resource_type',
      'an order_item with a self_link but no old_data/new_data matches no documented event, and no URL, header or envelope names one',
      SHIPWELL_EVENT_TYPES,
    );
  }
  return unknownEventType(
    'resource_type',
    `resource_type ${describeValue(resourceType)} is neither order nor order_item, and no URL, header or envelope names the event`,
    SHIPWELL_EVENT_TYPES,
  );
}
