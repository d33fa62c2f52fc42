/**
 * The compose files checked by docker-compose itself, without a Docker engine
 * (Debian's docker-compose package; CI installs it): `config -q` accepts
 * docker-compose.yml alone and with docker-compose.secured.yml, refuses a
 * broken copy of each, and merges the two as test/unit/ops/compose.test.ts
 * reads them. Then deploy/compose/secured/make-certs.sh (openssl) writes into
 * a temporary folder: every file the secured variant mounts is there, the
 * certificate and keystore hold, every container path named in those files or
 * in the services' environments lands on one of them, each password is the
 * same wherever it is written, and Wharf accepts both roles' environments with
 * the files mounted. No container is started.
 *
 * WHARF_TEST_TOOLS chooses: unset or `auto` skips the tests whose tool
 * (docker-compose, openssl) is missing, saying why in the run's output;
 * `required` (CI) fails instead; `off` skips them.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/config.ts';
import { commandTool } from '../../support/tools.ts';
import type { Role } from '../../../src/config/config.ts';
import {
  composeEnvironment,
  list,
  mountParts,
  readCompose,
  record,
  ROOT,
  secretName,
} from '../../unit/ops/files.ts';
import type { ComposeProject } from '../../unit/ops/files.ts';

const PLAIN = 'docker-compose.yml';
const SECURED = 'docker-compose.secured.yml';
/** make-certs.sh's default output folder, as the compose files name it. */
const GENERATED = './deploy/compose/secured/generated';
const MAKE_CERTS = join(ROOT, 'deploy/compose/secured/make-certs.sh');

/** How a command ended and what it printed (stdout, then stderr). */
interface Run {
  readonly code: number;
  readonly output: string;
}

/** Runs a command to its end; rejects only when it cannot be started. */
function run(command: string, args: readonly string[], cwd = ROOT): Promise<Run> {
  // Compose reads COMPOSE_* from the environment; the files are named here only.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('COMPOSE_')),
  );
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : error.code;
      if (typeof code === 'string') reject(error ?? new Error(code));
      else resolve({ code: code ?? 1, output: `${stdout}${stderr}` });
    });
  });
}

/** Whether the tests needing one tool run, with its version, and why not. */
const dockerCompose = await commandTool(
  'docker-compose',
  ['version', '--short'],
  "Debian's docker-compose package",
);
const openssl = await commandTool('openssl', ['version'], "Debian's openssl package");

/** `docker-compose … config`, with the files given, from the repository. */
function composeConfig(files: readonly string[], args: readonly string[], projectDir = ROOT) {
  return run('docker-compose', [
    '--project-directory',
    projectDir,
    ...files.flatMap((file) => ['-f', file]),
    'config',
    ...args,
  ]);
}

describe.skipIf(!dockerCompose.run)('docker-compose config, without an engine', () => {
  it('accepts docker-compose.yml', async () => {
    expect(await composeConfig([PLAIN], ['-q'])).toEqual({ code: 0, output: '' });
  });

  it('accepts docker-compose.yml with docker-compose.secured.yml over it', async () => {
    expect(await composeConfig([PLAIN, SECURED], ['-q'])).toEqual({ code: 0, output: '' });
  });

  describe('refuses a broken copy', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'wharf-compose-'));
      await copyFile(join(ROOT, PLAIN), join(dir, PLAIN));
      await copyFile(join(ROOT, SECURED), join(dir, SECURED));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    /** A copy of `file` with `from` replaced by `to`, next to the intact copies. */
    async function broken(file: string, from: string, to: string): Promise<string> {
      const text = await readFile(join(dir, file), 'utf8');
      expect(text, `${file} has no "${from}" to break`).toContain(from);
      const path = join(dir, `broken-${file}`);
      await writeFile(path, text.replace(from, to));
      return path;
    }

    it('whose intact copies pass, from the same folder', async () => {
      // Relative paths (the build context, mounts) still resolve from the repository.
      const files = [join(dir, PLAIN), join(dir, SECURED)];
      expect(await composeConfig(files, ['-q'])).toEqual({ code: 0, output: '' });
    });

    it('of docker-compose.yml, with a misspelt health check', async () => {
      const path = await broken(PLAIN, '    healthcheck:\n', '    helthcheck:\n');
      const result = await composeConfig([path], ['-q']);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/Unsupported config option for services\.kafka: 'helthcheck'/);
    });

    it('of docker-compose.secured.yml, with a misspelt secrets list', async () => {
      const path = await broken(SECURED, '    secrets:\n', '    secret:\n');
      const result = await composeConfig([join(dir, PLAIN), path], ['-q']);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/Unsupported config option for services\.kafka: 'secret'/);
    });

    it('of docker-compose.yml under the secured variant, with an unknown wait condition', async () => {
      const path = await broken(PLAIN, 'condition: service_healthy', 'condition: service_happy');
      const result = await composeConfig([path, join(dir, SECURED)], ['-q']);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/condition contains "service_happy"/);
    });
  });

  it('merges the secured variant as the unit tests read it', async () => {
    const result = await composeConfig([PLAIN, SECURED], []);
    expect(result.code, result.output).toBe(0);
    const merged = record(record(parse(result.output)).services);
    const ours = readCompose(PLAIN, SECURED).services;
    expect(Object.keys(merged).sort()).toEqual(Object.keys(ours).sort());
    for (const [name, service] of Object.entries(ours)) {
      const theirs = record(merged[name]);
      const targets = (value: unknown) => list(value).map((item) => mountParts(item).target);
      expect(composeEnvironment(theirs), name).toEqual(composeEnvironment(service));
      expect(list(theirs.secrets).map(secretName).sort(), name).toEqual(
        list(service.secrets).map(secretName).sort(),
      );
      expect(targets(theirs.volumes).sort(), name).toEqual(targets(service.volumes).sort());
      expect(theirs.command, name).toEqual(service.command);
    }
  });
});

