/**
 * HTTP/1.1 spoken byte by byte over a TCP socket, for the requests `fetch`
 * refuses to send: duplicate or malformed headers, bodies without a
 * Content-Length, clients that trickle their bytes.
 */
import { connect } from 'node:net';

/** What the server sent back before closing the connection. */
export interface RawAnswer {
  /** The status of the first response, or undefined when the server sent nothing. */
  readonly status: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body as an error envelope, when it is one. */
  readonly errorCode: string | undefined;
  /** Bytes of the request the client had written when the server closed. */
  readonly bytesWritten: number;
}

/** A request head: request line and headers, in order, duplicates allowed, nothing escaped. */
export function requestHead(
  method: string,
  path: string,
  headers: readonly (readonly [string, string])[],
): string {
  return `${method} ${path} HTTP/1.1\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
}

/** A body in chunked transfer coding, in chunks of `size` bytes. */
export function chunked(body: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let start = 0; start < body.length; start += size) {
    const part = body.subarray(start, start + size);
    chunks.push(
      Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]),
    );
  }
  chunks.push(Buffer.from('0\r\n\r\n'));
  return chunks;
}

/** The bytes of `text`, one part per byte, for a client that trickles them. */
export function byteByByte(text: string): Buffer[] {
  return [...Buffer.from(text)].map((byte) => Buffer.of(byte));
}

/** Options of {@link rawExchange}. */
export interface RawExchangeOptions {
  /** Pause between parts, to play a slow client (default 0). */
  readonly gapMs?: number;
  /** Half-close the connection after the last part (default false: wait for the server). */
  readonly endAfterParts?: boolean;
  /** Gives up (and fails) after this long without the server closing (default 30 s). */
  readonly timeoutMs?: number;
}

/**
 * Connects to `baseUrl`, writes `parts` one after another (stopping when the
 * server closes), and resolves with what the server answered once it closed
 * the connection.
 */
export async function rawExchange(
  baseUrl: string,
  parts: readonly (string | Buffer)[],
  { gapMs = 0, endAfterParts = false, timeoutMs = 30_000 }: RawExchangeOptions = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  const received: Buffer[] = [];
  const state = { closed: false };
  let bytesWritten = 0;
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close the connection within ${String(timeoutMs)} ms`));
    }, timeoutMs);
    socket.on('close', () => {
      state.closed = true;
      clearTimeout(timer);
      resolve();
    });
    // A reset after the server answered and closed is the expected end of a refused upload.
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  for (const part of parts) {
    if (state.closed || socket.destroyed || !socket.writable) break;
    socket.write(part);
    bytesWritten += Buffer.byteLength(part);
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  if (endAfterParts && !state.closed) socket.end();
  await done;
  return parseAnswer(Buffer.concat(received), bytesWritten);
}

function parseAnswer(bytes: Buffer, bytesWritten: number): RawAnswer {
  const text = bytes.toString('utf8');
  const headEnd = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/') || headEnd < 0) {
    return { status: undefined, headers: {}, body: text, errorCode: undefined, bytesWritten };
  }
  const [statusLine = '', ...headerLines] = text.slice(0, headEnd).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? Number.NaN);
  const rest = text.slice(headEnd + 4);
  const body = Number.isNaN(length) ? rest : rest.slice(0, length);
  let errorCode: string | undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown } };
    if (typeof parsed.error?.code === 'string') errorCode = parsed.error.code;
  } catch {
    errorCode = undefined;
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body, errorCode, bytesWritten };
}
