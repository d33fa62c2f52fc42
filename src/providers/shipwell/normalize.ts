/**
 * Shipwell order events, normalized into canonical orders (domain `orders`).
 *
 * Order events carry an order (`resource_type` `order`), item events an order
 * item (`order_item`) with its order's id. Updates carry only what changed
 * (`old_data`, `new_data`) and a `self_link` to fetch the rest. Shipwell
 * gives no event id, event time or tenant, so those stay null (the pipeline
 * then dates the event by its arrival) and the event id is derived from the
 * resource itself.
 */
import type { CanonicalEventType } from '../../canonical/event-types.ts';
import { orderEventType } from '../../canonical/event-types.ts';
import type { Order, Reference } from '../../canonical/model.ts';
import type { OrderStatus } from '../../canonical/order-status.ts';
import type {
  DetectedEvent,
  NormalizationFailure,
  NormalizedEvent,
  Normalizer,
  RawContext,
} from '../provider.ts';
import { isRecord } from '../provider.ts';
import { changesBetween } from './changes.ts';
import { address, orderLine, orderLines, text } from './fields.ts';
import { shipwellReferences } from './references.ts';
import { shipwellOrderStatus } from './statuses.ts';
import type { ShipwellEventType } from './detect-and-validate.ts';
import { shipwellEnvelope } from './detect-and-validate.ts';
import { normalizationFailure } from '../kit.ts';

/** What each Shipwell event is, as the word its canonical type ends in when it states no status. */
type EventWord = 'created' | 'updated' | 'deleted' | 'line_updated' | 'line_deleted';

/**
 * The word of each Shipwell event. An update that changes the order's
 * status is typed by the status it reached instead (`order.cancelled`).
 */
const EVENT_WORDS: ReadonlyMap<string, EventWord> = new Map<ShipwellEventType, EventWord>([
  ['order.created', 'created'],
  ['order.updated', 'updated'],
  ['order.deleted', 'deleted'],
  ['order.item.updated', 'line_updated'],
  ['order.item.deleted', 'line_deleted'],
]);

/** A Shipwell event as a canonical order event. */
type ShipwellEvent = NormalizedEvent<'orders'>;

/** The resource an event is about, and where it sits in the message. */
interface Located {
  readonly resource: Record<string, unknown>;
  /** The resource as JSON bytes, for the identity. */
  readonly bytes: Uint8Array;
  /** Path prefix of the resource: the envelope key, or '' for a bare resource. */
  readonly prefix: string;
  readonly eventType: string;
  readonly word: EventWord;
}

/**
 * The Shipwell normalizer. An enveloped message is unwrapped first, as the
 * worker does (see `shipwellEnvelope`).
 *
 * - subject `shipwell/order/<order id>`, for item events too (the item's
 *   `order_id`): an order and its items share one partition, in order; the
 *   item's id is `data.lineId`.
 * - updates: `data.changes` lists what changed between `old_data` and
 *   `new_data` (see `changesBetween`); order.updated also fills the order's
 *   fields from what `new_data` says. order.item.updated has no lines: its
 *   `new_data` is a partial item, and a line built from it would state a
 *   quantity or description that may not be the item's.
 * - order.item.deleted: the item's last state as the one line.
 * - identity: the content, the type, subject, line and the resource's bytes
 *   as received (a bare resource) or as JSON (an enveloped one): Shipwell has
 *   no event id, and a redelivery carries the same bytes.
 *
 * Fails (NORMALIZATION_FAILED) without a usable order id (`id` of an order,
 * `order_id` of an item) or, for item events, item id (`id`), with the path
 * under the envelope key when enveloped (`data.order_id`).
 */
export const normalizeShipwell: Normalizer = (
  message: unknown,
  event: DetectedEvent,
  context: RawContext,
): ShipwellEvent | NormalizationFailure => {
  const word = EVENT_WORDS.get(event.eventType);
  if (word === undefined) {
    return normalizationFailure(
      '',
      `${JSON.stringify(event.eventType)} is not a Shipwell order event`,
    );
  }
  const envelope = shipwellEnvelope(message);
  const resource = envelope?.resource ?? message;
  const prefix = envelope?.dataKey ?? '';
  if (!isRecord(resource)) return normalizationFailure(prefix, 'the resource is not a JSON object');
  // A bare resource is the whole body: its bytes as sent name it. An
  // envelope may carry per-delivery fields, so only its resource counts.
  const bytes =
    envelope === undefined && context.body !== undefined
      ? context.body
      : Buffer.from(JSON.stringify(resource));
  const located: Located = { resource, bytes, prefix, eventType: event.eventType, word };
  return event.eventType.startsWith('order.item.') ? itemEvent(located) : orderEvent(located);
};

