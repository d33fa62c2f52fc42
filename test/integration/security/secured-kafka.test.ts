/**
 * Wharf against a secured real Kafka (SASL_SSL with PLAIN and SCRAM users,
 * SASL_PLAINTEXT, SSL with required client certificates, OAUTHBEARER from a
 * token endpoint) and a registry behind https, client certificates and basic
 * auth: the real `wharf ingress`, `wharf worker` and `wharf tail` commands,
 * configured only by the environment a deployment would give them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { exampleFile } from '../../../src/cli/examples.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { startIngress } from '../../../src/ingress/server.ts';
import { createMetrics } from '../../../src/metrics/catalog.ts';
import { providerAdapters } from '../../../src/providers/index.ts';
import { startWorker } from '../../../src/worker/worker.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { cleanEnvironment, runWharf } from '../../support/cli.ts';
import { ONGOING_TOKEN } from '../../support/ingress.ts';
import { waitFor } from '../../support/kafka.ts';
import { metricValue, spawnWharf } from '../../support/processes.ts';
import type { WharfProcess } from '../../support/processes.ts';
import { startSecuredKafka } from '../../support/secured-kafka.ts';
import type { SecuredKafka } from '../../support/secured-kafka.ts';
import { startSecuredRegistry } from '../../support/secured-registry.ts';
import type { SecuredRegistry } from '../../support/secured-registry.ts';
import { startTestRegistry, workerEnvironment } from '../../support/worker.ts';

let kafka: SecuredKafka;
let embedded: EmbeddedRegistry;
let registry: SecuredRegistry;
const secrets = mkdtempSync(join(tmpdir(), 'wharf-secrets-'));

/** A secret as Kubernetes mounts it: a file, with a trailing newline. */
function secretFile(name: string, value: string): string {
  const path = join(secrets, name);
  writeFileSync(path, `${value}\n`);
  return path;
}

beforeAll(async () => {
  [kafka, embedded] = await Promise.all([startSecuredKafka(), startTestRegistry()]);
  registry = await startSecuredRegistry(embedded.url);
}, 120_000);

afterAll(async () => {
  await registry.close();
  await embedded.close();
  await kafka.stop();
});

/** The registry's settings: https with its own CA, a client certificate, basic auth. */
function registryEnvironment(): Record<string, string> {
  const { certificates, user } = registry;
  return {
    SCHEMA_REGISTRY_URL: registry.url,
    SCHEMA_REGISTRY_USERNAME: user.username,
    SCHEMA_REGISTRY_PASSWORD_FILE: secretFile('registry-password', user.password),
    SCHEMA_REGISTRY_CA_FILE: certificates.ca.certFile,
    SCHEMA_REGISTRY_CERT_FILE: certificates.client.certFile,
    SCHEMA_REGISTRY_KEY_FILE: certificates.client.keyFile,
  };
}

