/**
 * The chart rendered by the real Helm (the pinned binary scripts/check-helm.sh
 * builds; see helm.ts for when these tests skip): every example under ci/
 * gives pods whose variables Wharf reads, whose `…_FILE` variables name files
 * their volumes mount read-only, and whose environment, with those files
 * written out, is a configuration Wharf accepts in both roles; credentials
 * stay in Secrets; Helm refuses what values.schema.json and the templates'
 * `fail` calls refuse. scripts/check-helm.sh validates the same renders
 * against the Kubernetes API schemas.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../../src/config/config.ts';
import { EXAMPLES, helmChoice, helmTemplate, list, record } from './helm.ts';
import type { Resource } from './helm.ts';
import { dataOf, makePems, pod, podEnvironment } from './pods.ts';
import type { Pems } from './pods.ts';
import { readFileSync } from 'node:fs';

const choice = helmChoice();
const helm = choice.run ? choice.helm : '';
const examples = readdirSync(EXAMPLES)
  .filter((name) => name.endsWith('-values.yaml'))
  .sort();
const ROLES = ['ingress', 'worker'] as const;
/** A secret's files are readable by the pod's group (fsGroup) only: 0440. */
const SECRET_FILE_MODE = 0o440;

/** Variables Wharf reads from a file named by `<name>_FILE`: credentials. */
const CREDENTIALS = CONFIG_VARIABLES.filter((name) => CONFIG_VARIABLES.includes(`${name}_FILE`));

/** The names an example adds through extraEnv (not Wharf's: NODE_OPTIONS…). */
function extraEnvNames(example: string): string[] {
  const values = record(parse(readFileSync(join(EXAMPLES, example), 'utf8')));
  return list(values.extraEnv).map((entry) => String(record(entry).name));
}

async function render(valuesFiles: readonly string[], set: readonly string[] = []) {
  const rendered = await helmTemplate(helm, valuesFiles, set);
  if (!rendered.ok) throw new Error(`helm template ${valuesFiles.join(' ')}: ${rendered.error}`);
  return rendered.resources;
}

