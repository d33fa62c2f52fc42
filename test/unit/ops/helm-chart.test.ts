/**
 * The Helm chart, checked without Helm: values and examples against
 * values.schema.json, templates against values.yaml and _helpers.tpl, the
 * ConfigMap against Wharf's configuration, and YAML that parses once the
 * template actions are taken out. What only rendering shows (the `required`
 * and `fail` rules, the mounted files of the security settings, the
 * manifests against the Kubernetes API) is checked with Helm itself in
 * test/integration/deploy/helm.test.ts and scripts/check-helm.sh.
 */
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { existsSync } from 'node:fs';
import { isMap, isPair, isScalar, parseAllDocuments, parseDocument, visit } from 'yaml';
import type { YAMLMap } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DOMAINS } from '../../../src/canonical/model.ts';
import { CONFIG_VARIABLES, loadConfig } from '../../../src/config/config.ts';
import { PROVIDERS, SOURCES } from '../../../src/providers/index.ts';
import {
  CHART,
  ciValues,
  defaultValues,
  envValue,
  hasPath,
  mergeValues,
  renderConfigMapData,
  strippedTemplate,
  template,
  templateNames,
  valueAt,
} from './chart.ts';
import type { Values } from './chart.ts';
import { list, readJson, readText, record, ROOT } from './files.ts';

const schema = record(readJson(`${CHART}/values.schema.json`));
const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
const validate = ajv.compile(schema);

function schemaErrors(values: Values): ErrorObject[] {
  return validate(values) ? [] : (validate.errors ?? []);
}

/** Every template, helper and note of the chart. */
function allTemplateText(): string {
  return [...templateNames(), '_helpers.tpl', 'NOTES.txt'].map(template).join('\n');
}

/** The secrets env of the ingress: WHARF_<SOURCE>_SECRETS of a values file. */
function secretsEnv(values: Values): Record<string, string> {
  return Object.fromEntries(
    SOURCES.map((source) => [
      `WHARF_${source.toUpperCase()}_SECRETS`,
      envValue(valueAt(values, `secrets.${source}`)),
    ]),
  );
}

const minimal = ciValues().get('minimal-values.yaml') ?? {};

