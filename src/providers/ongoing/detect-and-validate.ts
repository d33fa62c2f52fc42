/**
 * Ongoing WMS order webhooks, worker side: which trigger a message is, and
 * whether it fits the payload schema.
 *
 * Ongoing documents three order triggers ("Order is created", "Order status is
 * changed", "Order is picked") and a single payload, WebhookOrderPayload, for
 * all of them. The payload names its trigger only in `webhookTemplate`, "the
 * name of the webhook type", whose actual values are not documented; a
 * customer configures one URL per webhook, so the URL can name it instead.
 */
import type { ValidationIssue } from '../../avro/validation.ts';
import { loadAvroType, validateJson } from '../../avro/validation.ts';
import type { DetectedEvent, DetectionFailure, ProviderWorker, RawContext } from '../provider.ts';
import { isRecord } from '../provider.ts';
import { describeValue, unknownEventType } from '../kit.ts';

/** The Ongoing order triggers, in Wharf's spelling. */
export const ONGOING_EVENT_TYPES = [
  'order.created',
  'order.status_changed',
  'order.picked',
] as const;

/** An Ongoing order trigger. */
export type OngoingEventType = (typeof ONGOING_EVENT_TYPES)[number];

/** Characters of a trigger name looked at; the rest cannot make a known name. */
export const MAX_TRIGGER_NAME_LENGTH = 100;

/**
 * Reduces a trigger name to the form alias keys are written in: lower case,
 * letters and digits only. `Order is picked`, `order_is_picked` and
 * `OrderIsPicked` all become `orderispicked`. Letters are any script's (a
 * warehouse names its triggers in its own language: `Status ändrad` is
 * `statusändrad`), composed first so that `ä` written as `a` plus a combining
 * mark is the same name.
 */
