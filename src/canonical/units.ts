/**
 * Units of canonical quantities, from one vocabulary: upper-case codes,
 * `EA` for a count of items. Providers spell units their own way (`kg`,
 * `Lbs`, `pcs`); the common spellings map to one code each, and a unit the
 * vocabulary lacks is kept in upper case as sent, never dropped.
 */

/** The unit of a count of items ("each"): what a quantity without a unit counts. */
export const EACH = 'EA';

const SYNONYMS: ReadonlyMap<string, string> = new Map([
  ...['EA', 'EACH', 'PC', 'PCS', 'PIECE', 'PIECES', 'UNIT', 'UNITS', 'U', 'ITEM', 'ITEMS'].map(
    (name) => [name, EACH] as const,
  ),
  ...['KG', 'KGS', 'KILOGRAM', 'KILOGRAMS'].map((name) => [name, 'KG'] as const),
  ...['G', 'GR', 'GRAM', 'GRAMS'].map((name) => [name, 'G'] as const),
  ...['LB', 'LBS', 'POUND', 'POUNDS'].map((name) => [name, 'LB'] as const),
  ...['OZ', 'OUNCE', 'OUNCES'].map((name) => [name, 'OZ'] as const),
  ...['M', 'METER', 'METERS', 'METRE', 'METRES'].map((name) => [name, 'M'] as const),
  ...['CM', 'CENTIMETER', 'CENTIMETERS', 'CENTIMETRE', 'CENTIMETRES'].map(
    (name) => [name, 'CM'] as const,
  ),
  ...['MM', 'MILLIMETER', 'MILLIMETERS', 'MILLIMETRE', 'MILLIMETRES'].map(
    (name) => [name, 'MM'] as const,
  ),
  ...['IN', 'INCH', 'INCHES'].map((name) => [name, 'IN'] as const),
  ...['FT', 'FOOT', 'FEET'].map((name) => [name, 'FT'] as const),
]);

/** The canonical code of a unit as a provider spells it; null for none. */
export function canonicalUnit(unit: string | null): string | null {
  if (unit === null) return null;
  const code = unit.trim().toUpperCase();
  if (code === '') return null;
  return SYNONYMS.get(code) ?? code;
}
