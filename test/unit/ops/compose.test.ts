/**
 * docker-compose.yml: it parses, Wharf's services start with a configuration
 * Wharf accepts, ports and topics agree with the code's defaults, Prometheus
 * scrapes where the processes listen, and every service waits for the
 * health of what it needs.
 */
import { existsSync } from 'node:fs';
import { matchesGlob } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../../src/config/config.ts';
import { localSecret } from '../../../src/cli/local-defaults.ts';
import { PROVIDERS, SOURCES } from '../../../src/providers/index.ts';
import { list, readYaml, record, ROOT } from './files.ts';

const compose = record(readYaml('docker-compose.yml'));
const services = record(compose.services);
const service = (name: string) => record(services[name]);

/** A service's environment as strings (compose accepts numbers and a list form). */
function environment(name: string): Record<string, string> {
  const env = service(name).environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const [key = '', ...value] = String(entry).split('=');
        return [key, value.join('=')];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(record(env)).map(([key, value]) => [key, String(value)]),
  );
}

/** The container ports a service publishes. */
function publishedPorts(name: string): number[] {
  return list(service(name).ports).map((mapping) => Number(String(mapping).split(':').at(-1)));
}

/** The code's defaults, with only what is required set. */
const defaults = loadConfig(
  {
    KAFKA_BROKERS: 'kafka:9092',
    SCHEMA_REGISTRY_URL: 'http://registry:8081',
    ...Object.fromEntries(
      SOURCES.map((source) => [`WHARF_${source.toUpperCase()}_SECRETS`, 'a:b']),
    ),
  },
  'all',
);

describe('docker-compose.yml', () => {
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
    const advertised = environment('kafka').KAFKA_ADVERTISED_LISTENERS?.split(',') ?? [];
    const internal = advertised.find((listener) => listener.startsWith('PLAINTEXT://'));
    expect(internal).toBeDefined();
    for (const name of ['ingress', 'worker']) {
      expect(`PLAINTEXT://${environment(name).KAFKA_BROKERS ?? ''}`).toBe(internal);
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
    expect(publishedPorts('ingress')).toEqual([defaults.ingress.port]);
    expect(publishedPorts('worker')).toEqual([defaults.worker.metricsPort]);
    const probe = (name: string) => list(record(service(name).healthcheck).test).join(' ');
    expect(probe('ingress')).toContain(`http://127.0.0.1:${defaults.ingress.port}/readyz`);
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
    for (const source of SOURCES) {
      const mode = PROVIDERS[source].ingress.defaultAuthMode;
      expect(ingress.ingress.sources[source].auth.mode).toBe(mode);
      if (mode === 'none') continue;
      expect(environment('ingress')[`WHARF_${source.toUpperCase()}_SECRETS`]).toBe(
        localSecret(source, mode),
      );
    }
  });

  it('starts each service after the health of what it depends on', () => {
    for (const [name, definition] of Object.entries(services)) {
      for (const [dependency, condition] of Object.entries(record(record(definition).depends_on))) {
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
      list(record(definition).volumes).map((volume) => String(volume).split(':')),
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
    expect(targets('wharf-ingress')).toEqual([`ingress:${defaults.ingress.port}`]);
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
