/**
 * docker-compose.yml: it parses, Wharf's services start with a configuration
 * Wharf accepts, ports and topics agree with the code's defaults, Prometheus
 * scrapes where the processes listen, and every service waits for the
 * health of what it needs.
 *
 * docker-compose.secured.yml over it: Wharf, the registry and Kafka meet on
 * SASL_SSL listeners only, with SCRAM-SHA-512 and the registry's basic auth,
 * and every credential reaches its container as a file. The integration test
 * test/integration/deploy/compose-config.test.ts has docker-compose validate
 * both and checks the files make-certs.sh writes.
 */
import { existsSync } from 'node:fs';
import { matchesGlob } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../../src/config/config.ts';
import { withLocalSecrets } from '../../../src/cli/local-defaults.ts';
import { PROVIDERS, SOURCES } from '../../../src/providers/index.ts';
import {
  composeEnvironment,
  list,
  mountParts,
  readCompose,
  readText,
  readYaml,
  record,
  ROOT,
  secretName,
} from './files.ts';
import type { ComposeProject } from './files.ts';

const compose = readCompose('docker-compose.yml');
const services = compose.services;
const service = (name: string) => services[name] ?? {};

/** A service's environment as strings (compose accepts numbers and a list form). */
function environment(name: string): Record<string, string> {
  return composeEnvironment(service(name));
}

/** The container ports a service publishes. */
function publishedPorts(name: string): number[] {
  return list(service(name).ports).map((mapping) => Number(String(mapping).split(':').at(-1)));
}

/** One listener Kafka advertises to clients. */
interface Listener {
  readonly name: string;
  /** host:port, as clients put it in KAFKA_BROKERS. */
  readonly address: string;
  readonly protocol: string;
}

/** Kafka's advertised listeners, each with its security protocol. */
function advertisedListeners(kafka: Readonly<Record<string, string>>): Listener[] {
  const protocols = new Map(
    (kafka.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => pair.split(':') as [string, string]),
  );
  return (kafka.KAFKA_ADVERTISED_LISTENERS ?? '')
    .split(',')
    .filter(Boolean)
    .map((listener) => {
      const [name = '', address = ''] = listener.split('://');
      return { name, address, protocol: protocols.get(name) ?? name };
    });
}

/** The listener a Wharf service connects to, by its KAFKA_BROKERS. */
function wharfListener(project: ComposeProject, name: string): Listener | undefined {
  const kafka = composeEnvironment(project.services.kafka ?? {});
  const brokers = composeEnvironment(project.services[name] ?? {}).KAFKA_BROKERS;
  return advertisedListeners(kafka).find((listener) => listener.address === brokers);
}

/** The code's defaults, with only what is required set. */
const defaults = loadConfig(
  {
    KAFKA_BROKERS: 'kafka:9092',
    SCHEMA_REGISTRY_URL: 'http://registry:8081',
    ...Object.fromEntries(
      SOURCES.map((source) => [`WHARF_${source.toUpperCase()}_SECRETS`, '*=user:long-password']),
    ),
  },
  'all',
);

