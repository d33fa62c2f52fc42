/**
 * The small HTTP server a process without an ingress (the worker) uses to
 * expose its metrics and health to Prometheus and Kubernetes.
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

/**
 * Serves `GET /metrics`, `GET /livez` (the process runs) and `GET /readyz`
 * (whatever `isReady` says).
 */
export async function startMetricsServer(
  metrics: Metrics,
  isReady: () => boolean,
  host: string,
  port: number,
): Promise<MetricsServer> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  app.get('/livez', (_req, res) => {
    res.json({ status: 'ok' });
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