/** Each way a company's Kafka may ask Wharf to connect. */
const CONNECTIONS: Record<string, () => Record<string, string>> = {
  'SASL_SSL with SCRAM-SHA-512': () => ({
    KAFKA_BROKERS: kafka.listeners.saslSsl,
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SSL_CA_FILE: kafka.tls.caFile,
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: kafka.users.scram512.username,
    KAFKA_SASL_PASSWORD_FILE: secretFile('scram512', kafka.users.scram512.password),
  }),
  'SASL_SSL with SCRAM-SHA-256': () => ({
    KAFKA_BROKERS: kafka.listeners.saslSsl,
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SSL_CA_FILE: kafka.tls.caFile,
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
    KAFKA_SASL_USERNAME: kafka.users.scram256.username,
    KAFKA_SASL_PASSWORD: kafka.users.scram256.password,
  }),
  'SASL_SSL with PLAIN': () => ({
    KAFKA_BROKERS: kafka.listeners.saslSsl,
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SSL_CA_FILE: kafka.tls.caFile,
    KAFKA_SASL_MECHANISM: 'PLAIN',
    KAFKA_SASL_USERNAME_FILE: secretFile('plain-user', kafka.users.plain.username),
    KAFKA_SASL_PASSWORD_FILE: secretFile('plain', kafka.users.plain.password),
  }),
  'SASL_PLAINTEXT with SCRAM-SHA-512': () => ({
    KAFKA_BROKERS: kafka.listeners.saslPlaintext,
    KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: kafka.users.scram512.username,
    KAFKA_SASL_PASSWORD: kafka.users.scram512.password,
  }),
  'SSL with a client certificate': () => ({
    KAFKA_BROKERS: kafka.listeners.ssl,
    KAFKA_SECURITY_PROTOCOL: 'SSL',
    KAFKA_SSL_CA_FILE: kafka.tls.caFile,
    KAFKA_SSL_CERT_FILE: kafka.tls.clientCertFile,
    KAFKA_SSL_KEY_FILE: kafka.tls.clientKeyFile,
  }),
  'SASL_SSL with OAUTHBEARER (client credentials)': () => ({
    KAFKA_BROKERS: kafka.listeners.saslSsl,
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SSL_CA_FILE: kafka.tls.caFile,
    KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
    KAFKA_SASL_OAUTH_TOKEN_ENDPOINT_URL: kafka.oauth.url,
    KAFKA_SASL_OAUTH_CLIENT_ID: kafka.oauth.clientId,
    KAFKA_SASL_OAUTH_CLIENT_SECRET_FILE: secretFile('oauth', kafka.oauth.clientSecret),
    KAFKA_SASL_OAUTH_SCOPE: kafka.oauth.scope,
  }),
};

/** The built-in Ongoing example as event `n` of an order of its own, posted as Ongoing would. */
async function postOngoingExample(ingressUrl: string, n = 0): Promise<number> {
  const example = JSON.parse(readFileSync(exampleFile('ongoing'), 'utf8')) as Record<
    string,
    unknown
  >;
  const response = await fetch(`${ingressUrl}/webhooks/ongoing`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ongoing-token': ONGOING_TOKEN },
    body: JSON.stringify({ ...example, orderId: 700_000 + n, webhookEventId: 800_000 + n }),
  });
  return response.status;
}

async function stopAll(processes: readonly (WharfProcess | undefined)[]): Promise<void> {
  await Promise.all(processes.map((process) => process?.stop('SIGTERM') ?? Promise.resolve()));
}

describe('the full path on a secured Kafka', () => {
  it.each(Object.keys(CONNECTIONS))(
    '%s: ingress → worker → domain topic → tail, and dlq list',
    async (connection) => {
      const env = workerEnvironment(registry.url, {
        ...CONNECTIONS[connection]?.(),
        ...registryEnvironment(),
      });
      let ingress: Awaited<ReturnType<typeof spawnWharf>> | undefined;
      let worker: WharfProcess | undefined;
      try {
        [ingress, worker] = await Promise.all([
          spawnWharf('ingress', env),
          spawnWharf('worker', env),
        ]);
        expect(await postOngoingExample(ingress.url ?? '')).toBe(200);
        const tail = await runWharf(
          ['tail', 'fulfillment', '--from-beginning', '--max', '1', '--timeout', '60'],
          { env: cleanEnvironment(env) },
        );
        expect(tail.code, tail.stderr).toBe(0);
        const event = JSON.parse(tail.stdout.trim()) as Record<string, unknown>;
        expect(event.source).toBe('ongoing');
        expect(String(event.type)).toMatch(/^fulfillment_order\./);
        // The operator commands connect the same way (the dead-letter topic is empty here).
        const dlq = await runWharf(['dlq', 'list', '--json'], { env: cleanEnvironment(env) });
        expect(dlq.code, dlq.stderr).toBe(0);
      } finally {
        await stopAll([ingress, worker]);
      }
    },
    120_000,
  );
});

