/**
 * The ingress process: provisions the raw topics, connects the producer,
 * serves the HTTP application, and drains cleanly on shutdown.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { ShuttingDownError } from '../errors.ts';
import { BatchingPublisher } from '../kafka/batching-publisher.ts';
import { createKafka, createProducer } from '../kafka/client.ts';
import { watchKafkaConnection } from '../kafka/connection-health.ts';
import { startMetricsServer } from '../metrics/server.ts';
import { provisionTopics, rawTopicSpecs } from '../kafka/topics.ts';
import { createMetrics } from '../metrics/catalog.ts';
import type { Metrics } from '../metrics/catalog.ts';
import { createIngressApp } from './app.ts';
import { clientErrorAnswer, writeClientErrorAnswer } from './client-errors.ts';

/** How long aborted requests get to write their 503 before connections are cut. */
const ANSWER_AFTER_ABORT_MS = 500;
/** How long the producer may take to disconnect when the grace period is spent. */
const MIN_DISCONNECT_MS = 250;

/** Resolves true when `work` settles within `ms`, false when the time runs out first. */
async function withDeadline(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** A running ingress. */
export interface RunningIngress {
  /** Base URL of the webhooks, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  /** Base URL of /metrics, /livez and /readyz, e.g. http://127.0.0.1:9095 */
  readonly metricsUrl: string;
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
  /** How often a raw topic found too small is checked again (default 15 s). */
  readonly topicRecheckMs?: number;
  /** How often a fresh connection to Kafka is tried, to notice refused credentials (default 15 s). */
  readonly connectionCheckMs?: number;
}

/** Starts the ingress: raw topics, producer, HTTP server. */
export async function startIngress(
  config: Config,
  logger: Logger,
  options: StartIngressOptions = {},
): Promise<RunningIngress> {
  const metrics = options.metrics ?? createMetrics();
  const kafka = createKafka(config.kafka, logger);

  // A raw topic that cannot take a body at the size limit keeps the ingress
  // unready (rather than answering 503 to the largest webhooks only).
  const rawTopics = rawTopicSpecs(config);
  const topics = await provisionTopics(
    { create: rawTopics, check: rawTopics },
    {
      admin: () => kafka.admin(),
      logger,
      metrics,
      ...(options.topicRecheckMs === undefined ? {} : { recheckMs: options.topicRecheckMs }),
    },
  );

  const connection = watchKafkaConnection(kafka, {
    security: config.kafka.security,
    logger,
    metrics,
    intervalMs: options.connectionCheckMs,
  });

  let connected = false;
  let producer: Producer | undefined;
  const connectProducer = async () => {
    const fresh = createProducer(kafka);
    fresh.on(fresh.events.CONNECT, () => {
      if (producer === fresh) connected = true;
    });
    // The replaced producer's disconnection says nothing of the current one.
    fresh.on(fresh.events.DISCONNECT, () => {
      if (producer === fresh) connected = false;
    });
    producer = fresh;
    await fresh.connect();
    return fresh;
  };
  const first = await connectProducer();
  // A broker that crashed can keep batches the producer counted as failed:
  // its sequence numbers are then lost for good, and a new producer takes over.
  const renewProducer = async () => {
    logger.warn('the Kafka producer lost its sequence numbers; replacing it');
    const previous = producer;
    const fresh = await connectProducer();
    void previous?.disconnect().catch((error: unknown) => {
      logger.warn({ err: error }, 'disconnecting the replaced producer failed');
    });
    return fresh;
  };

  const publisher = new BatchingPublisher(first, {
    maxRecords: config.ingress.batchMaxRecords,
    maxBytes: config.ingress.batchMaxBytes,
    lingerMs: config.ingress.batchLingerMs,
    timeoutMs: config.ingress.produceTimeoutMs,
    maxPendingRecords: config.ingress.maxPendingRecords,
    maxPendingBytes: config.ingress.maxPendingBytes,
    metrics,
    renewProducer,
  });

  let draining = false;
  const app = createIngressApp({
    sources: config.sources,
    config: config.ingress,
    publisher,
    metrics,
    logger,
    isDraining: () => draining,
  });

  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = config.ingress;
  const server = createServer(
    {
      // Slow clients are cut off (408, connection closed): the headers and
      // the whole request, body included, have deadlines, so a client that
      // trickles bytes cannot hold a connection and its buffers for long.
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      // Node.js checks those deadlines on this period (30 s by default, which
      // would let a trickling client outlive a short deadline by that much).
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(1_000, Math.floor(Math.min(headersTimeoutMs, requestTimeoutMs) / 4)),
      ),
    },
    app,
  );
  const responses = new Set<ServerResponse>();
  let idle: (() => void) | undefined;
  server.on('request', (_req, res: ServerResponse) => {
    // While draining, every answer closes its connection, so that no client
    // keeps a connection the server is waiting to close.
    if (draining) res.shouldKeepAlive = false;
    responses.add(res);
    res.once('close', () => {
      responses.delete(res);
      if (responses.size === 0) idle?.();
    });
  });
  server.on('clientError', (error: Error & { code?: unknown }, socket: Duplex) => {
    // A client that is gone cannot be answered; nor can one whose answer has begun.
    const answering = [...responses].some((res) => res.socket === socket && res.headersSent);
    if (error.code === 'ECONNRESET' || !socket.writable || answering) {
      socket.destroy();
      return;
    }
    const answer = clientErrorAnswer(error, config.ingress);
    metrics.ingressRejected.inc({ source: 'unknown', code: answer.code });
    logger.debug(
      { err: error, status: answer.status },
      'refused a request Node.js could not parse',
    );
    writeClientErrorAnswer(socket, answer);
  });
  server.listen(config.ingress.port, config.ingress.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = config.ingress.host === '0.0.0.0' ? '127.0.0.1' : config.ingress.host;
  const url = `http://${host}:${String(port)}`;
  // Health and metrics on a port of their own: the webhook port, which the
  // providers reach, shows nothing of the process.
  const metricsServer = await startMetricsServer(metrics, {
    isReady: () =>
      connected &&
      !draining &&
      topics.problems().length === 0 &&
      connection.blockingProblem() === undefined,
    isAlive: () => true,
    host: config.ingress.metricsHost,
    port: config.ingress.metricsPort,
  });
  logger.info({ url, metricsUrl: metricsServer.url }, 'ingress listening');
  const open = config.sources.filter(
    (source) => config.ingress.sources[source].auth.mode === 'none',
  );
  if (open.length > 0) {
    logger.warn(
      { sources: open },
      'these sources accept webhooks without authentication (WHARF_ALLOW_UNAUTHENTICATED=true)',
    );
  }

  const allAnswered = () =>
    responses.size === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          idle = resolve;
        });

  let stopping: Promise<void> | undefined;
  async function drain(): Promise<void> {
    const deadline = Date.now() + config.ingress.shutdownGraceMs;
    draining = true;
    topics.stop();
    connection.stop();
    for (const res of responses) if (!res.headersSent) res.shouldKeepAlive = false;
    const closed = new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    server.closeIdleConnections();

    const drained = await withDeadline(
      allAnswered().then(() => publisher.close()),
      deadline - Date.now(),
    );
    if (!drained) {
      logger.warn({ inFlight: responses.size }, 'grace period over: failing what is in flight');
      publisher.abort(new ShuttingDownError());
      // The aborted requests answer 503 in their own microtasks; give them a
      // moment to write before connections are cut.
      await withDeadline(allAnswered(), ANSWER_AFTER_ABORT_MS);
    }
    server.closeIdleConnections();
    if (!(await withDeadline(closed, Math.max(0, deadline - Date.now())))) {
      server.closeAllConnections();
      await closed;
    }
    // The grace period bounds the whole shutdown, disconnect included.
    await withDeadline(
      producer?.disconnect() ?? Promise.resolve(),
      Math.max(MIN_DISCONNECT_MS, deadline - Date.now()),
    );
    await metricsServer.close();
    logger.info('ingress stopped');
  }

  return {
    url,
    metricsUrl: metricsServer.url,
    metrics,
    shutdown() {
      stopping ??= drain();
      return stopping;
    },
  };
}
