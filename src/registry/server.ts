/**
 * Starts the embedded schema registry on a local port, for tests and the local "run everything"
 * mode. Production points SCHEMA_REGISTRY_URL at a real Confluent-compatible registry instead.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createRegistryApp } from './app.ts';
import type { RegistryLogger } from './app.ts';
import type { CompatibilityLevel } from './compatibility.ts';
import { SchemaStore } from './store.ts';

/** Options of {@link startEmbeddedRegistry}. */
export interface EmbeddedRegistryOptions {
  /** Port to listen on; 0 (the default) picks a free ephemeral port. */
  readonly port?: number;
  /** Interface to listen on; `127.0.0.1` by default, so nothing is exposed beyond the machine. */
  readonly host?: string;
  /** Initial global compatibility level; `BACKWARD` (Confluent's default) by default. */
  readonly defaultCompatibility?: CompatibilityLevel;
  /** Where to log; nothing is logged by default. */
  readonly logger?: RegistryLogger;
  /** Largest accepted request body in bytes; 1 MiB by default. */
  readonly bodyLimitBytes?: number;
}

/** A running embedded registry. */
export interface EmbeddedRegistry {
  /** Base URL to give clients, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  /** The registry state, for seeding or inspecting it without HTTP. */
  readonly store: SchemaStore;
  /** Stops listening and resolves once the server is closed; calling it again is harmless. */
  close(): Promise<void>;
}

/**
 * Starts an in-process Confluent-compatible schema registry over HTTP.
 *
 * @param options - See {@link EmbeddedRegistryOptions}.
 * @returns The running registry, once it accepts connections.
 */
export async function startEmbeddedRegistry(
  options: EmbeddedRegistryOptions = {},
): Promise<EmbeddedRegistry> {
  const store = new SchemaStore(
    options.defaultCompatibility === undefined
      ? {}
      : { defaultCompatibility: options.defaultCompatibility },
  );
  const app = createRegistryApp(store, {
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: options.bodyLimitBytes }),
  });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => {
        if (error === undefined) {
          resolve();
        } else {
          reject(error);
        }
      });
      // Clients keep connections alive; idle ones would otherwise hold close() until they time out.
      server.closeIdleConnections();
    });
    return closing;
  };
  return { url: urlOf(server.address() as AddressInfo), store, close };
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
