/**
 * Failures of the embedded schema registry. Each failure kind is its own class carrying the HTTP
 * status and the Confluent `error_code`, so that the HTTP layer only has to serialize them and
 * clients written against Confluent Schema Registry see the codes they already handle.
 */

/** Base class of every failure the registry reports to its callers. */
export abstract class RegistryError extends Error {
  /** HTTP status the REST layer answers with. */
  abstract readonly status: number;
  /** Confluent `error_code`, stable across releases; clients branch on it. */
  abstract readonly errorCode: number;
}

/** The subject has no (non-deleted) versions: 404 / 40401. */
export class SubjectNotFoundError extends RegistryError {
  override readonly name = 'SubjectNotFoundError';
  readonly status = 404;
  readonly errorCode = 40401;

  /** @param subject - The subject that was looked up. */
  constructor(subject: string) {
    super(`Subject '${subject}' not found.`);
  }
}

/** The subject exists but not with that version: 404 / 40402. */
export class VersionNotFoundError extends RegistryError {
  override readonly name = 'VersionNotFoundError';
  readonly status = 404;
  readonly errorCode = 40402;

  /** @param version - The version that was requested. */
  constructor(version: number | string) {
    super(`Version ${version} not found.`);
  }
}

/** No schema with that id, or the schema is not registered under the subject: 404 / 40403. */
export class SchemaNotFoundError extends RegistryError {
  override readonly name = 'SchemaNotFoundError';
  readonly status = 404;
  readonly errorCode = 40403;

  /** @param id - The global schema id, when the lookup was by id. */
  constructor(id?: number) {
    super(id === undefined ? 'Schema not found' : `Schema ${id} not found`);
  }
}

/** Permanent deletion requested before the soft deletion Confluent requires: 404 / 40405. */
export class SubjectNotSoftDeletedError extends RegistryError {
  override readonly name = 'SubjectNotSoftDeletedError';
  readonly status = 404;
  readonly errorCode = 40405;

  /** @param subject - The subject whose permanent deletion was requested. */
  constructor(subject: string) {
    super(`Subject '${subject}' was not deleted first before being permanently deleted`);
  }
}

/** The subject has no subject-level compatibility and the caller did not ask for the global one: 404 / 40408. */
export class SubjectCompatibilityNotConfiguredError extends RegistryError {
  override readonly name = 'SubjectCompatibilityNotConfiguredError';
  readonly status = 404;
  readonly errorCode = 40408;

  /** @param subject - The subject whose configuration was requested. */
  constructor(subject: string) {
    super(`Subject '${subject}' does not have subject-level compatibility configured`);
  }
}

/** Registering the schema would break the subject's compatibility rule: 409 / 409. */
export class IncompatibleSchemaError extends RegistryError {
  override readonly name = 'IncompatibleSchemaError';
  readonly status = 409;
  readonly errorCode = 409;
  /** One entry per violated version and direction, naming the offending field or type. */
  readonly details: readonly string[];

  /**
   * @param subject - The subject the schema was registered under.
   * @param level - The compatibility level in force for the subject.
   * @param details - Why the schema is incompatible, one entry per failed check.
   */
  constructor(subject: string, level: string, details: readonly string[]) {
    super(
      `Schema being registered is incompatible with an earlier schema for subject "${subject}" ` +
        `(compatibility ${level}), details: ${details.join('; ')}`,
    );
    this.details = details;
  }
}

/** The schema is not valid Avro, or uses something the embedded registry does not support: 422 / 42201. */
export class InvalidSchemaError extends RegistryError {
  override readonly name = 'InvalidSchemaError';
  readonly status = 422;
  readonly errorCode = 42201;
}

/** The version in the path is neither a positive 32-bit integer nor `latest`: 422 / 42202. */
export class InvalidVersionError extends RegistryError {
  override readonly name = 'InvalidVersionError';
  readonly status = 422;
  readonly errorCode = 42202;

  /** @param version - The version text as received. */
  constructor(version: string) {
    super(
      `The specified version '${version}' is not a valid version id. ` +
        'Allowed values are between [1, 2^31-1] and the string "latest"',
    );
  }
}

/** The compatibility level is not one Confluent knows: 422 / 42203. */
export class InvalidCompatibilityLevelError extends RegistryError {
  override readonly name = 'InvalidCompatibilityLevelError';
  readonly status = 422;
  readonly errorCode = 42203;

  /** @param level - The level as received. */
  constructor(level: string) {
    super(
      `Invalid compatibility level '${level}'. Valid values are none, backward, forward, full, ` +
        'backward_transitive, forward_transitive, and full_transitive',
    );
  }
}

/** The request body is not JSON, or not the JSON the endpoint expects: 422 / 422. */
export class UnprocessableRequestError extends RegistryError {
  override readonly name = 'UnprocessableRequestError';
  readonly status = 422;
  readonly errorCode = 422;
}

/** The request body's content type is not one the registry accepts: 415 / 415. */
export class UnsupportedMediaTypeError extends RegistryError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly status = 415;
  readonly errorCode = 415;

  /** @param accepted - The content types that would have been accepted. */
  constructor(accepted: readonly string[]) {
    super(`Unsupported request content type; use one of ${accepted.join(', ')}`);
  }
}

/** The request body exceeds the size limit: 413 / 413. */
export class PayloadTooLargeError extends RegistryError {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly errorCode = 413;

  /** @param limitBytes - The limit that was exceeded. */
  constructor(limitBytes: number) {
    super(`Request body exceeds the limit of ${limitBytes} bytes`);
  }
}

/** No endpoint matches the method and path: 404 / 404. */
export class RouteNotFoundError extends RegistryError {
  override readonly name = 'RouteNotFoundError';
  readonly status = 404;
  readonly errorCode = 404;

  /**
   * @param method - HTTP method of the request.
   * @param path - Path of the request.
   */
  constructor(method: string, path: string) {
    super(`HTTP 404 Not Found: no endpoint for ${method} ${path}`);
  }
}

/** A client-side HTTP problem detected below the registry (e.g. an undecodable URL): 4xx / same. */
export class HttpRequestError extends RegistryError {
  override readonly name = 'HttpRequestError';
  readonly status: number;
  readonly errorCode: number;

  /**
   * @param status - The 4xx status reported by the HTTP stack.
   * @param reason - What the HTTP stack complained about.
   */
  constructor(status: number, reason: string) {
    super(reason);
    this.status = status;
    this.errorCode = status;
  }
}

/** Anything the registry did not anticipate: 500 / 50001. */
export class InternalRegistryError extends RegistryError {
  override readonly name = 'InternalRegistryError';
  readonly status = 500;
  readonly errorCode = 50001;

  /** @param cause - The unexpected error, kept for logging. */
  constructor(cause: unknown) {
    super(`Unexpected error in the embedded schema registry: ${describeCause(cause)}`, { cause });
  }
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
