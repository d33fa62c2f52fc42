/**
 * A small OAuth 2.0 token endpoint for tests (RFC 6749 §4.4, the
 * client-credentials grant): `POST /token` with the form
 * `grant_type=client_credentials[&scope=…]`, the client authenticated by
 * HTTP Basic or by `client_id`/`client_secret` in the form. It answers
 * `{access_token, token_type: "Bearer", expires_in, scope}`.
 *
 * The tokens are unsigned JWTs (`{"alg":"none"}`), which is what Kafka's
 * unsecured OAUTHBEARER validator accepts: it checks `sub`, `exp` (and `iat`
 * when present, and a required scope when configured), never a signature.
 *
 * The test steers it: the lifetime of the next tokens (0 or less issues
 * tokens already expired), a refusing mode (every request gets 401
 * `invalid_client`), and a count of tokens issued.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Options of {@link startOAuthTokenEndpoint}. */
export interface OAuthTokenEndpointOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The scope granted when the request names none. */
  readonly scope: string;
  /** Lifetime of the tokens issued, in seconds (default 3600). */
  readonly lifetimeSeconds?: number;
}

/** A running token endpoint. */
export interface OAuthTokenEndpoint {
  /** The token URL, `http://127.0.0.1:<port>/token`. */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope: string;
  /** While on, every request is answered 401 `{"error":"invalid_client"}`. */
  setRefusing(on: boolean): void;
  /** Lifetime of the tokens issued from now on; 0 or less issues expired ones. */
  setLifetimeSeconds(seconds: number): void;
  /** How many tokens were issued so far. */
  issued(): number;
  close(): Promise<void>;
}

/** The claims of the tokens issued. */
export interface TokenClaims {
  readonly sub: string;
  /** Seconds since the epoch. */
  readonly iat: number;
  readonly exp: number;
  /** Space-separated scopes. */
  readonly scope: string;
}

/** An unsigned JWT: base64url header `{"alg":"none"}`, base64url claims, empty signature. */
export function unsignedJwt(claims: TokenClaims): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}

/**
 * Claims for `sub` living `lifetimeSeconds` from now. An expired one was
 * issued a minute before it expired, since Kafka reads an expiry that is not
 * after the issue time as malformed rather than expired.
 */
export function tokenClaims(sub: string, scope: string, lifetimeSeconds: number): TokenClaims {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + lifetimeSeconds;
  return { sub, iat: Math.min(now, exp - 60), exp, scope };
}

/** The client id and secret of a request: HTTP Basic first (RFC 6749 §2.3.1), else the form. */
function clientCredentials(
  request: IncomingMessage,
  form: URLSearchParams,
): { id: string; secret: string } | undefined {
  const basic = /^Basic\s+(.+)$/i.exec(request.headers.authorization ?? '');
  if (basic?.[1] !== undefined) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    // Both halves are form-encoded first (RFC 6749 §2.3.1): '+' is a space.
    const formDecode = (text: string) => decodeURIComponent(text.replaceAll('+', ' '));
    return {
      id: formDecode(decoded.slice(0, colon)),
      secret: formDecode(decoded.slice(colon + 1)),
    };
  }
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  return id === null || secret === null ? undefined : { id, secret };
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function answer(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...(status === 401 ? { 'www-authenticate': 'Basic realm="token"' } : {}),
  });
  response.end(JSON.stringify(body));
}

interface EndpointState {
  refusing: boolean;
  lifetimeSeconds: number;
  issued: number;
}

async function handleTokenRequest(
  options: OAuthTokenEndpointOptions,
  state: EndpointState,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (new URL(request.url ?? '/', 'http://localhost').pathname !== '/token') {
    answer(response, 404, { error: 'not_found' });
    return;
  }
  if (request.method !== 'POST') {
    answer(response, 405, { error: 'invalid_request' });
    return;
  }
  const form = await readForm(request);
  const client = clientCredentials(request, form);
  const known = client?.id === options.clientId && client.secret === options.clientSecret;
  if (state.refusing || !known) {
    answer(response, 401, { error: 'invalid_client' });
    return;
  }
  if (form.get('grant_type') !== 'client_credentials') {
    answer(response, 400, { error: 'unsupported_grant_type' });
    return;
  }
  const scope = form.get('scope') ?? options.scope;
  state.issued += 1;
  answer(response, 200, {
    access_token: unsignedJwt(tokenClaims(options.clientId, scope, state.lifetimeSeconds)),
    token_type: 'Bearer',
    // A token already expired is announced as expiring now (expires_in cannot be negative).
    expires_in: Math.max(0, state.lifetimeSeconds),
    scope,
  });
}

/** Starts a token endpoint on 127.0.0.1 and a free port. */
export async function startOAuthTokenEndpoint(
  options: OAuthTokenEndpointOptions,
): Promise<OAuthTokenEndpoint> {
  const state: EndpointState = {
    refusing: false,
    lifetimeSeconds: options.lifetimeSeconds ?? 3600,
    issued: 0,
  };
  const server = createServer((request, response) => {
    handleTokenRequest(options, state, request, response).catch(() => {
      if (!response.headersSent) answer(response, 500, { error: 'server_error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/token`,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    scope: options.scope,
    setRefusing(on) {
      state.refusing = on;
    },
    setLifetimeSeconds(seconds) {
      state.lifetimeSeconds = seconds;
    },
    issued: () => state.issued,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

/** The error a refused token request throws: the endpoint's status and `error` code. */
export class TokenRequestError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string) {
    super(`the token endpoint answered ${String(status)} ${code}`);
    this.name = 'TokenRequestError';
    this.status = status;
    this.code = code;
  }
}

/**
 * Asks `url` for a token by the client-credentials grant (client in HTTP
 * Basic) and returns the access token: what a client such as Wharf does.
 *
 * @throws {TokenRequestError} when the endpoint does not answer 200.
 */
export async function requestToken(
  url: string,
  client: { clientId: string; clientSecret: string; scope?: string },
): Promise<string> {
  const basic = Buffer.from(
    `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`,
  ).toString('base64');
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (client.scope !== undefined) form.set('scope', client.scope);
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}` },
    body: form,
  });
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (response.status !== 200 || body.access_token === undefined)
    throw new TokenRequestError(response.status, body.error ?? 'no access_token');
  return body.access_token;
}
