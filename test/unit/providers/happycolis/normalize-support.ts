/**
 * Helpers of the HappyColis normalizer tests: fixtures, messages in either
 * header shape, and the canonical envelope the pipeline would build, checked
 * against the domain's Avro schema.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { canonicalEventId } from '../../../../src/canonical/event-id.ts';
import type { Domain, DomainData } from '../../../../src/canonical/model.ts';
import { CANONICAL_TYPES } from '../../../../src/canonical/schemas.ts';
import { normalizeHappycolis } from '../../../../src/providers/happycolis/normalize.ts';
import type {
  NormalizationFailure,
  NormalizedEvent,
  RawContext,
} from '../../../../src/providers/provider.ts';
import { isRecord } from '../../../../src/providers/provider.ts';

export const CONTEXT: RawContext = { urlEventType: undefined, headers: {} };

/** The two documented header shapes, by fixture file. */
export const HEADERS = ['header-event-payloads-page.json', 'header-overview-page.json'] as const;
export type HeaderFile = (typeof HEADERS)[number];

/** A fixture file of test/fixtures/providers/happycolis, parsed as an object. */
export function fixture(name: string): Record<string, unknown> {
  const url = new URL(`../../../fixtures/providers/happycolis/${name}`, import.meta.url);
  const value = JSON.parse(readFileSync(url, 'utf8')) as unknown;
  if (!isRecord(value)) throw new Error(`${name} is not an object`);
  return value;
}

/** A message with the given header fixture (its type set to `type`) and body. */
export function message(
  type: string,
  body: unknown,
  header: HeaderFile = 'header-event-payloads-page.json',
): Record<string, unknown> {
  return { header: { ...fixture(header), type }, body };
}

/** A copy of an object with some top-level fields replaced (undefined: removed). */
export function withFields(
  value: Record<string, unknown>,
  changes: Record<string, unknown>,
): Record<string, unknown> {
  const copy = { ...structuredClone(value), ...changes };
  for (const [key, replacement] of Object.entries(changes)) {
    if (replacement === undefined) Reflect.deleteProperty(copy, key);
  }
  return copy;
}

/** Normalizes a message as the pipeline would, for a detected type. */
export function normalize(msg: unknown, type: string): NormalizedEvent | NormalizationFailure {
  return normalizeHappycolis(msg, { eventType: type }, CONTEXT);
}

/** Normalizes a message that must give an event; the test fails otherwise. */
export function normalized(msg: unknown, type: string): NormalizedEvent {
  const result = normalize(msg, type);
  if ('code' in result) throw new Error(`${type} failed: ${result.message} at ${result.path}`);
  return result;
}

/** Normalizes a fixture body with a header fixture; the data as its domain's type. */
export function normalizedFixture(
  type: string,
  body: string,
  header: HeaderFile = 'header-event-payloads-page.json',
): NormalizedEvent {
  return normalized(message(type, fixture(body), header), type);
}

/** The data of an event that must be of the given domain; the test fails otherwise. */
export function dataOf<D extends Domain>(event: NormalizedEvent, domain: D): DomainData[D] {
  if (event.domain !== domain) throw new Error(`a ${event.domain} event, not ${domain}`);
  return event.data as DomainData[D];
}

/** The envelope the pipeline wraps a normalized event in, with realistic fields. */
export function envelope(event: NormalizedEvent, msg: unknown, type: string): unknown {
  return {
    id: canonicalEventId('happycolis', event.identity),
    type: event.type,
    source: 'happycolis',
    tenant: event.tenant,
    subject: event.subject,
    time: '2023-12-08T12:56:00.000Z',
    timeOriginal: event.providerTime,
    receivedAt: '2023-12-08T12:56:01.250Z',
    sequence: 0,
    snapshot: true,
    timeIsReceipt: false,
    timesOriginal: {},
    providerEventType: type,
    providerEventId: event.providerEventId,
    references: event.references ?? [],
    data: event.data,
    providerPayload: JSON.stringify(msg),
  };
}

/**
 * Checks that the event, in a full envelope, fits its domain's Avro schema
 * with no field the schema lacks, and survives the wire; fails naming the
 * first path that does not fit.
 */
export function expectFitsSchema(event: NormalizedEvent, msg: unknown, type: string): void {
  const avroType = CANONICAL_TYPES[event.domain];
  const wrapped = envelope(event, msg, type);
  const misfits: string[] = [];
  const valid = avroType.isValid(wrapped, {
    noUndeclaredFields: true,
    errorHook(path) {
      misfits.push(path.join('.'));
    },
  });
  expect(misfits).toEqual([]);
  expect(valid).toBe(true);
  expect(avroType.fromBuffer(avroType.toBuffer(wrapped))).toEqual(wrapped);
}
