/**
 * Clients of the schema registry, with its authentication (basic, as
 * Confluent Cloud's API key and secret, or a bearer token) and TLS (a CA
 * bundle, a client certificate): the worker's and `wharf tail`'s
 * SchemaRegistry, and `wharf schemas check`'s plain requests.
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Agent as HttpsAgent } from 'node:https';
import { Agent as UndiciAgent, fetch } from 'undici';
import type { RegistrySecurity } from '../config/security.ts';
import { tlsOptions } from './client.ts';
import type { TlsOptions } from './client.ts';

type RegistryArgs = ConstructorParameters<typeof SchemaRegistry>[0];

/** Node's TLS options for the registry: its CA and client certificate, the host name always checked. */
function registryTls(security: RegistrySecurity): TlsOptions | undefined {
  return security.tls === undefined
    ? undefined
    : tlsOptions({ ...security.tls, checkHostname: true, passphrase: undefined });
}

/** The Authorization header for the registry, if it takes one. */
export function registryAuthorization(security: RegistrySecurity): string | undefined {
  const { auth } = security;
  if (auth.kind === 'bearer') return `Bearer ${auth.token}`;
  if (auth.kind === 'basic') {
    return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  }
  return undefined;
}

/** A SchemaRegistry client of the registry at `url`. */
export function createRegistryClient(url: string, security: RegistrySecurity): SchemaRegistry {
  const authorization = registryAuthorization(security);
  const tls = registryTls(security);
  const args: RegistryArgs = {
    host: url,
    ...(tls === undefined ? {} : { agent: new HttpsAgent(tls) }),
    ...(authorization === undefined
      ? {}
      : {
          middlewares: [
            () => ({
              prepareRequest: async (next) =>
                (await next()).enhance({ headers: { authorization } }),
            }),
          ],
        }),
  };
  return new SchemaRegistry(args);
}

/** A `fetch` that presents the registry's credentials and trusts its CA. */
export function registryFetch(
  security: RegistrySecurity,
): (url: string, init?: { headers?: Record<string, string> }) => ReturnType<typeof fetch> {
  const authorization = registryAuthorization(security);
  const tls = registryTls(security);
  const dispatcher = tls === undefined ? undefined : new UndiciAgent({ connect: tls });
  return (url, init = {}) =>
    fetch(url, {
      headers: { ...init.headers, ...(authorization === undefined ? {} : { authorization }) },
      ...(dispatcher === undefined ? {} : { dispatcher }),
    });
}
