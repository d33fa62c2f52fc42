/**
 * Wharf's errors carry a stable code from one closed list. The same code
 * appears in HTTP answers, dead-letter headers, logs and metric labels, so
 * an operator can follow one failure through all of them.
 */

/** Every error code Wharf emits. */
export const ERROR_CODES = [
  'UNKNOWN_SOURCE',
  'AUTH_MISSING',
  'AUTH_INVALID',
  'SIGNATURE_INVALID',
  'UNSUPPORTED_CONTENT_TYPE',
  'UNSUPPORTED_CONTENT_ENCODING',
  'PAYLOAD_TOO_LARGE',
  'EMPTY_BODY',
  'BAD_REQUEST',
  'RATE_LIMITED',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'PUBLISH_FAILED',
  'PUBLISH_TIMEOUT',
  'SHUTTING_DOWN',
  'MISSING_SOURCE',
  'SOURCE_MISMATCH',
  'INVALID_JSON',
  'NESTING_TOO_DEEP',
  'UNKNOWN_EVENT_TYPE',
  'SCHEMA_VALIDATION_FAILED',
  'NORMALIZATION_FAILED',
  'TENANT_MISMATCH',
  'REPLAYED',
  'OUTPUT_TOO_LARGE',
  'INTERNAL',
] as const;

/** A stable, documented error code. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Options of {@link WharfError}. */
export interface WharfErrorOptions {
  /** Whether the same request may succeed if sent again later. */
  canRetry?: boolean;
  /** The error that led to this one. */
  cause?: unknown;
}

/** Base class of Wharf's errors: a stable code and whether a retry may help. */
export class WharfError extends Error {
  override readonly name: string = 'WharfError';
  /** The stable code, from {@link ERROR_CODES}. */
  readonly code: ErrorCode;
  /** Whether the same request may succeed if sent again later. */
  readonly canRetry: boolean;

  constructor(code: ErrorCode, message: string, options: WharfErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.canRetry = options.canRetry ?? false;
  }
}

/** Kafka did not acknowledge a record (the broker refused it or is unreachable). */
export class PublishError extends WharfError {
  override readonly name = 'PublishError';
  constructor(message: string, cause?: unknown) {
    super('PUBLISH_FAILED', message, { canRetry: true, cause });
  }
}

/** Kafka did not acknowledge a record within the deadline. */
export class PublishTimeoutError extends WharfError {
  override readonly name = 'PublishTimeoutError';
  constructor(timeoutMs: number) {
    super(
      'PUBLISH_TIMEOUT',
      `Kafka did not acknowledge the record within ${String(timeoutMs)} ms`,
      {
        canRetry: true,
      },
    );
  }
}

/** The process is draining for shutdown and takes no new work. */
export class ShuttingDownError extends WharfError {
  override readonly name = 'ShuttingDownError';
  constructor() {
    super('SHUTTING_DOWN', 'Wharf is shutting down; send again later', { canRetry: true });
  }
}