/** A host path of the compose files, with make-certs.sh's output moved to `out`. */
function hostPath(path: string, out: string): string {
  return path.startsWith(`${GENERATED}/`)
    ? join(out, path.slice(GENERATED.length + 1))
    : join(ROOT, path);
}

/**
 * Where a container path of a service is on this machine, through the
 * service's mounts and secrets; undefined when nothing is mounted there.
 */
function onHost(
  project: ComposeProject,
  service: string,
  path: string,
  out: string,
): string | undefined {
  const definition = project.services[service] ?? {};
  const secrets = list(definition.secrets).map(secretName);
  const secret = /^\/run\/secrets\/([^/]+)$/.exec(path)?.[1];
  if (secret !== undefined && secrets.includes(secret)) {
    return hostPath(String(record(project.secrets[secret]).file), out);
  }
  for (const { host, target } of list(definition.volumes).map(mountParts)) {
    if (path === target) return hostPath(host, out);
    if (path.startsWith(`${target}/`)) return join(hostPath(host, out), path.slice(target.length));
  }
  return undefined;
}

/** Absolute paths named in a text (`-D…=/etc/x`, `file="/etc/y"`, a plain value). */
function pathsIn(text: string): string[] {
  return [...text.matchAll(/(?<![\w.:/])\/(?:[\w.-]+\/)*[\w.-]+/g)].map(([path]) => path);
}

