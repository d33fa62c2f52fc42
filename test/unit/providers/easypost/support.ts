/**
 * Helpers of the EasyPost tests: the fixtures, normalizing as the pipeline
 * would, and the canonical envelope the pipeline builds (its data's times
 * read in UTC), checked against the shipments Avro schema.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { expect } from 'vitest';
import { utcData } from '../../../../src/canonical/data-times.ts';
import { canonicalEventId } from '../../../../src/canonical/event-id.ts';
import { CANONICAL_TYPES } from '../../../../src/canonical/schemas.ts';
import { normalizeEasypost } from '../../../../src/providers/easypost/normalize.ts';
import type {
  NormalizationFailure,
  NormalizedEvent,
  RawContext,
} from '../../../../src/providers/provider.ts';
import { isRecord } from '../../../../src/providers/provider.ts';

export type Json = Record<string, unknown>;

export const CONTEXT: RawContext = { urlEventType: undefined, headers: {} };

const FOLDER = new URL('../../../fixtures/providers/easypost/', import.meta.url);

/** A fixture's text, as EasyPost would send it. */
export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FOLDER), 'utf8');
}

/** A fixture, parsed as an object. */
export function fixture(name: string): Json {
  const value = JSON.parse(fixtureText(name)) as unknown;
  if (!isRecord(value)) throw new Error(`${name} is not an object`);
  return value;
}

/** Every Event fixture. */
export const EVENT_FIXTURES: readonly string[] = readdirSync(FOLDER)
  .filter((name) => name.endsWith('.json'))
  .sort();

/** The Tracker of a fixture (its `result`), to change in place. */
export function trackerIn(message: Json): Json {
  if (!isRecord(message.result)) throw new Error('the message has no result');
  return message.result;
}

/** Normalizes a message for a detected type. */
export function attempt(
  message: unknown,
  eventType: string,
): NormalizedEvent | NormalizationFailure {
  return normalizeEasypost(message, { eventType }, CONTEXT);
}

/** The normalized event, failing the test when normalization failed. */
export function normalized(message: unknown, eventType: string): NormalizedEvent<'shipments'> {
  const result = attempt(message, eventType);
  if ('code' in result) {
    throw new Error(`normalization failed at ${result.path}: ${result.message}`);
  }
  expect(result.domain).toBe('shipments');
  return result as NormalizedEvent<'shipments'>;
}

/** A fixture normalized for the event type its description names. */
export function normalizedFixture(name: string): NormalizedEvent<'shipments'> {
  const message = fixture(name);
  return normalized(message, String(message.description));
}

/** The envelope the pipeline wraps a normalized event in, its data's times read as UTC. */
export function envelope(event: NormalizedEvent<'shipments'>, message: unknown, eventType: string) {
  const { data, originals } = utcData('shipments', event.data, 'UTC');
  return {
    id: canonicalEventId('easypost', event.identity),
    type: event.type,
    source: 'easypost',
    tenant: event.tenant,
    subject: event.subject,
    time: '2024-08-02T19:26:52.000Z',
    timeOriginal: event.providerTime,
    receivedAt: '2024-08-02T19:26:53.250Z',
    sequence: 0,
    snapshot: event.partial !== true,
    timeIsReceipt: false,
    timesOriginal: originals,
    providerEventType: eventType,
    providerEventId: event.providerEventId,
    references: event.references ?? [],
    data,
    providerPayload: JSON.stringify(message),
  };
}

/**
 * Checks that the event, in a full envelope, fits the shipments schema with
 * no field the schema lacks and survives the wire; fails naming the first
 * path that does not fit.
 */
export function expectFitsSchema(
  event: NormalizedEvent<'shipments'>,
  message: unknown,
  eventType: string,
): void {
  const type = CANONICAL_TYPES.shipments;
  const wrapped = envelope(event, message, eventType);
  const misfits: string[] = [];
  const valid = type.isValid(wrapped, {
    noUndeclaredFields: true,
    errorHook(path) {
      misfits.push(path.join('.') || '(root)');
    },
  });
  expect(misfits).toEqual([]);
  expect(valid).toBe(true);
  expect(type.fromBuffer(type.toBuffer(wrapped))).toEqual(wrapped);
}
