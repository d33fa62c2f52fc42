/**
 * The ingress HTTP application: authenticated webhook endpoints that answer
 * 200 only for what Kafka has stored. Health and metrics are served on a
 * port of their own (server.ts): this one takes webhooks only.
 *
 * A webhook request goes: trace context → source → draining? → header auth →
 * content type → rate limit → body (size limit) → signature → raw record →
 * Kafka → answer. Every log line about a webhook carries its trace id.
 * The content is not judged here (that is the worker's job): anything
 * authentic within the limits is landed, valid JSON or not.
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { IHeaders } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { WharfError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import type { PublishRecord } from '../kafka/batching-publisher.ts';
import { RAW_HEADERS } from '../kafka/headers.ts';
import type { Metrics } from '../metrics/catalog.ts';
import { PROVIDERS, isSource } from '../providers/index.ts';
import type { Source } from '../providers/index.ts';
import { createAuthenticator } from './auth.ts';
import type { Authenticator } from './auth.ts';
import { webhookTrace } from './trace-context.ts';
import type { WebhookTrace } from './trace-context.ts';

/** What the ingress application needs from its surroundings. */
export interface IngressDependencies {
  readonly config: Config['ingress'];
  /** The sources this deployment runs: the others are answered 404, as unknown ones. */
  readonly sources: readonly Source[];
  readonly publisher: { publish(topic: string, record: PublishRecord): Promise<void> };
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** A shutdown has begun: new webhooks are refused with 503. */
  isDraining(): boolean;
  /** The clock (default: the system's). */
  readonly now?: () => Date;
}

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNKNOWN_SOURCE: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  AUTH_MISSING: 401,
  AUTH_INVALID: 401,
  SIGNATURE_INVALID: 401,
  UNSUPPORTED_CONTENT_TYPE: 415,
  UNSUPPORTED_CONTENT_ENCODING: 415,
  PAYLOAD_TOO_LARGE: 413,
  EMPTY_BODY: 400,
  BAD_REQUEST: 400,
  RATE_LIMITED: 429,
  PUBLISH_FAILED: 503,
  PUBLISH_TIMEOUT: 503,
  SHUTTING_DOWN: 503,
};

/** Where webhooks are sent: the source, and an event type where the provider names it in the URL. */
const WEBHOOK_PATH = '/webhooks/:source{/:eventType}';

interface SourceRoute {
  readonly source: Source;
  readonly topic: string;
  readonly contentTypes: ReadonlySet<string>;
  readonly authenticator: Authenticator;
  readonly readBody: RequestHandler;
  readonly rateLimit: RequestHandler | undefined;
}

/** Runs the source's rate limiter, if any; false when it answered 429 itself. */
async function withinRateLimit(route: SourceRoute, req: Request, res: Response): Promise<boolean> {
  if (!route.rateLimit) return true;
  let passed = false;
  let failure: Error | undefined;
  await Promise.resolve(
    route.rateLimit(req, res, (error?: unknown) => {
      if (error) failure = error instanceof Error ? error : new Error('rate limiter failed');
      else passed = true;
    }),
  );
  if (failure) throw failure;
  return passed;
}

