/**
 * HappyColis products, variants and locations as canonical data. Images,
 * bundle links, customs descriptions and a variant's stock references have
 * no canonical field and stay in the provider payload.
 */
import type { Barcode, CatalogItem, Location, Variant } from '../../canonical/model.ts';
import type { Fields } from './fields.ts';
import { address, firstText, flag, quantity, records, text } from './fields.ts';

/** What a variant event's action says of the variant; nothing for created/updated. */
interface VariantFlags {
  readonly active: boolean | null;
  readonly archived: boolean | null;
}

const UNSAID: VariantFlags = { active: null, archived: null };

const VARIANT_ACTION_FLAGS: ReadonlyMap<string, VariantFlags> = new Map([
  ['activated', { active: true, archived: null }],
  ['deactivated', { active: false, archived: null }],
  // Archived says nothing of active: that is the provider's business rule, not ours.
  ['archived', { active: null, archived: true }],
]);

function barcode(entry: Fields): Barcode | null {
  const value = text(entry.reference);
  return value === null ? null : { value, type: text(entry.type) };
}

/** A variant, of a product body or a variant body. */
function variantData(
  variantId: string,
  body: Fields,
  productId: string | null,
  flags: VariantFlags,
): Variant {
  const distanceUnit = text(body.distance_unit);
  return {
    variantId,
    productId,
    sku: text(body.sku),
    title: text(body.title),
    description: text(body.description),
    kind: text(body.type),
    hsCode: text(body.hs_code),
    originCountry: text(body.origin_country),
    weight: quantity(body.weight, text(body.weight_unit)),
    length: quantity(body.length, distanceUnit),
    width: quantity(body.width, distanceUnit),
    height: quantity(body.height, distanceUnit),
    barcodes: records(body.references).flatMap((entry) => barcode(entry) ?? []),
    active: flags.active,
    archived: flags.archived,
  };
}

/**
 * A product with its variants (`product/*`). A variant without a usable id
 * cannot be keyed downstream, so it is left out (the payload keeps it).
 */
export function productData(id: string, body: Fields): CatalogItem {
  return {
    productId: id,
    title: text(body.title),
    description: text(body.description),
    variants: records(body.variants).flatMap((variant) => {
      const variantId = text(variant.id);
      return variantId === null ? [] : [variantData(variantId, variant, id, UNSAID)];
    }),
  };
}

/**
 * One variant (`variant/*`) as a catalog item. The docs show no product id
 * on a variant body; when one comes (`product_id` or `productId`) it is the
 * item's product, otherwise the product is null (the variant's own id would
 * send a consumer to a product that does not exist). Title and description
 * are the variant's, so the item's own stay null.
 */
export function variantItemData(id: string, body: Fields, action: string): CatalogItem {
  const productId = firstText(body.product_id, body.productId);
  const flags = VARIANT_ACTION_FLAGS.get(action) ?? UNSAID;
  return {
    productId,
    title: null,
    description: null,
    variants: [variantData(id, body, productId, flags)],
  };
}

/** Whether a location is connected, when its action says so. */
const CONNECTION_ACTIONS: ReadonlyMap<string, boolean> = new Map([
  ['connected', true],
  ['disconnected', false],
]);

/**
 * Whether the location is connected to a fulfillment service: the action
 * when it says; otherwise true when the body names a service (the docs: set
 * "if connected to"), else unknown, as a missing field proves nothing.
 */
function connected(body: Fields, action: string): boolean | null {
  const said = CONNECTION_ACTIONS.get(action);
  if (said !== undefined) return said;
  return text(body.fulfillment_service_id) === null ? null : true;
}

/** A location (`location/*`); `deactivated` makes it inactive whatever the body says. */
export function locationData(id: string, body: Fields, action: string): Location {
  return {
    locationId: id,
    name: text(body.name),
    title: text(body.title),
    type: text(body.type),
    active: action === 'deactivated' ? false : flag(body.active),
    connected: connected(body, action),
    fulfillmentServiceId: text(body.fulfillment_service_id),
    address: address(body.address),
  };
}
