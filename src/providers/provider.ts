import type { CanonicalEventType } from '../canonical/event-types.ts';
import type { Domain, DomainData, Reference } from '../canonical/model.ts';
import type { IdentityPart } from '../canonical/event-id.ts';
import type { z } from 'zod';
import type { ValidationIssue } from '../avro/validation.ts';

/**
 * The shape every provider plug-in has. A provider folder is the only place
 * that knows its provider's field names; everything else goes through this
 * interface.
 */

/** How a source proves a request is its own. */
export type AuthMode = 'none' | 'basic' | 'token' | 'hmac';

/** A provider's request signature: an HMAC of the raw body in one header. */
export interface SignatureScheme {
  /** Request header carrying the signature (lower case). */
  readonly header: string;
  /** HMAC hash algorithm, as node:crypto names it. */
  readonly algorithm: 'sha256' | 'sha512';
  /** How the digest is written in the header. */
  readonly encoding: 'base64' | 'hex';
  /** Text before the digest in the header, e.g. EasyPost's `hmac-sha256-hex=`. */
  readonly prefix?: string;
  /**
   * A Unicode normalization the provider applies to the secret before keying
   * the HMAC with its UTF-8 bytes (EasyPost: NFKD).
   */
  readonly secretNormalization?: 'NFC' | 'NFD' | 'NFKC' | 'NFKD';
}

/** What the ingress needs to know about a provider. */
export interface ProviderIngress {
  /** Authentication modes the provider can be configured with. */
  readonly authModes: readonly AuthMode[];
  /** The mode used when the configuration names none. */
  readonly defaultAuthMode: AuthMode;
  /** The provider's signature scheme, for `hmac` mode. */
  readonly signature?: SignatureScheme;
  /** Request headers kept on the raw record, lower case (never credentials). */
  readonly forwardedHeaders: readonly string[];
  /**
   * The key of the raw record: the id of the entity the webhook is about, so
   * that all events of one entity land on one partition in arrival order.
   * Returns undefined when the parsed body does not say.
   */
  readonly rawRecordKey: (body: unknown) => string | undefined;
}

