/**
 * Request authentication per source: HTTP Basic, a fixed token header, an
 * HMAC signature of the raw body, or (only when configured so) nothing.
 * Several secrets may be valid at once, so a secret can be rotated without
 * downtime. Comparisons take the same time whatever the input.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SourceAuth } from '../config/config.ts';
import type { SignatureScheme } from '../providers/provider.ts';

/** Why a request was not authenticated. Never includes a secret or what was sent. */
export interface AuthFailure {
  readonly code: 'AUTH_MISSING' | 'AUTH_INVALID' | 'SIGNATURE_INVALID';
  readonly message: string;
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
  /** Checks the body against the headers (signatures); undefined when it passes. */
  verifyBody(headers: IncomingHttpHeaders, body: Buffer): AuthFailure | undefined;
}

const digest = (value: Buffer | string) => createHash('sha256').update(value).digest();

/** True when `candidate` equals any of `secrets`, comparing every one in constant time. */
function matchesAny(candidate: Buffer | string, secrets: readonly Buffer[]): boolean {
  const probe = digest(candidate);
  let matched = false;
  for (const secret of secrets) matched = timingSafeEqual(probe, secret) || matched;
  return matched;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const pass = { needsBody: false, verifyBody: () => undefined } as const;

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

function basic(credentials: readonly string[]): Authenticator {
  const expected = credentials.map(digest);
  return {
    ...pass,
    credentialHeaders: ['authorization'],
    verifyHeaders(headers) {
      const authorization = headerValue(headers, 'authorization');
      const match = authorization ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization) : null;
      if (!match?.[1]) {
        return { code: 'AUTH_MISSING', message: 'HTTP Basic credentials are required' };
      }
      const sent = decodeCanonical(match[1], 'base64');
      return sent !== undefined && matchesAny(sent, expected)
        ? undefined
        : { code: 'AUTH_INVALID', message: 'the HTTP Basic credentials are not valid' };
    },
  };
}

function token(header: string, tokens: readonly string[]): Authenticator {
  const expected = tokens.map(digest);
  return {
    ...pass,
    credentialHeaders: [header],
    verifyHeaders(headers) {
      const value = headerValue(headers, header);
      if (!value) return { code: 'AUTH_MISSING', message: `the ${header} header is required` };
      return matchesAny(value, expected)
        ? undefined
        : { code: 'AUTH_INVALID', message: `the ${header} header is not valid` };
    },
  };
}

function hmac(scheme: SignatureScheme, secrets: readonly string[]): Authenticator {
  return {
    needsBody: true,
    credentialHeaders: [scheme.header],
    verifyHeaders(headers) {
      return headerValue(headers, scheme.header)
        ? undefined
        : { code: 'AUTH_MISSING', message: `the ${scheme.header} header is required` };
    },
    verifyBody(headers, body) {
      const sent =
        decodeCanonical(headerValue(headers, scheme.header) ?? '', scheme.encoding) ??
        Buffer.alloc(0);
      // A digest's length is public (it is the algorithm's), so comparing
      // lengths first leaks nothing; the bytes are compared in constant time.
      let matched = false;
      for (const secret of secrets) {
        const expected = createHmac(scheme.algorithm, secret).update(body).digest();
        matched = (sent.length === expected.length && timingSafeEqual(sent, expected)) || matched;
      }
      return matched
        ? undefined
        : {
            code: 'SIGNATURE_INVALID',
            message: `the ${scheme.header} signature does not match the body`,
          };
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
      return { ...pass, credentialHeaders: [], verifyHeaders: () => undefined };
    case 'basic':
      return basic(auth.credentials);
    case 'token':
      return token(auth.header, auth.tokens);
    case 'hmac':
      if (!signature) throw new Error('hmac authentication needs a provider signature scheme');
      return hmac(signature, auth.secrets);
  }
}
