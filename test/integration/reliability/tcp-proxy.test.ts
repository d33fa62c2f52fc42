/**
 * The TCP proxy the reliability tests put between Wharf and a real Kafka:
 * its faults must be the ones the tests claim (a delay per direction, cut
 * connections, refused ones), against a plain echo server.
 */
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupsAfterEach, waitFor } from '../../support/kafka.ts';
import { TcpProxy } from '../../support/tcp-proxy.ts';

const cleanups = cleanupsAfterEach();

/** A client of the proxy that keeps what it received and how it ended. */
async function client(proxy: TcpProxy) {
  const socket = connect(proxy.port, '127.0.0.1');
  const state = { received: '', error: undefined as string | undefined, closed: false };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (state.received += chunk));
  socket.on('error', (error: NodeJS.ErrnoException) => (state.error = error.code ?? error.message));
  socket.on('close', () => (state.closed = true));
  // A refused connection may be reset before its 'connect' is seen.
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', () => {
      resolve();
    });
  });
  cleanups.push(() => Promise.resolve(socket.destroy()));
  return { socket, state };
}

/** Sends `text` and resolves with the time until its echo was back in full. */
async function roundTrip(socket: Socket, state: { received: string }, text: string) {
  const before = state.received.length;
  const started = Date.now();
  socket.write(text);
  await waitFor(`the echo of ${text}`, () =>
    state.received.length >= before + text.length ? true : undefined,
  );
  return Date.now() - started;
}

describe('TCP proxy', () => {
  let echo: Server;
  beforeAll(async () => {
    echo = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.pipe(socket);
    });
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        echo.close(() => {
          resolve();
        });
      }),
  );
  const echoAddress = () => {
    const address = echo.address();
    if (address === null || typeof address === 'string') throw new Error('no echo address');
    return `127.0.0.1:${String(address.port)}`;
  };
  async function proxy() {
    const started = await TcpProxy.start(echoAddress());
    cleanups.push(() => started.close());
    return started;
  }

  it('forwards both ways, each direction delayed as set, in order', async () => {
    const tcp = await proxy();
    const { socket, state } = await client(tcp);
    expect(await roundTrip(socket, state, 'plain')).toBeLessThan(200);

    tcp.setLatency({ toServerMs: 300 });
    expect(await roundTrip(socket, state, 'one-way')).toBeGreaterThanOrEqual(290);
    tcp.setLatency({ toClientMs: 300 });
    expect(await roundTrip(socket, state, 'both-ways')).toBeGreaterThanOrEqual(590);

    // Many small chunks: delayed, not serialised one delay each, and in order.
    const words = Array.from({ length: 200 }, (_, i) => `<${String(i)}>`);
    const started = Date.now();
    for (const word of words) socket.write(word);
    await waitFor('200 echoed words', () =>
      state.received.endsWith(words.at(-1) ?? '') ? true : undefined,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(state.received).toBe(`plainone-wayboth-ways${words.join('')}`);
    expect(tcp.stats.delayedChunks).toBeGreaterThan(0);

    tcp.heal();
    expect(await roundTrip(socket, state, 'healed')).toBeLessThan(200);
  });

  it('a clean close still forwards the bytes held back, then closes the other side', async () => {
    const tcp = await proxy();
    const { socket, state } = await client(tcp);
    tcp.setLatency({ toServerMs: 300, toClientMs: 300 });
    socket.end('last words');
    await waitFor('the echo and the close', () => (state.closed ? true : undefined));
    expect(state).toEqual({ received: 'last words', error: undefined, closed: true });
    await waitFor('the connection forgotten', () => (tcp.openConnections === 0 ? true : undefined));
  });

  it('drops every open connection with a reset, and accepts new ones after', async () => {
    const tcp = await proxy();
    const first = await client(tcp);
    const second = await client(tcp);
    await roundTrip(first.socket, first.state, 'a');
    await roundTrip(second.socket, second.state, 'b');

    expect(tcp.dropConnections()).toBe(2);
    await waitFor('both clients cut', () =>
      first.state.closed && second.state.closed ? true : undefined,
    );
    expect([first.state.error, second.state.error]).toEqual(['ECONNRESET', 'ECONNRESET']);
    expect(tcp.stats.dropped).toBe(2);
    expect(tcp.openConnections).toBe(0);

    const third = await client(tcp);
    expect(await roundTrip(third.socket, third.state, 'c')).toBeLessThan(1_000);
  });

  it('refuses new connections while told to, and keeps the open ones', async () => {
    const tcp = await proxy();
    const open = await client(tcp);
    tcp.refuseConnections(true);
    const refused = await client(tcp);
    refused.socket.write('x');
    await waitFor('the new client reset', () => (refused.state.closed ? true : undefined));
    expect(refused.state.received).toBe('');
    expect(tcp.stats.refused).toBe(1);
    expect(await roundTrip(open.socket, open.state, 'still')).toBeLessThan(1_000);

    tcp.refuseConnections(false);
    const again = await client(tcp);
    expect(await roundTrip(again.socket, again.state, 'back')).toBeLessThan(1_000);
  });

  it('resets a client when its target does not answer', async () => {
    // A port that was free a moment ago: nothing listens there.
    const nothing = createServer();
    nothing.listen(0, '127.0.0.1');
    await once(nothing, 'listening');
    const address = nothing.address();
    await new Promise<void>((resolve) => {
      nothing.close(() => {
        resolve();
      });
    });
    if (address === null || typeof address === 'string') throw new Error('no address');

    const tcp = await TcpProxy.start(`127.0.0.1:${String(address.port)}`);
    cleanups.push(() => tcp.close());
    const { socket, state } = await client(tcp);
    socket.write('anyone?');
    await waitFor('the client reset', () => (state.closed ? true : undefined));
    expect(state.received).toBe('');
    expect(tcp.stats).toMatchObject({ accepted: 0, refused: 1 });
  });
});
