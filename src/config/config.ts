/**
 * One typed configuration, parsed and validated once at start-up from the
 * environment. Every error names the variable and what is wrong with it, and
 * all of them are reported at once.
 */
import { z } from 'zod';
import {
  PROVIDERS,
  PROVIDER_SETTINGS,
  SOURCES,
  isSource,
  providerSettingsOf,
} from '../providers/index.ts';
import type { Source } from '../providers/index.ts';
import type { ProviderSettingValues } from '../providers/provider.ts';
import type { AuthMode } from '../providers/provider.ts';
import type { Domain } from '../canonical/model.ts';
import { DOMAINS } from '../canonical/model.ts';
import type { SubjectNameStrategy } from '../canonical/schemas.ts';
import { isKnownZone } from '../canonical/time.ts';
import type { PayloadPolicy } from '../worker/provider-payload.ts';
import { payloadWriter } from '../worker/provider-payload.ts';
import type { KafkaSecurity, RegistrySecurity } from './security.ts';
import {
  FILE_VARIABLES,
  flag,
  kafkaSecurity,
  registrySecurity,
  securitySchema,
  withSecretFiles,
} from './security.ts';

/**
 * A secret and the tenant it may speak for: a request it authenticates is
 * that tenant's, whatever its body says. Written `<tenant>=<secret>` in
 * WHARF_<SOURCE>_SECRETS, or `*=<secret>` for a secret that may speak for
 * any tenant (then the body names the tenant).
 */
export interface BoundSecret {
  /** The one tenant the secret speaks for; null for any (`*`). */
  readonly tenant: string | null;
  readonly secret: string;
}

/** Authentication of one source. Secrets are never logged. */
export type SourceAuth =
  | { readonly mode: 'none' }
  | { readonly mode: 'basic'; readonly credentials: readonly BoundSecret[] }
  | { readonly mode: 'token'; readonly header: string; readonly tokens: readonly BoundSecret[] }
  | { readonly mode: 'hmac'; readonly secrets: readonly BoundSecret[] };

/** Per-source settings of the ingress. */
export interface SourceConfig {
  readonly rawTopic: string;
  readonly auth: SourceAuth;
  /** Accepted media types (lower case, no parameters); empty means any. */
  readonly contentTypes: readonly string[];
  /** Requests per second allowed, or undefined for no limit. */
  readonly rateLimitPerSecond: number | undefined;
}

/** Wharf's configuration. */
export interface Config {
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * The sources this deployment runs (WHARF_SOURCES; all listed providers
   * when unset): the ingress serves them, the worker reads their raw topics,
   * and only they need credentials.
   */
  readonly sources: readonly Source[];
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    /** Partitions of topics Wharf creates. */
    readonly topicPartitions: number;
    /** Replication factor of topics Wharf creates; undefined: the broker's default. */
    readonly topicReplicationFactor: number | undefined;
    /** TLS and SASL (see security.ts). */
    readonly security: KafkaSecurity;
  };
  readonly ingress: {
    readonly host: string;
    readonly port: number;
    readonly maxBodyBytes: number;
    /** How long a request waits for Kafka's acknowledgement before a 503. */
    readonly produceTimeoutMs: number;
    /** A batch is sent when it holds this many records… */
    readonly batchMaxRecords: number;
    /** …or this many bytes of values… */
    readonly batchMaxBytes: number;
    /** …or when its first record has waited this long. */
    readonly batchLingerMs: number;
    /** The Retry-After of 503 and 429 answers. */
    readonly retryAfterSeconds: number;
    /** How long a SIGTERM may take to answer requests in flight and flush. */
    readonly shutdownGraceMs: number;
    /** Most records held by the publisher (queued or in flight); past it, 503 at once. */
    readonly maxPendingRecords: number;
    /** Most bytes of bodies held by the publisher; past it, 503 at once. */
    readonly maxPendingBytes: number;
    /** A client must have sent its request headers within this time… */
    readonly headersTimeoutMs: number;
    /** …and its whole request, body included, within this one (slow clients are cut off). */
    readonly requestTimeoutMs: number;
    /** How long an idle keep-alive connection is kept open. */
    readonly keepAliveTimeoutMs: number;
    /** Where the ingress serves /metrics, /livez and /readyz (not on the webhook port). */
    readonly metricsHost: string;
    readonly metricsPort: number;
    /** Every source's settings; only the running ones' (`sources`) are checked and served. */
    readonly sources: Readonly<Record<Source, SourceConfig>>;
  };
  readonly worker: {
    /** Consumer group of the workers. */
    readonly groupId: string;
    /** How long a fetch waits for records when a raw topic is idle (also bounds a shutdown). */
    readonly maxWaitMs: number;
    /** Raw partitions processed at once (each partition stays in order). */
    readonly partitionConcurrency: number;
    /**
     * at-least-once (a crash may duplicate, with the same event id) or
     * exactly-once (a transaction per raw partition's batch; downstream
     * consumers read with isolation.level=read_committed).
     */
    readonly delivery: Delivery;
    /** Exactly-once: transactional ids are `<prefix>-<raw topic>-<partition>` (default: the group id). */
    readonly transactionalIdPrefix: string;
    /** What one produce-remember-commit round gathers across partitions at most. */
    readonly batch: {
      readonly maxRecords: number;
      readonly maxBytes: number;
      /** How long a partition's planned batch waits for others before it is stored anyway. */
      readonly lingerMs: number;
    };
    /** How long the group waits for a silent worker (one that crashed) before moving its partitions. */
    readonly sessionTimeoutMs: number;
    /** Where the worker serves /metrics, /livez and /readyz. */
    readonly metricsHost: string;
    readonly metricsPort: number;
    /** Required when the role includes the worker. */
    readonly schemaRegistryUrl: string | undefined;
    /** The registry's authentication and TLS (not read for the ingress role). */
    readonly schemaRegistry: RegistrySecurity;
    /** How the domain schemas' subjects are named (see `SubjectNameStrategy`). */
    readonly schemaSubjectStrategy: SubjectNameStrategy;
    readonly domainTopics: Readonly<Record<Domain, string>>;
    readonly deadLetterTopic: string;
    /** Zone of provider timestamps without an offset, for sources that set none of their own. */
    readonly timeZone: string;
    /** The zones of sources that set their own (WHARF_<SOURCE>_TIME_ZONE). */
    readonly timeZones: Readonly<Partial<Record<Source, string>>>;
    /**
     * What each source's events carry of the provider message
     * (WHARF_<SOURCE>_PAYLOAD, WHARF_<SOURCE>_PAYLOAD_REDACT).
     */
    readonly payloads: Readonly<Record<Source, PayloadPolicy>>;
    /** Each provider's own settings, as set (see its plug-in, e.g. WHARF_ONGOING_STATUS_MAP). */
    readonly providerSettings: Readonly<Record<Source, ProviderSettingValues>>;
    /** Compacted topic that keeps the deduplication window across restarts. */
    readonly dedupTopic: string;
    /** A provider's redelivery within this window yields no second canonical event. */
    readonly dedupWindowMs: number;
    /**
     * What the memory of the worker's raw partitions (event ids, latest
     * contents, delivery ids) may hold, in all and per partition; past a
     * bound the oldest entries are forgotten first.
     */
    readonly memoryBounds: {
      readonly maxEntries: number;
      readonly maxBytes: number;
      readonly partitionMaxEntries: number;
      readonly partitionMaxBytes: number;
    };
    /** Compacted topic that keeps the delivery ids of signed requests (replay defence). */
    readonly replayTopic: string;
    /**
     * How long a signed delivery id is remembered: a request seen again within
     * it is a replay (0 turns the defence off). Longer than the dedup window.
     */
    readonly replayWindowMs: number;
    /** Each source's raw topic: a record read from one must carry that source's name. */
    readonly rawTopics: Readonly<Record<Source, string>>;
    /** The sources this deployment runs: the worker reads their raw topics only. */
    readonly sources: readonly Source[];
  };
}

