import { describe, expect, it } from 'vitest';
import {
  CONFIG_VARIABLES,
  ConfigError,
  loadConfig,
  loadWorkerSettings,
} from '../../../src/config/config.ts';
import type { Role } from '../../../src/config/config.ts';
import { SOURCES } from '../../../src/providers/index.ts';
import { withEverySourceSecret } from '../../support/sources.ts';

const minimal = withEverySourceSecret({
  KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
  WHARF_HAPPYCOLIS_SECRETS: 'org-1=client-secret-1',
  WHARF_SHIPWELL_SECRETS: '*=user:password',
  WHARF_ONGOING_SECRETS: 'demo=user:password',
});

/** The providers these tests name one by one: a provider added later does not change them. */
const THE_FIRST_THREE = 'ongoing,shipwell,happycolis';

function issuesOf(env: Record<string, string>, role: Role = 'ingress'): readonly string[] {
  try {
    loadConfig(env, role);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const config = loadConfig(minimal);
    expect(config.kafka.brokers).toEqual(['kafka-1:9092', 'kafka-2:9092']);
    expect(config.ingress.port).toBe(8080);
    expect(config.ingress.maxBodyBytes).toBe(1024 * 1024);
    expect(config.ingress.produceTimeoutMs).toBe(5000);
    expect(config.ingress.sources.happycolis).toEqual({
      rawTopic: 'webhooks.raw.happycolis',
      auth: { mode: 'hmac', secrets: [{ tenant: 'org-1', secret: 'client-secret-1' }] },
      contentTypes: ['application/json'],
      rateLimitPerSecond: undefined,
    });
    expect(config.ingress.sources.shipwell.auth).toEqual({
      mode: 'basic',
      credentials: [{ tenant: null, secret: 'user:password' }],
    });
  });

  it('reads per-source settings', () => {
    const config = loadConfig({
      ...minimal,
      WHARF_ONGOING_AUTH: 'token',
      WHARF_ONGOING_TOKEN_HEADER: 'X-Api-Key',
      WHARF_ONGOING_SECRETS: 'demo=first-token-1,demo=second=token=2',
      WHARF_ONGOING_CONTENT_TYPES: 'application/json, Text/Plain',
      WHARF_SHIPWELL_CONTENT_TYPES: '*',
      WHARF_SHIPWELL_RATE_LIMIT_PER_SECOND: '50',
    });
    expect(config.ingress.sources.ongoing.auth).toEqual({
      mode: 'token',
      header: 'x-api-key',
      tokens: [
        { tenant: 'demo', secret: 'first-token-1' },
        { tenant: 'demo', secret: 'second=token=2' },
      ],
    });
    expect(config.ingress.sources.ongoing.contentTypes).toEqual(['application/json', 'text/plain']);
    expect(config.ingress.sources.shipwell.contentTypes).toEqual([]);
    expect(config.ingress.sources.shipwell.rateLimitPerSecond).toBe(50);
  });

  it('names every wrong variable at once, without echoing values', () => {
    const issues = issuesOf({
      KAFKA_BROKERS: 'no-port',
      WHARF_SOURCES: THE_FIRST_THREE,
      WHARF_INGRESS_PORT: 'eighty',
      WHARF_HAPPYCOLIS_SECRETS: '*=s',
      WHARF_ONGOING_SECRETS: '*=u:p',
      WHARF_SHIPWELL_SECRETS: '*=secret-without-colon',
    });
    expect(issues).toEqual([
      expect.stringMatching(/^KAFKA_BROKERS: must be host:port/),
      expect.stringMatching(/^WHARF_INGRESS_PORT: /),
      'WHARF_ONGOING_SECRETS: every basic credential needs a user name and a password of at least 8 characters',
      'WHARF_SHIPWELL_SECRETS: basic credentials must be user:password',
      'WHARF_HAPPYCOLIS_SECRETS: every signing secret needs at least 12 characters',
    ]);
    expect(issues.join('\n')).not.toMatch(/secret-without-colon|eighty|no-port/);
    expect(issuesOf({ ...minimal, WHARF_HAPPYCOLIS_AUTH: 'basic' })).toEqual([
      expect.stringMatching(/^WHARF_HAPPYCOLIS_AUTH: .*"hmac"/),
    ]);
  });

  it('refuses weak credentials and token headers that mean something else, naming the variable', () => {
    const token = {
      ...minimal,
      WHARF_ONGOING_AUTH: 'token',
      WHARF_ONGOING_SECRETS: '*=a-long-enough-token',
    };
    expect(issuesOf({ ...minimal, WHARF_SHIPWELL_SECRETS: '*=user:' })).toEqual([
      'WHARF_SHIPWELL_SECRETS: every basic credential needs a user name and a password of at least 8 characters',
    ]);
    expect(issuesOf({ ...minimal, WHARF_SHIPWELL_SECRETS: '*=:password' })).toHaveLength(1);
    expect(issuesOf({ ...token, WHARF_ONGOING_SECRETS: '*=a-long-enough-token,*=short' })).toEqual([
      'WHARF_ONGOING_SECRETS: every token needs at least 12 characters',
    ]);
    for (const header of ['content-type', 'wharf-source', 'host', 'x-forwarded-for']) {
      expect(issuesOf({ ...token, WHARF_ONGOING_TOKEN_HEADER: header })).toEqual([
        `WHARF_ONGOING_TOKEN_HEADER: ${header} means something else to HTTP, proxies or Wharf: use a header of its own, e.g. x-webhook-token`,
      ]);
    }
  });

  it('binds every secret to the tenant it may speak for, or explicitly to any', () => {
    const config = loadConfig({
      ...minimal,
      WHARF_HAPPYCOLIS_SECRETS: 'org-1=client-secret-1, *=c2VjcmV0LWZvci1hbnk=',
    });
    expect(config.ingress.sources.happycolis.auth).toEqual({
      mode: 'hmac',
      secrets: [
        { tenant: 'org-1', secret: 'client-secret-1' },
        { tenant: null, secret: 'c2VjcmV0LWZvci1hbnk=' },
      ],
    });
    const unbound = 'a-secret-without-tenant';
    const issues = issuesOf({
      ...minimal,
      WHARF_HAPPYCOLIS_SECRETS: `org-1=good-secret-1,${unbound}`,
    });
    expect(issues).toEqual([
      'WHARF_HAPPYCOLIS_SECRETS: entry 2 names no tenant; write <tenant>=<secret>, or *=<secret> for a secret that may speak for any tenant',
    ]);
    expect(issuesOf({ ...minimal, WHARF_HAPPYCOLIS_SECRETS: '=client-secret-1' })).toHaveLength(1);
    expect(
      issuesOf({
        ...minimal,
        WHARF_HAPPYCOLIS_SECRETS: 'org-1=client-secret-1,org-2=client-secret-1',
      }),
    ).toEqual([
      'WHARF_HAPPYCOLIS_SECRETS: the same secret is listed twice (each secret speaks for one binding)',
    ]);
    // The worker never reads the secrets.
    expect(
      issuesOf({ ...minimal, WHARF_HAPPYCOLIS_SECRETS: unbound }, 'worker'),
    ).not.toContainEqual(expect.stringMatching(/SECRETS/));
  });

  it('reads an empty variable as unset', () => {
    const config = loadConfig({ ...minimal, WHARF_INGRESS_PORT: '', WHARF_SHUTDOWN_GRACE_MS: '' });
    expect(config.ingress.port).toBe(8080);
    expect(config.ingress.shutdownGraceMs).toBe(10_000);
  });

  it('keeps a token header off raw records', () => {
    expect(
      issuesOf({
        ...minimal,
        WHARF_HAPPYCOLIS_AUTH: 'token',
        WHARF_HAPPYCOLIS_TOKEN_HEADER: 'User-Agent',
      }),
    ).toEqual([
      expect.stringMatching(/^WHARF_HAPPYCOLIS_TOKEN_HEADER: user-agent is kept on raw records/),
    ]);
  });

  it('takes whole requests per second as a rate limit', () => {
    expect(issuesOf({ ...minimal, WHARF_SHIPWELL_RATE_LIMIT_PER_SECOND: '0.5' })).toEqual([
      expect.stringMatching(/^WHARF_SHIPWELL_RATE_LIMIT_PER_SECOND: /),
    ]);
  });

  it('requires secrets unless a source is explicitly unauthenticated', () => {
    const issues = issuesOf({ KAFKA_BROKERS: 'k:9092', WHARF_SOURCES: THE_FIRST_THREE });
    expect(issues).toEqual([
      expect.stringMatching(/^WHARF_ONGOING_SECRETS: required when WHARF_ONGOING_AUTH is basic/),
      expect.stringMatching(/^WHARF_SHIPWELL_SECRETS: required/),
      expect.stringMatching(
        /^WHARF_HAPPYCOLIS_SECRETS: required when WHARF_HAPPYCOLIS_AUTH is hmac/,
      ),
    ]);
    const open = {
      KAFKA_BROKERS: 'k:9092',
      WHARF_SOURCES: THE_FIRST_THREE,
      WHARF_ONGOING_AUTH: 'none',
      WHARF_SHIPWELL_AUTH: 'none',
      WHARF_HAPPYCOLIS_AUTH: 'none',
    };
    // Accepting anyone's webhooks must be asked for twice.
    expect(issuesOf(open)).toEqual(
      ['ONGOING', 'SHIPWELL', 'HAPPYCOLIS'].map(
        (source) =>
          `WHARF_${source}_AUTH: none accepts webhooks from anyone; set WHARF_ALLOW_UNAUTHENTICATED=true if that is really wanted`,
      ),
    );
    expect(() => loadConfig({ ...open, WHARF_ALLOW_UNAUTHENTICATED: 'true' })).not.toThrow();
    expect(issuesOf({ ...minimal, WHARF_SHIPWELL_SECRETS: '' }).join('\n')).not.toContain('=none');
  });

  it('refuses basic credentials without a password and shared raw topics', () => {
    expect(issuesOf({ ...minimal, WHARF_SHIPWELL_SECRETS: '*=user' })).toEqual([
      'WHARF_SHIPWELL_SECRETS: basic credentials must be user:password',
    ]);
    expect(
      issuesOf({ ...minimal, WHARF_ONGOING_RAW_TOPIC: 'raw', WHARF_SHIPWELL_RAW_TOPIC: 'raw' }),
    ).toEqual([expect.stringMatching(/each source needs its own raw topic/)]);
  });

  it('keeps the slow-client deadlines and the publisher cap consistent', () => {
    expect(
      issuesOf({
        ...minimal,
        WHARF_HEADERS_TIMEOUT_MS: '20000',
        WHARF_REQUEST_TIMEOUT_MS: '10000',
      }),
    ).toEqual(['WHARF_HEADERS_TIMEOUT_MS: must not exceed WHARF_REQUEST_TIMEOUT_MS']);
    expect(
      issuesOf({ ...minimal, WHARF_MAX_BODY_BYTES: '2048', WHARF_MAX_PENDING_BYTES: '1024' }),
    ).toEqual(['WHARF_MAX_PENDING_BYTES: must be at least WHARF_MAX_BODY_BYTES']);
    expect(
      issuesOf({ ...minimal, WHARF_HEADERS_TIMEOUT_MS: '5000', WHARF_REQUEST_TIMEOUT_MS: '5000' }),
    ).toEqual([]);
  });

  it('signature auth is only offered to providers that sign', () => {
    expect(issuesOf({ ...minimal, WHARF_SHIPWELL_AUTH: 'hmac' })).toEqual([
      expect.stringMatching(/^WHARF_SHIPWELL_AUTH: /),
    ]);
  });
});

