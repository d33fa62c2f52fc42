/**
 * OAUTHBEARER tokens for kafkajs from an OAuth 2.0 token endpoint, by the
 * client-credentials grant (openid-client does the protocol). kafkajs asks
 * for a token on every new connection; one is kept and fetched again when
 * its remaining life falls under a fifth of its lifetime (at most a minute),
 * so a connection never presents a token about to expire.
 */
import * as oauth from 'openid-client';
import type { OauthbearerProviderResponse } from 'kafkajs';
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

function describeFailure(url: string, error: unknown): string {
  if (error instanceof oauth.ResponseBodyError) {
    return `the token endpoint ${url} refused the client credentials: ${error.status} ${error.error}${error.error_description ? ` (${error.error_description})` : ''}`;
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
      const margin = Math.min(60_000, lifetimeMs / 5);
      return { value: answer.access_token, refreshAt: now() + lifetimeMs - margin };
    } catch (error) {
      throw new TokenEndpointError(describeFailure(settings.tokenEndpointUrl, error));
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