/** Which process the configuration is for: it decides what is required. */
export type Role = 'ingress' | 'worker' | 'all';

/** The environment variable naming a domain's topic, e.g. WHARF_FULFILLMENT_TOPIC. */
export function domainTopicVariable(domain: Domain): string {
  return `WHARF_${domain.toUpperCase()}_TOPIC`;
}

/** The configuration is invalid; `issues` holds one line per problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`Invalid configuration:\n  ${issues.join('\n  ')}`);
    this.issues = issues;
  }
}

const list = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);
const int = (min: number) => z.coerce.number().int().min(min);

/** The environment variable of a per-source setting, e.g. WHARF_HAPPYCOLIS_AUTH. */
export function sourceVariable(source: Source, setting: string): string {
  return `WHARF_${source.toUpperCase()}_${setting}`;
}

const timeZone = z
  .string()
  .refine(isKnownZone, 'must be an IANA time zone, e.g. UTC or Europe/Paris');

function sourceSchema(source: Source) {
  const provider = PROVIDERS[source];
  const modes = provider.ingress.authModes as [AuthMode, ...AuthMode[]];
  const variable = (setting: string) => sourceVariable(source, setting);
  return {
    [variable('RAW_TOPIC')]: z
      .string()
      .min(1)
      .default(`webhooks.raw.${source}`)
      .describe(
        `The raw topic the ingress lands ${provider.title}'s webhooks in, and the worker reads.`,
      ),
    [variable('AUTH')]: z
      .enum(modes)
      .default(provider.ingress.defaultAuthMode)
      .describe(`How the ingress checks that a request is ${provider.title}'s.`),
    [variable('SECRETS')]: list
      .optional()
      .describe(
        `Comma-separated \`<tenant>=<secret>\` entries (\`*=<secret>\` for any tenant; several allow rotation); required unless the auth is none. The tenant is ${provider.tenant}.`,
      ),
    [variable('TOKEN_HEADER')]: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name')
      .transform((name) => name.toLowerCase())
      .default('x-webhook-token')
      .describe('The request header of `token` auth; not an HTTP, proxy or `wharf-*` header.'),
    [variable('CONTENT_TYPES')]: list
      .default(['application/json'])
      .describe('Accepted media types, comma-separated; `*` accepts any (others get 415).'),
    [variable('RATE_LIMIT_PER_SECOND')]: int(1)
      .optional()
      .describe(
        'Requests per second the source may send to each ingress process (429 past it); unset for no limit.',
      ),
    [variable('TIME_ZONE')]: timeZone
      .optional()
      .describe(
        "IANA zone of the source's timestamps that carry no offset; unset for WHARF_PROVIDER_TIME_ZONE.",
      ),
    [variable('PAYLOAD')]: z
      .enum(['keep', 'omit', 'redact'])
      .default('keep')
      .describe(
        "What the source's canonical events carry of the provider message (`providerPayload`).",
      ),
    [variable('PAYLOAD_REDACT')]: list
      .pipe(z.array(redactionPath))
      .optional()
      .describe(
        'With payload `redact`: the field paths to censor, comma-separated (e.g. `body.delivery_address.email,body.lines[*].sku`).',
      ),
  };
}

/** A path @pinojs/redact accepts (`body.delivery_address.email`, `body.lines[*].sku`). */
const redactionPath = z.string().refine((path) => {
  try {
    payloadWriter({ mode: 'redact', paths: [path] });
    return true;
  } catch {
    return false;
  }
}, 'must be a field path such as body.delivery_address.email or body.lines[*].sku');

