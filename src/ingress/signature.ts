/**
 * A provider's HMAC request signature, computed the one way both sides use:
 * the ingress to verify a request, `wharf send` to sign one.
 */
import { createHmac } from 'node:crypto';
import type { SignatureScheme } from '../providers/provider.ts';

/** The HMAC key of a secret, as the provider keys it: normalized if it says so, as UTF-8. */
export function signatureKey(scheme: SignatureScheme, secret: string): Buffer {
  const key =
    scheme.secretNormalization === undefined
      ? secret
      : secret.normalize(scheme.secretNormalization);
  return Buffer.from(key, 'utf8');
}

/** The HMAC digest of a body under a key (see {@link signatureKey}). */
export function signatureDigest(
  scheme: SignatureScheme,
  key: Buffer,
  body: Buffer | string,
): Buffer {
  return createHmac(scheme.algorithm, key).update(body).digest();
}

/** The header value a provider would send for a body: its prefix, then the digest. */
export function signatureHeaderValue(
  scheme: SignatureScheme,
  secret: string,
  body: Buffer | string,
): string {
  const digest = signatureDigest(scheme, signatureKey(scheme, secret), body);
  return `${scheme.prefix ?? ''}${digest.toString(scheme.encoding)}`;
}

/**
 * The digest a header value carries: the text after the scheme's prefix,
 * decoded, when it is in its canonical encoding; undefined for anything
 * else, which matches no digest. Node's decoders are lenient (URL-safe or
 * unpadded base64, spaces, trailing garbage): only one spelling of a
 * signature counts (hex in either case).
 */
export function sentDigest(scheme: SignatureScheme, value: string): Buffer | undefined {
  const prefix = scheme.prefix ?? '';
  if (!value.startsWith(prefix)) return undefined;
  const text = value.slice(prefix.length);
  const bytes = Buffer.from(text, scheme.encoding);
  const canonical = scheme.encoding === 'hex' ? text.toLowerCase() : text;
  return bytes.length > 0 && bytes.toString(scheme.encoding) === canonical ? bytes : undefined;
}
