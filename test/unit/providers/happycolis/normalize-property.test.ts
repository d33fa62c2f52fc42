/**
 * Whatever a HappyColis message holds, the normalizer never throws: it gives
 * an event that fits its domain's schema, or a NORMALIZATION_FAILED naming a
 * path. The bodies are the family fixtures with fields swapped for arbitrary
 * JSON, so the generated values reach the mapping code rather than only the
 * id check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { happycolisWorker } from '../../../../src/providers/happycolis/detect-and-validate.ts';
import { expectFitsSchema, fixture, normalize } from './normalize-support.ts';

const BODIES: Readonly<Record<string, string>> = {
  order: 'body-order.json',
  'delivery-order': 'body-delivery-order.json',
  'transfer-order': 'body-transfer-order.json',
  shipment: 'body-shipment.json',
  'stock-reference': 'body-stock-reference.json',
  product: 'body-product.json',
  variant: 'body-variant.json',
  location: 'body-location.json',
};

function bodyFile(type: string): string {
  if (type === 'stock-reference/movement') return 'body-stock-reference-movement.json';
  return BODIES[type.slice(0, type.indexOf('/'))] ?? 'body-order.json';
}

/** A fixture body with some of its fields (top-level or one level down) replaced. */
const mutatedMessage = fc
  .constantFrom(...happycolisWorker.eventTypes)
  .chain((type) => {
    const body = fixture(bodyFile(type));
    const keys = Object.keys(body);
    const replacement = fc.tuple(fc.constantFrom(...keys), fc.jsonValue(), fc.boolean());
    return fc.record({
      type: fc.constant(type),
      body: fc.constant(body),
      replacements: fc.array(replacement, { maxLength: 6 }),
      header: fc.dictionary(
        fc.constantFrom('id', 'timestamp', 'date', 'organization', 'organizationId', 'messageId'),
        fc.jsonValue(),
      ),
    });
  })
  .map(({ type, body, replacements, header }) => {
    const copy: Record<string, unknown> = structuredClone(body);
    for (const [key, value, deep] of replacements) {
      const current = copy[key];
      // Deep: replace inside the first element of an array field or inside an object field.
      const target: unknown = Array.isArray(current) ? current[0] : current;
      if (deep && typeof target === 'object' && target !== null && !Array.isArray(target)) {
        const inner = Object.keys(target)[0];
        if (inner !== undefined) (target as Record<string, unknown>)[inner] = value;
      } else {
        copy[key] = value;
      }
    }
    return { type, message: { header: { ...header, type }, body: copy } };
  });

describe('normalizer robustness', () => {
  it('never throws; an event always fits its schema, a failure names a body path', () => {
    fc.assert(
      fc.property(mutatedMessage, ({ type, message }) => {
        const result = normalize(message, type);
        if ('code' in result) {
          expect(result.code).toBe('NORMALIZATION_FAILED');
          expect(['body', 'body.id', 'body.stock_reference.id']).toContain(result.path);
        } else {
          expectFitsSchema(result, message, type);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on any JSON at all', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...happycolisWorker.eventTypes),
        fc.jsonValue(),
        (type, message) => {
          const result = normalize(message, type);
          if (!('code' in result)) expectFitsSchema(result, message, type);
        },
      ),
      { numRuns: 300 },
    );
  });
});
