/**
 * What an update changed, from Shipwell's `old_data` and `new_data` (the old
 * and new values of what changed, as partial resources).
 */
import { toDecimalString } from '../../canonical/decimal.ts';
import type { Change } from '../../canonical/model.ts';
import { isRecord } from '../provider.ts';

/**
 * The changed paths between two partial resources, sorted by path.
 *
 * Paths are dotted (`amount.unit`, `shipping_requirements.quantity`) and go
 * down as long as both sides hold an object there; below that the value is
 * compared whole, so an object replacing null (or nothing) is one change at
 * the object's path, and arrays compare as whole values. Values are JSON
 * text, null when a side lacks the path (a side holding JSON null gives
 * `"null"`). A number and a string naming the same decimal (`1`, `"1"`) are
 * the same value: Shipwell writes numbers both ways.
 *
 * A side that is not an object (null, missing) has no paths.
 */
export function changesBetween(oldData: unknown, newData: unknown): Change[] {
  const changes: Change[] = [];
  collect(isRecord(oldData) ? oldData : {}, isRecord(newData) ? newData : {}, '', changes);
  // Code-unit order, not locale order: the same input must give the same list anywhere.
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function collect(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  prefix: string,
  changes: Change[],
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
      oldValue: hasOld ? JSON.stringify(oldValue) : null,
      newValue: hasNew ? JSON.stringify(newValue) : null,
    });
  }
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
