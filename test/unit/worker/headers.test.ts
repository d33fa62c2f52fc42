import { describe, expect, it } from 'vitest';
import { headersAsStrings } from '../../../src/worker/worker.ts';

describe('headersAsStrings', () => {
  it('keeps every header, the first of repeated ones, as text', () => {
    expect(
      headersAsStrings({ a: Buffer.from('x'), b: [Buffer.from('1'), Buffer.from('2')] }),
    ).toEqual({ a: 'x', b: '1' });
  });

  it('keeps a header named __proto__ as a header, and pollutes nothing', () => {
    const headers = JSON.parse('{"__proto__": "evil", "constructor": "c"}') as Record<
      string,
      string
    >;
    const result = headersAsStrings(headers);
    expect(Object.keys(result)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toBe('evil');
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  });
});
