/**
 * Shipwell's `references[]` (`{qualifier, value}`) as canonical references.
 * The payload docs show CUSTOMER_REFERENCE_NUMBER and EXTERNAL_INVOICE_ID;
 * other qualifiers are read by their plain meaning, and one this table does
 * not know is OTHER with Shipwell's qualifier kept.
 */
import type { Reference, ReferenceType } from '../../canonical/model.ts';
import { tableWord } from '../../canonical/words.ts';
import { isRecord } from '../provider.ts';
import { text } from './fields.ts';

const QUALIFIERS: ReadonlyMap<string, ReferenceType> = new Map([
  ['CUSTOMER_REFERENCE_NUMBER', 'CUSTOMER'],
  ['EXTERNAL_INVOICE_ID', 'INVOICE'],
  ['INVOICE_NUMBER', 'INVOICE'],
  ['PO_NUMBER', 'PURCHASE_ORDER'],
  ['PURCHASE_ORDER_NUMBER', 'PURCHASE_ORDER'],
  ['SALES_ORDER_NUMBER', 'ORDER'],
  ['ORDER_NUMBER', 'ORDER'],
  ['ASN_NUMBER', 'ASN'],
  ['SHIPMENT_ID', 'SHIPMENT'],
]);

/** The references of a resource's `references` (entries without a value are skipped). */
export function shipwellReferences(entries: unknown): Reference[] {
  if (!Array.isArray(entries)) return [];
  return entries.filter(isRecord).flatMap((entry) => {
    const value = text(entry.value);
    if (value === null) return [];
    const qualifier = text(entry.qualifier);
    const type = qualifier === null ? undefined : QUALIFIERS.get(tableWord(qualifier));
    return [{ type: type ?? 'OTHER', value, qualifier }];
  });
}
