import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_VARIABLES,
  ConfigError,
  loadConfig,
  loadConnectionSecurity,
} from '../../../src/config/config.ts';
import type { Role } from '../../../src/config/config.ts';
import { withEverySourceSecret } from '../../support/sources.ts';
import { connectionOptions } from '../../../src/kafka/client.ts';

const minimal = withEverySourceSecret({
  KAFKA_BROKERS: 'kafka-1:9096',
  SCHEMA_REGISTRY_URL: 'https://registry.example:8081',
  WHARF_HAPPYCOLIS_SECRETS: '*=client-secret-1',
  WHARF_SHIPWELL_SECRETS: '*=user:password',
  WHARF_ONGOING_SECRETS: '*=user:password',
});

const folder = mkdtempSync(join(tmpdir(), 'wharf-security-'));
function file(name: string, content: string): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

function issuesOf(env: Record<string, string>, role: Role = 'worker'): readonly string[] {
  try {
    loadConfig({ ...minimal, ...env }, role);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('Kafka security settings', () => {
  it('default to PLAINTEXT, with no TLS and no SASL', () => {
    const { security } = loadConfig(minimal, 'worker').kafka;
    expect(security).toEqual({ protocol: 'PLAINTEXT', tls: undefined, sasl: undefined });
    expect(connectionOptions(security)).toEqual({});
  });

  it('give kafkajs SCRAM over TLS, with the password read from a file', () => {
    const config = loadConfig(
      {
        ...minimal,
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'wharf',
        KAFKA_SASL_PASSWORD_FILE: file('password', 's3cret\n'),
      },
      'worker',
    );
    const options = connectionOptions(config.kafka.security);
    expect(options.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'wharf',
      password: 's3cret',
    });
    // Node's public CAs, and the host name checked.
    expect(options.ssl).toEqual({});
  });

  it('turn off only the host name check when asked, never the chain', () => {
    const config = loadConfig(
      { ...minimal, KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CHECK_HOSTNAME: 'false' },
      'ingress',
    );
    const ssl = connectionOptions(config.kafka.security).ssl;
    // Node's own check would refuse a certificate that names another host.
    const check = typeof ssl === 'object' ? ssl.checkServerIdentity : undefined;
    expect(check).toBeTypeOf('function');
    expect(check?.('kafka.example', { subject: { CN: 'other.example' } } as never)).toBe(undefined);
    expect(ssl).not.toHaveProperty('rejectUnauthorized');
  });

  it('name each missing setting of a SASL mechanism, all at once', () => {
    expect(issuesOf({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toEqual([
      'KAFKA_SASL_MECHANISM: required when KAFKA_SECURITY_PROTOCOL is SASL_SSL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER)',
    ]);
    expect(
      issuesOf({ KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'OAUTHBEARER' }),
    ).toEqual([
      'KAFKA_SASL_OAUTH_TOKEN_ENDPOINT_URL: required when KAFKA_SASL_MECHANISM is OAUTHBEARER',
      'KAFKA_SASL_OAUTH_CLIENT_ID: required when KAFKA_SASL_MECHANISM is OAUTHBEARER',
      'KAFKA_SASL_OAUTH_CLIENT_SECRET: required when KAFKA_SASL_MECHANISM is OAUTHBEARER',
    ]);
    expect(
      issuesOf({
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'PLAIN',
        KAFKA_SASL_USERNAME: 'key',
      }),
    ).toEqual(['KAFKA_SASL_PASSWORD: required when KAFKA_SASL_MECHANISM is PLAIN']);
  });

  it('refuse settings the protocol would ignore', () => {
    expect(issuesOf({ KAFKA_SASL_MECHANISM: 'PLAIN' })).toContain(
      'KAFKA_SASL_MECHANISM: set, but KAFKA_SECURITY_PROTOCOL is PLAINTEXT; use SASL_SSL or SASL_PLAINTEXT',
    );
    expect(issuesOf({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }).length).toBe(1);
    expect(issuesOf({ KAFKA_SECURITY_PROTOCOL: 'TLS' })[0]).toMatch(/^KAFKA_SECURITY_PROTOCOL: /);
    expect(issuesOf({ KAFKA_SSL_CHECK_HOSTNAME: 'maybe' })).toEqual([
      'KAFKA_SSL_CHECK_HOSTNAME: must be true or false',
    ]);
  });

  it('send OAuth extensions as given, and refuse a malformed list', () => {
    const config = loadConfig(
      {
        ...minimal,
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
        KAFKA_SASL_OAUTH_TOKEN_ENDPOINT_URL: 'https://idp.example/oauth2/token',
        KAFKA_SASL_OAUTH_CLIENT_ID: 'wharf',
        KAFKA_SASL_OAUTH_CLIENT_SECRET: 'secret',
        KAFKA_SASL_OAUTH_EXTENSIONS: 'logicalCluster=lkc-1, identityPoolId=pool-2',
      },
      'ingress',
    );
    const { sasl } = config.kafka.security;
    expect(sasl?.mechanism === 'OAUTHBEARER' && sasl.oauth.extensions).toEqual({
      logicalCluster: 'lkc-1',
      identityPoolId: 'pool-2',
    });
    expect(issuesOf({ KAFKA_SASL_OAUTH_EXTENSIONS: 'logicalCluster' })).toEqual([
      'KAFKA_SASL_OAUTH_EXTENSIONS: must be key=value pairs, comma-separated',
    ]);
  });
});

describe('secrets in files', () => {
  it('are refused when given twice, or unreadable, naming the variable and never the secret', () => {
    const issues = issuesOf({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'key',
      KAFKA_SASL_PASSWORD: 'inline-secret',
      KAFKA_SASL_PASSWORD_FILE: file('other', 'file-secret'),
      SCHEMA_REGISTRY_PASSWORD_FILE: join(folder, 'missing'),
    });
    expect(issues).toEqual([
      'KAFKA_SASL_PASSWORD_FILE: set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both',
      `SCHEMA_REGISTRY_PASSWORD_FILE: cannot read ${join(folder, 'missing')} (ENOENT)`,
    ]);
    expect(issues.join('\n')).not.toMatch(/inline-secret|file-secret/);
  });

  it('also hold the providers’ secrets', () => {
    const config = loadConfig(
      {
        ...minimal,
        WHARF_HAPPYCOLIS_SECRETS: '',
        WHARF_HAPPYCOLIS_SECRETS_FILE: file(
          'happycolis',
          'org-1=first-secret-1,*=second-secret-2\n',
        ),
      },
      'ingress',
    );
    expect(config.ingress.sources.happycolis.auth).toEqual({
      mode: 'hmac',
      secrets: [
        { tenant: 'org-1', secret: 'first-secret-1' },
        { tenant: null, secret: 'second-secret-2' },
      ],
    });
  });

  it('are all in the list of variables the deployment files are checked against', () => {
    for (const name of [
      'KAFKA_SASL_PASSWORD_FILE',
      'KAFKA_SASL_OAUTH_CLIENT_SECRET_FILE',
      'SCHEMA_REGISTRY_BEARER_TOKEN_FILE',
      'WHARF_SHIPWELL_SECRETS_FILE',
      'KAFKA_SSL_CA_FILE',
    ])
      expect(CONFIG_VARIABLES).toContain(name);
  });
});

describe('TLS files', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const encrypted = privateKey
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'right' })
    .toString();

  it('are read at start: a wrong passphrase or a file that is no certificate is one line', () => {
    const issues = issuesOf({
      KAFKA_SECURITY_PROTOCOL: 'SSL',
      KAFKA_SSL_CA_FILE: file('ca.pem', 'not a certificate'),
      KAFKA_SSL_CERT_FILE: file('client.pem', 'not a certificate either'),
      KAFKA_SSL_KEY_FILE: file('client.key', encrypted),
      KAFKA_SSL_KEY_PASSWORD: 'wrong',
    });
    expect(issues).toHaveLength(3);
    expect(issues[0]).toMatch(/^KAFKA_SSL_CA_FILE: \S+ca\.pem holds no PEM certificate/);
    expect(issues[1]).toMatch(/^KAFKA_SSL_CERT_FILE: /);
    expect(issues[2]).toMatch(
      /^KAFKA_SSL_KEY_FILE: \S+ is encrypted and KAFKA_SSL_KEY_PASSWORD does not open it$/,
    );
  });

  it('need a key with a client certificate', () => {
    expect(
      issuesOf({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_KEY_FILE: file('k', encrypted) }),
    ).toContain('KAFKA_SSL_CERT_FILE: required with KAFKA_SSL_KEY_FILE');
  });
});

describe('schema registry settings', () => {
  it('take basic auth or a bearer token, not both, and are not read by the ingress', () => {
    const security = loadConnectionSecurity({
      SCHEMA_REGISTRY_USERNAME: 'api-key',
      SCHEMA_REGISTRY_PASSWORD: 'api-secret',
    });
    expect(security.registry.auth).toEqual({
      kind: 'basic',
      username: 'api-key',
      password: 'api-secret',
    });
    expect(
      issuesOf({
        SCHEMA_REGISTRY_USERNAME: 'api-key',
        SCHEMA_REGISTRY_PASSWORD: 'x',
        SCHEMA_REGISTRY_BEARER_TOKEN: 'y',
      }),
    ).toEqual([
      'SCHEMA_REGISTRY_BEARER_TOKEN: set either it or SCHEMA_REGISTRY_USERNAME, not both',
    ]);
    expect(issuesOf({ SCHEMA_REGISTRY_CA_FILE: join(folder, 'nope') }, 'ingress')).toEqual([]);
    expect(issuesOf({ SCHEMA_REGISTRY_USERNAME: 'only' })).toEqual([
      'SCHEMA_REGISTRY_PASSWORD: required with SCHEMA_REGISTRY_USERNAME',
    ]);
  });

  it('report a missing URL together with every other problem', () => {
    const withoutRegistry = { ...minimal, SCHEMA_REGISTRY_URL: '', KAFKA_BROKERS: '' };
    expect(() => loadConfig(withoutRegistry, 'worker')).toThrow(
      /KAFKA_BROKERS: required[\s\S]*SCHEMA_REGISTRY_URL: required by the worker/,
    );
  });
});