describe('values.schema.json', () => {
  it('accepts values.yaml and every ci/ example merged over it', () => {
    expect(schemaErrors(defaultValues())).toEqual([]);
    expect(ciValues().size).toBeGreaterThanOrEqual(3);
    for (const [name, values] of ciValues()) {
      expect(schemaErrors(mergeValues(defaultValues(), values)), name).toEqual([]);
    }
  });

  it.each([
    [
      'a replica count as text',
      { ingressDeployment: { replicaCount: 'two' } },
      '/ingressDeployment/replicaCount',
    ],
    ['zero partitions', { kafka: { topicPartitions: 0 } }, '/kafka/topicPartitions'],
    ['a broker without a port', { kafka: { brokers: 'kafka-0.kafka' } }, '/kafka/brokers'],
    ['a port out of range', { config: { ingress: { port: 70000 } } }, '/config/ingress/port'],
    ['an image tag as a number', { image: { tag: 1.2 } }, '/image/tag'],
    [
      'a flag as text',
      { workerDeployment: { keda: { enabled: 'yes' } } },
      '/workerDeployment/keda/enabled',
    ],
    ['a misspelt key', { ingressDeployment: { replicaCont: 3 } }, '/ingressDeployment'],
    ['an unknown top-level key', { worker: { replicaCount: 3 } }, ''],
    [
      'HMAC on a source that cannot sign',
      { config: { sources: { ongoing: { auth: 'hmac' } } } },
      '/config/sources/ongoing/auth',
    ],
    [
      'content types as one string',
      { config: { sources: { shipwell: { contentTypes: 'application/json' } } } },
      '/config/sources/shipwell/contentTypes',
    ],
    [
      'a setting the provider does not have',
      { config: { sources: { ongoing: { settings: { WHARF_ONGOING_COLOUR: 'red' } } } } },
      '/config/sources/ongoing/settings',
    ],
    [
      'a negative replay window',
      { config: { worker: { replayWindowSeconds: -1 } } },
      '/config/worker/replayWindowSeconds',
    ],
    ['an unknown service type', { service: { type: 'Cluster' } }, '/service/type'],
    [
      'a resource request as a list',
      { workerDeployment: { resources: { requests: ['1'] } } },
      '/workerDeployment/resources/requests',
    ],
    [
      'a registry URL without a scheme',
      { schemaRegistry: { url: 'registry:8081' } },
      '/schemaRegistry/url',
    ],
    [
      'an unknown security protocol',
      { kafka: { securityProtocol: 'TLS' } },
      '/kafka/securityProtocol',
    ],
    [
      'SASL without a mechanism',
      { kafka: { securityProtocol: 'SASL_SSL' } },
      '/kafka/sasl/mechanism',
    ],
    [
      'a SASL mechanism over a protocol without SASL',
      { kafka: { securityProtocol: 'SSL', sasl: { mechanism: 'PLAIN' } } },
      '/kafka/sasl/mechanism',
    ],
    [
      'an unknown SASL mechanism',
      { kafka: { securityProtocol: 'SASL_SSL', sasl: { mechanism: 'SCRAM-SHA-1' } } },
      '/kafka/sasl/mechanism',
    ],
    [
      'OAUTHBEARER without a token endpoint',
      {
        kafka: { securityProtocol: 'SASL_SSL', sasl: { mechanism: 'OAUTHBEARER' } },
        connectionSecrets: { existingSecret: 'kafka-oauth' },
      },
      '/kafka/sasl/oauth/tokenEndpointUrl',
    ],
    [
      'OAuth settings without OAUTHBEARER',
      { kafka: { sasl: { oauth: { scope: 'kafka' } } } },
      '/kafka/sasl/oauth/scope',
    ],
    [
      'a SASL extension value with a comma',
      {
        kafka: {
          securityProtocol: 'SASL_SSL',
          sasl: {
            mechanism: 'OAUTHBEARER',
            oauth: {
              tokenEndpointUrl: 'https://idp.example.com/token',
              extensions: { logicalCluster: 'lkc-1,lkc-2' },
            },
          },
        },
        connectionSecrets: { existingSecret: 'kafka-oauth' },
      },
      '/kafka/sasl/oauth/extensions/logicalCluster',
    ],
    [
      'a Kafka CA over plaintext',
      { kafka: { tls: { ca: { secretName: 'kafka-ca' } } } },
      '/kafka/tls/ca/secretName',
    ],
    [
      'a CA from both a Secret and a ConfigMap',
      {
        kafka: {
          securityProtocol: 'SSL',
          tls: { ca: { secretName: 'kafka-ca', configMapName: 'kafka-ca' } },
        },
      },
      '/kafka/tls/ca',
    ],
    [
      'an encrypted key without a client certificate',
      {
        kafka: { securityProtocol: 'SSL', tls: { clientCertificate: { encryptedKey: true } } },
        connectionSecrets: { kafkaSslKeyPassword: 'passphrase' },
      },
      '/kafka/tls/clientCertificate/secretName',
    ],
    [
      'SCRAM without a password or an existing Secret',
      {
        kafka: { securityProtocol: 'SASL_SSL', sasl: { mechanism: 'SCRAM-SHA-512' } },
        connectionSecrets: { kafkaSaslUsername: 'wharf' },
      },
      '/connectionSecrets/kafkaSaslPassword',
    ],
    [
      'registry basic auth without a password or an existing Secret',
      { schemaRegistry: { auth: 'basic' }, connectionSecrets: { schemaRegistryUsername: 'wharf' } },
      '/connectionSecrets/schemaRegistryPassword',
    ],
    [
      'an unknown registry authentication',
      { schemaRegistry: { auth: 'oauth' } },
      '/schemaRegistry/auth',
    ],
    [
      'a registry CA for a plain-http registry',
      {
        schemaRegistry: {
          url: 'http://registry:8081',
          tls: { ca: { configMapName: 'registry-ca' } },
        },
      },
      '/schemaRegistry/url',
    ],
  ])('rejects %s', (_, override, path) => {
    const errors = schemaErrors(mergeValues(defaultValues(), override));
    expect(errors.map((error) => error.instancePath)).toContain(path);
  });

  it("requires a tenant on every entry of a source's secrets, and still lets an empty value through", () => {
    const paths = (source: string, value: string) =>
      schemaErrors(mergeValues(defaultValues(), { secrets: { [source]: value } })).map(
        (error) => error.instancePath,
      );
    for (const source of SOURCES) {
      for (const value of [
        '',
        'org-7f3a=a-signing-secret',
        '*=user:long-password',
        'demo=token-2024, demo=token-2025,',
        'org-7f3a=a=secret=with=equals,*=another-secret',
      ]) {
        expect(paths(source, value), `${source}: ${value}`).toEqual([]);
      }
      for (const value of [
        'a-signing-secret',
        'org-7f3a=a-signing-secret,another-secret',
        '=a-signing-secret',
        'my org=a-signing-secret',
        'org-7f3a=',
      ]) {
        expect(paths(source, value), `${source}: ${value}`).toContain(`/secrets/${source}`);
      }
    }
  });

  it('offers each source exactly the authentication modes its provider supports', () => {
    const sources = record(valueAt(schema, 'properties.config.properties.sources.properties'));
    expect(Object.keys(sources).sort()).toEqual([...SOURCES].sort());
    for (const source of SOURCES) {
      const modes = valueAt(record(sources[source]), 'properties.auth.enum');
      expect(new Set(list(modes)), source).toEqual(
        new Set([...PROVIDERS[source].ingress.authModes, 'none']),
      );
    }
  });
});