const baseSchema = z.object({
  WHARF_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('The lowest level logged (pino levels).'),
  KAFKA_BROKERS: list
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port')).min(1))
    .describe('The Kafka bootstrap brokers, `host:port`, comma-separated.'),
  KAFKA_CLIENT_ID: z
    .string()
    .min(1)
    .default('wharf')
    .describe('The client id Wharf gives Kafka (in its logs, quotas and ACLs).'),
  WHARF_TOPIC_PARTITIONS: int(1).default(6).describe('Partitions of the topics Wharf creates.'),
  WHARF_TOPIC_REPLICATION_FACTOR: int(1)
    .optional()
    .describe("Replication factor of the topics Wharf creates; unset for the cluster's default."),
  WHARF_INGRESS_HOST: z
    .string()
    .min(1)
    .default('0.0.0.0')
    .describe('The address the webhook server listens on.'),
  WHARF_INGRESS_PORT: int(0)
    .max(65_535)
    .default(8080)
    .describe('The port of the webhook server (0: any free port).'),
  WHARF_MAX_BODY_BYTES: int(1)
    .default(1024 * 1024)
    .describe('The largest webhook body accepted (larger: 413); the topics are sized for it.'),
  WHARF_PRODUCE_TIMEOUT_MS: int(1)
    .default(5_000)
    .describe("How long a request waits for Kafka's acknowledgement before a 503."),
  WHARF_BATCH_MAX_RECORDS: int(1)
    .default(500)
    .describe('A batch of raw records leaves when it holds this many records.'),
  WHARF_BATCH_MAX_BYTES: int(1)
    .default(4 * 1024 * 1024)
    .describe('A batch of raw records leaves when its values reach this many bytes.'),
  WHARF_BATCH_LINGER_MS: int(0)
    .default(2)
    .describe('A batch of raw records leaves when its first record has waited this long.'),
  WHARF_RETRY_AFTER_SECONDS: int(1)
    .default(5)
    .describe('The `Retry-After` of 429 and 503 answers.'),
  WHARF_SHUTDOWN_GRACE_MS: int(0)
    .default(10_000)
    .describe('How long a SIGTERM may take to answer the requests in flight and flush.'),
  WHARF_MAX_PENDING_RECORDS: int(1)
    .default(10_000)
    .describe('The most records the publisher holds, queued or in flight; past it, 503 at once.'),
  WHARF_MAX_PENDING_BYTES: int(1)
    .default(64 * 1024 * 1024)
    .describe(
      'The most body bytes the publisher holds; past it, 503 at once. At least WHARF_MAX_BODY_BYTES.',
    ),
  WHARF_HEADERS_TIMEOUT_MS: int(1)
    .default(10_000)
    .describe(
      'A client must have sent its request headers within this time (408 after); at most WHARF_REQUEST_TIMEOUT_MS.',
    ),
  WHARF_REQUEST_TIMEOUT_MS: int(1)
    .default(30_000)
    .describe('A client must have sent its whole request, body included, within this time.'),
  WHARF_KEEP_ALIVE_TIMEOUT_MS: int(1)
    .default(5_000)
    .describe('How long an idle keep-alive connection is kept open.'),
  WHARF_ALLOW_UNAUTHENTICATED: flag
    .default(false)
    .describe('Must be true for a source whose auth is `none` to be served (it accepts anyone).'),
  WHARF_INGRESS_METRICS_HOST: z
    .string()
    .min(1)
    .default('0.0.0.0')
    .describe("The address of the ingress's `/metrics`, `/livez` and `/readyz`."),
  WHARF_INGRESS_METRICS_PORT: int(0)
    .max(65_535)
    .default(9095)
    .describe(
      "The port of the ingress's `/metrics`, `/livez` and `/readyz` (not the webhook port).",
    ),
});

/**
 * The variables that are set: an empty one means "not set", as in most
 * shells' `VAR=` habits, and each `<name>_FILE` of `secretNames` is read into
 * `<name>` (problems go to `issues`).
 */
function setVariables(
  env: Readonly<Record<string, string | undefined>>,
  secretNames: readonly string[],
  issues: string[],
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(withSecretFiles(env, secretNames, issues)).filter(
      (entry): entry is [string, string] => entry[1] !== '' && entry[1] !== undefined,
    ),
  );
}

/** How the worker delivers: see `Config['worker']['delivery']`. */
export type Delivery = 'at-least-once' | 'exactly-once';

