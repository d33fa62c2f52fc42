/**
 * Request authentication per source: HTTP Basic, a fixed token header, an
 * HMAC signature of the raw body, or (only when configured so) nothing.
 * Several secrets may be valid at once, so a secret can be rotated without
 * downtime. Comparisons take the same time whatever the input. A request
 * that passes is granted the tenant its secret is bound to.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { sentDigest, signatureDigest, signatureKey } from './signature.ts';
import type { IncomingHttpHeaders } from 'node:http';
import type { BoundSecret, SourceAuth } from '../config/config.ts';
import type { SignatureScheme } from '../providers/provider.ts';

/** Why a request was not authenticated. Never includes a secret or what was sent. */
export interface AuthFailure {
  readonly code: 'AUTH_MISSING' | 'AUTH_INVALID' | 'SIGNATURE_INVALID';
  readonly message: string;
}

/** What an authenticated request may speak for. */
export interface Grant {
  /** The tenant its secret is bound to; null when it may speak for any. */
  readonly tenant: string | null;
}

/** Checks requests of one source. */
export interface Authenticator {
  /**
   * The request headers that carry credentials. A request that sends one of
   * them twice is refused: Node.js keeps only the first Authorization header
   * and joins the copies of others, so which one would count is the server's
   * guess, and a proxy in front may have guessed the other way.
   */
  readonly credentialHeaders: readonly string[];
  /** Whether {@link verifyBody} has work to do (the body must be read first). */
  readonly needsBody: boolean;
  /** Checks what the headers alone can tell; undefined when they pass. */
  verifyHeaders(headers: IncomingHttpHeaders): AuthFailure | undefined;
  /** Checks the body against the headers (signatures); the grant when it passes. */
  verifyBody(headers: IncomingHttpHeaders, body: Buffer): AuthFailure | Grant;
}

const digest = (value: Buffer | string) => createHash('sha256').update(value).digest();

/** A secret's digest and what it grants. */
interface Expected {
  readonly digest: Buffer;
  readonly grant: Grant;
}

function expect(secrets: readonly BoundSecret[]): Expected[] {
  return secrets.map(({ tenant, secret }) => ({ digest: digest(secret), grant: { tenant } }));
}

/** The grant of the secret `candidate` equals, comparing with every one in constant time. */
function grantOf(candidate: Buffer | string, expected: readonly Expected[]): Grant | undefined {
  const probe = digest(candidate);
  let granted: Grant | undefined;
  for (const secret of expected) {
    if (timingSafeEqual(probe, secret.digest)) granted = secret.grant;
  }
  return granted;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const ANY: Grant = { tenant: null };

/**
 * The bytes of `text` when it is their canonical encoding, else undefined.
 * Node's decoders are lenient (URL-safe or unpadded base64, spaces, trailing
 * garbage, either case of hex): only one spelling of a credential counts.
 */
function decodeCanonical(text: string, encoding: 'base64' | 'hex'): Buffer | undefined {
  const bytes = Buffer.from(text, encoding);
  const canonical = encoding === 'hex' ? text.toLowerCase() : text;
  return bytes.toString(encoding) === canonical ? bytes : undefined;
}

/**
 * An authenticator of a credential the headers carry: refused early from the
 * headers, and granted again when the body is in (a comparison costs one
 * SHA-256 of a header, so doing it twice is cheaper than carrying state).
 */
function headerCredential(
  credentialHeader: string,
  check: (headers: IncomingHttpHeaders) => AuthFailure | Grant,
): Authenticator {
  return {
    needsBody: false,
    credentialHeaders: [credentialHeader],
    verifyHeaders: (headers) => {
      const verdict = check(headers);
      return 'code' in verdict ? verdict : undefined;
    },
    verifyBody: (headers) => check(headers),
  };
}

function basic(credentials: readonly BoundSecret[]): Authenticator {
  const expected = expect(credentials);
  return headerCredential('authorization', (headers) => {
    const authorization = headerValue(headers, 'authorization');
    const match = authorization ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization) : null;
    if (!match?.[1]) {
      return { code: 'AUTH_MISSING', message: 'HTTP Basic credentials are required' };
    }
    const sent = decodeCanonical(match[1], 'base64');
    const granted = sent === undefined ? undefined : grantOf(sent, expected);
    return granted ?? { code: 'AUTH_INVALID', message: 'the HTTP Basic credentials are not valid' };
  });
}

function token(header: string, tokens: readonly BoundSecret[]): Authenticator {
  const expected = expect(tokens);
  return headerCredential(header, (headers) => {
    const value = headerValue(headers, header);
    if (!value) return { code: 'AUTH_MISSING', message: `the ${header} header is required` };
    return (
      grantOf(value, expected) ?? {
        code: 'AUTH_INVALID',
        message: `the ${header} header is not valid`,
      }
    );
  });
}

function hmac(scheme: SignatureScheme, secrets: readonly BoundSecret[]): Authenticator {
  // Keyed once: a request only hashes its body.
  const keys = secrets.map(({ tenant, secret }) => ({ tenant, key: signatureKey(scheme, secret) }));
  return {
    needsBody: true,
    credentialHeaders: [scheme.header],
    verifyHeaders(headers) {
      return headerValue(headers, scheme.header)
        ? undefined
        : { code: 'AUTH_MISSING', message: `the ${scheme.header} header is required` };
    },
    verifyBody(headers, body) {
      const sent = sentDigest(scheme, headerValue(headers, scheme.header) ?? '') ?? Buffer.alloc(0);
      // A digest's length is public (it is the algorithm's), so comparing
      // lengths first leaks nothing; the bytes are compared in constant time.
      let granted: Grant | undefined;
      for (const { tenant, key } of keys) {
        const expected = signatureDigest(scheme, key, body);
        if (sent.length === expected.length && timingSafeEqual(sent, expected)) {
          granted = { tenant };
        }
      }
      return (
        granted ?? {
          code: 'SIGNATURE_INVALID',
          message: `the ${scheme.header} signature does not match the body`,
        }
      );
    },
  };
}

/**
 * Builds the authenticator of a source from its configuration.
 *
 * @param signature - the provider's signature scheme, required for `hmac`.
 */
export function createAuthenticator(auth: SourceAuth, signature?: SignatureScheme): Authenticator {
  switch (auth.mode) {
    case 'none':
      return {
        needsBody: false,
        credentialHeaders: [],
        verifyHeaders: () => undefined,
        verifyBody: () => ANY,
      };
    case 'basic':
      return basic(auth.credentials);
    case 'token':
      return token(auth.header, auth.tokens);
    case 'hmac':
      if (!signature) throw new Error('hmac authentication needs a provider signature scheme');
      return hmac(signature, auth.secrets);
  }
}