function param(req: Request, name: string): string | undefined {
  const value: unknown = req.params[name];
  return typeof value === 'string' ? value : undefined;
}

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/** Builds the ingress application. */
export function createIngressApp(deps: IngressDependencies): express.Express {
  const { config, metrics, logger } = deps;
  const now = deps.now ?? (() => new Date());

  const routes = new Map<Source, SourceRoute>(
    deps.sources.map((source) => {
      const settings = config.sources[source];
      const provider = PROVIDERS[source];
      const perSecond = settings.rateLimitPerSecond;
      return [
        source,
        {
          source,
          topic: settings.rawTopic,
          contentTypes: new Set(settings.contentTypes),
          authenticator: createAuthenticator(settings.auth, provider.ingress.signature),
          // Every content type is read as bytes: signatures are over bytes,
          // the bytes on the wire, so a compressed body is refused (415), not
          // inflated and then checked.
          readBody: express.raw({ type: () => true, limit: config.maxBodyBytes, inflate: false }),
          rateLimit:
            perSecond === undefined
              ? undefined
              : rateLimit({
                  windowMs: 1_000,
                  limit: perSecond,
                  keyGenerator: () => source,
                  standardHeaders: false,
                  legacyHeaders: false,
                  handler: (_req, res) => {
                    res.setHeader('Retry-After', String(config.retryAfterSeconds));
                    fail(
                      res,
                      source,
                      'RATE_LIMITED',
                      `more than ${String(perSecond)} requests per second`,
                    );
                  },
                }),
        },
      ];
    }),
  );

  function fail(res: Response, source: string, code: ErrorCode, message: string): void {
    metrics.ingressRejected.inc({ source, code });
    if (HTTP_STATUS[code] === 503 && !res.hasHeader('Retry-After')) {
      res.setHeader('Retry-After', String(config.retryAfterSeconds));
    }
    res.status(HTTP_STATUS[code] ?? 500).json({ error: { code, message } });
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const measure: RequestHandler = (req, res, next) => {
    const name = param(req, 'source') ?? '';
    const source = isSource(name) ? name : 'unknown';
    const started = process.hrtime.bigint();
    metrics.ingressInFlight.inc({ source });
    res.once('close', () => {
      metrics.ingressInFlight.dec({ source });
      metrics.ingressRequestDuration.observe(
        { source, status_code: String(res.statusCode) },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    next();
  };

  // Before anything can fail, so that every line logged about the webhook has its trace id.
  const traceWebhook: RequestHandler = (req, res, next) => {
    res.locals.trace = webhookTrace(req.headers);
    next();
  };

  /** The logger for lines about the webhook `res` answers: with its trace id, once known. */
  const webhookLogger = (res: Response): Logger => {
    const trace = res.locals.trace as WebhookTrace | undefined;
    return trace ? logger.child({ traceId: trace.traceId }) : logger;
  };

  const receive = async (req: Request, res: Response, next: NextFunction) => {
    const name = param(req, 'source') ?? '';
    const route = isSource(name) ? routes.get(name) : undefined;
    if (!route) {
      fail(res, 'unknown', 'UNKNOWN_SOURCE', `no webhook source named "${name}"`);
      return;
    }
    res.locals.route = route;
    if (deps.isDraining()) {
      res.setHeader('Connection', 'close');
      fail(res, route.source, 'SHUTTING_DOWN', 'Wharf is shutting down; send again later');
      return;
    }
    const repeated = route.authenticator.credentialHeaders.find(
      (name) => (req.headersDistinct[name]?.length ?? 0) > 1,
    );
    if (repeated) {
      fail(res, route.source, 'AUTH_INVALID', `the ${repeated} header is sent more than once`);
      return;
    }
    const denied = route.authenticator.verifyHeaders(req.headers);
    if (denied) {
      fail(res, route.source, denied.code, denied.message);
      return;
    }
    const type = mediaType(req.headers['content-type']);
    if (route.contentTypes.size > 0 && (!type || !route.contentTypes.has(type))) {
      fail(
        res,
        route.source,
        'UNSUPPORTED_CONTENT_TYPE',
        `content type ${type ?? '(none)'} is not accepted; send ${[...route.contentTypes].join(' or ')}`,
      );
      return;
    }
    // A signature can only be checked once the body is read; the rate limit
    // then waits for it, so that forged requests cannot use up the source's
    // allowance. Header credentials are checked already.
    if (route.authenticator.needsBody || (await withinRateLimit(route, req, res))) {
      route.readBody(req, res, next);
    }
  };

  const land = async (req: Request, res: Response) => {
    const route = res.locals.route as SourceRoute;
    const body: unknown = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) {
      fail(res, route.source, 'EMPTY_BODY', 'the request has no body');
      return;
    }
    const verdict = route.authenticator.verifyBody(req.headers, body);
    if ('code' in verdict) {
      fail(res, route.source, verdict.code, verdict.message);
      return;
    }
    if (route.authenticator.needsBody && !(await withinRateLimit(route, req, res))) return;
    const id = randomUUID();
    const trace = res.locals.trace as WebhookTrace;
    const record = rawRecord(route, req, { body, tenant: verdict.tenant, trace }, id, now());
    try {
      await deps.publisher.publish(route.topic, record);
    } catch (error) {
      const code = error instanceof WharfError ? error.code : 'PUBLISH_FAILED';
      webhookLogger(res).warn(
        { err: error, source: route.source, requestId: id },
        'webhook not stored',
      );
      fail(
        res,
        route.source,
        code,
        error instanceof WharfError ? error.message : 'Kafka did not store the webhook',
      );
      return;
    }
    metrics.ingressAccepted.inc({ source: route.source });
    res.status(200).json({ id });
  };

  app.post(WEBHOOK_PATH, measure, traceWebhook, receive, land);

  // A webhook is only ever sent: any other method is told which one (405), on
  // a source that exists; an unknown one is answered as a POST would be.
  app.all(WEBHOOK_PATH, (req: Request, res: Response) => {
    const name = param(req, 'source') ?? '';
    if (!isSource(name) || !routes.has(name)) {
      fail(res, 'unknown', 'UNKNOWN_SOURCE', `no webhook source named "${name}"`);
      return;
    }
    res.setHeader('Allow', 'POST');
    fail(res, name, 'METHOD_NOT_ALLOWED', `webhooks are sent with POST, not ${req.method}`);
  });

  app.use((_req: Request, res: Response) => {
    fail(res, 'unknown', 'NOT_FOUND', 'no such endpoint');
  });

  // Errors of the body reader (size limit, aborted or malformed transfers).
  // Express tells error handlers apart by their four parameters.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const source = (res.locals.route as SourceRoute | undefined)?.source ?? 'unknown';
    const type = (error as { type?: unknown }).type;
    if (res.headersSent) return;
    if (type === 'encoding.unsupported') {
      fail(
        res,
        source,
        'UNSUPPORTED_CONTENT_ENCODING',
        'compressed bodies are not accepted: send the body as it was signed, without Content-Encoding',
      );
    } else if (type === 'entity.too.large') {
      res.setHeader('Connection', 'close');
      fail(
        res,
        source,
        'PAYLOAD_TOO_LARGE',
        `the body is larger than ${String(config.maxBodyBytes)} bytes`,
      );
    } else if (typeof type === 'string' || (error as { status?: unknown }).status === 400) {
      fail(
        res,
        source,
        'BAD_REQUEST',
        `the request body could not be read (${typeof type === 'string' ? type : 'bad request'})`,
      );
    } else {
      webhookLogger(res).error({ err: error, url: req.url }, 'unexpected ingress error');
      fail(res, source, 'INTERNAL', 'internal error');
    }
  });

  return app;
}

/** What the request brought: its body, the tenant its credential speaks for, its trace context. */
interface Authenticated {
  readonly body: Buffer;
  readonly tenant: string | null;
  readonly trace: WebhookTrace;
}

function rawRecord(
  route: SourceRoute,
  req: Request,
  { body, tenant, trace }: Authenticated,
  id: string,
  receivedAt: Date,
): PublishRecord {
  const provider = PROVIDERS[route.source];
  const headers: IHeaders = {
    [RAW_HEADERS.source]: route.source,
    [RAW_HEADERS.requestId]: id,
    [RAW_HEADERS.receivedAt]: receivedAt.toISOString(),
  };
  if (tenant !== null) headers[RAW_HEADERS.tenant] = tenant;
  const eventType = param(req, 'eventType');
  if (eventType) headers[RAW_HEADERS.urlEventType] = eventType;
  const contentType = req.headers['content-type'];
  if (contentType) headers[RAW_HEADERS.contentType] = contentType;
  for (const name of provider.ingress.forwardedHeaders) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  // Written last: the trace context is Wharf's, whatever a provider's headers say.
  headers[RAW_HEADERS.traceparent] = trace.traceparent;
  if (trace.tracestate !== undefined) headers[RAW_HEADERS.tracestate] = trace.tracestate;
  return { key: recordKey(route.source, body), value: body, headers };
}

/**
 * The raw record's key: the entity the body names when it is JSON that names
 * one (so one entity's webhooks, redeliveries included, share a partition);
 * null otherwise.
 */
export function recordKey(source: Source, body: Buffer): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  return PROVIDERS[source].ingress.rawRecordKey(parsed) ?? null;
}
