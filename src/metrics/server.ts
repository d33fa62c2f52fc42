/**
 * The small HTTP server each process uses to expose its metrics and health
 * to Prometheus and Kubernetes, on a port of its own (never the webhook port).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Metrics } from './catalog.ts';

/** A running metrics server. */
export interface MetricsServer {
  /** Base URL, e.g. http://127.0.0.1:9091 */
  readonly url: string;
  close(): Promise<void>;
}

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** Whether the process does its work now (`/readyz`). */
  readonly isReady: () => boolean;
  /** Whether the process can still recover by itself (`/livez`); false asks for a restart. */
  readonly isAlive: () => boolean;
  readonly host: string;
  readonly port: number;
}

/** Serves `GET /metrics`, `GET /livez` and `GET /readyz`. */
export async function startMetricsServer(
  metrics: Metrics,
  { isReady, isAlive, host, port }: MetricsServerOptions,
): Promise<MetricsServer> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  app.get('/livez', (_req, res) => {
    const alive = isAlive();
    res.status(alive ? 200 : 503).json({ status: alive ? 'ok' : 'failed' });
  });
  app.get('/readyz', (_req, res) => {
    const ready = isReady();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
  });
  const server = createServer(app);
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${String(address.port)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