describe('the sources a deployment runs', () => {
  it('are every listed provider by default, in the registry order', () => {
    expect(loadConfig(minimal).sources).toEqual(SOURCES);
    expect(loadWorkerSettings({}).sources).toEqual(SOURCES);
  });

  it('are those WHARF_SOURCES names, and only they need credentials', () => {
    const env = {
      KAFKA_BROKERS: 'kafka:9092',
      WHARF_SOURCES: 'happycolis, ongoing',
      WHARF_HAPPYCOLIS_SECRETS: 'org-1=client-secret-1',
      WHARF_ONGOING_SECRETS: 'demo=user:password',
    };
    const config = loadConfig(env);
    expect(config.sources).toEqual(['ongoing', 'happycolis']);
    expect(loadWorkerSettings(env).sources).toEqual(['ongoing', 'happycolis']);
  });

  it('refuses a name that is no source, and an empty list, in one line each', () => {
    expect(issuesOf({ ...minimal, WHARF_SOURCES: 'ongoing,dhl' })).toEqual([
      expect.stringMatching(/^WHARF_SOURCES: .*"dhl" is no source \(known: ongoing, /),
    ]);
    expect(issuesOf({ ...minimal, WHARF_SOURCES: ' , ' })).toEqual([
      expect.stringMatching(/^WHARF_SOURCES: name at least one source/),
    ]);
  });

  it('says how to leave a source out when its credential is missing', () => {
    expect(issuesOf({ ...minimal, WHARF_SHIPWELL_SECRETS: '' })).toEqual([
      expect.stringMatching(
        /^WHARF_SHIPWELL_SECRETS: required .*or leave shipwell out of WHARF_SOURCES$/,
      ),
    ]);
  });
});

describe('time zones', () => {
  it('take a zone per source, the provider zone for the others, and refuse unknown zones', () => {
    const settings = loadWorkerSettings({
      WHARF_PROVIDER_TIME_ZONE: 'Europe/Stockholm',
      WHARF_HAPPYCOLIS_TIME_ZONE: 'Europe/Paris',
    });
    expect(settings.timeZone).toBe('Europe/Stockholm');
    expect(settings.timeZones).toEqual({ happycolis: 'Europe/Paris' });
    expect(() => loadWorkerSettings({ WHARF_SHIPWELL_TIME_ZONE: 'Mars/Olympus' })).toThrow(
      /WHARF_SHIPWELL_TIME_ZONE: must be an IANA time zone/,
    );
  });
});

describe('the provider payload', () => {
  it('is kept whole by default, and can be left out or redacted per source', () => {
    expect(loadWorkerSettings({}).payloads.happycolis).toEqual({ mode: 'keep' });
    const settings = loadWorkerSettings({
      WHARF_SHIPWELL_PAYLOAD: 'omit',
      WHARF_HAPPYCOLIS_PAYLOAD: 'redact',
      WHARF_HAPPYCOLIS_PAYLOAD_REDACT: 'body.delivery_address.email, body.lines[*].reference',
    });
    expect(settings.payloads).toMatchObject({
      ongoing: { mode: 'keep' },
      shipwell: { mode: 'omit' },
      happycolis: {
        mode: 'redact',
        paths: ['body.delivery_address.email', 'body.lines[*].reference'],
      },
    });
  });

  it('refuses redaction without paths, paths without redaction, and a path it cannot read', () => {
    expect(() => loadWorkerSettings({ WHARF_HAPPYCOLIS_PAYLOAD: 'redact' })).toThrow(
      /WHARF_HAPPYCOLIS_PAYLOAD_REDACT: required when WHARF_HAPPYCOLIS_PAYLOAD is redact/,
    );
    expect(() => loadWorkerSettings({ WHARF_ONGOING_PAYLOAD_REDACT: 'orderId' })).toThrow(
      /WHARF_ONGOING_PAYLOAD_REDACT: only read when WHARF_ONGOING_PAYLOAD is redact/,
    );
    expect(() =>
      loadWorkerSettings({
        WHARF_ONGOING_PAYLOAD: 'redact',
        WHARF_ONGOING_PAYLOAD_REDACT: 'a..b[',
      }),
    ).toThrow(/WHARF_ONGOING_PAYLOAD_REDACT.*must be a field path/);
    expect(() => loadWorkerSettings({ WHARF_ONGOING_PAYLOAD: 'hide' })).toThrow(
      /WHARF_ONGOING_PAYLOAD: /,
    );
  });
});

describe('the replay window', () => {
  const worker = { ...minimal, SCHEMA_REGISTRY_URL: 'http://registry:8081' };

  it('remembers signed delivery ids for 30 days by default, in a topic of its own', () => {
    const settings = loadConfig(worker, 'worker').worker;
    expect(settings.replayTopic).toBe('wharf.replay.v2');
    expect(settings.replayWindowMs).toBe(30 * 86_400_000);
  });

  it('bounds the memory of the raw partitions in all and per partition, in entries and bytes', () => {
    const settings = loadConfig(
      { ...worker, WHARF_DEDUP_MAX_BYTES: '1000', WHARF_DEDUP_PARTITION_MAX_ENTRIES: '10' },
      'worker',
    ).worker;
    expect(settings.memoryBounds).toEqual({
      maxEntries: 1_000_000,
      maxBytes: 1000,
      partitionMaxEntries: 10,
      partitionMaxBytes: 24 * 1024 * 1024,
    });
    expect(settings.batch).toEqual({
      maxRecords: 10_000,
      maxBytes: 16 * 1024 * 1024,
      lingerMs: 20,
    });
  });

  it('must outlast the deduplication window, or be 0 (off)', () => {
    const replay = (seconds: string) =>
      issuesOf({ ...worker, WHARF_REPLAY_WINDOW_SECONDS: seconds }, 'worker');
    expect(replay('86400')).toEqual([
      'WHARF_REPLAY_WINDOW_SECONDS: must exceed WHARF_DEDUP_WINDOW_SECONDS (or be 0 to turn the replay defence off)',
    ]);
    expect(replay('86401')).toEqual([]);
    expect(replay('0')).toEqual([]);
    // The ingress does not read it.
    expect(issuesOf({ ...minimal, WHARF_REPLAY_WINDOW_SECONDS: '1' })).toEqual([]);
  });
});

describe('WHARF_ONGOING_TRIGGER_ALIASES', () => {
  const worker = { ...minimal, SCHEMA_REGISTRY_URL: 'http://registry:8081' };
  const aliasIssues = (value: string) =>
    issuesOf({ ...worker, WHARF_ONGOING_TRIGGER_ALIASES: value }, 'worker');

  it('is read by the worker, and deployment files are checked for it', () => {
    expect(CONFIG_VARIABLES).toContain('WHARF_ONGOING_TRIGGER_ALIASES');
    const config = loadConfig(
      {
        ...worker,
        WHARF_ONGOING_TRIGGER_ALIASES:
          ' Kundorder plockad = order.picked , Plockad=order.picked,Ny order=ORDER.CREATED,',
      },
      'worker',
    );
    // Kept as set, for the Ongoing plug-in to read (its own tests cover the reading).
    expect(config.worker.providerSettings.ongoing).toEqual({
      WHARF_ONGOING_STATUS_MAP: undefined,
      WHARF_ONGOING_TRIGGER_ALIASES:
        ' Kundorder plockad = order.picked , Plockad=order.picked,Ny order=ORDER.CREATED,',
    });
    expect(config.worker.providerSettings.shipwell).toEqual({});
  });

  it('defaults to no extra names, also when empty', () => {
    expect(loadWorkerSettings({}).providerSettings.ongoing.WHARF_ONGOING_TRIGGER_ALIASES).toBe(
      undefined,
    );
    expect(() => loadWorkerSettings({ WHARF_ONGOING_TRIGGER_ALIASES: '' })).not.toThrow();
  });

  it.each([
    ['Kundorder plockad', /"Kundorder plockad" is not <trigger name>=<order.created\|/],
    ['=order.picked', /"=order.picked" is not <trigger name>=/],
    ['Plockad=', /"Plockad=" is not <trigger name>=/],
    ['a=b=order.picked', /"a=b=order.picked" is not <trigger name>=/],
    ['--=order.picked', /"--=order.picked": the name has no letter or digit/],
    [
      'Plockad=picked',
      /"Plockad=picked": picked is not one of order.created, order.status_changed, order.picked/,
    ],
    [
      'Plockad=order.picked,PLOCKAD=order.created',
      /"PLOCKAD=order.created": PLOCKAD is already order.picked/,
    ],
  ])('refuses %j, naming the variable and the problem', (value, problem) => {
    const issues = aliasIssues(value);
    expect(issues).toEqual([expect.stringMatching(/^WHARF_ONGOING_TRIGGER_ALIASES: /)]);
    expect(issues[0]).toMatch(problem);
    expect(() => loadWorkerSettings({ WHARF_ONGOING_TRIGGER_ALIASES: value })).toThrow(ConfigError);
  });

  it('is reported with the other wrong variables, and ignored by the ingress', () => {
    expect(
      issuesOf(
        { ...worker, WHARF_ONGOING_TRIGGER_ALIASES: 'x=y', WHARF_ONGOING_STATUS_MAP: 'x=y' },
        'worker',
      ),
    ).toEqual([
      expect.stringMatching(/^WHARF_ONGOING_STATUS_MAP: /),
      expect.stringMatching(/^WHARF_ONGOING_TRIGGER_ALIASES: /),
    ]);
    expect(issuesOf({ ...minimal, WHARF_ONGOING_TRIGGER_ALIASES: 'x=y' })).toEqual([]);
  });
});

describe('a role with several wrong settings', () => {
  /** The variables the issues name, in order. */
  const named = (issues: readonly string[]) => issues.map((issue) => issue.split(':')[0]);

  it('names every missing and invalid setting of the worker in one run', () => {
    // Nothing set but one wrong value of each kind: a source's, the worker's, a connection's.
    const issues = issuesOf(
      {
        WHARF_ONGOING_AUTH: 'maybe',
        WHARF_WORKER_PARTITION_CONCURRENCY: 'many',
        KAFKA_SECURITY_PROTOCOL: 'TLS',
      },
      'worker',
    );
    expect(named(issues)).toEqual(
      expect.arrayContaining([
        'KAFKA_BROKERS',
        'WHARF_ONGOING_AUTH',
        'KAFKA_SECURITY_PROTOCOL',
        'WHARF_WORKER_PARTITION_CONCURRENCY',
        'SCHEMA_REGISTRY_URL',
      ]),
    );
    expect(issues).toHaveLength(5);
  });

  it('still checks the worker rules that span settings when a source setting is wrong', () => {
    const issues = issuesOf(
      {
        WHARF_SOURCES: 'dhl',
        WHARF_DEDUP_WINDOW_SECONDS: '100',
        WHARF_REPLAY_WINDOW_SECONDS: '50',
        KAFKA_SSL_CA_FILE: '/etc/kafka/ca.pem',
      },
      'worker',
    );
    expect(named(issues)).toEqual(
      expect.arrayContaining([
        'KAFKA_BROKERS',
        'WHARF_SOURCES',
        'KAFKA_SSL_CA_FILE',
        'SCHEMA_REGISTRY_URL',
        'WHARF_REPLAY_WINDOW_SECONDS',
      ]),
    );
  });

  it('names the worker settings and the payload rules together for the tools', () => {
    let issues: readonly string[] = [];
    try {
      loadWorkerSettings({
        WHARF_WORKER_PARTITION_CONCURRENCY: 'many',
        WHARF_ONGOING_PAYLOAD: 'redact',
      });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues = error.issues;
    }
    expect(named(issues)).toEqual([
      'WHARF_WORKER_PARTITION_CONCURRENCY',
      'WHARF_ONGOING_PAYLOAD_REDACT',
    ]);
  });
});
