/**
 * A TCP proxy between Wharf and a real Kafka that the test controls, and a
 * private Kafka behind one: network faults a real broker has no command for.
 *
 * The proxy forwards every connection it accepts to its target, and can
 *   - delay what it forwards, per direction: each chunk leaves the given time
 *     after it arrived, in order (a slow network or a slow broker, without
 *     slowing the throughput down to one chunk per delay);
 *   - drop every current connection (the client sees a reset);
 *   - refuse new connections (accepted and reset at once).
 *
 * The Kafka behind it advertises the proxy's port, so that a client which
 * bootstraps through the proxy is told to connect to the proxy again and
 * never bypasses it.
 */
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startKafka } from '../../src/broker/kafka-broker.ts';
import type { KafkaBroker, KafkaOptions } from '../../src/broker/kafka-broker.ts';

/** Added delay per direction, in ms. */
export interface ProxyLatency {
  /** Client → server: requests. */
  readonly toServerMs: number;
  /** Server → client: responses. */
  readonly toClientMs: number;
}

/** What the proxy has done so far, for a test to prove its fault happened. */
export interface ProxyStats {
  /** Connections accepted and forwarded. */
  accepted: number;
  /** Connections reset on arrival (refusing, no target, or the target refused them). */
  refused: number;
  /** Connections cut by {@link TcpProxy.dropConnections}. */
  dropped: number;
  /** Chunks forwarded after an added delay. */
  delayedChunks: number;
}

/** Closes a socket with a reset (RST), as a cut connection looks to its peer. */
function reset(socket: Socket): void {
  if (!socket.destroyed) socket.resetAndDestroy();
}

/** Bytes a direction may hold back before it stops reading its source. */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

/** Forwards one direction of a connection, each chunk `delayMs()` after it arrived, in order. */
class DelayedPipe {
  readonly #from: Socket;
  readonly #to: Socket;
  readonly #delayMs: () => number;
  readonly #onDelayed: () => void;
  readonly #queue: { chunk: Buffer; dueAt: number }[] = [];
  #queuedBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;
  /** Waiting for the destination to drain its write buffer. */
  #blocked = false;

  constructor(from: Socket, to: Socket, delayMs: () => number, onDelayed: () => void) {
    this.#from = from;
    this.#to = to;
    this.#delayMs = delayMs;
    this.#onDelayed = onDelayed;
    from.on('data', (chunk: Buffer) => {
      this.#receive(chunk);
    });
    from.on('end', () => {
      this.#ended = true;
      this.#flush();
    });
  }

  #receive(chunk: Buffer): void {
    const delay = this.#delayMs();
    if (delay <= 0 && this.#queue.length === 0) {
      this.#write(chunk);
      return;
    }
    this.#queue.push({ chunk, dueAt: Date.now() + delay });
    this.#queuedBytes += chunk.length;
    this.#updateFlow();
    this.#schedule();
  }

  #schedule(): void {
    const head = this.#queue[0];
    if (this.#timer !== undefined || head === undefined) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#flush();
      },
      Math.max(0, head.dueAt - Date.now()),
    );
  }

  #flush(): void {
    const now = Date.now();
    for (let head = this.#queue[0]; head && head.dueAt <= now; head = this.#queue[0]) {
      this.#queue.shift();
      this.#queuedBytes -= head.chunk.length;
      this.#onDelayed();
      this.#write(head.chunk);
    }
    this.#updateFlow();
    if (this.#queue.length > 0) this.#schedule();
    else if (this.#ended) this.#to.end();
  }

  #write(chunk: Buffer): void {
    if (this.#to.destroyed) return;
    if (!this.#to.write(chunk) && !this.#blocked) {
      this.#blocked = true;
      this.#to.once('drain', () => {
        this.#blocked = false;
        this.#updateFlow();
      });
    }
    this.#updateFlow();
  }

  /** Reads the source only while the destination keeps up and not too much is held back. */
  #updateFlow(): void {
    if (this.#blocked || this.#queuedBytes > MAX_QUEUED_BYTES) this.#from.pause();
    else if (this.#from.isPaused()) this.#from.resume();
  }

  /** Whether everything received was forwarded and the source has ended. */
  get done(): boolean {
    return this.#ended && this.#queue.length === 0;
  }

  /** Drops what is held back (the connection is going away). */
  discard(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
    this.#queuedBytes = 0;
  }
}

interface Connection {
  readonly client: Socket;
  readonly server: Socket;
  readonly pipes: readonly DelayedPipe[];
}

/** A TCP proxy on 127.0.0.1 whose faults the test switches on and off; see the module comment. */
export class TcpProxy {
  readonly #server: Server;
  readonly #connections = new Set<Connection>();
  #latency: ProxyLatency = { toServerMs: 0, toClientMs: 0 };
  #refusing = false;
  /** `host:port` connections are forwarded to; until it is set, connections are refused. */
  target: string | undefined;
  readonly stats: ProxyStats = { accepted: 0, refused: 0, dropped: 0, delayedChunks: 0 };

  private constructor(server: Server, target: string | undefined) {
    this.#server = server;
    this.target = target;
    server.on('connection', (client: Socket) => {
      this.#accept(client);
    });
  }

  /** Listens on a free port of 127.0.0.1, forwarding to `target` (which may be set later). */
  static async start(target?: string): Promise<TcpProxy> {
    // Half-open: one side's end is passed on only after what it sent before it.
    const server = createServer({ allowHalfOpen: true });
    const proxy = new TcpProxy(server, target);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  /** The port the proxy listens on. */
  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy is closed');
    return address.port;
  }