describe('values.yaml', () => {
  it('documents every value with a comment', () => {
    // Kubernetes objects passed through as they are need no comment per field.
    const passthrough = new Set([
      'podSecurityContext',
      'securityContext',
      'resources',
      'livenessProbe',
      'readinessProbe',
      'startupProbe',
      'hosts',
      'labels',
    ]);
    const document = parseDocument(readText(`${CHART}/values.yaml`));
    const undocumented: string[] = [];
    visit(document, {
      Pair(_, pair, path) {
        const names = path.filter(isPair).map((ancestor) => String(ancestor.key));
        if (names.some((name) => passthrough.has(name))) return;
        if (isMap(pair.value) && pair.value.items.length > 0) return;
        const parent = path.at(-1) as YAMLMap | undefined;
        const key = isScalar(pair.key) ? pair.key : undefined;
        const documented =
          Boolean(key?.commentBefore) ||
          (parent?.items[0] === pair && Boolean(parent.commentBefore)) ||
          (isScalar(pair.value) && Boolean(pair.value.comment));
        if (!documented) undocumented.push([...names, String(key?.value)].join('.'));
      },
    });
    expect(undocumented).toEqual([]);
  });

  it("holds Wharf's own defaults, so that the chart changes nothing by itself", () => {
    const values = mergeValues(defaultValues(), minimal);
    const rendered = renderConfigMapData(values);
    const fromChart = loadConfig({ ...rendered, ...secretsEnv(values) }, 'all');
    const fromCode = loadConfig(
      {
        KAFKA_BROKERS: String(valueAt(values, 'kafka.brokers')),
        SCHEMA_REGISTRY_URL: String(valueAt(values, 'schemaRegistry.url')),
        // The install says which sources it runs (the example: those it has secrets for).
        WHARF_SOURCES: envValue(valueAt(values, 'config.enabledSources')),
        ...secretsEnv(values),
      },
      'all',
    );
    expect(fromChart).toEqual(fromCode);
    expect(valueAt(values, 'config.ingress.port')).toBe(fromCode.ingress.port);
    expect(valueAt(values, 'config.worker.metricsPort')).toBe(fromCode.worker.metricsPort);
    expect(valueAt(values, 'kafka.topicPartitions')).toBe(fromCode.kafka.topicPartitions);
    for (const source of SOURCES) {
      expect(valueAt(values, `config.sources.${source}.rawTopic`)).toBe(
        fromCode.ingress.sources[source].rawTopic,
      );
    }
  });

  it('lists the sources and domains the code has', () => {
    const values = defaultValues();
    expect(Object.keys(record(valueAt(values, 'config.sources'))).sort()).toEqual(
      [...SOURCES].sort(),
    );
    expect(Object.keys(record(valueAt(values, 'config.worker.domainTopics'))).sort()).toEqual(
      [...DOMAINS].sort(),
    );
  });
});