const workerSchema = z.object({
  WHARF_WORKER_GROUP_ID: z
    .string()
    .min(1)
    .default('wharf-worker')
    .describe("The workers' consumer group."),
  WHARF_WORKER_MAX_WAIT_MS: int(0)
    .default(1_000)
    .describe('How long a fetch waits for records on an idle raw topic (also bounds a shutdown).'),
  WHARF_WORKER_PARTITION_CONCURRENCY: int(1)
    .default(24)
    .describe('Raw partitions processed at once; each partition stays in order.'),
  WHARF_WORKER_BATCH_MAX_RECORDS: int(1)
    .default(10_000)
    .describe('The most records one produce-remember-commit round gathers across partitions.'),
  WHARF_WORKER_BATCH_MAX_BYTES: int(1)
    .default(16 * 1024 * 1024)
    .describe('The most bytes one produce-remember-commit round gathers across partitions.'),
  WHARF_WORKER_BATCH_LINGER_MS: int(0)
    .default(20)
    .describe("How long a partition's planned batch waits for others before it is stored anyway."),
  WHARF_WORKER_DELIVERY: z
    .enum({ 'at-least-once': 'at-least-once', 'exactly-once': 'exactly-once' } satisfies {
      [D in Delivery]: D;
    })
    .default('at-least-once')
    .describe(
      'at-least-once (a crash may duplicate, same event id) or exactly-once (transactions; consumers read committed).',
    ),
  WHARF_WORKER_TRANSACTIONAL_ID_PREFIX: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Exactly-once: transactional ids are `<prefix>-<raw topic>-<partition>`; unset for the group id.',
    ),
  WHARF_WORKER_SESSION_TIMEOUT_MS: int(1_000)
    .default(30_000)
    .describe(
      'How long the group waits for a silent (crashed) worker before moving its partitions.',
    ),
  WHARF_WORKER_METRICS_HOST: z
    .string()
    .min(1)
    .default('0.0.0.0')
    .describe("The address of the worker's `/metrics`, `/livez` and `/readyz`."),
  WHARF_WORKER_METRICS_PORT: int(0)
    .max(65_535)
    .default(9091)
    .describe("The port of the worker's `/metrics`, `/livez` and `/readyz`."),
  SCHEMA_REGISTRY_URL: z
    .url()
    .optional()
    .describe(
      'The Confluent-compatible schema registry of the canonical schemas; required by the worker.',
    ),
  // The object form makes the compiler check the values against SubjectNameStrategy's.
  WHARF_SCHEMA_SUBJECT_STRATEGY: z
    .enum({ topic: 'topic', 'topic-record': 'topic-record' } satisfies {
      [S in SubjectNameStrategy]: S;
    })
    .default('topic')
    .describe(
      'How the registry subjects of domain events are named: `topic` (`<topic>-value`) or `topic-record`.',
    ),
  WHARF_DEAD_LETTER_TOPIC: z
    .string()
    .min(1)
    .default('webhooks.dlq')
    .describe('The topic of raw records that failed, with why (`wharf-error-*` headers).'),
  WHARF_PROVIDER_TIME_ZONE: timeZone
    .default('UTC')
    .describe(
      'IANA zone of provider timestamps that carry no offset, for sources without their own.',
    ),
  // Each provider's own settings, checked by the provider's schema.
  ...PROVIDER_SETTINGS,
  WHARF_DEDUP_TOPIC: z
    .string()
    .min(1)
    .default('wharf.dedup.v2')
    .describe('The compacted topic that keeps the deduplication memory across restarts.'),
  WHARF_DEDUP_WINDOW_SECONDS: int(0)
    .default(86_400)
    .describe("A provider's redelivery within this window yields no second canonical event."),
  WHARF_DEDUP_MAX_ENTRIES: int(1)
    .default(1_000_000)
    .describe(
      'The most entries the memory of all assigned raw partitions holds (oldest forgotten first).',
    ),
  WHARF_DEDUP_MAX_BYTES: int(1)
    .default(96 * 1024 * 1024)
    .describe('The most estimated bytes the memory of all assigned raw partitions holds.'),
  WHARF_DEDUP_PARTITION_MAX_ENTRIES: int(1)
    .default(250_000)
    .describe('The most entries the memory of one raw partition holds.'),
  WHARF_DEDUP_PARTITION_MAX_BYTES: int(1)
    .default(24 * 1024 * 1024)
    .describe('The most estimated bytes the memory of one raw partition holds.'),
  WHARF_REPLAY_TOPIC: z
    .string()
    .min(1)
    .default('wharf.replay.v2')
    .describe(
      'The compacted topic that keeps the delivery ids of signed requests (replay defence).',
    ),
  WHARF_REPLAY_WINDOW_SECONDS: int(0)
    .default(30 * 86_400)
    .describe(
      'How long a signed delivery id is remembered (a request seen again is a replay); 0 turns it off, else more than the dedup window.',
    ),
  ...Object.fromEntries(
    DOMAINS.map((domain) => [
      domainTopicVariable(domain),
      z
        .string()
        .min(1)
        .default(`logistics.${domain}.v1`)
        .describe(`The domain topic of the ${domain} events.`),
    ]),
  ),
});

/**
 * The replay window must outlast the deduplication window: within the latter
 * a replayed event is a duplicate already, the former is for after it.
 */
function replayWindowProblems(values: z.infer<typeof workerSchema>): string[] {
  const replay = values.WHARF_REPLAY_WINDOW_SECONDS;
  return replay === 0 || replay > values.WHARF_DEDUP_WINDOW_SECONDS
    ? []
    : [
        'WHARF_REPLAY_WINDOW_SECONDS: must exceed WHARF_DEDUP_WINDOW_SECONDS (or be 0 to turn the replay defence off)',
      ];
}

/** TopicNameStrategy gives a topic one subject, so one record type: domains cannot share a topic. */
function sharedSubjectProblems(values: z.infer<typeof workerSchema>): string[] {
  if (values.WHARF_SCHEMA_SUBJECT_STRATEGY !== 'topic') return [];
  const topicOf = (domain: Domain) =>
    (values as Record<string, unknown>)[domainTopicVariable(domain)];
  const shared = DOMAINS.filter((domain) =>
    DOMAINS.some((other) => other !== domain && topicOf(other) === topicOf(domain)),
  );
  return shared.length === 0
    ? []
    : [
        `WHARF_SCHEMA_SUBJECT_STRATEGY: topic gives a topic one subject, but ${shared.join(', ')} share a topic; ` +
          'give each domain its own topic, or set topic-record',
      ];
}

/** Redaction needs paths, and paths need redaction: either alone is a slip. */
function payloadProblems(source: Source, get: (setting: string) => unknown): string[] {
  const mode = get('PAYLOAD');
  const paths = get('PAYLOAD_REDACT') as string[] | undefined;
  const modeVariable = sourceVariable(source, 'PAYLOAD');
  const pathsVariable = sourceVariable(source, 'PAYLOAD_REDACT');
  if (mode === 'redact' && (paths === undefined || paths.length === 0)) {
    return [
      `${pathsVariable}: required when ${modeVariable} is redact (comma-separated field paths)`,
    ];
  }
  if (mode !== 'redact' && paths !== undefined && paths.length > 0) {
    return [`${pathsVariable}: only read when ${modeVariable} is redact (it is ${String(mode)})`];
  }
  return [];
}

