/**
 * Ingress throughput and latency with autocannon, 1 KiB signed HappyColis
 * bodies, against the test broker, three servers in one run:
 *   (a) Wharf's ingress (Express, auth, limits, headers, group commit);
 *   (b) the floor: a bare node:http server landing the same bodies with the
 *       same batching publisher;
 *   (c) a naive Express handler awaiting one producer.send per request.
 * Prints req/s and p50/p99 latency of each and the ratios a/b and a/c.
 *
 * BENCH_DURATION (seconds per round, default 5), BENCH_ROUNDS (default 3, 5
 * with --full / BENCH_FULL=1) and
 * BENCH_CONNECTIONS (default 50). BENCH_BROKER_RTT_MS (default 0) delays every
 * broker response, to see the servers against a broker as far away as a real
 * replicated cluster answering acks=all (the test broker answers in well
 * under a millisecond).
 */
import { execFile } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import { pino } from 'pino';
import { loadConfig } from '../src/config/config.ts';
import { startIngress } from '../src/ingress/server.ts';
import { BatchingPublisher } from '../src/kafka/batching-publisher.ts';
import type { PublishRecord } from '../src/kafka/batching-publisher.ts';
import { RAW_HEADERS } from '../src/kafka/headers.ts';
import { PROVIDERS } from '../src/providers/index.ts';
import { createKafka, createProducer } from '../src/kafka/client.ts';
import { createMetrics } from '../src/metrics/catalog.ts';
import { startTestBroker } from '../src/broker/test-broker.ts';

const run = promisify(execFile);

/**
 * The record Wharf lands for a request, built the cheapest way, so that the
 * floor and the naive server write what Wharf writes (same key, same headers).
 */
function sameRecord(value: Buffer, headers: IncomingHttpHeaders): PublishRecord {
  let key: string | null;
  try {
    key = PROVIDERS.happycolis.ingress.rawRecordKey(JSON.parse(value.toString('utf8'))) ?? null;
  } catch {
    key = null;
  }
  return {
    key,
    value,
    headers: {
      [RAW_HEADERS.source]: 'happycolis',
      [RAW_HEADERS.requestId]: randomUUID(),
      [RAW_HEADERS.receivedAt]: new Date().toISOString(),
      [RAW_HEADERS.contentType]: headers['content-type'] ?? '',
      'x-happycolis-webhook-signature': String(headers['x-happycolis-webhook-signature']),
    },
  };
}
const duration = Number(process.env.BENCH_DURATION ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? (process.env.BENCH_FULL === '1' ? 5 : 3));
const brokerRttMs = Number(process.env.BENCH_BROKER_RTT_MS ?? 0);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECRET = 'bench-secret';

/** A realistic 1 KiB HappyColis message. */
function body(): string {
  const message = {
    header: { id: 'msg-1', type: 'delivery-order/shipped', timestamp: '2023-12-08T13:56:00' },
    body: { id: 'DO-123456', reference: 'REF-1', state: 'SHIPPED', notes: '' },
  };
  const base = JSON.stringify(message).length;
  message.body.notes = 'x'.repeat(1024 - base);
  return JSON.stringify(message);
}

interface Result {
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
}

