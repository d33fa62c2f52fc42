/**
 * Reading the pods of a rendered chart: each Deployment's container, the
 * files its volumes mount, and the environment Wharf would see in it, with
 * the mounted files written to a folder (credentials from the chart's own
 * Secret or stand-ins for an existing one, certificates made with openssl).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { list, record } from './helm.ts';
import type { Resource } from './helm.ts';

const run = promisify(execFile);

/** One environment variable of a container. */
export interface EnvVar {
  readonly name: string;
  readonly value: string | undefined;
  /** The Secret and key of a secretKeyRef. */
  readonly secretKeyRef: { readonly name: string; readonly key: string } | undefined;
}

/** A file a volume puts in the container. */
export interface MountedFile {
  readonly path: string;
  readonly volume: string;
  readonly source: 'secret' | 'configMap';
  /** The Secret's or ConfigMap's name, and the key the file holds. */
  readonly from: string;
  readonly key: string;
  readonly readOnly: boolean;
  readonly mode: number | undefined;
}

/** The one container of a Deployment, with its pod's volumes. */
export interface Pod {
  readonly role: string;
  readonly configMaps: readonly string[];
  readonly env: readonly EnvVar[];
  readonly files: ReadonlyMap<string, MountedFile>;
  readonly containerSecurity: Record<string, unknown>;
}

/** The pod of the Deployment `wharf-<role>`. */
export function pod(resources: readonly Resource[], role: 'ingress' | 'worker'): Pod {
  const deployment = resources.find((r) => r.kind === 'Deployment' && r.name === `wharf-${role}`);
  if (!deployment) throw new Error(`no Deployment wharf-${role}`);
  const spec = record(record(record(deployment.body.spec).template).spec);
  const containers = list(spec.containers).map(record);
  if (containers.length !== 1)
    throw new Error(`wharf-${role} has ${String(containers.length)} containers`);
  const container = record(containers[0]);
  const volumes = new Map(list(spec.volumes).map((v) => [String(record(v).name), record(v)]));
  const files = new Map<string, MountedFile>();
  for (const mount of list(container.volumeMounts).map(record)) {
    const volume = volumes.get(String(mount.name));
    if (!volume)
      throw new Error(`wharf-${role} mounts the undeclared volume ${String(mount.name)}`);
    for (const source of ['secret', 'configMap'] as const) {
      if (!(source in volume)) continue;
      const settings = record(volume[source]);
      for (const item of list(settings.items).map(record)) {
        const path = posix.join(String(mount.mountPath), String(item.path));
        files.set(path, {
          path,
          volume: String(mount.name),
          source,
          from: String(source === 'secret' ? settings.secretName : settings.name),
          key: String(item.key),
          readOnly: mount.readOnly === true,
          mode: typeof settings.defaultMode === 'number' ? settings.defaultMode : undefined,
        });
      }
    }
  }
  return {
    role,
    configMaps: list(container.envFrom).map((from) =>
      String(record(record(from).configMapRef).name),
    ),
    env: list(container.env).map((entry) => {
      const variable = record(entry);
      const ref = record(record(variable.valueFrom).secretKeyRef);
      return {
        name: String(variable.name),
        value: typeof variable.value === 'string' ? variable.value : undefined,
        secretKeyRef: 'key' in ref ? { name: String(ref.name), key: String(ref.key) } : undefined,
      };
    }),
    files,
    containerSecurity: record(container.securityContext),
  };
}

/** The data of a rendered ConfigMap, or of a Secret's stringData; undefined when not rendered. */
export function dataOf(
  resources: readonly Resource[],
  kind: 'ConfigMap' | 'Secret',
  name: string,
): Record<string, string> | undefined {
  const resource = resources.find((r) => r.kind === kind && r.name === name);
  if (!resource) return undefined;
  const data = record(resource.body[kind === 'Secret' ? 'stringData' : 'data']);
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, String(value)]));
}

/** What a Secret made outside the chart holds, for the tests: a credential of each form. */
const STAND_IN = '*=user:stand-in-secret';

/** PEM material made once: a self-signed certificate (also the CA) and its key. */
export interface Pems {
  readonly certificate: string;
  readonly key: string;
  /** The key encrypted with a passphrase. */
  encryptedKey(passphrase: string): Promise<string>;
}

/** Makes {@link Pems} with openssl in `dir`. */
export async function makePems(dir: string): Promise<Pems> {
  const keyFile = join(dir, 'test.key');
  const certFile = join(dir, 'test.crt');
  // prettier-ignore
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-noenc',
    '-keyout', keyFile, '-out', certFile, '-subj', '/CN=wharf-chart-test', '-days', '1',
  ]);
  const encrypted = new Map<string, string>();
  return {
    certificate: await readFile(certFile, 'utf8'),
    key: await readFile(keyFile, 'utf8'),
    async encryptedKey(passphrase) {
      const known = encrypted.get(passphrase);
      if (known !== undefined) return known;
      const { stdout } = await run('openssl', [
        'pkey',
        '-in',
        keyFile,
        '-aes256',
        '-passout',
        `pass:${passphrase}`,
      ]);
      encrypted.set(passphrase, stdout);
      return stdout;
    },
  };
}

/**
 * The environment Wharf sees in a pod: the ConfigMap's data, then the
 * container's env, each mounted file a variable names written under `dir`
 * (and the variable pointed there). A credential comes from the chart's own
 * Secret when it made one, else it is a stand-in; certificates and keys are
 * `pems`, the Kafka key encrypted when the pod also gets its passphrase.
 */
export async function podEnvironment(
  resources: readonly Resource[],
  target: Pod,
  dir: string,
  pems: Pems,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const name of target.configMaps) Object.assign(env, dataOf(resources, 'ConfigMap', name));
  const secretValue = (secret: string, key: string) =>
    dataOf(resources, 'Secret', secret)?.[key] ?? STAND_IN;
  const credentials = target.env.filter((v) => !isTlsFile(v.name));
  const tlsFiles = target.env.filter((v) => isTlsFile(v.name));
  // Credentials first: the Kafka key is encrypted with the passphrase the pod gets.
  for (const variable of [...credentials, ...tlsFiles]) {
    if (variable.secretKeyRef) {
      env[variable.name] = secretValue(variable.secretKeyRef.name, variable.secretKeyRef.key);
      continue;
    }
    if (variable.value === undefined) continue;
    const file = variable.name.endsWith('_FILE') ? target.files.get(variable.value) : undefined;
    if (!file) {
      env[variable.name] = variable.value;
      continue;
    }
    const local = join(dir, target.role, file.path);
    await mkdir(dirname(local), { recursive: true });
    await writeFile(local, await fileContent(variable.name, file, env, pems, secretValue));
    env[variable.name] = local;
  }
  return env;
}

function isTlsFile(name: string): boolean {
  return /_(CA|CERT|KEY)_FILE$/.test(name);
}

async function fileContent(
  variable: string,
  file: MountedFile,
  env: Readonly<Record<string, string>>,
  pems: Pems,
  secretValue: (secret: string, key: string) => string,
): Promise<string> {
  if (variable.endsWith('_CA_FILE') || variable.endsWith('_CERT_FILE')) return pems.certificate;
  if (!variable.endsWith('_KEY_FILE')) return `${secretValue(file.from, file.key)}\n`;
  const passphraseFile =
    variable === 'KAFKA_SSL_KEY_FILE' ? env.KAFKA_SSL_KEY_PASSWORD_FILE : undefined;
  if (passphraseFile === undefined) return pems.key;
  return pems.encryptedKey((await readFile(passphraseFile, 'utf8')).trim());
}