/** Each source's payload policy; the schema has checked the redaction paths. */
function payloadsOf(perSource: Record<string, unknown>): Record<Source, PayloadPolicy> {
  return Object.fromEntries(
    SOURCES.map((source) => {
      const mode = perSource[sourceVariable(source, 'PAYLOAD')] as PayloadPolicy['mode'];
      const paths = perSource[sourceVariable(source, 'PAYLOAD_REDACT')] as string[] | undefined;
      return [source, mode === 'redact' ? { mode, paths: paths ?? [] } : { mode }];
    }),
  ) as Record<Source, PayloadPolicy>;
}

const NO_REGISTRY_SECURITY: RegistrySecurity = { auth: { kind: 'none' }, tls: undefined };

function workerSettings(
  values: z.infer<typeof workerSchema>,
  perSource: Record<string, unknown>,
  schemaRegistry: RegistrySecurity = NO_REGISTRY_SECURITY,
): Config['worker'] {
  return {
    rawTopics: rawTopicsOf(perSource),
    sources: runningSourcesOf(perSource),
    payloads: payloadsOf(perSource),
    timeZones: Object.fromEntries(
      SOURCES.flatMap((source) => {
        const zone = perSource[sourceVariable(source, 'TIME_ZONE')];
        return typeof zone === 'string' ? [[source, zone]] : [];
      }),
    ),
    groupId: values.WHARF_WORKER_GROUP_ID,
    maxWaitMs: values.WHARF_WORKER_MAX_WAIT_MS,
    partitionConcurrency: values.WHARF_WORKER_PARTITION_CONCURRENCY,
    delivery: values.WHARF_WORKER_DELIVERY,
    transactionalIdPrefix:
      values.WHARF_WORKER_TRANSACTIONAL_ID_PREFIX ?? values.WHARF_WORKER_GROUP_ID,
    batch: {
      maxRecords: values.WHARF_WORKER_BATCH_MAX_RECORDS,
      maxBytes: values.WHARF_WORKER_BATCH_MAX_BYTES,
      lingerMs: values.WHARF_WORKER_BATCH_LINGER_MS,
    },
    sessionTimeoutMs: values.WHARF_WORKER_SESSION_TIMEOUT_MS,
    metricsHost: values.WHARF_WORKER_METRICS_HOST,
    metricsPort: values.WHARF_WORKER_METRICS_PORT,
    schemaRegistryUrl: values.SCHEMA_REGISTRY_URL,
    schemaRegistry,
    schemaSubjectStrategy: values.WHARF_SCHEMA_SUBJECT_STRATEGY,
    domainTopics: Object.fromEntries(
      DOMAINS.map((domain) => [
        domain,
        (values as Record<string, unknown>)[domainTopicVariable(domain)] as string,
      ]),
    ) as Record<Domain, string>,
    deadLetterTopic: values.WHARF_DEAD_LETTER_TOPIC,
    timeZone: values.WHARF_PROVIDER_TIME_ZONE,
    // Checked, not transformed: the values as set, for each provider to read.
    providerSettings: providerSettingsOf(values),
    dedupTopic: values.WHARF_DEDUP_TOPIC,
    dedupWindowMs: values.WHARF_DEDUP_WINDOW_SECONDS * 1000,
    memoryBounds: {
      maxEntries: values.WHARF_DEDUP_MAX_ENTRIES,
      maxBytes: values.WHARF_DEDUP_MAX_BYTES,
      partitionMaxEntries: values.WHARF_DEDUP_PARTITION_MAX_ENTRIES,
      partitionMaxBytes: values.WHARF_DEDUP_PARTITION_MAX_BYTES,
    },
    replayTopic: values.WHARF_REPLAY_TOPIC,
    replayWindowMs: values.WHARF_REPLAY_WINDOW_SECONDS * 1000,
  };
}

/**
 * Only the worker's settings (topics, time zone, status table…), for tools
 * that run the pipeline without Kafka, such as `wharf transform`.
 *
 * @throws {ConfigError} naming every variable that is wrong and why.
 */
