/**
 * A provider's status, action or qualifier as a table key: upper case, `-`
 * and blanks as `_`, so `in-transit` and ` In Transit` both read IN_TRANSIT.
 */
export function tableWord(value: string): string {
  return value
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
}
