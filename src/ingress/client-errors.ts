/**
 * Answers to requests Node.js's HTTP parser refuses before the application
 * sees them: malformed HTTP (a bare CR or a NUL in a header, both
 * Content-Length and Transfer-Encoding…), headers over the size limit, and
 * clients too slow to send their request within its deadline. Node.js's own
 * answers have no body; these carry the same `{"error": {code, message}}` as
 * every other refusal, so a sender sees why. The connection is always closed.
 */
import { STATUS_CODES, maxHeaderSize } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../errors.ts';

/** What to answer a client error with. */
export interface ClientErrorAnswer {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
}

/** The answer to a parser or deadline error (`error.code` as Node.js sets it). */
export function clientErrorAnswer(
  error: Error & { code?: unknown },
  deadlines: { readonly headersTimeoutMs: number; readonly requestTimeoutMs: number },
): ClientErrorAnswer {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        code: 'BAD_REQUEST',
        message: `the request headers are larger than ${String(maxHeaderSize)} bytes`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADERS_TIMEOUT':
      return {
        status: 408,
        code: 'BAD_REQUEST',
        message:
          `the request was not received in time (headers within ${String(deadlines.headersTimeoutMs)} ms, ` +
          `the whole request within ${String(deadlines.requestTimeoutMs)} ms)`,
      };
    default:
      return {
        status: 400,
        code: 'BAD_REQUEST',
        message: `the request is not valid HTTP/1.1 (${typeof error.code === 'string' ? error.code : 'malformed'})`,
      };
  }
}

/** Writes `answer` as a whole HTTP response on a raw socket, then closes it. */
export function writeClientErrorAnswer(socket: Duplex, answer: ClientErrorAnswer): void {
  const body = JSON.stringify({ error: { code: answer.code, message: answer.message } });
  socket.end(
    `HTTP/1.1 ${String(answer.status)} ${STATUS_CODES[answer.status] ?? ''}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${String(Buffer.byteLength(body))}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
