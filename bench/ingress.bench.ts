/**
 * Ingress throughput and latency with autocannon, 1 KiB signed HappyColis
 * bodies, against the broker chosen in support/broker.ts (a real Apache
 * Kafka by default, `--broker mock` for librdkafka's mock), four servers in
 * one run:
 *   (a) Wharf's ingress (Express, auth, limits, headers, group commit);
 *   (b) the floor: a bare node:http server landing the same bodies with the
 *       same batching publisher;
 *   (c) a naive Express handler awaiting one producer.send per request;
 *   (d) the peer: @platformatic/kafka-hooks (`POST /topics/<topic>`, one
 *       awaited send per request, in a process of its own; see
 *       support/kafka-hooks-server.ts for its settings), same body, same
 *       key, same connections.
 * Prints req/s and p50/p99 latency of each, the ratios a/b, a/c and a/d, and
 * the broker process's resident memory (the JVM's, for Kafka) over the run.
 *
 * BENCH_DURATION (seconds per round, default 5), BENCH_ROUNDS (default 3, 5
 * with --full / BENCH_FULL=1) and
 * BENCH_CONNECTIONS (default 50). BENCH_BROKER_RTT_MS (default 0) delays every
 * broker response, to see the servers against a broker as far away as a real
 * replicated cluster answering acks=all (the mock answers in well under a
 * millisecond, a local Kafka in about one): the mock's own delay, or for
 * Kafka a TCP proxy in its own process (support/latency-proxy.ts).
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
import { rawTopicSpecs } from '../src/kafka/topics.ts';
import { createMetrics } from '../src/metrics/catalog.ts';
import { rssOf, startBenchBroker } from './support/broker.ts';
import { KAFKA_HOOKS_KEY_HEADER, startKafkaHooks } from './support/kafka-hooks-server.ts';
import type { KafkaHooksServer } from './support/kafka-hooks-server.ts';

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
/** The servers, in the order each round loads them. */
const SERVERS = ['wharf', 'floor', 'naive', 'hooks'] as const;
type ServerName = (typeof SERVERS)[number];

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

