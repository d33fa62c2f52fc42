/**
 * Tolerant reading of HappyColis body fields. A message reaching the
 * normalizer fits its Avro schema, but those schemas accept a string or a
 * number for most scalars, allow nulls everywhere and let unknown fields
 * through; these readers turn whatever fits into the canonical shapes, and
 * anything unusable into null, without ever throwing.
 */
import { EACH, canonicalUnit } from '../../canonical/units.ts';
import { toDecimalString } from '../../canonical/decimal.ts';
import type { Address, Money, Quantity } from '../../canonical/model.ts';
import { isRecord } from '../provider.ts';
import { text } from '../kit.ts';

/** A JSON object of a HappyColis message, read field by field. */
export type Fields = Readonly<Record<string, unknown>>;

const NO_FIELDS: Fields = Object.freeze({});

/** Text out of JSON: the kit's, shared by every provider. */
export { text };

/** The first of several candidate fields that has text (e.g. a field and its typo'd spelling). */
export function firstText(...values: readonly unknown[]): string | null {
  for (const value of values) {
    const found = text(value);
    if (found !== null) return found;
  }
  return null;
}

/** A decimal string for a number or numeric string; null otherwise. */
export function decimal(value: unknown): string | null {
  return toDecimalString(value) ?? null;
}

/** An amount in the given currency; null when the amount is absent or not a number. */
export function money(value: unknown, currency: string | null): Money | null {
  const amount = decimal(value);
  return amount === null ? null : { amount, currency };
}

/** A quantity with its unit, if the message names one; null when the value is not a number. */
export function quantity(value: unknown, unit: string | null): Quantity | null {
  const amount = decimal(value);
  return amount === null ? null : { value: amount, unit: canonicalUnit(unit) };
}

/** A count of items (unit EA): HappyColis quantities of lines and stock count pieces. */
export function count(value: unknown): Quantity | null {
  return quantity(value, EACH);
}

/** A boolean, also from the strings `true`/`false` (any case), which some payloads send. */
export function flag(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return null;
  const word = value.trim().toLowerCase();
  if (word === 'true') return true;
  if (word === 'false') return false;
  return null;
}

/** A nested object, or an empty one when the field is absent or not an object. */
export function fields(value: unknown): Fields {
  return isRecord(value) ? value : NO_FIELDS;
}

/** The objects of an array field; anything else in it, or a non-array, is skipped. */
export function records(value: unknown): readonly Fields[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/**
 * A HappyColis address (`fullname`, `address`, `address_complement`, `city`,
 * `zip_code`, `country`, `email`, `phone`; the same in every family). Fields
 * HappyColis does not document stay null even when a payload carries them:
 * the provider payload keeps them. An address with nothing in it is null.
 */
export function address(value: unknown): Address | null {
  if (!isRecord(value)) return null;
  const mapped: Address = {
    name: text(value.fullname),
    company: null,
    line1: text(value.address),
    line2: text(value.address_complement),
    line3: null,
    city: text(value.city),
    postalCode: text(value.zip_code),
    region: null,
    country: text(value.country),
    email: text(value.email),
    phone: text(value.phone),
    locationNumber: null,
    timezone: null,
    latitude: null,
    longitude: null,
  };
  return Object.values(mapped).some((field) => field !== null) ? mapped : null;
}
