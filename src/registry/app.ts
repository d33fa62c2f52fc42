/**
 * The Confluent Schema Registry REST API (the part `@kafkajs/confluent-schema-registry` and
 * `wharf schemas check` use) as an express application over a {@link SchemaStore}.
 */
import express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import { z } from 'zod';

import { parseCompatibilityLevel } from './compatibility.ts';
import type { CompatibilityLevel } from './compatibility.ts';
import {
  HttpRequestError,
  InternalRegistryError,
  InvalidSchemaError,
  PayloadTooLargeError,
  RegistryError,
  RouteNotFoundError,
  SchemaNotFoundError,
  UnprocessableRequestError,
  UnsupportedMediaTypeError,
} from './errors.ts';
import { parseVersionSpec } from './store.ts';
import type { CompatibilityResult, SchemaStore } from './store.ts';

/** Content type of every answer, as Confluent sends it. */
export const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** Request body content types accepted, the same list Confluent accepts. */
export const ACCEPTED_CONTENT_TYPES: readonly string[] = [
  'application/vnd.schemaregistry.v1+json',
  'application/vnd.schemaregistry+json',
  'application/json',
  'application/octet-stream',
];

/** Default request body limit: 1 MiB, far above any sane schema. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** Minimal logger; a pino logger fits. */
export interface RegistryLogger {
  /** Per-request trace and client errors. */
  debug(details: Record<string, unknown>, message: string): void;
  /** Unexpected failures (answered with 500). */
  error(details: Record<string, unknown>, message: string): void;
}

/** Options of {@link createRegistryApp}. */
export interface RegistryAppOptions {
  /** Where to log; nothing is logged by default. */
  readonly logger?: RegistryLogger;
  /** Largest accepted request body; {@link DEFAULT_BODY_LIMIT_BYTES} by default. */
  readonly bodyLimitBytes?: number;
}

const schemaBody = z.object({
  schema: z.string(),
  schemaType: z.string().nullish(),
  references: z
    .array(z.object({ name: z.string(), subject: z.string(), version: z.number().int() }))
    .nullish(),
});

/** Confluent documents `compatibility`; some tools send `compatibilityLevel` as in GET answers. */
const configBody = z.object({
  compatibility: z.string().optional(),
  compatibilityLevel: z.string().optional(),
});

const SILENT_LOGGER: RegistryLogger = { debug: () => undefined, error: () => undefined };

/**
 * Builds the express application serving the registry API over `store`.
 *
 * @param store - The registry state; the app holds no state of its own.
 * @param options - See {@link RegistryAppOptions}.
 */
export function createRegistryApp(store: SchemaStore, options: RegistryAppOptions = {}): Express {
  const logger = options.logger ?? SILENT_LOGGER;
  const app = express();
  app.disable('x-powered-by');
  // Confluent has no conditional GETs, and subjects are case-sensitive.
  app.set('etag', false);
  app.set('case sensitive routing', true);

  app.use(logRequests(logger));
  app.use(requireAcceptedContentType);
  app.use(
    express.json({
      type: [...ACCEPTED_CONTENT_TYPES],
      limit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    }),
  );

  addMetadataRoutes(app);
  addConfigRoutes(app, store);
  addSubjectRoutes(app, store);
  addSchemaRoutes(app, store);

  app.use((req: Request) => {
    throw new RouteNotFoundError(req.method, req.path);
  });
  app.use(handleErrors(logger, options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES));
  return app;
}

function addMetadataRoutes(app: Express): void {
  app.get('/', (_req, res) => {
    send(res, {});
  });
  app.get('/schemas/types', (_req, res) => {
    send(res, ['AVRO']);
  });
}

function addConfigRoutes(app: Express, store: SchemaStore): void {
  app.get('/config', (_req, res) => {
    send(res, { compatibilityLevel: store.getGlobalCompatibility() });
  });
  app.put('/config', (req, res) => {
    const level = parseConfigBody(req.body);
    store.setGlobalCompatibility(level);
    send(res, { compatibility: level });
  });
  app.get('/config/:subject', (req, res) => {
    const defaultToGlobal = queryFlag(req, 'defaultToGlobal');
    const level = store.getSubjectCompatibility(req.params.subject, { defaultToGlobal });
    send(res, { compatibilityLevel: level });
  });
  app.put('/config/:subject', (req, res) => {
    const level = parseConfigBody(req.body);
    store.setSubjectCompatibility(req.params.subject, level);
    send(res, { compatibility: level });
  });
  app.delete('/config/:subject', (req, res) => {
    send(res, { compatibilityLevel: store.deleteSubjectCompatibility(req.params.subject) });
  });
}