export function loadWorkerSettings(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Config['worker'] {
  const set = setVariables(env, [], []);
  const parsed = workerSchema.safeParse(set);
  const perSource = sourcesSchema.safeParse(set);
  const sourceValues: Record<string, unknown> = perSource.success ? perSource.data : {};
  const issues = [
    ...(parsed.success ? [] : describeIssues(parsed.error, set)),
    ...(perSource.success ? [] : describeIssues(perSource.error, set)),
    ...(perSource.success
      ? SOURCES.flatMap((source) =>
          payloadProblems(source, (setting) => sourceValues[sourceVariable(source, setting)]),
        )
      : []),
  ];
  if (!parsed.success || !perSource.success || issues.length > 0) throw new ConfigError(issues);
  return workerSettings(parsed.data, perSource.data);
}

/** The sources a deployment runs: listed names, each a known source, at least one. */
const runningSources = list
  .pipe(
    z
      .array(
        z.string().refine((name) => isSource(name), {
          error: (issue) =>
            `${JSON.stringify(issue.input)} is no source (known: ${SOURCES.join(', ')})`,
        }),
      )
      .min(1, 'name at least one source'),
  )
  .optional()
  .describe(
    'The sources this deployment runs, comma-separated; unset for all. Only they are served, read and need secrets.',
  );

const sourcesSchema = z.object({
  ...(Object.assign({}, ...SOURCES.map(sourceSchema)) as z.ZodRawShape),
  WHARF_SOURCES: runningSources,
});

/** The running sources, in the registry's order (all of them when WHARF_SOURCES is unset). */
function runningSourcesOf(values: Record<string, unknown>): readonly Source[] {
  const listed = values.WHARF_SOURCES as readonly string[] | undefined;
  return listed === undefined ? SOURCES : SOURCES.filter((source) => listed.includes(source));
}

function rawTopicsOf(values: Record<string, unknown>): Record<Source, string> {
  return Object.fromEntries(
    SOURCES.map((source) => [source, values[sourceVariable(source, 'RAW_TOPIC')] as string]),
  ) as Record<Source, string>;
}

/** Variables that may be given as a file's content by `<name>_FILE` (Kubernetes Secrets). */
const SECRET_FILE_VARIABLES: readonly string[] = [
  ...FILE_VARIABLES,
  ...SOURCES.map((source) => sourceVariable(source, 'SECRETS')),
];

/**
 * Every environment variable the configuration reads, so that deployment files
 * (docker-compose.yml, the Helm chart) can be checked against it.
 */
export const CONFIG_VARIABLES: readonly string[] = [
  ...Object.keys(baseSchema.shape),
  ...Object.keys(workerSchema.shape),
  ...Object.keys(sourcesSchema.shape),
  ...Object.keys(securitySchema.shape),
  ...SECRET_FILE_VARIABLES.map((name) => `${name}_FILE`),
];

/**
 * What each variable of security.ts means, for the configuration reference
 * (docs/reference/configuration.md). A record: a variable added there without
 * a line here does not compile.
 */
const SECURITY_DESCRIPTIONS: Readonly<Record<keyof typeof securitySchema.shape, string>> = {
  KAFKA_SECURITY_PROTOCOL: "How to reach Kafka, as Kafka's `security.protocol`.",
  KAFKA_SSL_CA_FILE:
    "PEM bundle of the CAs that signed the brokers' certificates; unset for Node.js's public CAs.",
  KAFKA_SSL_CHECK_HOSTNAME:
    "Whether the broker's certificate must name the host connected to (false skips only that check).",
  KAFKA_SSL_CERT_FILE: 'Client certificate chain (PEM), for mutual TLS; with KAFKA_SSL_KEY_FILE.',
  KAFKA_SSL_KEY_FILE: 'Client private key (PEM), for mutual TLS; with KAFKA_SSL_CERT_FILE.',
  KAFKA_SSL_KEY_PASSWORD: 'Passphrase of an encrypted KAFKA_SSL_KEY_FILE.',
  KAFKA_SASL_MECHANISM: 'The SASL mechanism; required with a SASL_* protocol, refused without.',
  KAFKA_SASL_USERNAME: 'PLAIN and SCRAM user name (Confluent Cloud: the API key).',
  KAFKA_SASL_PASSWORD: 'PLAIN and SCRAM password (Confluent Cloud: the API secret).',
  KAFKA_SASL_OAUTH_TOKEN_ENDPOINT_URL:
    'OAUTHBEARER: the OAuth 2.0 token endpoint (client-credentials grant).',
  KAFKA_SASL_OAUTH_CLIENT_ID: 'OAUTHBEARER: the client id, sent in HTTP Basic.',
  KAFKA_SASL_OAUTH_CLIENT_SECRET: 'OAUTHBEARER: the client secret, sent in HTTP Basic.',
  KAFKA_SASL_OAUTH_SCOPE: 'OAUTHBEARER: the scope asked for, if the provider needs one.',
  KAFKA_SASL_OAUTH_EXTENSIONS:
    'OAUTHBEARER: SASL extensions, `key=value` comma-separated (Confluent Cloud: logicalCluster, identityPoolId).',
  SCHEMA_REGISTRY_USERNAME:
    "The registry's basic-auth user (Confluent Cloud: the registry's API key).",
  SCHEMA_REGISTRY_PASSWORD:
    "The registry's basic-auth password (Confluent Cloud: the registry's API secret).",
  SCHEMA_REGISTRY_BEARER_TOKEN: 'A bearer token for the registry, instead of basic auth.',
  SCHEMA_REGISTRY_CA_FILE: 'PEM CA bundle of an https registry with a private CA.',
  SCHEMA_REGISTRY_CERT_FILE:
    'Client certificate (PEM) for a registry that requires one; with SCHEMA_REGISTRY_KEY_FILE.',
  SCHEMA_REGISTRY_KEY_FILE:
    'Client private key (PEM) for a registry that requires one; with SCHEMA_REGISTRY_CERT_FILE.',
};

/**
 * Every variable's schema with its description, by name (the `<name>_FILE`
 * variants of CONFIG_VARIABLES aside): what the configuration reference
 * (docs/reference/configuration.md) is generated from.
 */
export const CONFIG_SCHEMA: Readonly<Record<string, z.ZodType>> = {
  ...baseSchema.shape,
  ...workerSchema.shape,
  ...sourcesSchema.shape,
  ...Object.fromEntries(
    Object.entries(securitySchema.shape).map(([name, schema]) => [
      name,
      schema.describe(SECURITY_DESCRIPTIONS[name as keyof typeof SECURITY_DESCRIPTIONS]),
    ]),
  ),
};

function describeIssues(
  error: z.ZodError,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  return error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(environment)');
    // Never echo a value: it may be a secret.
    return `${variable}: ${env[variable] === undefined ? 'required' : issue.message}`;
  });
}

/** Shortest token or HMAC secret accepted: a guessable one would defeat the check. */
export const MIN_SECRET_LENGTH = 12;
/** Shortest password of a Basic credential accepted. */
export const MIN_PASSWORD_LENGTH = 8;

