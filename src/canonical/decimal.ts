/**
 * Money and quantities are never floating-point numbers in the canonical
 * model: they are decimal strings. Providers send them as JSON numbers
 * (`10.0`) or strings (`"200.00"`, `" 4000"`); both become a plain decimal
 * string without exponent or trailing zeros (`"10"`, `"200"`, `"4000"`).
 */
import { Decimal } from 'decimal.js';

/** What a provider may write as a decimal in a string: digits, one point, a sign, an exponent. */
const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A decimal string for a finite number or numeric string; undefined for
 * anything else (null, '', 'abc', '0x10', NaN, Infinity).
 *
 * A JSON number is read the shortest way that gives back the same number,
 * which is the way the provider wrote it, so `0.2` stays `"0.2"`.
 */
export function toDecimalString(value: unknown): string | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? new Decimal(value).toFixed() : undefined;
  }
  if (typeof value === 'string') {
    const text = value.trim();
    return DECIMAL_TEXT.test(text) ? new Decimal(text).toFixed() : undefined;
  }
  return undefined;
}
