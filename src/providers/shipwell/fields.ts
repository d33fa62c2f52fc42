/**
 * Shipwell's addresses and order items in canonical form.
 */
import { EACH, canonicalUnit } from '../../canonical/units.ts';
import { toDecimalString } from '../../canonical/decimal.ts';
import type { Address, OrderLine, Quantity } from '../../canonical/model.ts';
import { isRecord } from '../provider.ts';
import { text } from '../kit.ts';

/** Text out of JSON: the kit's, shared by every provider. */
export { text };

/**
 * A Shipwell address (`ship_to`, `ship_from`); null when there is none.
 * Shipwell addresses name no person, e-mail or phone; the geolocation's
 * numbers (or numeric strings) become decimal strings.
 */
export function address(value: unknown): Address | null {
  if (!isRecord(value)) return null;
  const geolocation = isRecord(value.geolocation) ? value.geolocation : {};
  return {
    name: null,
    company: text(value.company_name),
    line1: text(value.line_1),
    line2: text(value.line_2),
    line3: text(value.line_3),
    city: text(value.locality),
    postalCode: text(value.postal_code),
    region: text(value.region),
    country: text(value.country),
    email: null,
    phone: null,
    locationNumber: text(value.location_number),
    timezone: text(value.timezone),
    latitude: toDecimalString(geolocation.latitude) ?? null,
    longitude: toDecimalString(geolocation.longitude) ?? null,
  };
}

/** The lines of an order's `items` (entries that are not objects are skipped). */
export function orderLines(items: unknown): OrderLine[] {
  return Array.isArray(items) ? items.filter(isRecord).map(orderLine) : [];
}

/**
 * An order item as a line.
 *
 * - quantity: the item's `amount` (`{value, unit}`, e.g. 4000 KG): what is
 *   ordered. Only without a usable amount, the handling units of
 *   `shipping_requirements` (`quantity` in units of `packaging_type`, e.g.
 *   1 PALLET), which say how it travels rather than how much of it there is.
 * - pieces: `shipping_requirements.total_pieces` (EA); weight: its
 *   `gross_weight`: each apart from the quantity, whatever its unit.
 * - description: the item's, else its shipping requirements'.
 * - no SKU: `product_id` is Shipwell's internal product id, not a SKU, and
 *   stays in the provider payload; no prices: order items carry none.
 */
export function orderLine(item: Record<string, unknown>): OrderLine {
  const requirements = isRecord(item.shipping_requirements) ? item.shipping_requirements : {};
  return {
    lineId: text(item.id),
    lineNumber: null,
    sku: null,
    description: text(item.description) ?? text(requirements.description),
    quantity: measure(item.amount) ?? handlingUnits(requirements),
    unitPrice: null,
    totalPrice: null,
    taxRate: null,
    totalPriceTaxInclusive: null,
    pieces: pieces(requirements.total_pieces),
    weight: measure(requirements.gross_weight),
  };
}

/** Shipwell's `total_pieces` as a count (unit EA); null when it gives none. */
function pieces(value: unknown): Quantity | null {
  const decimal = toDecimalString(value);
  return decimal === undefined ? null : { value: decimal, unit: EACH };
}

/** A Shipwell measure (`{value, unit}`) with a decimal value; null otherwise. */
function measure(value: unknown): Quantity | null {
  if (!isRecord(value)) return null;
  const decimal = toDecimalString(value.value);
  return decimal === undefined ? null : { value: decimal, unit: canonicalUnit(text(value.unit)) };
}

function handlingUnits(requirements: Record<string, unknown>): Quantity | null {
  const decimal = toDecimalString(requirements.quantity);
  return decimal === undefined
    ? null
    : { value: decimal, unit: canonicalUnit(text(requirements.packaging_type)) };
}