  /** Connections open now. */
  get openConnections(): number {
    return this.#connections.size;
  }

  /** Delays every chunk forwarded from now on (0 for none), on every connection. */
  setLatency(latency: Partial<ProxyLatency>): void {
    this.#latency = { ...this.#latency, ...latency };
  }

  /** Whether new connections are reset on arrival instead of forwarded. */
  refuseConnections(refusing: boolean): void {
    this.#refusing = refusing;
  }

  /** Cuts every open connection (the client sees a reset); returns how many were cut. */
  dropConnections(): number {
    const cut = this.#connections.size;
    for (const connection of [...this.#connections]) {
      this.#close(connection);
      reset(connection.client);
    }
    this.stats.dropped += cut;
    return cut;
  }

  /** Back to a plain proxy: no delay, connections accepted. */
  heal(): void {
    this.#latency = { toServerMs: 0, toClientMs: 0 };
    this.#refusing = false;
  }

  /** Stops listening and cuts every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    this.dropConnections();
    await closed;
  }

  #accept(client: Socket): void {
    client.on('error', () => undefined);
    const target = this.target;
    if (this.#refusing || target === undefined) {
      this.stats.refused++;
      reset(client);
      return;
    }
    const separator = target.lastIndexOf(':');
    const server = connect({
      port: Number(target.slice(separator + 1)),
      host: target.slice(0, separator),
      allowHalfOpen: true,
    });
    server.setNoDelay(true);
    client.setNoDelay(true);
    const connection: Connection = {
      client,
      server,
      pipes: [
        new DelayedPipe(
          client,
          server,
          () => this.#latency.toServerMs,
          () => this.stats.delayedChunks++,
        ),
        new DelayedPipe(
          server,
          client,
          () => this.#latency.toClientMs,
          () => this.stats.delayedChunks++,
        ),
      ],
    };
    this.#connections.add(connection);
    let connected = false;
    server.once('connect', () => {
      connected = true;
      this.stats.accepted++;
    });
    server.on('error', () => {
      // The target is down: to the client, a refused connection.
      if (!connected) this.stats.refused++;
      this.#close(connection);
      reset(client);
    });
    // A side that closed cleanly has its last bytes forwarded (after their
    // delay) and the other side ended; one that failed takes the other down.
    server.on('close', (hadError) => {
      if (hadError) {
        this.#close(connection);
        reset(client);
      } else this.#closeOnceBothDone(connection);
    });
    client.on('close', (hadError) => {
      if (hadError) {
        this.#close(connection);
        server.destroy();
      } else this.#closeOnceBothDone(connection);
    });
  }

  #closeOnceBothDone(connection: Connection): void {
    const { client, server, pipes } = connection;
    if (client.closed && server.closed) this.#close(connection);
    else if (pipes.every((pipe) => pipe.done)) {
      // Both directions ended: nothing is left to forward.
      client.destroy();
      server.destroy();
    }
  }

  #close(connection: Connection): void {
    if (!this.#connections.delete(connection)) return;
    for (const pipe of connection.pipes) pipe.discard();
    connection.server.destroy();
  }
}

/** A Kafka of a test file's own, reachable only through a proxy the test controls. */
export interface KafkaBehindProxy {
  readonly kafka: KafkaBroker;
  readonly proxy: TcpProxy;
  /** Bootstrap list for clients: the proxy. */
  readonly brokers: readonly string[];
}

/** Starts a proxy, then a Kafka that advertises the proxy's port, and points the proxy at it. */
export async function startKafkaBehindProxy(
  options: Omit<KafkaOptions, 'advertisedPort'> = {},
): Promise<KafkaBehindProxy> {
  const proxy = await TcpProxy.start();
  try {
    const kafka = await startKafka({ heapMb: 256, ...options, advertisedPort: proxy.port });
    proxy.target = kafka.listenAddress;
    return { kafka, proxy, brokers: kafka.brokers };
  } catch (error) {
    await proxy.close();
    throw error;
  }
}

/**
 * Starts a Kafka behind a proxy before the calling file's (or describe
 * block's) tests and stops both after them; after each test the proxy is
 * healed, and the end of the server's log is printed beside a failing test.
 * Meant for `describe.skipIf(!isRealKafka())` blocks, whose hooks do not run
 * when skipped.
 */
export function privateKafkaBehindProxy(
  options: Omit<KafkaOptions, 'advertisedPort'> = {},
): Readonly<KafkaBehindProxy> {
  let started: KafkaBehindProxy | undefined;
  const running = (): KafkaBehindProxy => {
    if (!started) throw new Error('the private Kafka did not start');
    return started;
  };
  beforeAll(async () => {
    started = await startKafkaBehindProxy(options);
  }, 120_000);
  afterEach(async ({ task }) => {
    if (!started) return;
    started.proxy.heal();
    if (task.result?.state !== 'fail') return;
    process.stderr.write(
      `\n--- the end of the private Kafka's log ${started.kafka.logFile} ---\n${await started.kafka.logTail(40)}\n`,
    );
  });
  afterAll(async () => {
    if (!started) return;
    await started.proxy.close();
    await started.kafka.stop();
  });
  return {
    get kafka() {
      return running().kafka;
    },
    get proxy() {
      return running().proxy;
    },
    get brokers() {
      return running().brokers;
    },
  };
}