/** Runs `wharf <command>` to its end; it must not start. */
async function refusedStart(
  command: 'ingress' | 'worker',
  env: Record<string, string>,
): Promise<{ code: number | null; line: string }> {
  const result = await runWharf([command], {
    env: cleanEnvironment({ ...workerEnvironment(registry.url, env), WHARF_LOG_LEVEL: 'silent' }),
  });
  return { code: result.code, line: result.stderr.trim() };
}

describe('credentials refused at start', () => {
  const scram = () => CONNECTIONS['SASL_SSL with SCRAM-SHA-512']?.() ?? {};
  const oauth = () => CONNECTIONS['SASL_SSL with OAUTHBEARER (client credentials)']?.() ?? {};
  const mtls = () => CONNECTIONS['SSL with a client certificate']?.() ?? {};

  it('a wrong password: exit 3, one line naming the settings and the broker’s answer', async () => {
    const { code, line } = await refusedStart('ingress', {
      ...scram(),
      KAFKA_SASL_PASSWORD_FILE: secretFile('wrong', 'not-the-password'),
    });
    expect(code).toBe(3);
    expect(line).toMatch(
      /^wharf ingress: cannot start: KAFKA_SASL_USERNAME\/KAFKA_SASL_PASSWORD: the broker refused them \(SCRAM-SHA-512\): .*[Aa]uthentication failed/,
    );
    expect(line.split('\n')).toHaveLength(1);
    expect(line).not.toContain('not-the-password');
  });

  it('an unknown client certificate: exit 3, naming KAFKA_SSL_CERT_FILE', async () => {
    const { code, line } = await refusedStart('worker', {
      ...mtls(),
      ...registryEnvironment(),
      KAFKA_SSL_CERT_FILE: kafka.tls.unknownClientCertFile,
      KAFKA_SSL_KEY_FILE: kafka.tls.unknownClientKeyFile,
    });
    expect(code).toBe(3);
    expect(line).toMatch(/^wharf worker: cannot start: KAFKA_SSL_CERT_FILE: the server refused/);
  });

  it('a broker whose CA is not trusted: exit 3, naming KAFKA_SSL_CA_FILE', async () => {
    const { code, line } = await refusedStart('ingress', {
      ...scram(),
      KAFKA_SSL_CA_FILE: registry.certificates.ca.certFile,
    });
    expect(code).toBe(3);
    expect(line).toMatch(
      /^wharf ingress: cannot start: KAFKA_SSL_CA_FILE: the server's certificate is not trusted/,
    );
  });

  it('a token endpoint that refuses the client: exit 3, naming it and its answer', async () => {
    const { code, line } = await refusedStart('ingress', {
      ...oauth(),
      KAFKA_SASL_OAUTH_CLIENT_SECRET_FILE: secretFile('wrong-client-secret', 'wrong'),
    });
    expect(code).toBe(3);
    expect(line).toMatch(
      /^wharf ingress: cannot start: KAFKA_SASL_OAUTH_TOKEN_ENDPOINT_URL: the token endpoint \S+ refused the client credentials: 401 invalid_client/,
    );
  });

  it('a token without the scope the broker requires: exit 3, the broker’s refusal named', async () => {
    const { code, line } = await refusedStart('ingress', {
      ...oauth(),
      KAFKA_SASL_OAUTH_SCOPE: 'not-kafka',
    });
    expect(code).toBe(3);
    expect(line).toMatch(
      /^wharf ingress: cannot start: KAFKA_SASL_OAUTH_CLIENT_ID\/KAFKA_SASL_OAUTH_CLIENT_SECRET: the broker refused them \(OAUTHBEARER\)/,
    );
  });

  it('an expired token: exit 3, the broker’s refusal named', async () => {
    kafka.oauth.setLifetimeSeconds(-60);
    try {
      const { code, line } = await refusedStart('ingress', oauth());
      expect(code).toBe(3);
      expect(line).toMatch(
        /^wharf ingress: cannot start: KAFKA_SASL_OAUTH_CLIENT_ID\/KAFKA_SASL_OAUTH_CLIENT_SECRET: the broker refused them \(OAUTHBEARER\)/,
      );
    } finally {
      kafka.oauth.setLifetimeSeconds(3600);
    }
  });

  it('a registry that refuses the worker’s password: exit 3, naming the registry settings', async () => {
    const { code, line } = await refusedStart('worker', {
      ...scram(),
      ...registryEnvironment(),
      SCHEMA_REGISTRY_PASSWORD_FILE: secretFile('wrong-registry', 'wrong'),
    });
    expect(code).toBe(3);
    expect(line).toMatch(
      /^wharf worker: cannot start: SCHEMA_REGISTRY_USERNAME\/SCHEMA_REGISTRY_PASSWORD \(or SCHEMA_REGISTRY_BEARER_TOKEN\): the schema registry answered 401/,
    );
  });
});

