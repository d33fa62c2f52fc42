/**
 * EasyPost tracker Events, worker side: which event a message is, and
 * whether it fits the schema of tracker Events.
 *
 * An EasyPost webhook posts every Event of the account to one URL unless the
 * webhook is limited to some event types, so non-tracker Events
 * (`batch.updated`, `payment.created`…) arrive too. The body names its event
 * in `description`, always: the webhook URL's event type is not consulted.
 */
import type { ValidationIssue } from '../../avro/validation.ts';
import { loadAvroType, validateJson } from '../../avro/validation.ts';
import type { DetectedEvent, DetectionFailure, ProviderWorker } from '../provider.ts';
import { isRecord } from '../provider.ts';
import { describeValue, unknownEventType } from '../kit.ts';

/** The EasyPost Events Wharf reads, as EasyPost names them. */
export const EASYPOST_EVENT_TYPES = ['tracker.created', 'tracker.updated'] as const;

/** An EasyPost tracker Event. */
export type EasypostEventType = (typeof EASYPOST_EVENT_TYPES)[number];

/** EasyPost's Avro schemas. */
export const EASYPOST_SCHEMAS = new URL('../../../avro/providers/easypost/', import.meta.url);

// Loaded once. Both Events carry a Tracker the same way: one schema.
const TRACKER_EVENT = loadAvroType(new URL('tracker-event.avsc', EASYPOST_SCHEMAS));

const KNOWN: ReadonlySet<string> = new Set(EASYPOST_EVENT_TYPES);

/**
 * The EasyPost worker adapter.
 *
 * Detection: a message that is not a JSON object fails with path ''; its
 * `description` must be one of {@link EASYPOST_EVENT_TYPES}, exactly as
 * EasyPost spells it (it has renamed events before: a name that drifts
 * should fail loudly, not be guessed at); anything else fails with path
 * `description`, naming the value.
 *
 * Validation checks the whole Event against `tracker-event.avsc`, a tolerant
 * reader: only `description` is required, and undeclared fields pass.
 */
export const easypostWorker: ProviderWorker = {
  eventTypes: EASYPOST_EVENT_TYPES,

  detect(message: unknown): DetectedEvent | DetectionFailure {
    if (!isRecord(message))
      return unknownEventType('', 'the message is not a JSON object', EASYPOST_EVENT_TYPES);
    const description = message.description;
    if (typeof description === 'string' && KNOWN.has(description)) {
      return { eventType: description };
    }
    return unknownEventType(
      'description',
      `description ${describeValue(description)} is not an EasyPost tracker Event`,
      EASYPOST_EVENT_TYPES,
    );
  },

  validate(message: unknown, event: DetectedEvent): ValidationIssue | undefined {
    if (!KNOWN.has(event.eventType)) {
      return { path: '', expected: `an EasyPost event type (${EASYPOST_EVENT_TYPES.join(', ')})` };
    }
    // avsc takes an array for a record (it is an object); an Event is not.
    if (!isRecord(message)) return { path: '', expected: JSON.stringify(TRACKER_EVENT.name) };
    return validateJson(TRACKER_EVENT, message);
  },
};
