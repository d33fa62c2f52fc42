/**
 * EasyPost's webhook signature, computed as its client libraries compute it
 * (docs/providers/easypost-research.md §4), on EasyPost's own known-good
 * example (`signature-vector.json`):
 *
 *   X-Hmac-Signature: hmac-sha256-hex=<lowercase hex HMAC-SHA256(key, raw body)>
 *   key = the webhook secret normalized to Unicode NFKD, as UTF-8
 *
 * And that the shared HMAC verifier (src/ingress/auth.ts), given the
 * plug-in's scheme (prefix, NFKD), accepts it as sent and nothing else.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../../src/ingress/auth.ts';
import { easypost } from '../../../../src/providers/easypost/index.ts';
import { readFileSync } from 'node:fs';
import { fixtureText } from './support.ts';

/** What EasyPost writes before the digest. */
const PREFIX = 'hmac-sha256-hex=';

interface SignatureExample {
  readonly header: string;
  readonly secret: string;
  readonly secretUtf8Hex: string;
  readonly secretNfkdUtf8Hex: string;
  readonly body: string;
  readonly bodyBytes: number;
  readonly expectedSignature: string;
  readonly signatureWithoutNormalization: string;
  readonly signatureOfBodyWithTrailingNewline: string;
}

const EXAMPLE = JSON.parse(
  readFileSync(new URL('signature-vector.json', import.meta.url), 'utf8'),
) as SignatureExample;
const BODY = Buffer.from(EXAMPLE.body, 'utf8');

const scheme = () => easypost.ingress.signature;

/** The X-Hmac-Signature value of a body, keyed with the given bytes, as EasyPost writes it. */
function headerValue(key: Buffer, body: Buffer): string {
  const { algorithm, encoding } = scheme();
  return PREFIX + createHmac(algorithm, key).update(body).digest(encoding);
}

/** The key EasyPost signs with: the secret in NFKD, as UTF-8. */
function easypostKey(secret: string): Buffer {
  return Buffer.from(secret.normalize('NFKD'), 'utf8');
}

describe('EasyPost webhook signature', () => {
  it('the example body is the in-transit FedEx fixture, compact, 3,550 bytes', () => {
    expect(BODY.length).toBe(EXAMPLE.bodyBytes);
    expect(JSON.parse(EXAMPLE.body)).toEqual(
      JSON.parse(fixtureText('tracker.updated.in-transit-fedex.json')),
    );
  });

  it('is in the header the plug-in names (Node lower-cases header names)', () => {
    expect(scheme().header).toBe(EXAMPLE.header.toLowerCase());
  });

  it("matches EasyPost's expected value: HMAC-SHA256, lowercase hex, prefixed, NFKD key", () => {
    const key = easypostKey(EXAMPLE.secret);
    expect(key.toString('hex')).toBe(EXAMPLE.secretNfkdUtf8Hex);
    expect(headerValue(key, BODY)).toBe(EXAMPLE.expectedSignature);
    expect(EXAMPLE.expectedSignature).toMatch(/^hmac-sha256-hex=[0-9a-f]{64}$/);
  });

  it('differs when the secret is not normalized (é as one code point)', () => {
    const composed = Buffer.from(EXAMPLE.secret, 'utf8');
    expect(composed.toString('hex')).toBe(EXAMPLE.secretUtf8Hex);
    const value = headerValue(composed, BODY);
    expect(value).toBe(EXAMPLE.signatureWithoutNormalization);
    expect(value).not.toBe(EXAMPLE.expectedSignature);
  });

  it('covers the raw bytes: a trailing newline, or JSON written out again, changes it', () => {
    const key = easypostKey(EXAMPLE.secret);
    const withNewline = Buffer.concat([BODY, Buffer.from('\n')]);
    expect(headerValue(key, withNewline)).toBe(EXAMPLE.signatureOfBodyWithTrailingNewline);
    // EasyPost writes weights as floats (136.0); JSON.stringify writes 136.
    const sent = Buffer.from(EXAMPLE.body.replace('"weight":614.4', '"weight":136.0'));
    const rewritten = Buffer.from(JSON.stringify(JSON.parse(sent.toString('utf8'))));
    expect(rewritten.equals(sent)).toBe(false);
    expect(headerValue(key, rewritten)).not.toBe(headerValue(key, sent));
  });
});

describe('the shared HMAC verifier and EasyPost', () => {
  const verifier = (secret: string) =>
    createAuthenticator({ mode: 'hmac', secrets: [{ tenant: 't1', secret }] }, scheme());

  it("accepts EasyPost's header as sent, with the secret as configured", () => {
    const verdict = verifier(EXAMPLE.secret).verifyBody(
      { [scheme().header]: EXAMPLE.expectedSignature },
      BODY,
    );
    expect(verdict).toEqual({ tenant: 't1' });
  });

  it('refuses the signatures of a wrong key or other bytes, and a digest without its prefix', () => {
    for (const wrong of [
      EXAMPLE.signatureWithoutNormalization,
      EXAMPLE.signatureOfBodyWithTrailingNewline,
      EXAMPLE.expectedSignature.slice(PREFIX.length),
    ]) {
      const verdict = verifier(EXAMPLE.secret).verifyBody({ [scheme().header]: wrong }, BODY);
      expect(verdict).toMatchObject({ code: 'SIGNATURE_INVALID' });
    }
  });
});