describe('the ConfigMap and Secret', () => {
  it('set only variables the configuration knows, and leave out only the listen addresses and files', () => {
    const data = renderConfigMapData(mergeValues(defaultValues(), minimal));
    for (const name of Object.keys(data)) expect(CONFIG_VARIABLES, name).toContain(name);
    const secrets = Object.keys(secretsEnv(defaultValues()));
    for (const name of secrets) expect(CONFIG_VARIABLES, name).toContain(name);
    // Pods listen on every interface (Wharf's default). Paths of mounted files (…_FILE) are set
    // by the Deployments beside their mounts, and a credential that has a …_FILE form only
    // through it (test/integration/deploy/helm.test.ts renders both). Everything else is here.
    const byFile = (name: string) =>
      name.endsWith('_FILE') || CONFIG_VARIABLES.includes(`${name}_FILE`);
    const unset = CONFIG_VARIABLES.filter(
      (name) => !(name in data) && !secrets.includes(name) && !byFile(name),
    );
    expect(unset.sort()).toEqual([
      'WHARF_INGRESS_HOST',
      'WHARF_INGRESS_METRICS_HOST',
      'WHARF_WORKER_METRICS_HOST',
    ]);
    for (const name of Object.keys(data)) expect(byFile(name), name).toBe(false);
  });

  it('give the ingress its secrets under the names Wharf reads', () => {
    const deployment = template('deployment-ingress.yaml');
    expect(deployment).toContain('- name: WHARF_{{ upper $name }}_SECRETS');
    expect(deployment).toContain('key: WHARF_{{ upper $name }}_SECRETS');
    expect(deployment).toContain('{{- range $name, $_ := .Values.config.sources }}');
    expect(template('secret.yaml')).toContain('WHARF_{{ upper $name }}_SECRETS:');
    expect(template('deployment-worker.yaml')).not.toContain('SECRETS');
  });

  // The examples whose pods read no mounted file; test/integration/deploy/helm.test.ts takes
  // every example through Helm, with the files its pods would mount.
  const plainExamples = [...ciValues()]
    .filter(([, values]) => {
      const merged = mergeValues(defaultValues(), values);
      return (
        valueAt(merged, 'kafka.securityProtocol') === 'PLAINTEXT' &&
        valueAt(merged, 'schemaRegistry.auth') === 'none'
      );
    })
    .map(([name]) => name);

  it.each(plainExamples)('make %s a configuration Wharf accepts in both roles', (name) => {
    const values = mergeValues(defaultValues(), ciValues().get(name) ?? {});
    const secrets = valueAt(values, 'secrets.existingSecret')
      ? // The existing Secret is expected to hold a credential for each source that needs one.
        Object.fromEntries(
          SOURCES.map((source) => [`WHARF_${source.toUpperCase()}_SECRETS`, '*=user:long-secret']),
        )
      : secretsEnv(values);
    const env = { ...renderConfigMapData(values), ...secrets };
    expect(() => loadConfig(env, 'ingress')).not.toThrow();
    expect(() => loadConfig(env, 'worker')).not.toThrow();
  });
});

describe('the ci/ examples', () => {
  it('cover a minimal install, everything switched on, existing Secrets and secured clusters', () => {
    const examples = ciValues();
    expect([...examples.keys()].sort()).toEqual(
      [
        'confluent-cloud-oauth-values.yaml',
        'confluent-cloud-values.yaml',
        'existing-secret-values.yaml',
        'full-values.yaml',
        'minimal-values.yaml',
        'msk-scram-values.yaml',
        'secured-values.yaml',
      ].sort(),
    );
    const full = examples.get('full-values.yaml') ?? {};
    for (const flag of [
      'ingress.enabled',
      'ingressDeployment.autoscaling.enabled',
      'workerDeployment.keda.enabled',
      'monitoring.serviceMonitor.enabled',
      'monitoring.prometheusRule.enabled',
    ]) {
      expect(valueAt(full, flag), flag).toBe(true);
    }
    const secured = examples.get('secured-values.yaml') ?? {};
    expect(valueAt(secured, 'kafka.securityProtocol')).toBe('SASL_SSL');
    expect(valueAt(secured, 'kafka.sasl.mechanism')).toBe('SCRAM-SHA-512');
    expect(valueAt(secured, 'schemaRegistry.auth')).toBe('basic');
    for (const setting of [
      'kafka.tls.ca.secretName',
      'kafka.tls.clientCertificate.secretName',
      'schemaRegistry.tls.ca.configMapName',
      'schemaRegistry.tls.clientCertificate.secretName',
    ]) {
      expect(valueAt(secured, setting), setting).toBeTruthy();
    }
  });
});