describe.runIf(choice.run)('the chart rendered by Helm', () => {
  const renders = new Map<string, Resource[]>();
  let dir = '';
  let pems: Pems;
  const rendered = (example: string): Resource[] => {
    const resources = renders.get(example);
    if (!resources) throw new Error(`${example} was not rendered`);
    return resources;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-helm-'));
    pems = await makePems(dir);
    for (const example of examples) renders.set(example, await render([example]));
  }, 120_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders every example, the secured ones included', () => {
    expect(examples).toEqual(
      expect.arrayContaining([
        'confluent-cloud-values.yaml',
        'full-values.yaml',
        'minimal-values.yaml',
        'msk-scram-values.yaml',
        'secured-values.yaml',
      ]),
    );
    for (const example of examples) {
      expect(
        rendered(example).filter((r) => r.kind === 'Deployment'),
        example,
      ).toHaveLength(2);
    }
  });

  it.each(examples)('%s: the pods get only variables Wharf reads', (example) => {
    const extra = extraEnvNames(example);
    for (const role of ROLES) {
      const target = pod(rendered(example), role);
      const names = [
        ...target.configMaps.flatMap((name) =>
          Object.keys(dataOf(rendered(example), 'ConfigMap', name) ?? {}),
        ),
        ...target.env.map((variable) => variable.name).filter((name) => !extra.includes(name)),
      ];
      expect(names.length).toBeGreaterThan(40);
      expect(
        names.filter((name) => !CONFIG_VARIABLES.includes(name)),
        role,
      ).toEqual([]);
    }
  });

  it.each(examples)(
    '%s: each …_FILE variable names a file a Secret or ConfigMap mounts read-only',
    (example) => {
      for (const role of ROLES) {
        const target = pod(rendered(example), role);
        expect(target.containerSecurity.readOnlyRootFilesystem, role).toBe(true);
        for (const variable of target.env.filter((v) => v.name.endsWith('_FILE'))) {
          const file = target.files.get(variable.value ?? '');
          expect(file, `${role} ${variable.name}=${String(variable.value)}`).toBeDefined();
          expect(file?.readOnly, `${role} ${variable.name}`).toBe(true);
          expect(file?.mode, `${role} ${variable.name}`).toBe(SECRET_FILE_MODE);
        }
        // And every mounted file is named by a variable: nothing is mounted for nothing.
        const named = new Set(target.env.map((v) => v.value));
        for (const path of target.files.keys()) expect(named, `${role} ${path}`).toContain(path);
      }
    },
  );

  it.each(examples)(
    '%s: with its mounted files written out, is a configuration Wharf accepts in both roles',
    async (example) => {
      for (const role of ROLES) {
        const target = pod(rendered(example), role);
        const env = await podEnvironment(rendered(example), target, join(dir, example), pems);
        expect(() => loadConfig(env, role), `${example} ${role}`).not.toThrow();
      }
    },
  );

  describe('secured-values.yaml (SASL_SSL SCRAM-SHA-512, private CAs, mutual TLS, registry basic auth)', () => {
    const resources = () => rendered('secured-values.yaml');
    const values = record(parse(readFileSync(join(EXAMPLES, 'secured-values.yaml'), 'utf8')));
    const secrets = Object.values(record(values.connectionSecrets)).map(String);

    it('keeps the credentials out of the ConfigMap and every plain value, in the connection Secret', () => {
      expect(secrets.length).toBeGreaterThanOrEqual(5);
      const configMap = dataOf(resources(), 'ConfigMap', 'wharf') ?? {};
      expect(Object.keys(configMap).filter((name) => CREDENTIALS.includes(name))).toEqual([]);
      expect(Object.keys(configMap).filter((name) => name.endsWith('_FILE'))).toEqual([]);
      const plainValues = [
        ...Object.values(configMap),
        ...ROLES.flatMap((role) => pod(resources(), role).env.map((v) => v.value ?? '')),
      ];
      for (const secret of secrets) {
        expect(
          plainValues.filter((value) => value.includes(secret)),
          secret,
        ).toEqual([]);
      }
      for (const role of ROLES) {
        const names = pod(resources(), role).env.map((v) => v.name);
        expect(
          names.filter((name) => CREDENTIALS.includes(name)),
          role,
        ).toEqual(
          // The sources' credentials stay a secretKeyRef (the ingress only).
          role === 'ingress' ? names.filter((name) => /^WHARF_[A-Z]+_SECRETS$/.test(name)) : [],
        );
      }
      expect(Object.values(dataOf(resources(), 'Secret', 'wharf-connection') ?? {}).sort()).toEqual(
        [...secrets].sort(),
      );
    });

    it('makes the connection Secret with exactly the keys the settings call for', () => {
      expect(Object.keys(dataOf(resources(), 'Secret', 'wharf-connection') ?? {}).sort()).toEqual(
        [
          'KAFKA_SASL_PASSWORD',
          'KAFKA_SASL_USERNAME',
          'KAFKA_SSL_KEY_PASSWORD',
          'SCHEMA_REGISTRY_PASSWORD',
          'SCHEMA_REGISTRY_USERNAME',
        ].sort(),
      );
    });

    it('gives both roles the Kafka files, and the registry files to the worker only', () => {
      const kafka = [
        'KAFKA_SASL_PASSWORD_FILE',
        'KAFKA_SASL_USERNAME_FILE',
        'KAFKA_SSL_CA_FILE',
        'KAFKA_SSL_CERT_FILE',
        'KAFKA_SSL_KEY_FILE',
        'KAFKA_SSL_KEY_PASSWORD_FILE',
      ];
      const registry = [
        'SCHEMA_REGISTRY_CA_FILE',
        'SCHEMA_REGISTRY_CERT_FILE',
        'SCHEMA_REGISTRY_KEY_FILE',
        'SCHEMA_REGISTRY_PASSWORD_FILE',
        'SCHEMA_REGISTRY_USERNAME_FILE',
      ];
      const files = (role: 'ingress' | 'worker') =>
        pod(resources(), role)
          .env.map((v) => v.name)
          .filter((name) => name.endsWith('_FILE'))
          .sort();
      expect(files('ingress')).toEqual(kafka);
      expect(files('worker')).toEqual([...kafka, ...registry].sort());
    });

    it('mounts the CAs, the client certificates and the credentials from where the values say', () => {
      const worker = pod(resources(), 'worker');
      const fileOf = (variable: string) => {
        const path = worker.env.find((v) => v.name === variable)?.value ?? '';
        const file = worker.files.get(path);
        return file && { source: file.source, from: file.from, key: file.key };
      };
      expect(fileOf('KAFKA_SSL_CA_FILE')).toEqual({
        source: 'secret',
        from: 'kafka-cluster-ca',
        key: 'ca.crt',
      });
      expect(fileOf('KAFKA_SSL_KEY_FILE')).toEqual({
        source: 'secret',
        from: 'wharf-kafka-client-tls',
        key: 'tls.key',
      });
      expect(fileOf('SCHEMA_REGISTRY_CA_FILE')).toEqual({
        source: 'configMap',
        from: 'internal-ca-bundle',
        key: 'ca-bundle.pem',
      });
      expect(fileOf('SCHEMA_REGISTRY_CERT_FILE')).toEqual({
        source: 'secret',
        from: 'wharf-registry-client-tls',
        key: 'tls.crt',
      });
      expect(fileOf('SCHEMA_REGISTRY_PASSWORD_FILE')).toEqual({
        source: 'secret',
        from: 'wharf-connection',
        key: 'SCHEMA_REGISTRY_PASSWORD',
      });
    });
  });

  it('confluent-cloud-oauth-values.yaml: OAUTHBEARER with its extensions, the client from the existing Secret', () => {
    const resources = rendered('confluent-cloud-oauth-values.yaml');
    expect(dataOf(resources, 'ConfigMap', 'wharf')).toMatchObject({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
      KAFKA_SASL_OAUTH_EXTENSIONS: 'identityPoolId=pool-AbCd,logicalCluster=lkc-abc123',
    });
    expect(dataOf(resources, 'Secret', 'wharf-connection')).toBeUndefined();
    const ingress = pod(resources, 'ingress');
    expect([...ingress.files.values()].map((file) => [file.from, file.key])).toEqual([
      ['wharf-confluent-cloud-oauth', 'KAFKA_SASL_OAUTH_CLIENT_ID'],
      ['wharf-confluent-cloud-oauth', 'KAFKA_SASL_OAUTH_CLIENT_SECRET'],
    ]);
  });

  it('gives the worker a bearer token for the registry when schemaRegistry.auth is bearer', async () => {
    const resources = await render(
      ['minimal-values.yaml'],
      ['schemaRegistry.auth=bearer', 'connectionSecrets.schemaRegistryBearerToken=a-token'],
    );
    expect(dataOf(resources, 'Secret', 'wharf-connection')).toEqual({
      SCHEMA_REGISTRY_BEARER_TOKEN: 'a-token',
    });
    expect(pod(resources, 'worker').env.map((v) => v.name)).toContain(
      'SCHEMA_REGISTRY_BEARER_TOKEN_FILE',
    );
    expect(pod(resources, 'ingress').files.size).toBe(0);
  });

  it('gives KEDA the TLS and SASL settings and a TriggerAuthentication from the same sources', () => {
    const resources = rendered('secured-values.yaml');
    const scaledObject = resources.find((r) => r.kind === 'ScaledObject');
    const trigger = record(list(record(scaledObject?.body.spec).triggers)[0]);
    expect(trigger.metadata).toMatchObject({ tls: 'enable', sasl: 'scram_sha512' });
    expect(trigger.authenticationRef).toEqual({ name: 'wharf-kafka' });
    const authentication = resources.find(
      (r) => r.kind === 'TriggerAuthentication' && r.name === 'wharf-kafka',
    );
    const refs = list(record(authentication?.body.spec).secretTargetRef).map(record);
    expect(refs.map((ref) => [ref.parameter, ref.name, ref.key])).toEqual([
      ['ca', 'kafka-cluster-ca', 'ca.crt'],
      ['cert', 'wharf-kafka-client-tls', 'tls.crt'],
      ['key', 'wharf-kafka-client-tls', 'tls.key'],
      ['keyPassword', 'wharf-connection', 'KAFKA_SSL_KEY_PASSWORD'],
      ['username', 'wharf-connection', 'KAFKA_SASL_USERNAME'],
      ['password', 'wharf-connection', 'KAFKA_SASL_PASSWORD'],
    ]);
    // Plaintext Kafka: no TLS, no SASL, nothing to authenticate with.
    const plain = rendered('full-values.yaml');
    expect(plain.filter((r) => r.kind === 'TriggerAuthentication')).toEqual([]);
    const plainTrigger = record(
      list(record(plain.find((r) => r.kind === 'ScaledObject')?.body.spec).triggers)[0],
    );
    expect(plainTrigger.authenticationRef).toBeUndefined();
    expect(record(plainTrigger.metadata).tls).toBeUndefined();
  });

  it.each([
    ['values.yaml alone (no Kafka, no credentials)', [], [], /is required/],
    [
      'SASL without a mechanism',
      ['minimal-values.yaml'],
      ['kafka.securityProtocol=SASL_SSL'],
      /\/kafka\/sasl\/mechanism/,
    ],
    [
      'SCRAM without its credentials',
      ['minimal-values.yaml'],
      ['kafka.securityProtocol=SASL_SSL', 'kafka.sasl.mechanism=SCRAM-SHA-256'],
      /\/connectionSecrets\/kafkaSasl(Username|Password)/,
    ],
    [
      'a Kafka CA over plaintext',
      ['minimal-values.yaml'],
      ['kafka.tls.ca.secretName=kafka-ca'],
      /\/kafka\/tls\/ca\/secretName/,
    ],
    [
      "a source's secret without its tenant",
      ['minimal-values.yaml'],
      ['secrets.happycolis=a-signing-secret'],
      /\/secrets\/happycolis/,
    ],
  ])('refuses %s', async (_, valuesFiles, set, message) => {
    const result = await helmTemplate(helm, valuesFiles, set);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});