async function load(
  url: string,
  payloadFile: string,
  signature: string,
  seconds: number,
): Promise<Result> {
  const { stdout } = await run(
    'autocannon',
    [
      '--json',
      '-c',
      String(connections),
      '-d',
      String(seconds),
      '-m',
      'POST',
      '-H',
      'content-type=application/json',
      '-H',
      `x-happycolis-webhook-signature=${signature}`,
      '-i',
      payloadFile,
      url,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const report = JSON.parse(stdout) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  return {
    requests: report.requests.average,
    p50: report.latency.p50,
    p99: report.latency.p99,
    non2xx: report.non2xx,
    errors: report.errors,
  };
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

const payload = body();
const signature = createHmac('sha256', SECRET).update(payload).digest('base64');
const payloadFile = join(tmpdir(), `wharf-bench-body-${String(process.pid)}.json`);
await writeFile(payloadFile, payload);

const broker = await startTestBroker({
  topics: ['bench.raw.floor:6', 'bench.raw.naive:6'],
});
const logger = pino({ level: 'silent' });
try {
  const config = loadConfig({
    KAFKA_BROKERS: broker.brokers.join(','),
    WHARF_INGRESS_HOST: '127.0.0.1',
    WHARF_INGRESS_PORT: '0',
    WHARF_HAPPYCOLIS_RAW_TOPIC: 'bench.raw.wharf',
    WHARF_HAPPYCOLIS_SECRETS: SECRET,
    WHARF_SHIPWELL_AUTH: 'none',
    WHARF_ONGOING_AUTH: 'none',
  });

  if (brokerRttMs > 0) await broker.control.setRtt(brokerRttMs);

  // (a) Wharf's ingress.
  const ingress = await startIngress(config, logger, { metrics: createMetrics() });

  const kafka = createKafka(config.kafka, logger);
  const producer = createProducer(kafka);
  await producer.connect();

  // (b) The floor: no framework, no checks, the same batching publisher.
  const publisher = new BatchingPublisher(producer, {
    lingerMs: config.ingress.batchLingerMs,
    maxRecords: config.ingress.batchMaxRecords,
  });
  const floorServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      publisher.publish('bench.raw.floor', sameRecord(Buffer.concat(chunks), req.headers)).then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x"}'),
        () => res.writeHead(503).end(),
      );
    });
  });

  // (c) Naive: one awaited send per request.
  const naiveApp = express();
  naiveApp.post('/', express.raw({ type: () => true }), async (req, res) => {
    try {
      await producer.send({
        topic: 'bench.raw.naive',
        acks: -1,
        messages: [sameRecord(req.body as Buffer, req.headers)],
      });
      res.json({ id: 'x' });
    } catch {
      res.status(503).end();
    }
  });
  const naiveServer = createServer(naiveApp);

  const targets = {
    wharf: `${ingress.url}/webhooks/happycolis`,
    floor: await listen(floorServer),
    naive: await listen(naiveServer),
  };
  // Rounds interleave the servers so that drift of the machine (and JIT
  // warm-up, which a short unmeasured run also absorbs) weighs on all alike;
  // the median round is reported.
  const results: Record<keyof typeof targets, Result[]> = { wharf: [], floor: [], naive: [] };
  for (let round = 0; round < rounds; round++) {
    for (const name of ['wharf', 'floor', 'naive'] as const) {
      await load(targets[name], payloadFile, signature, 1);
      results[name].push(await load(targets[name], payloadFile, signature, duration));
    }
  }
  await ingress.shutdown();
  await close(floorServer);
  await close(naiveServer);
  await publisher.close();
  await producer.disconnect();

  const median = (values: number[]) =>
    [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;
  const summary = (list: Result[]): Result => ({
    requests: median(list.map((result) => result.requests)),
    p50: median(list.map((result) => result.p50)),
    p99: median(list.map((result) => result.p99)),
    non2xx: list.reduce((sum, result) => sum + result.non2xx, 0),
    errors: list.reduce((sum, result) => sum + result.errors, 0),
  });
  const wharf = summary(results.wharf);
  const floor = summary(results.floor);
  const naive = summary(results.naive);

  const row = (name: string, result: Result) =>
    `${name.padEnd(34)} ${result.requests.toFixed(0).padStart(7)} req/s   p50 ${String(result.p50).padStart(4)} ms   p99 ${String(result.p99).padStart(4)} ms   non-2xx ${String(result.non2xx)}  errors ${String(result.errors)}`;
  console.log(
    `autocannon: ${String(connections)} connections, median of ${String(rounds)} interleaved rounds of ${String(duration)} s, 1 KiB signed HappyColis body, broker RTT +${String(brokerRttMs)} ms`,
  );
  console.log(row('(a) wharf ingress', wharf));
  console.log(row('(b) floor: node:http + publisher', floor));
  console.log(row('(c) naive: express, send per req', naive));
  console.log(`ratio a/b: ${(wharf.requests / floor.requests).toFixed(2)} (target >= 0.6)`);
  console.log(`ratio a/c: ${(wharf.requests / naive.requests).toFixed(2)} (target >= 3)`);
} finally {
  await broker.stop();
}
