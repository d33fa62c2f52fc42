/**
 * How Wharf proves who it is to Kafka and to the schema registry: TLS (a CA
 * bundle, an optional client certificate), SASL (PLAIN, SCRAM, OAUTHBEARER
 * with the client-credentials grant) and the registry's basic or bearer
 * authentication. Every process and command reads the same variables.
 *
 * Files are read and keys decrypted here, at start, so that a wrong path or
 * passphrase is one line naming the variable, not a TLS error later.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** PEM texts for a TLS connection; undefined fields use Node's defaults. */
export interface TlsSettings {
  /** CAs to trust instead of Node's public ones. */
  readonly ca: string | undefined;
  /** Whether the certificate must name the host connected to. */
  readonly checkHostname: boolean;
  readonly cert: string | undefined;
  readonly key: string | undefined;
  readonly passphrase: string | undefined;
}

/** An OAuth 2.0 client-credentials grant at a token endpoint. */
export interface OAuthSettings {
  readonly tokenEndpointUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope: string | undefined;
  /** SASL extensions sent with the token (Confluent Cloud: logicalCluster, identityPoolId). */
  readonly extensions: Readonly<Record<string, string>>;
}

export type SaslSettings =
  | {
      readonly mechanism: Exclude<SaslMechanism, 'OAUTHBEARER'>;
      readonly username: string;
      readonly password: string;
    }
  | { readonly mechanism: 'OAUTHBEARER'; readonly oauth: OAuthSettings };

/** How to connect to Kafka securely. */
export interface KafkaSecurity {
  readonly protocol: SecurityProtocol;
  /** Present for SSL and SASL_SSL. */
  readonly tls: TlsSettings | undefined;
  /** Present for SASL_PLAINTEXT and SASL_SSL. */
  readonly sasl: SaslSettings | undefined;
}

/** How to authenticate to the schema registry. */
export interface RegistrySecurity {
  readonly auth:
    | { readonly kind: 'none' }
    | { readonly kind: 'basic'; readonly username: string; readonly password: string }
    | { readonly kind: 'bearer'; readonly token: string };
  /** CA and client certificate for an https registry; undefined: Node's defaults. */
  readonly tls: Omit<TlsSettings, 'checkHostname' | 'passphrase'> | undefined;
}

/** Variables that may instead be read from a file named by `<name>_FILE`. */
export const FILE_VARIABLES = [
  'KAFKA_SSL_KEY_PASSWORD',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_OAUTH_CLIENT_ID',
  'KAFKA_SASL_OAUTH_CLIENT_SECRET',
  'SCHEMA_REGISTRY_USERNAME',
  'SCHEMA_REGISTRY_PASSWORD',
  'SCHEMA_REGISTRY_BEARER_TOKEN',
] as const;

/** A boolean variable: true/false, 1/0 or yes/no. */
export const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((value) => ['true', '1', 'yes'].includes(value));

const extensions = z
  .string()
  .transform((value, context) => {
    const pairs = value
      .split(',')
      .map((pair) => pair.trim())
      .filter(Boolean);
    const entries = pairs.map((pair) => pair.split('=', 2).map((part) => part.trim()));
    if (entries.some(([key, item]) => !key || item === undefined)) {
      context.addIssue({ code: 'custom', message: 'must be key=value pairs, comma-separated' });
      return z.NEVER;
    }
    return Object.fromEntries(entries) as Record<string, string>;
  })
  .default({});

/** The variables of this module, as the configuration schema reads them. */
export const securitySchema = z.object({
  KAFKA_SECURITY_PROTOCOL: z.enum(SECURITY_PROTOCOLS).default('PLAINTEXT'),
  KAFKA_SSL_CA_FILE: z.string().optional(),
  KAFKA_SSL_CHECK_HOSTNAME: flag.default(true),
  KAFKA_SSL_CERT_FILE: z.string().optional(),
  KAFKA_SSL_KEY_FILE: z.string().optional(),
  KAFKA_SSL_KEY_PASSWORD: z.string().optional(),
  KAFKA_SASL_MECHANISM: z.enum(SASL_MECHANISMS).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  KAFKA_SASL_OAUTH_TOKEN_ENDPOINT_URL: z.url({ protocol: /^https?$/ }).optional(),
  KAFKA_SASL_OAUTH_CLIENT_ID: z.string().optional(),
  KAFKA_SASL_OAUTH_CLIENT_SECRET: z.string().optional(),
  KAFKA_SASL_OAUTH_SCOPE: z.string().optional(),
  KAFKA_SASL_OAUTH_EXTENSIONS: extensions,
  SCHEMA_REGISTRY_USERNAME: z.string().optional(),
  SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
  SCHEMA_REGISTRY_BEARER_TOKEN: z.string().optional(),
  SCHEMA_REGISTRY_CA_FILE: z.string().optional(),
  SCHEMA_REGISTRY_CERT_FILE: z.string().optional(),
  SCHEMA_REGISTRY_KEY_FILE: z.string().optional(),
});

