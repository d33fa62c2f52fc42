/**
 * A TCP proxy in front of a real Kafka that holds every chunk the broker
 * sends for a fixed delay before passing it on: the same thing the mock's
 * `rtt` command does (each response later by that much), for a broker that
 * has no such command. Requests go through at once, and chunks keep their
 * order. It runs in a process of its own, so that copying the bytes does not
 * take the benchmark's event loop; Kafka advertises the proxy's port, so
 * every client connection goes through it.
 *
 * Connections accepted before {@link LatencyProxy.forwardTo} wait for it: the
 * port must exist before Kafka starts (Kafka is told to advertise it), and
 * Kafka's own port is known only once it has started.
 */
import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serveUntilStdinCloses, startChildService } from './child-service.ts';

/** A running proxy process. */
export interface LatencyProxy {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** The proxy's process id. */
  readonly pid: number;
  /** Where to forward connections, `host:port`. */
  forwardTo(address: string): void;
  stop(): Promise<void>;
}

/** Starts a proxy process that delays what comes back by `delayMs`. */
export async function startLatencyProxy(delayMs: number): Promise<LatencyProxy> {
  const service = await startChildService(new URL(import.meta.url), [
    '--delay-ms',
    String(delayMs),
  ]);
  const { port } = service.announcement as { port: number };
  return {
    port,
    pid: service.pid,
    forwardTo: (address) => {
      service.send(address);
    },
    stop: () => service.stop(),
  };
}

/** Writes what `from` sends to `to`, each chunk `delayMs` after it arrived, in order. */
function delayed(from: Socket, to: Socket, delayMs: number): void {
  const queue: { due: number; chunk: Buffer }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && (queue[0]?.due ?? Infinity) <= now) {
      to.write((queue.shift() as { chunk: Buffer }).chunk);
    }
    const next = queue[0];
    if (next !== undefined) timer = setTimeout(flush, Math.max(0, next.due - now));
  };
  from.on('data', (chunk: Buffer) => {
    queue.push({ due: performance.now() + delayMs, chunk });
    timer ??= setTimeout(flush, delayMs);
  });
  from.on('end', () => {
    const last = queue.at(-1);
    setTimeout(
      () => to.end(),
      last === undefined ? 0 : Math.max(0, last.due - performance.now() + 1),
    );
  });
}

function runProxy(delayMs: number): void {
  let resolveTarget: (address: string) => void = () => undefined;
  const target = new Promise<string>((resolve) => {
    resolveTarget = resolve;
  });
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.setNoDelay(true);
    client.pause();
    void target.then((address) => {
      const [host = '127.0.0.1', port = '0'] = address.split(':');
      const upstream = connect({ host, port: Number(port), noDelay: true });
      sockets.add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      client.pipe(upstream);
      delayed(upstream, client, delayMs);
      client.resume();
    });
  });
  server.listen(0, '127.0.0.1', () => {
    serveUntilStdinCloses(
      { port: (server.address() as AddressInfo).port },
      (line) => {
        if (line.trim() !== '') resolveTarget(line.trim());
      },
      async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      },
    );
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { 'delay-ms': { type: 'string', default: '0' } } });
  runProxy(Number(values['delay-ms']));
}
