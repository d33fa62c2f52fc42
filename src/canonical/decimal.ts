/**
 * Money and quantities are never floating-point numbers in the canonical
 * model: they are decimal strings. Providers send them as JSON numbers
 * (`10.0`) or strings (`"200.00"`, `" 4000"`); both become a plain decimal
 * string without exponent or trailing zeros (`"10"`, `"200"`, `"4000"`).
 */
import { Decimal } from 'decimal.js';

/** What a provider may write as a decimal in a string: digits, one point, a sign, an exponent. */
const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$/;

/**
 * The most digits a decimal string may have written out. Money and
 * quantities need far fewer; without a bound, "1e999" (or a number of a
 * thousand digits) would make a string as long, for every such field.
 */
const MAX_DIGITS = 100;

/**
 * A decimal string already written the way decimal.js writes it: an optional
 * minus, no leading zeros, and a fraction (if any) ending in a non-zero digit;
 * short enough to be within the digit bound (written digits count the integer
 * part twice: 2 × 30 + 39 + 1 = 100).
 */
const PLAIN_DECIMAL = /^-?(?:0|[1-9]\d{0,29})(?:\.\d{0,38}[1-9])?$/;

/**
 * A decimal string for a finite number or numeric string; undefined for
 * anything else (null, '', 'abc', '0x10', NaN, Infinity).
 *
 * A JSON number is read the shortest way that gives back the same number,
 * which is the way the provider wrote it, so `0.2` stays `"0.2"`.
 *
 * Most values need no arithmetic: a number JavaScript writes without an
 * exponent, and a string already written plainly, are their own decimal
 * string (decimal.js would give back the same; a test holds them to it).
 * decimal.js writes out the others.
 */
export function toDecimalString(value: unknown): string | undefined {
  if (typeof value === 'number') {
    const written = String(value);
    if (Number.isFinite(value) && !written.includes('e')) return written;
  } else if (typeof value === 'string' && value !== '-0' && PLAIN_DECIMAL.test(value)) {
    return value;
  }
  return viaDecimal(value);
}

/** toDecimalString through decimal.js alone, for every value (exported for the test of the shortcuts). */
export function viaDecimal(value: unknown): string | undefined {
  let decimal: Decimal;
  if (typeof value === 'number' && Number.isFinite(value)) {
    decimal = new Decimal(value);
  } else if (typeof value === 'string' && DECIMAL_TEXT.test(value.trim())) {
    decimal = new Decimal(value.trim());
  } else {
    return undefined;
  }
  // Digits written out: the integer part (exponent + 1) or leading zeros, plus the significant ones.
  const written = Math.abs(decimal.e) + decimal.sd() + 1;
  return written <= MAX_DIGITS ? decimal.toFixed() : undefined;
}