/** Narrows an unknown JSON value to a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON scalar that can serve as an id, as a string; undefined otherwise. */
export function idString(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** What the worker knows of a raw record besides its parsed body. */
export interface RawContext {
  /**
   * The body as received (the pipeline always gives it): a provider whose
   * message is the whole event can name it in the identity as it is,
   * instead of writing the parsed message out again.
   */
  readonly body?: Uint8Array;
  /** The event type the webhook URL named (`/webhooks/:source/:eventType`), if any. */
  readonly urlEventType: string | undefined;
  /** The raw record's headers, as strings (the ingress's `wharf-*` headers and forwarded ones). */
  readonly headers: Readonly<Record<string, string>>;
}

/** The provider event a message carries, as detected. */
export interface DetectedEvent {
  /** The provider's own event type string, e.g. `delivery-order/shipped` or `order.item.updated`. */
  readonly eventType: string;
}

/** Why a message's event type could not be told. */
export interface DetectionFailure {
  readonly code: 'UNKNOWN_EVENT_TYPE';
  readonly message: string;
  /** Dotted path of the field that should have named the type ('' when nothing did). */
  readonly path: string;
}

/** What the worker needs from a provider: telling and checking its messages. */
export interface ProviderWorker {
  /** Every provider event type this adapter knows, as the provider spells them. */
  readonly eventTypes: readonly string[];
  /** Tells which provider event a parsed JSON message is. */
  readonly detect: (message: unknown, context: RawContext) => DetectedEvent | DetectionFailure;
  /**
   * Checks a message against the Avro schema of its event type; returns the
   * first issue, or undefined when it fits. Unknown fields are allowed.
   */
  readonly validate: (message: unknown, event: DetectedEvent) => ValidationIssue | undefined;
}

/**
 * What a provider's normalizer makes of one valid message: the canonical
 * event without what the pipeline adds (id, times, payload, envelope).
 */
export interface NormalizedEvent<D extends Domain = Domain> {
  /** The domain (and so the topic) the event belongs to. */
  readonly domain: D;
  /** Canonical type from the closed list (event-types.ts), e.g. `fulfillment_order.shipped`. */
  readonly type: CanonicalEventType;
  /** Other documents the event names (none when absent). */
  readonly references?: readonly Reference[];
  /** Entity key: `<source>/<entity>/<provider id>`; also the record key, so one entity stays in order. */
  readonly subject: string;
  readonly tenant: string | null;
  /** The provider's timestamp of the event as sent, if it gives one. */
  readonly providerTime: string | null;
  readonly providerEventId: string | null;
  /**
   * An id the provider signs into the body that is new for every delivery
   * attempt (HappyColis's header `id`); absent when the provider has none.
   * Seen again after the event's deduplication window, the request is a
   * replay of a captured one, not a delivery.
   */
  readonly deliveryId?: string;
  /**
   * True when the message carries only what changed (Shipwell's updates):
   * the canonical data is then partial, not a snapshot.
   */
  readonly partial?: boolean;
  /**
   * What identifies this event at the provider: the provider's event id when
   * there is one, else its content (entity, type, state).
   */
  readonly identity: readonly IdentityPart[];
  /**
   * What {@link identity} is. `provider-event`: an id the provider repeats on
   * every redelivery of one event and never for another; the event id is
   * derived from it. `content`: the event's content, which a later event may
   * repeat (an order updated A→B→A→B); the event id is then derived from the
   * raw record's place in Kafka, and a new raw record with the same content
   * is a redelivery only while it is the entity's latest content.
   */
  readonly identifiedBy: 'provider-event' | 'content';
  readonly data: DomainData[D];
}

/** Why a valid message could not be normalized. */
export interface NormalizationFailure {
  readonly code: 'NORMALIZATION_FAILED';
  readonly message: string;
  readonly path: string;
}

/** Turns a provider's valid message into a canonical event. */
export type Normalizer = (
  message: unknown,
  event: DetectedEvent,
  context: RawContext,
) => NormalizedEvent | NormalizationFailure;

/** One provider as the worker sees it: telling, checking and normalizing its messages. */
export interface ProviderAdapter {
  readonly worker: ProviderWorker;
  readonly normalize: Normalizer;
}

/**
 * A provider's own settings: its environment variables (`WHARF_<NAME>_…`),
 * each with the zod schema that checks it and describes it (`.describe()`,
 * shown in the chart and the docs). The values reach the provider as set
 * (strings, or undefined when unset); the schema only checks them, so a
 * mistake is one line naming the variable when the worker starts.
 */
export type ProviderSettingsShape = Readonly<
  Record<string, z.ZodType<unknown, string | undefined>>
>;

/** The values of a provider's settings, as set in the environment. */
export type ProviderSettingValues = Readonly<Record<string, string | undefined>>;

/**
 * A provider plug-in: everything Wharf knows of one provider, exported as one
 * value by `src/providers/<name>/index.ts` and listed once, in the registry
 * (`src/providers/index.ts`), from which the source names, the configuration,
 * and the generated Helm, compose and docs tables follow.
 */
export interface ProviderPlugin {
  /** The source name, in URLs, topics, metrics labels and variables (`WHARF_<NAME>_…`). */
  readonly name: string;
  /** The provider as people name it, e.g. `Ongoing WMS`. */
  readonly title: string;
  /**
   * What a tenant is for this provider, for the docs and the chart: whose
   * credential a secret is (`the Ongoing WMS instance (the webhook's system)`).
   */
  readonly tenant: string;
  /** Its example webhook body (`wharf send` posts it, `wharf start` shows it). */
  readonly example: URL;
  readonly ingress: ProviderIngress;
  /** Its own settings, besides those every source has (auth, secrets, raw topic…). */
  readonly settings: ProviderSettingsShape;
  /** The folder of its Avro schemas (`avro/providers/<name>/`). */
  readonly schemas: URL;
  /** Its detect, validate and normalize, configured by its settings' values. */
  readonly adapter: (settings: ProviderSettingValues) => ProviderAdapter;
}