describe.skipIf(!openssl.run)('make-certs.sh and the secured variant', () => {
  const project = readCompose(PLAIN, SECURED);
  const env = (name: string) => composeEnvironment(project.services[name] ?? {});
  let out = '';
  const generated = (path: string) => readFileSync(join(out, path), 'utf8');
  const password = (name: string) => generated(`secrets/${name}`);

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'wharf-certs-'));
    const result = await run('bash', [MAKE_CERTS, out]);
    expect(result.code, result.output).toBe(0);
  });
  afterAll(async () => {
    if (out !== '') await rm(out, { recursive: true, force: true });
  });

  it('writes every file the secured variant mounts, readable by the containers', () => {
    const mounted = [
      ...Object.values(project.services).flatMap((service) =>
        list(service.volumes).map((volume) => mountParts(volume).host),
      ),
      ...Object.values(project.secrets).map((secret) => String(record(secret).file)),
    ].filter((host) => host.startsWith(`${GENERATED}/`));
    expect(mounted.length).toBeGreaterThan(5);
    for (const host of mounted) {
      const path = hostPath(host, out);
      expect(existsSync(path), host).toBe(true);
      // Bind mounts keep this machine's owner; the containers read as uid 1000.
      if (statSync(path).isFile()) expect(statSync(path).mode & 0o004, host).not.toBe(0);
    }
    // The CA's key is mounted nowhere and stays private.
    expect(statSync(join(out, 'ca.key')).mode & 0o077).toBe(0);
  });

  it("signs Kafka's certificate for every host it advertises, and its keystore opens", async () => {
    const ca = new X509Certificate(generated('ca.crt'));
    const unpacked = await run('openssl', [
      'pkcs12',
      '-in',
      join(out, 'kafka/kafka.keystore.p12'),
      '-passin',
      `file:${join(out, 'kafka/keystore-password')}`,
      '-nokeys',
      '-clcerts',
    ]);
    expect(unpacked.code, unpacked.output).toBe(0);
    const broker = new X509Certificate(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(unpacked.output)?.[0] ??
        '',
    );
    expect(broker.checkIssued(ca)).toBe(true);
    expect(broker.verify(ca.publicKey)).toBe(true);
    const hosts = (env('kafka').KAFKA_ADVERTISED_LISTENERS ?? '')
      .split(',')
      .map((listener) => new URL(listener.replace(/^[^:]+:/, 'tcp:')).hostname);
    expect(hosts).toEqual(['kafka', 'localhost']);
    for (const host of hosts) expect(broker.checkHost(host), host).toBe(host);
  });

  it('names only files it wrote, wherever a container reads a path', () => {
    const found: string[] = [];
    for (const service of ['kafka', 'schema-registry', 'ingress', 'worker']) {
      const variables = env(service);
      const texts = Object.entries(variables).map(([name, value]) =>
        // The apache/kafka image's *_FILENAME and *_CREDENTIALS name files in /etc/kafka/secrets.
        service === 'kafka' && /^KAFKA_SSL_\w+_(FILENAME|CREDENTIALS)$/.test(name)
          ? `/etc/kafka/secrets/${value}`
          : value,
      );
      // The text files make-certs.sh wrote for this service (its JAAS and client files).
      for (const { host } of list(project.services[service]?.volumes).map(mountParts)) {
        const path = hostPath(host, out);
        if (!host.startsWith(`${GENERATED}/`) || !statSync(path).isDirectory()) continue;
        for (const file of ['jaas.conf', 'admin-client.properties', 'users.properties']) {
          if (existsSync(join(path, file))) texts.push(readFileSync(join(path, file), 'utf8'));
        }
      }
      for (const path of texts.flatMap(pathsIn)) {
        const local = onHost(project, service, path, out);
        if (local === undefined) continue;
        expect(existsSync(local), `${service}: ${path}`).toBe(true);
        found.push(`${service}:${path}`);
      }
    }
    expect(found).toEqual(
      expect.arrayContaining([
        'kafka:/etc/kafka/secrets/jaas.conf',
        'kafka:/etc/kafka/secrets/kafka.keystore.p12',
        'kafka:/etc/kafka/secrets/ca.crt',
        'schema-registry:/etc/schema-registry/secrets/jaas.conf',
        'schema-registry:/etc/schema-registry/secrets/users.properties',
        'ingress:/etc/wharf/tls/kafka-ca.crt',
        'worker:/run/secrets/schema-registry-wharf-password',
      ]),
    );
  });

  it('writes each password once: logins, user lists and secrets agree', () => {
    const login = (text: string, section: string) =>
      new RegExp(`${section} \\{[^}]*username="([^"]+)"\\s+password="([^"]+)"`).exec(text);
    expect(login(generated('kafka/jaas.conf'), 'KafkaServer')?.slice(1)).toEqual([
      'admin',
      password('kafka-admin-password'),
    ]);
    expect(generated('kafka/admin-client.properties')).toContain(
      `username="admin" password="${password('kafka-admin-password')}";`,
    );
    const registryJaas = generated('schema-registry/jaas.conf');
    expect(login(registryJaas, 'KafkaClient')?.slice(1)).toEqual([
      'schema-registry',
      password('kafka-schema-registry-password'),
    ]);
    // The registry's realm is the JAAS section its settings name, and lets Wharf in.
    const registry = env('schema-registry');
    expect(registryJaas).toContain(`${registry.SCHEMA_REGISTRY_AUTHENTICATION_REALM ?? ''} {`);
    const [user = '', secret = '', ...roles] =
      /^(\S+): ([^,\n]+),(.+)$/m.exec(generated('schema-registry/users.properties'))?.slice(1) ??
      [];
    expect([user, secret]).toEqual([
      env('worker').SCHEMA_REGISTRY_USERNAME,
      password('schema-registry-wharf-password'),
    ]);
    const allowed = (registry.SCHEMA_REGISTRY_AUTHENTICATION_ROLES ?? '').split(',');
    expect(
      roles
        .join(',')
        .split(',')
        .some((role) => allowed.includes(role)),
    ).toBe(true);
    // Passwords are single lines without a newline, as every reader expects.
    for (const name of Object.keys(project.secrets)) expect(password(name)).toMatch(/^\w{32,}$/);
  });

  it.each(['ingress', 'worker'] as const)(
    'gives the %s a configuration Wharf accepts, with the files mounted',
    (role: Role) => {
      const mounted = Object.fromEntries(
        Object.entries(env(role)).map(([name, value]) => [
          name,
          onHost(project, role, value, out) ?? value,
        ]),
      );
      const config = loadConfig(mounted, role);
      expect(config.kafka.security).toMatchObject({
        protocol: 'SASL_SSL',
        sasl: {
          mechanism: 'SCRAM-SHA-512',
          username: 'wharf',
          password: password('kafka-wharf-password'),
        },
        tls: { ca: generated('ca.crt'), checkHostname: true },
      });
      if (role === 'worker') {
        expect(config.worker.schemaRegistry.auth).toEqual({
          kind: 'basic',
          username: 'wharf',
          password: password('schema-registry-wharf-password'),
        });
      }
    },
  );
});