type SecurityValues = z.infer<typeof securitySchema>;
type Env = Readonly<Record<string, string | undefined>>;

/**
 * The environment with every `<name>_FILE` of `names` replaced by `<name>`
 * holding the file's content (trailing newlines removed, as Secrets are
 * often written). Problems go to `issues`, naming the variable.
 */
export function withSecretFiles(env: Env, names: readonly string[], issues: string[]): Env {
  const resolved: Record<string, string | undefined> = { ...env };
  for (const name of names) {
    const path = env[`${name}_FILE`];
    if (path === undefined || path === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      issues.push(`${name}_FILE: set ${name} or ${name}_FILE, not both`);
      continue;
    }
    const content = readText(`${name}_FILE`, path, issues);
    if (content !== undefined) resolved[name] = content.replace(/[\r\n]+$/, '');
  }
  return resolved;
}

function readText(variable: string, path: string, issues: string[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    issues.push(`${variable}: cannot read ${path} (${code})`);
    return undefined;
  }
}

/** A PEM file's text, checked to hold what it should. */
function readPem(
  variable: string,
  path: string | undefined,
  kind: 'certificate' | 'key',
  issues: string[],
  passphrase?: string,
): string | undefined {
  if (path === undefined) return undefined;
  const text = readText(variable, path, issues);
  if (text === undefined) return undefined;
  try {
    if (kind === 'certificate') new X509Certificate(text);
    else createPrivateKey({ key: text, ...(passphrase === undefined ? {} : { passphrase }) });
    return text;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    issues.push(
      kind === 'key' && /decrypt|passphrase/i.test(`${reason} ${String(error)}`)
        ? `${variable}: ${path} is encrypted and KAFKA_SSL_KEY_PASSWORD does not open it`
        : `${variable}: ${path} holds no PEM ${kind} (${reason})`,
    );
    return undefined;
  }
}

/** Two settings that make sense only together (a certificate and its key, a user and password). */
function requireBoth(
  [first, firstValue]: [string, unknown],
  [second, secondValue]: [string, unknown],
  issues: string[],
): void {
  if ((firstValue === undefined) === (secondValue === undefined)) return;
  const [missing, given] = firstValue === undefined ? [first, second] : [second, first];
  issues.push(`${missing}: required with ${given}`);
}

function requireAll(values: SecurityValues, names: readonly (keyof SecurityValues)[], why: string) {
  return names
    .filter((name) => values[name] === undefined)
    .map((name) => `${name}: required ${why}`);
}

function kafkaTls(values: SecurityValues, issues: string[]): TlsSettings {
  const { KAFKA_SSL_CERT_FILE: certFile, KAFKA_SSL_KEY_FILE: keyFile } = values;
  requireBoth(['KAFKA_SSL_CERT_FILE', certFile], ['KAFKA_SSL_KEY_FILE', keyFile], issues);
  const passphrase = values.KAFKA_SSL_KEY_PASSWORD;
  return {
    ca: readPem('KAFKA_SSL_CA_FILE', values.KAFKA_SSL_CA_FILE, 'certificate', issues),
    checkHostname: values.KAFKA_SSL_CHECK_HOSTNAME,
    cert: readPem('KAFKA_SSL_CERT_FILE', certFile, 'certificate', issues),
    key: readPem('KAFKA_SSL_KEY_FILE', keyFile, 'key', issues, passphrase),
    passphrase,
  };
}

