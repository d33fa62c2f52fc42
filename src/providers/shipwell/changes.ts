/**
 * What an update changed, from Shipwell's `old_data` and `new_data` (the old
 * and new values of what changed, as partial resources).
 */
import { toDecimalString } from '../../canonical/decimal.ts';
import type { Change, ChangeValue } from '../../canonical/model.ts';
import { isRecord } from '../provider.ts';

/**
 * The changed paths between two partial resources, sorted by path.
 *
 * Paths are dotted (`amount.unit`, `shipping_requirements.quantity`) and go
 * down as long as both sides hold an object there; below that the value is
 * compared whole, so an object replacing null (or nothing) is one change at
 * the object's path, and arrays compare as whole values. Values are typed
 * (see {@link changeValue}), null when a side lacks the path (a side holding
 * JSON null gives kind NULL). A number and a string naming the same decimal (`1`, `"1"`) are
 * the same value: Shipwell writes numbers both ways.
 *
 * A side that is not an object (null, missing) has no paths.
 */
export function changesBetween(
  oldData: unknown,
  newData: unknown,
  resource: 'order' | 'order_item',
): Change[] {
  const changes: Collected[] = [];
  collect(isRecord(oldData) ? oldData : {}, isRecord(newData) ? newData : {}, '', changes);
  for (const change of changes) change.field = canonicalField(change.path, resource);
  // Code-unit order, not locale order: the same input must give the same list anywhere.
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A change being collected: its canonical field is named once all are found. */
type Collected = { -readonly [K in keyof Change]: Change[K] };

function collect(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  prefix: string,
  changes: Collected[],
): void {
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const oldValue = before[key];
    const newValue = after[key];
    if (isRecord(oldValue) && isRecord(newValue)) {
      collect(oldValue, newValue, path, changes);
      continue;
    }
    const hasOld = Object.hasOwn(before, key);
    const hasNew = Object.hasOwn(after, key);
    if (hasOld && hasNew && sameValue(oldValue, newValue)) continue;
    changes.push({
      path,
      field: null,
      oldValue: hasOld ? changeValue(oldValue) : null,
      newValue: hasNew ? changeValue(newValue) : null,
    });
  }
}

/**
 * A JSON value with its kind: strings as sent, numbers as decimal strings,
 * booleans as `true`/`false`, objects and arrays as JSON text.
 */
export function changeValue(value: unknown): ChangeValue {
  if (value === null || value === undefined) return { kind: 'NULL', value: null };
  if (typeof value === 'string') return { kind: 'STRING', value };
  if (typeof value === 'boolean') return { kind: 'BOOLEAN', value: String(value) };
  if (typeof value === 'number') {
    return { kind: 'NUMBER', value: toDecimalString(value) ?? String(value) };
  }
  return { kind: Array.isArray(value) ? 'ARRAY' : 'OBJECT', value: JSON.stringify(value) };
}

function sameValue(a: unknown, b: unknown): boolean {
  // Most values of both sides are the same string or number: no JSON needed.
  if (a === b) return true;
  if (
    (typeof a === 'number' && typeof b === 'string') ||
    (typeof a === 'string' && typeof b === 'number')
  ) {
    const decimal = toDecimalString(a);
    return decimal !== undefined && decimal === toDecimalString(b);
  }
  // Scalars that differ are different (JSON writes each scalar one way).
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return canonicalJson(a) === canonicalJson(b);
}

/** JSON text with object keys sorted, so key order does not count as a change. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  if (isRecord(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Shipwell's address fields and the canonical Address's. */
const ADDRESS_FIELDS: ReadonlyMap<string, string> = new Map([
  ['company_name', 'company'],
  ['line_1', 'line1'],
  ['line_2', 'line2'],
  ['line_3', 'line3'],
  ['locality', 'city'],
  ['postal_code', 'postalCode'],
  ['region', 'region'],
  ['country', 'country'],
  ['location_number', 'locationNumber'],
  ['timezone', 'timezone'],
  ['geolocation.latitude', 'latitude'],
  ['geolocation.longitude', 'longitude'],
]);

/** Shipwell's order fields the canonical Order has, and their names there. */
const ORDER_FIELDS: ReadonlyMap<string, string> = new Map([
  ['order_number', 'orderNumber'],
  ['order_type', 'orderType'],
  ['name', 'name'],
  ['status', 'status'],
  ['items', 'lines'],
]);

/** Shipwell's order item fields the canonical OrderLine has (under `lines`). */
const ITEM_FIELDS: ReadonlyMap<string, string> = new Map([
  ['description', 'lines.description'],
  ['amount', 'lines.quantity'],
  ['amount.value', 'lines.quantity.value'],
  ['amount.unit', 'lines.quantity.unit'],
  ['shipping_requirements.total_pieces', 'lines.pieces'],
  ['shipping_requirements.gross_weight', 'lines.weight'],
  ['shipping_requirements.gross_weight.value', 'lines.weight.value'],
  ['shipping_requirements.gross_weight.unit', 'lines.weight.unit'],
]);

const ADDRESSES: ReadonlyMap<string, string> = new Map([
  ['ship_to', 'shipTo'],
  ['ship_from', 'shipFrom'],
]);

/** The canonical field a Shipwell path changes, or null when the model has none. */
function canonicalField(path: string, resource: 'order' | 'order_item'): string | null {
  if (resource === 'order_item') return ITEM_FIELDS.get(path) ?? null;
  const direct = ORDER_FIELDS.get(path) ?? ADDRESSES.get(path);
  if (direct !== undefined) return direct;
  const dot = path.indexOf('.');
  const address = dot < 0 ? undefined : ADDRESSES.get(path.slice(0, dot));
  const field = address === undefined ? undefined : ADDRESS_FIELDS.get(path.slice(dot + 1));
  return address === undefined || field === undefined ? null : `${address}.${field}`;
}
