/**
 * The ingress process: provisions the raw topics, connects the producer,
 * serves the HTTP application, and drains cleanly on shutdown.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { ShuttingDownError } from '../errors.ts';
import { BatchingPublisher } from '../kafka/batching-publisher.ts';
import { createKafka, createProducer, ensureTopics } from '../kafka/client.ts';
import { createMetrics } from '../metrics/catalog.ts';
import type { Metrics } from '../metrics/catalog.ts';
import { SOURCES } from '../providers/index.ts';
import { createIngressApp } from './app.ts';

/** A running ingress. */
export interface RunningIngress {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly metrics: Metrics;
  /**
   * Stops accepting, answers or fails every request in flight, flushes what
   * was accepted, disconnects. Resolves within the configured grace period.
   */
  shutdown(): Promise<void>;
}

/** Options of {@link startIngress}. */
export interface StartIngressOptions {
  /** Metrics to record into (default: a new catalog with process metrics). */
  readonly metrics?: Metrics;
}

/** Starts the ingress: raw topics, producer, HTTP server. */
export async function startIngress(
  config: Config,
  logger: Logger,
  options: StartIngressOptions = {},
): Promise<RunningIngress> {
  const metrics = options.metrics ?? createMetrics();
  const kafka = createKafka(config.kafka, logger);

  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await ensureTopics(
      admin,
      SOURCES.map((source) => ({
        topic: config.ingress.sources[source].rawTopic,
        numPartitions: config.kafka.topicPartitions,
        replicationFactor: config.kafka.topicReplicationFactor,
      })),
    );
    if (created.length > 0) logger.info({ topics: created }, 'created raw topics');
  } finally {
    await admin.disconnect();
  }

  const producer = createProducer(kafka);
  let connected = false;
  producer.on(producer.events.CONNECT, () => {
    connected = true;
  });
  producer.on(producer.events.DISCONNECT, () => {
    connected = false;
  });
  await producer.connect();

  const publisher = new BatchingPublisher(producer, {
    maxRecords: config.ingress.batchMaxRecords,
    maxBytes: config.ingress.batchMaxBytes,
    lingerMs: config.ingress.batchLingerMs,
    timeoutMs: config.ingress.produceTimeoutMs,
    metrics,
  });

  let draining = false;
  const app = createIngressApp({
    config: config.ingress,
    publisher,
    metrics,
    logger,
    isReady: () => connected,
    isDraining: () => draining,
  });

  const server = createServer(
    {
      // Slow clients are cut off: headers and whole requests have deadlines.
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 5_000,
    },
    app,
  );
  let inFlight = 0;
  let idle: (() => void) | undefined;
  server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) idle?.();
    });
  });
  server.listen(config.ingress.port, config.ingress.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = config.ingress.host === '0.0.0.0' ? '127.0.0.1' : config.ingress.host;
  const url = `http://${host}:${String(port)}`;
  logger.info({ url }, 'ingress listening');

  let stopping: Promise<void> | undefined;
  async function drain(): Promise<void> {
    draining = true;
    const closed = new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    server.closeIdleConnections();
    const answered =
      inFlight === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            idle = resolve;
          });
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, config.ingress.shutdownGraceMs);
    });
    const outcome = await Promise.race([
      answered.then(() => publisher.close()).then(() => 'done' as const),
      grace,
    ]);
    if (outcome === 'timeout') {
      logger.warn({ inFlight }, 'grace period over: failing what is still in flight');
      publisher.abort(new ShuttingDownError());
      server.closeAllConnections();
    }
    clearTimeout(timer);
    await closed;
    await producer.disconnect();
    logger.info('ingress stopped');
  }

  return {
    url,
    metrics,
    shutdown() {
      stopping ??= drain();
      return stopping;
    },
  };
}