function kafkaSasl(values: SecurityValues, issues: string[]): SaslSettings | undefined {
  const mechanism = values.KAFKA_SASL_MECHANISM;
  const why = `when KAFKA_SASL_MECHANISM is ${String(mechanism)}`;
  if (mechanism === undefined) {
    issues.push(
      `KAFKA_SASL_MECHANISM: required when KAFKA_SECURITY_PROTOCOL is ${values.KAFKA_SECURITY_PROTOCOL} (${SASL_MECHANISMS.join(', ')})`,
    );
    return undefined;
  }
  if (mechanism === 'OAUTHBEARER') {
    const names = [
      'KAFKA_SASL_OAUTH_TOKEN_ENDPOINT_URL',
      'KAFKA_SASL_OAUTH_CLIENT_ID',
      'KAFKA_SASL_OAUTH_CLIENT_SECRET',
    ] as const;
    const missing = requireAll(values, names, why);
    issues.push(...missing);
    if (missing.length > 0) return undefined;
    return {
      mechanism,
      oauth: {
        tokenEndpointUrl: values.KAFKA_SASL_OAUTH_TOKEN_ENDPOINT_URL ?? '',
        clientId: values.KAFKA_SASL_OAUTH_CLIENT_ID ?? '',
        clientSecret: values.KAFKA_SASL_OAUTH_CLIENT_SECRET ?? '',
        scope: values.KAFKA_SASL_OAUTH_SCOPE,
        extensions: values.KAFKA_SASL_OAUTH_EXTENSIONS,
      },
    };
  }
  const missing = requireAll(values, ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'], why);
  issues.push(...missing);
  if (missing.length > 0) return undefined;
  return {
    mechanism,
    username: values.KAFKA_SASL_USERNAME ?? '',
    password: values.KAFKA_SASL_PASSWORD ?? '',
  };
}

/** The Kafka half of the settings; problems go to `issues`. */
export function kafkaSecurity(values: SecurityValues, issues: string[]): KafkaSecurity {
  const protocol = values.KAFKA_SECURITY_PROTOCOL;
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const usesSasl = protocol.startsWith('SASL_');
  if (!usesSasl && values.KAFKA_SASL_MECHANISM !== undefined) {
    issues.push(
      `KAFKA_SASL_MECHANISM: set, but KAFKA_SECURITY_PROTOCOL is ${protocol}; use SASL_SSL or SASL_PLAINTEXT`,
    );
  }
  if (!usesTls && values.KAFKA_SSL_CA_FILE !== undefined) {
    issues.push(
      `KAFKA_SSL_CA_FILE: set, but KAFKA_SECURITY_PROTOCOL is ${protocol}; use SSL or SASL_SSL`,
    );
  }
  return {
    protocol,
    tls: usesTls ? kafkaTls(values, issues) : undefined,
    sasl: usesSasl ? kafkaSasl(values, issues) : undefined,
  };
}

/** The registry half of the settings; problems go to `issues`. */
export function registrySecurity(values: SecurityValues, issues: string[]): RegistrySecurity {
  const {
    SCHEMA_REGISTRY_USERNAME: username,
    SCHEMA_REGISTRY_PASSWORD: password,
    SCHEMA_REGISTRY_BEARER_TOKEN: token,
  } = values;
  requireBoth(
    ['SCHEMA_REGISTRY_USERNAME', username],
    ['SCHEMA_REGISTRY_PASSWORD', password],
    issues,
  );
  if (token !== undefined && username !== undefined) {
    issues.push(
      'SCHEMA_REGISTRY_BEARER_TOKEN: set either it or SCHEMA_REGISTRY_USERNAME, not both',
    );
  }
  const { SCHEMA_REGISTRY_CA_FILE: caFile, SCHEMA_REGISTRY_CERT_FILE: certFile } = values;
  const keyFile = values.SCHEMA_REGISTRY_KEY_FILE;
  requireBoth(
    ['SCHEMA_REGISTRY_CERT_FILE', certFile],
    ['SCHEMA_REGISTRY_KEY_FILE', keyFile],
    issues,
  );
  const anyTls = [caFile, certFile, keyFile].some((path) => path !== undefined);
  return {
    auth:
      token !== undefined
        ? { kind: 'bearer', token }
        : username !== undefined && password !== undefined
          ? { kind: 'basic', username, password }
          : { kind: 'none' },
    tls: anyTls
      ? {
          ca: readPem('SCHEMA_REGISTRY_CA_FILE', caFile, 'certificate', issues),
          cert: readPem('SCHEMA_REGISTRY_CERT_FILE', certFile, 'certificate', issues),
          key: readPem('SCHEMA_REGISTRY_KEY_FILE', keyFile, 'key', issues),
        }
      : undefined,
  };
}