describe('credentials that go bad while running', () => {
  it('a token endpoint that starts refusing: both processes turn unready and say why, then recover; nothing acknowledged is lost', async () => {
    const env = workerEnvironment(registry.url, {
      ...(CONNECTIONS['SASL_SSL with OAUTHBEARER (client credentials)']?.() ?? {}),
      ...registryEnvironment(),
    });
    // Short-lived tokens: connections re-authenticate and new ones need a new token soon.
    kafka.oauth.setLifetimeSeconds(24);
    const config = loadConfig(env, 'all');
    const logger = pino({ level: 'silent' });
    const options = { metrics: createMetrics({ defaultMetrics: false }), connectionCheckMs: 300 };
    const ingress = await startIngress(config, logger, options);
    const worker = await startWorker(
      config,
      { adapters: providerAdapters(config.worker.providerSettings) },
      logger,
      { ...options, metrics: createMetrics({ defaultMetrics: false }) },
    );
    const ready = async (url: string) => (await fetch(`${url}/readyz`)).status;
    const problem = (url: string) =>
      metricValue(`${url}/metrics`, 'wharf_kafka_connection_problem', 'reason="authentication"');
    let acknowledged = 0;
    let sent = 0;
    // Distinct events: a redelivery of the same one would rightly be deduplicated.
    const post = async () => {
      if ((await postOngoingExample(ingress.url, sent++)) === 200) acknowledged++;
    };
    try {
      await waitFor('both ready', async () =>
        (await ready(ingress.metricsUrl)) === 200 && (await ready(worker.metricsUrl)) === 200
          ? true
          : undefined,
      );
      await post();
      kafka.oauth.setRefusing(true);
      for (const url of [ingress.metricsUrl, worker.metricsUrl]) {
        await waitFor(
          `${url} unready, saying authentication`,
          async () => ((await ready(url)) === 503 && (await problem(url)) === 1 ? true : undefined),
          { timeoutMs: 20_000 },
        );
      }
      await post();
      kafka.oauth.setRefusing(false);
      for (const url of [ingress.metricsUrl, worker.metricsUrl]) {
        await waitFor(
          `${url} ready again`,
          async () => ((await ready(url)) === 200 && (await problem(url)) === 0 ? true : undefined),
          { timeoutMs: 20_000 },
        );
      }
      await post();
      expect(acknowledged).toBeGreaterThanOrEqual(2);
      const tail = await runWharf(
        [
          'tail',
          'fulfillment',
          '--from-beginning',
          '--max',
          String(acknowledged),
          '--timeout',
          '60',
        ],
        { env: cleanEnvironment(env) },
      );
      expect(tail.code, tail.stderr).toBe(0);
      expect(tail.stdout.trim().split('\n')).toHaveLength(acknowledged);
    } finally {
      kafka.oauth.setRefusing(false);
      kafka.oauth.setLifetimeSeconds(3600);
      await ingress.shutdown();
      await worker.shutdown();
    }
  }, 120_000);
});