/** What is wrong with a source's secrets (never the secrets themselves). */
function weakSecrets(variable: string, mode: AuthMode, bound: readonly BoundSecret[]): string[] {
  const secrets = bound.map((entry) => entry.secret);
  if (new Set(secrets).size < secrets.length) {
    return [`${variable}: the same secret is listed twice (each secret speaks for one binding)`];
  }
  if (mode === 'basic') {
    if (secrets.some((secret) => !secret.includes(':')))
      return [`${variable}: basic credentials must be user:password`];
    const weak = secrets.some((secret) => {
      const at = secret.indexOf(':');
      return at === 0 || secret.length - at - 1 < MIN_PASSWORD_LENGTH;
    });
    return weak
      ? [
          `${variable}: every basic credential needs a user name and a password of at least ${String(MIN_PASSWORD_LENGTH)} characters`,
        ]
      : [];
  }
  if ((mode === 'token' || mode === 'hmac') && secrets.some((s) => s.length < MIN_SECRET_LENGTH)) {
    return [
      `${variable}: every ${mode === 'hmac' ? 'signing secret' : 'token'} needs at least ${String(MIN_SECRET_LENGTH)} characters`,
    ];
  }
  return [];
}

/** The tenant binding of any tenant, as written in WHARF_<SOURCE>_SECRETS. */
export const ANY_TENANT = '*';

/**
 * Reads `<tenant>=<secret>` entries (split at the first `=`, so a secret may
 * hold `=`). An entry without a tenant is refused: which tenant a secret may
 * speak for has to be said, even when the answer is any (`*`).
 */
function bindSecrets(
  variable: string,
  entries: readonly string[],
  issues: string[],
): BoundSecret[] {
  const bound: BoundSecret[] = [];
  for (const [index, entry] of entries.entries()) {
    const at = entry.indexOf('=');
    const tenant = entry.slice(0, Math.max(at, 0)).trim();
    if (at <= 0 || tenant === '' || /\s/.test(tenant)) {
      issues.push(
        `${variable}: entry ${String(index + 1)} names no tenant; write <tenant>=<secret>, ` +
          `or ${ANY_TENANT}=<secret> for a secret that may speak for any tenant`,
      );
      continue;
    }
    bound.push({ tenant: tenant === ANY_TENANT ? null : tenant, secret: entry.slice(at + 1) });
  }
  return bound;
}

/** Headers a token cannot travel in: HTTP's own, proxies', Wharf's, and those kept on raw records. */
function tokenHeaderProblem(header: string, forwarded: readonly string[]): string | undefined {
  if (forwarded.includes(header))
    return `${header} is kept on raw records, so it cannot carry a secret`;
  const reserved =
    /^(content-|accept|wharf-|x-forwarded-|forwarded$|host$|connection$|keep-alive$|upgrade$|te$|trailer$|transfer-encoding$|expect$|cookie$|user-agent$|proxy-)/;
  return reserved.test(header)
    ? `${header} means something else to HTTP, proxies or Wharf: use a header of its own, e.g. x-webhook-token`
    : undefined;
}

function sourceConfig(
  source: Source,
  env: Record<string, unknown>,
  issues: string[],
  role: Role,
  allowUnauthenticated: boolean,
): SourceConfig {
  const get = (setting: string) => env[sourceVariable(source, setting)];
  const mode = get('AUTH') as AuthMode;
  const entries = (get('SECRETS') as string[] | undefined) ?? [];
  const secretsVariable = sourceVariable(source, 'SECRETS');
  const secrets = role === 'worker' ? [] : bindSecrets(secretsVariable, entries, issues);
  const served = role !== 'worker' && runningSourcesOf(env).includes(source);
  if (served && mode !== 'none' && entries.length === 0) {
    issues.push(
      `${secretsVariable}: required when ${sourceVariable(source, 'AUTH')} is ${mode} ` +
        `(comma-separated <tenant>=<secret> entries; several allow rotation), ` +
        `or leave ${source} out of WHARF_SOURCES`,
    );
  }
  if (served && mode === 'none' && !allowUnauthenticated) {
    issues.push(
      `${sourceVariable(source, 'AUTH')}: none accepts webhooks from anyone; ` +
        'set WHARF_ALLOW_UNAUTHENTICATED=true if that is really wanted',
    );
  }
  if (role !== 'worker') issues.push(...weakSecrets(secretsVariable, mode, secrets));
  const tokenHeader = get('TOKEN_HEADER') as string;
  if (mode === 'token') {
    const problem = tokenHeaderProblem(tokenHeader, PROVIDERS[source].ingress.forwardedHeaders);
    if (problem) issues.push(`${sourceVariable(source, 'TOKEN_HEADER')}: ${problem}`);
  }
  if (role !== 'ingress') issues.push(...payloadProblems(source, get));
  const contentTypes = (get('CONTENT_TYPES') as string[]).map((type) => type.toLowerCase());
  const auth: SourceAuth =
    mode === 'none'
      ? { mode }
      : mode === 'basic'
        ? { mode, credentials: secrets }
        : mode === 'token'
          ? { mode, header: tokenHeader, tokens: secrets }
          : { mode, secrets };
  return {
    rawTopic: get('RAW_TOPIC') as string,
    auth,
    contentTypes: contentTypes.includes('*') ? [] : contentTypes,
    rateLimitPerSecond: get('RATE_LIMIT_PER_SECOND') as number | undefined,
  };
}

/** Every source's settings; their problems go to `issues`. */
function sourceConfigs(
  perSource: Record<string, unknown>,
  issues: string[],
  role: Role,
  allowUnauthenticated: boolean,
): Record<Source, SourceConfig> {
  const sources = Object.fromEntries(
    SOURCES.map((source) => [
      source,
      sourceConfig(source, perSource, issues, role, allowUnauthenticated),
    ]),
  ) as Record<Source, SourceConfig>;
  const topics = SOURCES.map((source) => sources[source].rawTopic);
  if (new Set(topics).size !== topics.length) {
    issues.push(
      `WHARF_<SOURCE>_RAW_TOPIC: each source needs its own raw topic (got ${topics.join(', ')})`,
    );
  }
  return sources;
}