describe('docker-compose.yml', () => {
  it('publishes every port on this machine only (the local credentials are public)', () => {
    for (const [name, definition] of Object.entries(services)) {
      for (const port of list(record(definition).ports ?? [])) {
        expect(String(port), `${name}: ${String(port)}`).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
      }
    }
  });

  it('runs Kafka (KRaft), a schema registry, both Wharf roles, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['grafana', 'ingress', 'kafka', 'prometheus', 'schema-registry', 'worker'].sort(),
    );
    // Kafka 4, the version the suite runs against.
    expect(String(service('kafka').image)).toMatch(/^apache\/kafka:4\./);
    expect(environment('kafka').KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(String(service('schema-registry').image)).toMatch(/^confluentinc\/cp-schema-registry:/);
  });

  it('builds one image from the Dockerfile for both roles', () => {
    for (const name of ['ingress', 'worker']) {
      expect(record(service(name).build).context).toBe('.');
      expect(service(name).image).toBe('wharf:local');
    }
    expect(service('ingress').command).toEqual(['ingress']);
    expect(service('worker').command).toEqual(['worker']);
  });

  it('sets only variables the configuration knows, and Wharf accepts them', () => {
    for (const name of ['ingress', 'worker']) {
      for (const variable of Object.keys(environment(name))) {
        expect(CONFIG_VARIABLES, `${name}: ${variable}`).toContain(variable);
      }
    }
    expect(() => loadConfig(environment('ingress'), 'ingress')).not.toThrow();
    expect(() => loadConfig(environment('worker'), 'worker')).not.toThrow();
  });

  it('connects Wharf to the Kafka listener and the registry the other services declare', () => {
    for (const name of ['ingress', 'worker']) {
      // The listener at KAFKA_BROKERS speaks the protocol Wharf is told to use.
      expect(wharfListener(compose, name), name).toMatchObject({ protocol: 'PLAINTEXT' });
      expect(environment(name).KAFKA_SECURITY_PROTOCOL, name).toBe('PLAINTEXT');
    }
    const registryPort = new URL(environment('schema-registry').SCHEMA_REGISTRY_LISTENERS ?? '')
      .port;
    expect(environment('worker').SCHEMA_REGISTRY_URL).toBe(
      `http://schema-registry:${registryPort}`,
    );
  });

  it('publishes the ports the code listens on by default, and checks health there', () => {
    const ingress = loadConfig(environment('ingress'), 'ingress');
    const worker = loadConfig(environment('worker'), 'worker');
    expect(ingress.ingress.port).toBe(defaults.ingress.port);
    expect(worker.worker.metricsPort).toBe(defaults.worker.metricsPort);
    expect(publishedPorts('ingress')).toEqual([
      defaults.ingress.port,
      defaults.ingress.metricsPort,
    ]);
    expect(publishedPorts('worker')).toEqual([defaults.worker.metricsPort]);
    const probe = (name: string) => list(record(service(name).healthcheck).test).join(' ');
    expect(probe('ingress')).toContain(`http://127.0.0.1:${defaults.ingress.metricsPort}/readyz`);
    expect(probe('worker')).toContain(`http://127.0.0.1:${defaults.worker.metricsPort}/readyz`);
  });

  it("uses the code's default topics, the same in both roles", () => {
    const ingress = loadConfig(environment('ingress'), 'ingress');
    const worker = loadConfig(environment('worker'), 'worker');
    for (const source of SOURCES) {
      expect(ingress.ingress.sources[source].rawTopic).toBe(
        defaults.ingress.sources[source].rawTopic,
      );
      expect(worker.ingress.sources[source].rawTopic).toBe(
        defaults.ingress.sources[source].rawTopic,
      );
    }
    expect(worker.worker.domainTopics).toEqual(defaults.worker.domainTopics);
    expect(worker.worker.deadLetterTopic).toBe(defaults.worker.deadLetterTopic);
  });

  it('gives the ingress the published local credentials, so `npx wharf send` works against it', () => {
    const ingress = loadConfig(environment('ingress'), 'ingress');
    // What `wharf start` sets and `wharf send` uses: bound to any tenant (`*=`), being public.
    const local = withLocalSecrets({}).env;
    for (const source of SOURCES) {
      const mode = PROVIDERS[source].ingress.defaultAuthMode;
      expect(ingress.ingress.sources[source].auth.mode).toBe(mode);
      if (mode === 'none') continue;
      const variable = `WHARF_${source.toUpperCase()}_SECRETS`;
      expect(environment('ingress')[variable]).toBe(local[variable]);
      expect(environment('ingress')[variable], variable).toMatch(/^\*=/);
    }
  });

  it('starts each service after the health of what it depends on', () => {
    for (const [name, definition] of Object.entries(services)) {
      for (const [dependency, condition] of Object.entries(record(definition.depends_on))) {
        expect(record(condition).condition, `${name} → ${dependency}`).toBe('service_healthy');
        expect(record(service(dependency).healthcheck).test, dependency).toBeDefined();
      }
    }
    const needs = (name: string) => Object.keys(record(service(name).depends_on)).sort();
    expect(needs('schema-registry')).toEqual(['kafka']);
    expect(needs('ingress')).toEqual(['kafka']);
    expect(needs('worker')).toEqual(['kafka', 'schema-registry']);
    expect(needs('prometheus')).toEqual(['ingress', 'worker']);
    expect(needs('grafana')).toEqual(['prometheus']);
  });

  it('mounts files that exist, where the services read them', () => {
    const mounts = Object.values(services).flatMap((definition) =>
      list(definition.volumes).map((volume) => String(volume).split(':')),
    );
    for (const [host = '', target = ''] of mounts) {
      expect(existsSync(new URL(host, `file://${ROOT}`)), host).toBe(true);
      expect(target).toMatch(/^\//);
    }
    const target = (name: string, host: string) =>
      list(service(name).volumes)
        .map((volume) => String(volume).split(':'))
        .find(([from]) => from === host)?.[1] ?? '';
    // Prometheus loads the alert rules from where they are mounted.
    const prometheus = record(readYaml('deploy/compose/prometheus.yml'));
    const rulesTarget = target('prometheus', './helm/wharf/files/alerts.yaml');
    expect(list(prometheus.rule_files).some((glob) => matchesGlob(rulesTarget, String(glob)))).toBe(
      true,
    );
    // Grafana loads the dashboards from where they are mounted.
    const provider = list(
      record(readYaml('deploy/compose/grafana/provisioning/dashboards/wharf.yml')).providers,
    ).map(record)[0];
    expect(record(provider?.options).path).toBe(target('grafana', './helm/wharf/dashboards'));
  });
});

