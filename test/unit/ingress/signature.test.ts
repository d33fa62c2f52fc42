/**
 * Request signatures, computed one way for the ingress and `wharf send`:
 * a prefix before the digest and a normalized secret are part of a scheme
 * (EasyPost writes `hmac-sha256-hex=<hex>` keyed with the NFKD form of the
 * secret); a scheme without them signs as before (HappyColis: base64).
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sentDigest, signatureHeaderValue } from '../../../src/ingress/signature.ts';
import type { SignatureScheme } from '../../../src/providers/provider.ts';

const PREFIXED: SignatureScheme = {
  header: 'x-hmac-signature',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: 'hmac-sha256-hex=',
  secretNormalization: 'NFKD',
};
const PLAIN: SignatureScheme = { header: 'x-signature', algorithm: 'sha256', encoding: 'base64' };

// "sécret" with a composed é (U+00E9); its NFKD form is e + U+0301.
const SECRET = 's\u00e9cret';
const BODY = '{"description":"tracker.updated","id":"evt_1"}';

describe('request signatures', () => {
  it('key a normalizing scheme with the NFKD bytes of the secret, after its prefix', () => {
    const expected = createHmac('sha256', Buffer.from('se\u0301cret', 'utf8')).update(BODY);
    expect(signatureHeaderValue(PREFIXED, SECRET, BODY)).toBe(
      `hmac-sha256-hex=${expected.digest('hex')}`,
    );
    // Not the digest of the secret as typed.
    const unnormalized = createHmac('sha256', SECRET).update(BODY).digest('hex');
    expect(signatureHeaderValue(PREFIXED, SECRET, BODY)).not.toContain(unnormalized);
  });

  it('sign a plain scheme as the provider does: the digest alone, in its encoding', () => {
    expect(signatureHeaderValue(PLAIN, 'k', BODY)).toBe(
      createHmac('sha256', 'k').update(BODY).digest('base64'),
    );
  });

  it('read the digest after the prefix, in either case of hex, and nothing else', () => {
    const value = signatureHeaderValue(PREFIXED, SECRET, BODY);
    const digest = sentDigest(PREFIXED, value);
    expect(digest?.toString('hex')).toBe(value.slice('hmac-sha256-hex='.length));
    expect(
      sentDigest(PREFIXED, value.toUpperCase().replace('HMAC-SHA256-HEX=', 'hmac-sha256-hex=')),
    ).toEqual(digest);
    expect(sentDigest(PREFIXED, value.slice('hmac-sha256-hex='.length))).toBeUndefined();
    expect(sentDigest(PREFIXED, 'hmac-sha256-hex=')).toBeUndefined();
    expect(sentDigest(PREFIXED, 'hmac-sha256-hex=zz')).toBeUndefined();
    expect(sentDigest(PLAIN, 'not base64!')).toBeUndefined();
  });
});