function addSubjectRoutes(app: Express, store: SchemaStore): void {
  app.get('/subjects', (req, res) => {
    send(res, store.listSubjects({ includeDeleted: queryFlag(req, 'deleted') }));
  });
  app.post('/subjects/:subject/versions', (req, res) => {
    const { id } = store.register(req.params.subject, parseBody(schemaBody, req.body));
    send(res, { id });
  });
  app.get('/subjects/:subject/versions', (req, res) => {
    const includeDeleted = queryFlag(req, 'deleted');
    send(res, store.listVersions(req.params.subject, { includeDeleted }));
  });
  app.get('/subjects/:subject/versions/:version', (req, res) => {
    const spec = parseVersionSpec(req.params.version);
    const includeDeleted = queryFlag(req, 'deleted');
    send(res, store.getVersion(req.params.subject, spec, { includeDeleted }));
  });
  app.post('/subjects/:subject', (req, res) => {
    const input = parseBody(schemaBody, req.body);
    const includeDeleted = queryFlag(req, 'deleted');
    send(res, store.lookup(req.params.subject, input, { includeDeleted }));
  });
  app.delete('/subjects/:subject', (req, res) => {
    const permanent = queryFlag(req, 'permanent');
    send(res, store.deleteSubject(req.params.subject, { permanent }));
  });
  app.post('/compatibility/subjects/:subject/versions', (req, res) => {
    const input = parseBody(schemaBody, req.body);
    send(
      res,
      compatibilityAnswer(req, () => store.testRegistration(req.params.subject, input)),
    );
  });
  app.post('/compatibility/subjects/:subject/versions/:version', (req, res) => {
    const spec = parseVersionSpec(req.params.version);
    const input = parseBody(schemaBody, req.body);
    send(
      res,
      compatibilityAnswer(req, () => store.testCompatibility(req.params.subject, spec, input)),
    );
  });
}

/**
 * A compatibility test's answer as Confluent gives it: `{is_compatible}`, plus `messages` only with
 * `?verbose=true`, when an invalid schema is also an answer (not compatible, and why) rather than a
 * 422.
 */
function compatibilityAnswer(
  req: Request,
  test: () => CompatibilityResult,
): { is_compatible: boolean; messages?: readonly string[] } {
  if (!queryFlag(req, 'verbose')) {
    return { is_compatible: test().compatible };
  }
  try {
    const result = test();
    return { is_compatible: result.compatible, messages: result.messages };
  } catch (error) {
    if (!(error instanceof InvalidSchemaError)) throw error;
    return { is_compatible: false, messages: [error.message] };
  }
}

function addSchemaRoutes(app: Express, store: SchemaStore): void {
  app.get('/schemas/ids/:id', (req, res) => {
    const { schema } = store.getSchemaById(parseSchemaId(req.params.id));
    send(res, { schema });
  });
}

function send(res: Response, body: unknown, status = 200): void {
  res.status(status).type(REGISTRY_CONTENT_TYPE).send(JSON.stringify(body));
}

function parseSchemaId(raw: string): number {
  const id = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new SchemaNotFoundError();
  }
  return id;
}

function parseConfigBody(body: unknown): CompatibilityLevel {
  const { compatibility, compatibilityLevel } = parseBody(configBody, body);
  const level = compatibility ?? compatibilityLevel;
  if (level === undefined) {
    throw new UnprocessableRequestError('Request body must have a "compatibility" field');
  }
  return parseCompatibilityLevel(level);
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === undefined) {
    throw new UnprocessableRequestError('A JSON request body is required');
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issues = result.error.issues.map(
      (issue) => `${issue.path.length === 0 ? 'body' : issue.path.join('.')}: ${issue.message}`,
    );
    throw new UnprocessableRequestError(`Invalid request body: ${issues.join('; ')}`);
  }
  return result.data;
}

function queryFlag(req: Request, name: string): boolean {
  const value = req.query[name];
  return typeof value === 'string' && value.toLowerCase() === 'true';
}

/** Refuses bodies the JSON parser would silently skip, instead of failing later on a missing body. */
function requireAcceptedContentType(req: Request, _res: Response, next: NextFunction): void {
  // An empty body (fetch sends one for a bodiless POST) is reported as missing, not mistyped.
  const empty = req.headers['content-length'] === '0';
  if (!empty && req.is([...ACCEPTED_CONTENT_TYPES]) === false) {
    next(new UnsupportedMediaTypeError(ACCEPTED_CONTENT_TYPES));
    return;
  }
  next();
}

function logRequests(logger: RegistryLogger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.on('finish', () => {
      logger.debug(
        { method: req.method, url: req.originalUrl, status: res.statusCode },
        'schema registry request',
      );
    });
    next();
  };
}

function handleErrors(logger: RegistryLogger, bodyLimitBytes: number) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      // Only express can still abort the half-sent answer.
      next(error);
      return;
    }
    const failure = toRegistryError(error, bodyLimitBytes);
    if (failure.status >= 500) {
      logger.error({ err: error, method: req.method, url: req.originalUrl }, failure.message);
    }
    send(res, { error_code: failure.errorCode, message: failure.message }, failure.status);
  };
}

/** Maps the errors of express and its body parser (which carry `status` and `type`) onto ours. */
function toRegistryError(error: unknown, bodyLimitBytes: number): RegistryError {
  if (error instanceof RegistryError) {
    return error;
  }
  const http = httpErrorShape(error);
  if (http?.type === 'entity.parse.failed') {
    return new UnprocessableRequestError(`Malformed JSON request body: ${http.message}`);
  }
  if (http?.type === 'entity.too.large') {
    return new PayloadTooLargeError(bodyLimitBytes);
  }
  if (http !== undefined && http.status >= 400 && http.status < 500) {
    return new HttpRequestError(http.status, http.message);
  }
  return new InternalRegistryError(error);
}

function httpErrorShape(
  error: unknown,
): { status: number; type: string | undefined; message: string } | undefined {
  if (!(error instanceof Error) || !('status' in error) || typeof error.status !== 'number') {
    return undefined;
  }
  const type = 'type' in error && typeof error.type === 'string' ? error.type : undefined;
  return { status: error.status, type, message: error.message };
}