describe('the local Prometheus', () => {
  it('scrapes the ingress and the worker where they serve /metrics', () => {
    const prometheus = record(readYaml('deploy/compose/prometheus.yml'));
    const jobs = list(prometheus.scrape_configs).map(record);
    const targets = (job: string) => {
      const config = jobs.find((item) => item.job_name === job);
      expect(config?.metrics_path ?? '/metrics').toBe('/metrics');
      return list(config?.static_configs).flatMap((item) => list(record(item).targets).map(String));
    };
    expect(targets('wharf-ingress')).toEqual([`ingress:${defaults.ingress.metricsPort}`]);
    expect(targets('wharf-worker')).toEqual([`worker:${defaults.worker.metricsPort}`]);
  });

  it('queries Prometheus from Grafana at the address compose gives it', () => {
    const datasource = list(
      record(readYaml('deploy/compose/grafana/provisioning/datasources/prometheus.yml'))
        .datasources,
    ).map(record)[0];
    expect(datasource?.url).toBe(`http://prometheus:${publishedPorts('prometheus')[0] ?? 0}`);
  });
});

/** Where make-certs.sh writes by default: git-ignored, absent until it runs. */
const GENERATED = './deploy/compose/secured/generated/';

describe('docker-compose.secured.yml over docker-compose.yml', () => {
  const secured = readCompose('docker-compose.yml', 'docker-compose.secured.yml');
  const override = record(readYaml('docker-compose.secured.yml'));
  const securedService = (name: string) => secured.services[name] ?? {};
  const env = (name: string) => composeEnvironment(securedService(name));
  const secretsOf = (name: string) => list(securedService(name).secrets).map(secretName);
  /** Host path → container path of a service's mounts. */
  const mountsOf = (name: string) => list(securedService(name).volumes).map(mountParts);
  const wharfRoles = ['ingress', 'worker'];

  it('changes only services of the base file, and declares every secret they mount', () => {
    expect(Object.keys(secured.services).sort()).toEqual(Object.keys(services).sort());
    const used = new Set<string>();
    for (const name of Object.keys(secured.services)) {
      for (const secret of secretsOf(name)) {
        expect(Object.keys(secured.secrets), `${name}: ${secret}`).toContain(secret);
        used.add(secret);
      }
    }
    for (const [name, definition] of Object.entries(secured.secrets)) {
      expect(used.has(name), `${name} is mounted by no service`).toBe(true);
      expect(record(definition).file).toBe(`${GENERATED}secrets/${name}`);
    }
  });

  it('sets only variables the configuration knows in both Wharf roles', () => {
    for (const name of wharfRoles) {
      for (const variable of Object.keys(env(name))) {
        expect(CONFIG_VARIABLES, `${name}: ${variable}`).toContain(variable);
      }
    }
  });

  it('points the ingress and the worker at a SASL_SSL listener with SCRAM-SHA-512', () => {
    const kafka = env('kafka');
    for (const name of wharfRoles) {
      const wharf = env(name);
      expect(wharf.KAFKA_SECURITY_PROTOCOL, name).toBe('SASL_SSL');
      expect(wharfListener(secured, name), name).toMatchObject({ protocol: 'SASL_SSL' });
      expect(wharf.KAFKA_SASL_MECHANISM, name).toBe('SCRAM-SHA-512');
      expect(kafka.KAFKA_SASL_ENABLED_MECHANISMS?.split(','), name).toContain('SCRAM-SHA-512');
      expect(wharf.KAFKA_SASL_USERNAME, name).toBe('wharf');
      // The CA Wharf trusts is the generated one, mounted where the variable says.
      const ca = mountsOf(name).find(({ target }) => target === wharf.KAFKA_SSL_CA_FILE);
      expect(ca?.host, name).toBe(`${GENERATED}ca.crt`);
      // Host name checks stay on (the broker's certificate names kafka and localhost).
      expect(wharf.KAFKA_SSL_CHECK_HOSTNAME, name).toBeUndefined();
    }
  });

  it('leaves clients no plaintext listener, and keeps the controller on loopback', () => {
    const kafka = env('kafka');
    const protocols = advertisedListeners(kafka).map((listener) => listener.protocol);
    expect(protocols.length).toBeGreaterThan(0);
    expect(new Set(protocols)).toEqual(new Set(['SASL_SSL']));
    const interBroker = advertisedListeners(kafka).find(
      (listener) => listener.name === kafka.KAFKA_INTER_BROKER_LISTENER_NAME,
    );
    expect(interBroker?.protocol).toBe('SASL_SSL');
    expect(kafka.KAFKA_SASL_MECHANISM_INTER_BROKER_PROTOCOL).toBe('SCRAM-SHA-512');
    const controller = (kafka.KAFKA_LISTENERS ?? '')
      .split(',')
      .find((listener) => listener.startsWith(`${kafka.KAFKA_CONTROLLER_LISTENER_NAMES ?? ''}://`));
    expect(controller).toMatch(/^\w+:\/\/localhost:\d+$/);
  });

  it('connects the registry to Kafka the same way, and has the worker log in to the registry', () => {
    const registry = env('schema-registry');
    const [protocol, address] = (registry.SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS ?? '').split(
      '://',
    );
    expect(protocol).toBe('SASL_SSL');
    expect(advertisedListeners(env('kafka'))).toContainEqual(
      expect.objectContaining({ address, protocol: 'SASL_SSL' }),
    );
    expect(registry.SCHEMA_REGISTRY_KAFKASTORE_SECURITY_PROTOCOL).toBe('SASL_SSL');
    expect(registry.SCHEMA_REGISTRY_KAFKASTORE_SASL_MECHANISM).toBe('SCRAM-SHA-512');
    expect(registry.SCHEMA_REGISTRY_AUTHENTICATION_METHOD).toBe('BASIC');
    const worker = env('worker');
    expect(worker.SCHEMA_REGISTRY_URL).toBe(environment('worker').SCHEMA_REGISTRY_URL);
    expect(worker.SCHEMA_REGISTRY_USERNAME).toBe('wharf');
    expect(worker.SCHEMA_REGISTRY_PASSWORD_FILE).toMatch(/^\/run\/secrets\//);
    // The ingress never talks to the registry.
    expect(Object.keys(env('ingress')).filter((key) => key.startsWith('SCHEMA_REGISTRY_'))).toEqual(
      [],
    );
  });

  it('gives Kafka, the registry and Wharf their secrets as files, never as values', () => {
    for (const name of ['kafka', 'schema-registry', ...wharfRoles]) {
      for (const [key, value] of Object.entries(env(name))) {
        // An inline JAAS login or a password, token or secret variable holding a value.
        expect(value, `${name}: ${key}`).not.toMatch(/password\s*=/i);
        const published = /^WHARF_(\w+)_SECRETS$/.exec(key)?.[1]?.toLowerCase();
        if (published !== undefined) {
          // The one exception: the ingress's published local webhook credentials,
          // the same in both variants, so that `npx wharf send` works against it.
          const source = SOURCES.find((item) => item === published);
          expect(source, key).toBeDefined();
          if (source === undefined) continue;
          const mode = PROVIDERS[source].ingress.defaultAuthMode;
          if (mode !== 'none') expect(value, key).toBe(withLocalSecrets({}).env[key]);
          continue;
        }
        expect(key, `${name}: ${key} holds a value`).not.toMatch(/(PASSWORD|SECRETS?|TOKEN)$/);
        // A Wharf *_FILE credential is a secret this service mounts.
        if (wharfRoles.includes(name) && /(PASSWORD|SECRETS?|TOKEN)_FILE$/.test(key)) {
          const [, secret = ''] = /^\/run\/secrets\/(.+)$/.exec(value) ?? [];
          expect(secretsOf(name), `${name}: ${key}`).toContain(secret);
        }
      }
    }
    for (const name of wharfRoles) {
      expect(env(name).KAFKA_SASL_PASSWORD_FILE, name).toBe('/run/secrets/kafka-wharf-password');
    }
  });

  it('mounts generated files from the git-ignored folder, and the rest from the repository', () => {
    expect(readText('.gitignore').split('\n')).toContain(GENERATED.replace(/^\./, ''));
    const overridden = Object.values(record(override.services)).flatMap((definition) =>
      list(record(definition).volumes).map(mountParts),
    );
    expect(overridden.length).toBeGreaterThan(0);
    for (const { host, target } of overridden) {
      expect(target, host).toMatch(/^\//);
      if (host.startsWith(GENERATED)) continue;
      expect(existsSync(new URL(host, `file://${ROOT}`)), host).toBe(true);
    }
  });

  it('starts Kafka with kafka-start.sh, which adds a SCRAM user for each password secret', () => {
    const kafka = securedService('kafka');
    const script = mountsOf('kafka').find(
      ({ host }) => host === './deploy/compose/secured/kafka-start.sh',
    );
    expect(kafka.command).toEqual(['/bin/bash', script?.target]);
    // The image's own format and the script's must agree on the cluster.
    expect(env('kafka').CLUSTER_ID).toMatch(/^[\w-]{22}$/);
    const users =
      /^\s*for user in ([\w -]+); do$/m
        .exec(readText('deploy/compose/secured/kafka-start.sh'))?.[1]
        ?.trim()
        .split(/\s+/) ?? [];
    expect(users).toContain('wharf');
    expect(secretsOf('kafka').sort()).toEqual(users.map((user) => `kafka-${user}-password`).sort());
    // Wharf logs in as one of them, with the password secret Kafka formatted it with.
    for (const name of wharfRoles) {
      expect(users).toContain(env(name).KAFKA_SASL_USERNAME);
      expect(secretsOf(name)).toContain(`kafka-${env(name).KAFKA_SASL_USERNAME ?? ''}-password`);
    }
  });

  it('checks health with credentials from the mounted files', () => {
    const probe = (name: string) => list(record(securedService(name).healthcheck).test).join(' ');
    const kafkaConfig = /--command-config (\S+)/.exec(probe('kafka'))?.[1] ?? '';
    const kafkaMount = mountsOf('kafka').find(({ target }) => kafkaConfig.startsWith(`${target}/`));
    expect(kafkaMount?.host).toBe(`${GENERATED}kafka`);
    const [, registrySecret = ''] = /\/run\/secrets\/([\w-]+)/.exec(probe('schema-registry')) ?? [];
    expect(secretsOf('schema-registry')).toContain(registrySecret);
  });
});