describe('the templates', () => {
  it('reference only values that values.yaml declares', () => {
    const references = new Set(
      [...allTemplateText().matchAll(/\$?\.Values\.([A-Za-z0-9_.]+)/g)].map((match) =>
        (match[1] ?? '').replace(/\.$/, ''),
      ),
    );
    expect(references.size).toBeGreaterThan(40);
    const missing = [...references].filter((path) => !hasPath(defaultValues(), path));
    expect(missing).toEqual([]);
  });

  it('include only templates _helpers.tpl defines, and it defines none unused', () => {
    const helpers = template('_helpers.tpl');
    const defined = new Set([...helpers.matchAll(/define "([^"]+)"/g)].map((match) => match[1]));
    const included = new Set(
      [...allTemplateText().matchAll(/(?:include|template) "([^"]+)"/g)].map((match) => match[1]),
    );
    expect([...included].filter((name) => !defined.has(name))).toEqual([]);
    expect([...defined].filter((name) => !included.has(name))).toEqual([]);
  });

  it('read chart files that exist', () => {
    for (const match of allTemplateText().matchAll(/\.Files\.Get "([^"]+)"/g)) {
      expect(existsSync(`${ROOT}${CHART}/${match[1] ?? ''}`), match[1]).toBe(true);
    }
  });

  it.each(templateNames())('%s parses as YAML once its actions are taken out', (name) => {
    const documents = parseAllDocuments(strippedTemplate(template(name)), { uniqueKeys: true });
    const parsed = (Array.isArray(documents) ? documents : [documents]).filter(
      (document) => document.contents !== null,
    );
    expect(parsed.length).toBeGreaterThan(0);
    for (const document of parsed) {
      expect(document.errors, name).toEqual([]);
      const resource = record(document.toJS());
      expect(resource.apiVersion, name).toBeTruthy();
      expect(resource.kind, name).toBeTruthy();
      expect(record(resource.metadata).name, name).toBeTruthy();
    }
  });
});

describe('the Deployments', () => {
  const deployment = (role: string) =>
    record(parseDocument(strippedTemplate(template(`deployment-${role}.yaml`))).toJS());
  const container = (role: string) =>
    record(list(valueAt(deployment(role), 'spec.template.spec.containers'))[0]);

  it('run one role each, from the same image', () => {
    for (const role of ['ingress', 'worker']) {
      expect(container(role).args).toEqual([role]);
      expect(template(`deployment-${role}.yaml`)).toContain(
        'image: {{ include "wharf.image" . | quote }}',
      );
    }
  });

  it('probe /livez and /readyz on the port each role serves them on', () => {
    const values = defaultValues();
    // Health on the metrics port in both roles: the ingress's webhook port serves webhooks only.
    const ports = { ingress: 'metrics', worker: 'metrics' } as const;
    const declaredPorts = { ingress: ['http', 'metrics'], worker: ['metrics'] } as const;
    for (const role of ['ingress', 'worker'] as const) {
      const declared = list(container(role).ports).map((port) => record(port).name);
      expect(declared).toEqual(declaredPorts[role]);
      const settings = `${role}Deployment`;
      expect(valueAt(values, `${settings}.livenessProbe.httpGet`)).toEqual({
        path: '/livez',
        port: ports[role],
      });
      expect(valueAt(values, `${settings}.readinessProbe.httpGet`)).toEqual({
        path: '/readyz',
        port: ports[role],
      });
      expect(valueAt(values, `${settings}.startupProbe.httpGet.port`)).toBe(ports[role]);
    }
    expect(template('deployment-ingress.yaml')).toContain(
      'containerPort: {{ .Values.config.ingress.port | int }}',
    );
    expect(template('deployment-worker.yaml')).toContain(
      'containerPort: {{ .Values.config.worker.metricsPort | int }}',
    );
  });

  it('run non-root on a read-only root filesystem with a writable /tmp', () => {
    const values = defaultValues();
    expect(valueAt(values, 'podSecurityContext')).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
    });
    expect(valueAt(values, 'securityContext')).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    for (const role of ['ingress', 'worker']) {
      expect(list(container(role).volumeMounts)).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    }
  });

  it('let the ingress drain: a preStop sleep, then a grace period covering WHARF_SHUTDOWN_GRACE_MS', () => {
    expect(valueAt(container('ingress'), 'lifecycle.preStop.exec.command')).toEqual([
      'sleep',
      'TEMPLATED',
    ]);
    const helper = template('_helpers.tpl');
    expect(helper).toMatch(
      /define "wharf.ingressTerminationGracePeriodSeconds"[\s\S]*shutdownGraceMs[\s\S]*preStopSleepSeconds/,
    );
    expect(template('deployment-ingress.yaml')).toContain(
      'terminationGracePeriodSeconds: {{ include "wharf.ingressTerminationGracePeriodSeconds" . }}',
    );
  });

  it('leave the replica count to the autoscaler when one is on', () => {
    expect(template('deployment-ingress.yaml')).toContain(
      '{{- if not .Values.ingressDeployment.autoscaling.enabled }}\n  replicas:',
    );
    expect(template('deployment-worker.yaml')).toContain(
      '{{- if not .Values.workerDeployment.keda.enabled }}\n  replicas:',
    );
  });
});
