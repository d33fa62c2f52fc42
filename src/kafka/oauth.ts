/**
 * OAUTHBEARER tokens for kafkajs from an OAuth 2.0 token endpoint, by the
 * client-credentials grant (openid-client does the protocol). kafkajs asks
 * for a token on every new connection and re-authentication; one is kept
 * and fetched again before it ends (see REFRESH_MARGIN_MS), so a connection
 * never presents a token about to expire.
 */
import * as oauth from 'openid-client';
import type { Mechanism, OauthbearerProviderResponse } from 'kafkajs';
import type { OAuthSettings } from '../config/security.ts';

/** The token endpoint did not give a token: the message says why, without secrets. */
export class TokenEndpointError extends Error {
  override readonly name = 'TokenEndpointError';
}

/** A token and the SASL extensions sent with it (kafkajs sends them; its types omit them). */
export interface OAuthBearerToken extends OauthbearerProviderResponse {
  readonly extensions: Readonly<Record<string, string>>;
}

interface HeldToken {
  readonly value: string;
  readonly refreshAt: number;
}

/**
 * A token is replaced when less than this (or a fifth of its lifetime) is
 * left, and at half its lifetime at the latest. kafkajs re-authenticates a
 * connection 10 s before the broker's session (the token's lifetime) ends,
 * and must be handed a new token then, not the one that is ending.
 */
const REFRESH_MARGIN_MS = 15_000;

/** Lifetime assumed for a token whose answer gives no `expires_in`. */
const DEFAULT_LIFETIME_S = 300;

function configuration(settings: OAuthSettings): oauth.Configuration {
  const endpoint = new URL(settings.tokenEndpointUrl);
  const config = new oauth.Configuration(
    { issuer: endpoint.origin, token_endpoint: endpoint.href },
    settings.clientId,
    undefined,
    // As Kafka's own Java client does: the client's id and secret in Basic auth.
    oauth.ClientSecretBasic(settings.clientSecret),
  );
  // Plain http only where the operator wrote it (a token endpoint inside the cluster).
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- deprecated only as a warning sign
  if (endpoint.protocol === 'http:') oauth.allowInsecureRequests(config);
  return config;
}

async function describeFailure(url: string, error: unknown): Promise<string> {
  const refused = `the token endpoint ${url} refused the client credentials`;
  if (error instanceof oauth.ResponseBodyError) {
    const detail = error.error_description ? ` (${error.error_description})` : '';
    return `${refused}: ${String(error.status)} ${error.error}${detail}`;
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    // A 401 with a challenge: its body still says why, as RFC 6749 asks.
    const body = (await error.response.json().catch(() => ({}))) as { error?: unknown };
    const reason = typeof body.error === 'string' ? body.error : 'unauthorized';
    return `${refused}: ${String(error.status)} ${reason}`;
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const reason = error instanceof Error ? error.message : String(error);
  return `the token endpoint ${url} gave no token: ${reason}${cause ? ` (${cause.message})` : ''}`;
}

/** A kafkajs `oauthBearerProvider` for these settings. */
export function oauthBearerProvider(
  settings: OAuthSettings,
  now: () => number = Date.now,
): () => Promise<OAuthBearerToken> {
  const config = configuration(settings);
  const parameters = settings.scope === undefined ? {} : { scope: settings.scope };
  let held: HeldToken | undefined;
  let pending: Promise<HeldToken> | undefined;

  async function fetchToken(): Promise<HeldToken> {
    try {
      const answer = await oauth.clientCredentialsGrant(config, parameters);
      const lifetimeMs = (answer.expiresIn() ?? DEFAULT_LIFETIME_S) * 1000;
      const margin = Math.min(lifetimeMs / 2, Math.max(REFRESH_MARGIN_MS, lifetimeMs / 5));
      return { value: answer.access_token, refreshAt: now() + lifetimeMs - margin };
    } catch (error) {
      throw new TokenEndpointError(await describeFailure(settings.tokenEndpointUrl, error));
    }
  }

  return async () => {
    if (held === undefined || now() >= held.refreshAt) {
      // Connections opened at once share one request to the endpoint.
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      held = await pending;
    }
    return { value: held.value, extensions: { ...settings.extensions } };
  };
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(bytes.length);
  return Buffer.concat([size, bytes]);
}

/** The client's first message (RFC 7628 §3.1): the token and the SASL extensions. */
function initialResponse(token: OAuthBearerToken): Buffer {
  const pairs = [
    `auth=Bearer ${token.value}`,
    ...Object.entries(token.extensions).map(([key, value]) => `${key}=${value}`),
  ];
  return Buffer.from(`n,,\x01${pairs.join('\x01')}\x01\x01`);
}

/**
 * OAUTHBEARER for kafkajs that reads the broker's answer. A broker refuses
 * a token (expired, wrong scope) with an error challenge, not an error code
 * (RFC 7628 §3.2.2); kafkajs's own mechanism ignores it and fails later as
 * "no brokers". This one answers the challenge with the lone 0x01 the RFC
 * asks for, and the broker then fails the exchange with
 * SASL_AUTHENTICATION_FAILED carrying its reason, which kafkajs throws.
 */
export function oauthBearerMechanism(token: () => Promise<OAuthBearerToken>): Mechanism {
  return {
    mechanism: 'oauthbearer',
    authenticationProvider: ({ saslAuthenticate }) => ({
      async authenticate() {
        const first = initialResponse(await token());
        const challenge = await saslAuthenticate<Buffer>({
          request: { encode: () => lengthPrefixed(first) },
          response: { decode: (raw: Buffer) => raw.subarray(4), parse: (bytes: Buffer) => bytes },
        });
        if (challenge === undefined || challenge.length === 0) return;
        await saslAuthenticate({ request: { encode: () => lengthPrefixed(Buffer.from([1])) } });
        throw new Error(`the broker refused the token: ${challenge.toString()}`);
      },
    }),
  };
}