/** A server under load: its URL, and headers beyond the content type and the signature. */
interface Target {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

async function load(
  target: Target,
  payloadFile: string,
  signature: string,
  seconds: number,
): Promise<Result> {
  const headers = {
    'content-type': 'application/json',
    'x-happycolis-webhook-signature': signature,
    ...target.headers,
  };
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
      ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}=${value}`]),
      '-i',
      payloadFile,
      target.url,
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

/** Resident memory over the run: before the load, at most during it, at the end. */
class RssSampler {
  first = 0;
  max = 0;
  last = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(read: () => number, everyMs = 250) {
    const sample = () => {
      this.last = read();
      if (this.first === 0) this.first = this.last;
      this.max = Math.max(this.max, this.last);
    };
    sample();
    this.#timer = setInterval(sample, everyMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;

const payload = body();
const signature = createHmac('sha256', SECRET).update(payload).digest('base64');
const payloadFile = join(tmpdir(), `wharf-bench-body-${String(process.pid)}.json`);
await writeFile(payloadFile, payload);
/** The key Wharf gives this body; the floor and the naive server compute the same. */
const recordKey = sameRecord(Buffer.from(payload), {}).key;

const HOOKS_TOPIC = 'bench.raw.kafka-hooks';
const broker = await startBenchBroker({
  topics: [
    { topic: 'bench.raw.floor', numPartitions: 6 },
    { topic: 'bench.raw.naive', numPartitions: 6 },
    { topic: HOOKS_TOPIC, numPartitions: 6 },
    { topic: 'bench.kafka-hooks.idle', numPartitions: 1 },
  ],
  responseDelayMs: brokerRttMs,
});
console.log(`broker: ${broker.name} at ${broker.brokers.join(',')}`);
const logger = pino({ level: 'silent' });
let hooks: KafkaHooksServer | undefined;
try {
  const config = loadConfig({
    KAFKA_BROKERS: broker.brokers.join(','),
    WHARF_INGRESS_HOST: '127.0.0.1',
    WHARF_INGRESS_PORT: '0',
    WHARF_INGRESS_METRICS_PORT: '0',
    WHARF_HAPPYCOLIS_RAW_TOPIC: 'bench.raw.wharf',
    WHARF_HAPPYCOLIS_SECRETS: `*=${SECRET}`,
    // The bench posts HappyColis webhooks only.
    WHARF_SOURCES: 'happycolis',
  });
  await broker.createTopics(rawTopicSpecs(config));

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

  // (d) The peer, keyed as Wharf keys this body (so it lands on one partition, as Wharf's does).
  let hooksFailure: string | undefined;
  try {
    hooks = await startKafkaHooks({
      brokers: broker.brokers,
      topic: HOOKS_TOPIC,
      idleTopic: 'bench.kafka-hooks.idle',
    });
  } catch (error) {
    hooksFailure = error instanceof Error ? error.message : String(error);
  }

  const targets: Partial<Record<ServerName, Target>> = {
    wharf: { url: `${ingress.url}/webhooks/happycolis`, headers: {} },
    floor: { url: await listen(floorServer), headers: {} },
    naive: { url: await listen(naiveServer), headers: {} },
    ...(hooks === undefined
      ? {}
      : {
          hooks: {
            url: `${hooks.url}/topics/${HOOKS_TOPIC}`,
            headers: recordKey === null ? {} : { [KAFKA_HOOKS_KEY_HEADER]: recordKey },
          },
        }),
  };
  // Rounds interleave the servers so that drift of the machine (and JIT
  // warm-up, which a short unmeasured run also absorbs) weighs on all alike;
  // the median round is reported.
  const results: Record<ServerName, Result[]> = { wharf: [], floor: [], naive: [], hooks: [] };
  const brokerRss = new RssSampler(() => broker.rss());
  for (let round = 0; round < rounds; round++) {
    for (const name of SERVERS) {
      const target = targets[name];
      if (target === undefined) continue;
      await load(target, payloadFile, signature, 1);
      results[name].push(await load(target, payloadFile, signature, duration));
    }
  }
  brokerRss.stop();
  const hooksRss = hooks === undefined ? 0 : rssOf(hooks.pid);
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
    `${name.padEnd(38)} ${result.requests.toFixed(0).padStart(7)} req/s   p50 ${String(result.p50).padStart(4)} ms   p99 ${String(result.p99).padStart(4)} ms   non-2xx ${String(result.non2xx)}  errors ${String(result.errors)}`;
  console.log(
    `autocannon: ${String(connections)} connections, median of ${String(rounds)} interleaved rounds of ${String(duration)} s, 1 KiB signed HappyColis body, broker RTT +${String(brokerRttMs)} ms`,
  );
  console.log(row('(a) wharf ingress', wharf));
  console.log(row('(b) floor: node:http + publisher', floor));
  console.log(row('(c) naive: express, send per req', naive));
  if (hooks === undefined) {
    console.log(
      `(d) @platformatic/kafka-hooks: did not run: ${hooksFailure ?? 'unknown'} (its own error is above)`,
    );
  } else {
    console.log(row(`(d) @platformatic/kafka-hooks ${hooks.version}`, summary(results.hooks)));
  }
  console.log(`ratio a/b: ${(wharf.requests / floor.requests).toFixed(2)} (target >= 0.6)`);
  console.log(`ratio a/c: ${(wharf.requests / naive.requests).toFixed(2)} (target >= 3)`);
  if (hooks !== undefined) {
    const peer = summary(results.hooks);
    console.log(`ratio a/d: ${(wharf.requests / peer.requests).toFixed(2)} (Wharf vs kafka-hooks)`);
  }
  console.log(
    `broker process (pid ${String(broker.pid)}) RSS, VmRSS every 250 ms: before the load ${mib(brokerRss.first)}, max ${mib(brokerRss.max)}, end ${mib(brokerRss.last)}${hooks === undefined ? '' : `; kafka-hooks process at the end ${mib(hooksRss)}`}`,
  );
} finally {
  await hooks?.stop();
  await broker.stop();
}