export function normalizeTriggerName(name: string): string {
  // No trigger name is this long, and NFKC can expand one character into 18
  // (U+FDFA): a hostile template must not make every record costly.
  return name
    .slice(0, MAX_TRIGGER_NAME_LENGTH)
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * Trigger names Wharf recognises, normalized (see {@link normalizeTriggerName}).
 * Ongoing does not document the values of `webhookTemplate`, so this accepts
 * Wharf's own names, the names the Ongoing UI gives the triggers, and short
 * forms. A configuration can add names through {@link createOngoingWorker}.
 */
export const ONGOING_TRIGGER_ALIASES: Readonly<Record<string, OngoingEventType>> = Object.freeze({
  ordercreated: 'order.created',
  orderiscreated: 'order.created',
  created: 'order.created',
  orderstatuschanged: 'order.status_changed',
  orderstatusischanged: 'order.status_changed',
  orderstatuschange: 'order.status_changed',
  statuschanged: 'order.status_changed',
  statuschange: 'order.status_changed',
  orderpicked: 'order.picked',
  orderispicked: 'order.picked',
  picked: 'order.picked',
});

/**
 * Reads a deployment's own trigger names (configuration
 * `WHARF_ONGOING_TRIGGER_ALIASES`): comma-separated `name=trigger` pairs, e.g.
 * `Kundorder plockad=order.picked,Plockad=order.picked`, the same style as the
 * status table. Names are keyed normalized (see {@link normalizeTriggerName}),
 * so case, spaces and punctuation, a comma included, need not be written; the
 * trigger is one of {@link ONGOING_EVENT_TYPES}.
 *
 * @throws {Error} naming the first pair that is malformed, has no letter or
 *   digit in its name, names no trigger, or gives a name a second trigger.
 */
export function ongoingTriggerAliasTable(
  text: string | undefined,
): Readonly<Record<string, OngoingEventType>> {
  const table = new Map<string, OngoingEventType>();
  for (const pair of (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const parts = pair.split('=').map((part) => part.trim());
    const [name = '', target = ''] = parts;
    if (parts.length !== 2 || name === '' || target === '') {
      throw new Error(`"${pair}" is not <trigger name>=<${ONGOING_EVENT_TYPES.join('|')}>`);
    }
    const key = normalizeTriggerName(name);
    if (key === '') throw new Error(`"${pair}": the name has no letter or digit`);
    const type = ONGOING_EVENT_TYPES.find((known) => known === target.toLowerCase());
    if (type === undefined) {
      throw new Error(`"${pair}": ${target} is not one of ${ONGOING_EVENT_TYPES.join(', ')}`);
    }
    const earlier = table.get(key);
    if (earlier !== undefined && earlier !== type) {
      throw new Error(
        `"${pair}": ${name} is already ${earlier} (names compare by letters and digits)`,
      );
    }
    table.set(key, type);
  }
  return Object.fromEntries(table);
}

/** Ongoing's Avro schemas. */
export const ONGOING_SCHEMAS = new URL('../../../avro/providers/ongoing/', import.meta.url);

// Loaded once: every trigger delivers the same WebhookOrderPayload.
const ORDER_WEBHOOK = loadAvroType(new URL('order-webhook.avsc', ONGOING_SCHEMAS));

const KNOWN = new Set<string>(ONGOING_EVENT_TYPES);

/**
 * Builds the Ongoing worker with extra trigger names on top of
 * {@link ONGOING_TRIGGER_ALIASES} (e.g. a warehouse's own `webhookTemplate`
 * value, from configuration). Extra names are normalized like the built-in
 * ones and win over them.
 *
 * Detection, in order:
 * 1. A message that is not a JSON object: UNKNOWN_EVENT_TYPE, path ''. A
 *    purchase-order webhook (`webhookPurchaseOrdersId`, no `webhookOrdersId`):
 *    UNKNOWN_EVENT_TYPE, path `webhookPurchaseOrdersId`.
 * 2. The webhook URL's event type (`context.urlEventType`), when given, decides
 *    alone: the URL is configured per webhook, so it is the more deliberate
 *    statement. A URL type that names no trigger fails with path '' (the body
 *    is not consulted: a misconfigured URL should surface, not be papered
 *    over).
 * 3. Otherwise the body's `webhookTemplate`; a missing, non-string or unknown
 *    value fails with path `webhookTemplate`.
 * The status number is never used to guess: "status changed" fires for any
 * status, including 400 and above, where "picked" also fires.
 */
export function createOngoingWorker(
  extraAliases: Readonly<Record<string, OngoingEventType>> = {},
): ProviderWorker {
  // A Map, not an object lookup: a template such as "constructor" must not
  // find Object.prototype members.
  const aliases = new Map<string, OngoingEventType>();
  for (const type of ONGOING_EVENT_TYPES) aliases.set(normalizeTriggerName(type), type);
  for (const [name, type] of Object.entries(ONGOING_TRIGGER_ALIASES)) aliases.set(name, type);
  for (const [name, type] of Object.entries(extraAliases)) {
    aliases.set(normalizeTriggerName(name), type);
  }
  const lookup = (name: string): OngoingEventType | undefined =>
    aliases.get(normalizeTriggerName(name));

  return {
    eventTypes: ONGOING_EVENT_TYPES,

    detect(message: unknown, context: RawContext): DetectedEvent | DetectionFailure {
      if (!isRecord(message))
        return unknownEventType('', 'the message is not a JSON object', ONGOING_EVENT_TYPES);
      // Purchase orders (inbound goods) are another webhook kind with another payload:
      // read as a customer order it would be an OUTBOUND order sharing their ids' space.
      if (message.webhookPurchaseOrdersId !== undefined && message.webhookOrdersId === undefined) {
        return unknownEventType(
          'webhookPurchaseOrdersId',
          'an Ongoing purchase-order webhook: Wharf reads order webhooks only (kept here to redrive once purchase orders are read)',
          ONGOING_EVENT_TYPES,
        );
      }
      const urlType = context.urlEventType;
      if (urlType !== undefined && urlType !== '') {
        const eventType = lookup(urlType);
        if (eventType !== undefined) return { eventType };
        return unknownEventType(
          '',
          `the webhook URL names event type ${describeValue(urlType)}, which is not an Ongoing order trigger`,
          ONGOING_EVENT_TYPES,
        );
      }
      const template = message.webhookTemplate;
      const eventType = typeof template === 'string' ? lookup(template) : undefined;
      if (eventType !== undefined) return { eventType };
      return unknownEventType(
        'webhookTemplate',
        `webhookTemplate ${describeValue(template)} does not name an Ongoing order trigger`,
        ONGOING_EVENT_TYPES,
      );
    },

    validate(message: unknown, event: DetectedEvent): ValidationIssue | undefined {
      if (!KNOWN.has(event.eventType)) {
        return { path: '', expected: `an Ongoing event type (${ONGOING_EVENT_TYPES.join(', ')})` };
      }
      // avsc takes an array for a record (it is an object); the payload is not.
      if (!isRecord(message)) return { path: '', expected: JSON.stringify(ORDER_WEBHOOK.name) };
      return validateJson(ORDER_WEBHOOK, message);
    },
  };
}

/** The Ongoing WMS worker adapter, with the built-in trigger names. */
export const ongoingWorker: ProviderWorker = createOngoingWorker();