function orderEvent({
  resource,
  bytes,
  prefix,
  eventType,
  word,
}: Located): ShipwellEvent | NormalizationFailure {
  const orderId = text(resource.id);
  if (orderId === null) return normalizationFailure(join(prefix, 'id'), 'the order has no id');
  const updated = eventType === 'order.updated';
  // An update's new_data holds the new values of what changed: they are the
  // order's current state for those fields.
  const state =
    updated && isRecord(resource.new_data) ? { ...resource, ...resource.new_data } : resource;
  const statuses = orderStatuses(word, resource);
  return canonical(
    { word, status: statuses.status, references: shipwellReferences(state.references) },
    bytes,
    null,
    {
      ...blankOrder(orderId),
      ...statuses,
      orderNumber: text(state.order_number),
      orderType: text(state.order_type),
      name: text(state.name),
      providerStatus: text(state.status),
      shipTo: address(state.ship_to),
      shipFrom: address(state.ship_from),
      lines: orderLines(state.items),
      changes: updated ? changesBetween(resource.old_data, resource.new_data, 'order') : [],
      selfLink: text(resource.self_link),
    },
    updated,
  );
}

function itemEvent({
  resource,
  bytes,
  prefix,
  eventType,
  word,
}: Located): ShipwellEvent | NormalizationFailure {
  const orderId = text(resource.order_id);
  if (orderId === null) {
    return normalizationFailure(
      join(prefix, 'order_id'),
      'the order item names no order (order_id)',
    );
  }
  const lineId = text(resource.id);
  if (lineId === null) return normalizationFailure(join(prefix, 'id'), 'the order item has no id');
  const updated = eventType === 'order.item.updated';
  return canonical(
    { word, status: 'UNKNOWN', references: [] },
    bytes,
    lineId,
    {
      ...blankOrder(orderId),
      orderType: text(resource.order_type),
      lines: updated ? [] : [orderLine(resource)],
      changes: updated ? changesBetween(resource.old_data, resource.new_data, 'order_item') : [],
      lineId,
      selfLink: text(resource.self_link),
    },
    updated,
  );
}

/**
 * The order's status, and the one before: a created order's status (OPEN
 * when it states none); an update's `new_data` and `old_data` statuses when
 * the update changes it; UNKNOWN (keep the one held) otherwise.
 */
function orderStatuses(
  word: EventWord,
  resource: Record<string, unknown>,
): Pick<Order, 'status' | 'previousStatus'> {
  if (word === 'created') {
    return { status: shipwellOrderStatus(resource) ?? 'OPEN', previousStatus: null };
  }
  const after = isRecord(resource.new_data) ? shipwellOrderStatus(resource.new_data) : undefined;
  if (word !== 'updated' || after === undefined) {
    return { status: 'UNKNOWN', previousStatus: null };
  }
  const before = isRecord(resource.old_data) ? shipwellOrderStatus(resource.old_data) : undefined;
  return { status: after, previousStatus: before ?? null };
}

/** What names an event besides its data: its type's word, the status it states, its references. */
interface Described {
  readonly word: EventWord;
  readonly status: OrderStatus;
  readonly references: readonly Reference[];
}

/**
 * The canonical event of an order or item event. `partial`: an update, whose
 * data holds only what changed (its other fields null or empty).
 */
function canonical(
  { word, status, references }: Described,
  bytes: Uint8Array,
  lineId: string | null,
  data: Order,
  partial = false,
): ShipwellEvent {
  const subject = `shipwell/order/${data.orderId}`;
  const type: CanonicalEventType = orderEventType(status, word);
  return {
    domain: 'orders',
    type,
    references,
    subject,
    tenant: null,
    providerTime: null,
    providerEventId: null,
    identity: [`order.${word}`, subject, lineId ?? '', bytes],
    identifiedBy: 'content',
    ...(partial ? { partial } : {}),
    data,
  };
}

/** An order of which nothing is known but its id. */
function blankOrder(orderId: string): Order {
  return {
    orderId,
    orderNumber: null,
    orderType: null,
    name: null,
    status: 'UNKNOWN',
    previousStatus: null,
    statusReason: null,
    providerStatus: null,
    currency: null,
    total: null,
    totalTax: null,
    totalDiscount: null,
    totalShipping: null,
    totalTaxInclusive: null,
    issuedAt: null,
    shipTo: null,
    shipFrom: null,
    billTo: null,
    lines: [],
    changes: [],
    lineId: null,
    selfLink: null,
  };
}

function join(prefix: string, path: string): string {
  return prefix === '' ? path : `${prefix}.${path}`;
}