/** The ingress's limits that depend on one another. */
function ingressLimitProblems(values: z.infer<typeof baseSchema>): string[] {
  const problems: string[] = [];
  // Node.js refuses to start a server whose header deadline is past its request deadline.
  if (values.WHARF_HEADERS_TIMEOUT_MS > values.WHARF_REQUEST_TIMEOUT_MS) {
    problems.push('WHARF_HEADERS_TIMEOUT_MS: must not exceed WHARF_REQUEST_TIMEOUT_MS');
  }
  // A body at the size limit must fit in what the publisher may hold.
  if (values.WHARF_MAX_PENDING_BYTES < values.WHARF_MAX_BODY_BYTES) {
    problems.push('WHARF_MAX_PENDING_BYTES: must be at least WHARF_MAX_BODY_BYTES');
  }
  return problems;
}

/**
 * Parses the configuration from environment variables.
 *
 * @throws {ConfigError} naming every variable that is wrong and why.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  role: Role = 'ingress',
): Config {
  const issues: string[] = [];
  const set = setVariables(env, SECRET_FILE_VARIABLES, issues);
  const base = baseSchema.safeParse(set);
  const perSource = sourcesSchema.safeParse(set);
  const security = securitySchema.safeParse(set);
  issues.push(
    ...(base.success ? [] : describeIssues(base.error, set)),
    ...(perSource.success ? [] : describeIssues(perSource.error, set)),
    ...(security.success ? [] : describeIssues(security.error, set)),
  );
  // Each check runs on what parsed, so that one run names every problem.
  const allowUnauthenticated = base.success && base.data.WHARF_ALLOW_UNAUTHENTICATED;
  const kafkaSecuritySettings = security.success ? kafkaSecurity(security.data, issues) : undefined;
  // The ingress never talks to the registry: its files need not be mounted there.
  const registry =
    role === 'ingress'
      ? NO_REGISTRY_SECURITY
      : security.success
        ? registrySecurity(security.data, issues)
        : undefined;
  const sources = perSource.success
    ? sourceConfigs(perSource.data, issues, role, allowUnauthenticated)
    : undefined;
  if (base.success) issues.push(...ingressLimitProblems(base.data));
  // The ingress does not use the worker's settings: their mistakes must not stop it.
  const worker = workerSchema.safeParse(role === 'ingress' ? {} : set);
  if (!worker.success) issues.push(...describeIssues(worker.error, set));
  if (role !== 'ingress' && set.SCHEMA_REGISTRY_URL === undefined) {
    issues.push('SCHEMA_REGISTRY_URL: required by the worker');
  }
  if (role !== 'ingress' && worker.success) issues.push(...replayWindowProblems(worker.data));
  if (role !== 'ingress' && worker.success) issues.push(...sharedSubjectProblems(worker.data));
  if (
    !base.success ||
    !perSource.success ||
    !worker.success ||
    kafkaSecuritySettings === undefined ||
    registry === undefined ||
    sources === undefined ||
    issues.length > 0
  ) {
    throw new ConfigError(issues);
  }
  const values = base.data;
  const workerValues = worker.data;

  return {
    logLevel: values.WHARF_LOG_LEVEL,
    sources: runningSourcesOf(perSource.data),
    kafka: {
      brokers: values.KAFKA_BROKERS,
      clientId: values.KAFKA_CLIENT_ID,
      topicPartitions: values.WHARF_TOPIC_PARTITIONS,
      topicReplicationFactor: values.WHARF_TOPIC_REPLICATION_FACTOR,
      security: kafkaSecuritySettings,
    },
    ingress: {
      host: values.WHARF_INGRESS_HOST,
      port: values.WHARF_INGRESS_PORT,
      maxBodyBytes: values.WHARF_MAX_BODY_BYTES,
      produceTimeoutMs: values.WHARF_PRODUCE_TIMEOUT_MS,
      batchMaxRecords: values.WHARF_BATCH_MAX_RECORDS,
      batchMaxBytes: values.WHARF_BATCH_MAX_BYTES,
      batchLingerMs: values.WHARF_BATCH_LINGER_MS,
      retryAfterSeconds: values.WHARF_RETRY_AFTER_SECONDS,
      shutdownGraceMs: values.WHARF_SHUTDOWN_GRACE_MS,
      maxPendingRecords: values.WHARF_MAX_PENDING_RECORDS,
      maxPendingBytes: values.WHARF_MAX_PENDING_BYTES,
      headersTimeoutMs: values.WHARF_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: values.WHARF_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: values.WHARF_KEEP_ALIVE_TIMEOUT_MS,
      metricsHost: values.WHARF_INGRESS_METRICS_HOST,
      metricsPort: values.WHARF_INGRESS_METRICS_PORT,
      sources,
    },
    worker: workerSettings(workerValues, perSource.data, registry),
  };
}

/**
 * Only the TLS, SASL and registry credentials, for commands that take their
 * addresses from options (`wharf tail`, `wharf schemas check`).
 *
 * @throws {ConfigError} naming every variable that is wrong and why.
 */
export function loadConnectionSecurity(
  env: Readonly<Record<string, string | undefined>> = process.env,
): { readonly kafka: KafkaSecurity; readonly registry: RegistrySecurity } {
  const issues: string[] = [];
  const set = setVariables(env, FILE_VARIABLES, issues);
  const parsed = securitySchema.safeParse(set);
  if (!parsed.success) throw new ConfigError([...issues, ...describeIssues(parsed.error, set)]);
  const kafka = kafkaSecurity(parsed.data, issues);
  const registry = registrySecurity(parsed.data, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return { kafka, registry };
}
