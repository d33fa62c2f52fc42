/**
 * HappyColis stock references and their movements as canonical stock
 * levels. Quantities are decimal strings; stock units (serial numbers,
 * batches) have no canonical field and stay in the provider payload.
 */
import type { StockLevel, StockMovement } from '../../canonical/model.ts';
import type { Fields } from './fields.ts';
import { decimal, text } from './fields.ts';

/** The movement of a `stock-reference/movement` body (the body itself). */
export function movementData(body: Fields): StockMovement {
  return {
    movementId: text(body.id),
    type: text(body.type),
    quantityType: text(body.quantity_type),
    quantity: decimal(body.quantity),
    executedQuantity: decimal(body.executed_quantity),
    nature: text(body.nature),
    status: text(body.status),
    time: text(body.date),
    message: text(body.message),
    batchNumber: text(body.batch_number),
  };
}

/**
 * A stock reference as a stock level: the body of `stock-reference/*`, or the
 * `stock_reference` of a movement body, then with its movement.
 */
export function stockLevelData(
  id: string,
  stock: Fields,
  movement: StockMovement | null,
): StockLevel {
  return {
    stockReferenceId: id,
    sku: text(stock.sku),
    reference: text(stock.reference),
    locationId: text(stock.location_id),
    variantId: text(stock.product_variant_id),
    physicalQuantity: decimal(stock.physical_quantity),
    usableQuantity: decimal(stock.usable_quantity),
    reservedQuantity: decimal(stock.reserved_quantity),
    criticalThreshold: decimal(stock.critical_threshold),
    snapshotAt: text(stock.last_snapshot_at),
    snapshotQuantity: decimal(stock.last_snapshot_value),
    providerStatus: text(stock.status),
    movement,
  };
}
