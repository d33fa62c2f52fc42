/**
 * Turns a failure to reach Kafka or the schema registry into one line naming
 * the setting to look at and what the other side answered, so that a wrong
 * password or certificate is reported as such, not as a stack trace.
 */
import type { KafkaSecurity } from '../config/security.ts';

/** Exit code of a command that could not reach Kafka or the schema registry, or was refused. */
export const EXIT_CONNECTION = 3;

/** The brokers a client tried, and the setting they came from (KAFKA_BROKERS, `--brokers`). */
export interface BrokerSource {
  readonly brokers: readonly string[];
  readonly setting: string;
}

/** Why a connection failed. */
export type ConnectionProblemReason = 'authentication' | 'authorization' | 'tls' | 'network';

export const CONNECTION_PROBLEM_REASONS: readonly ConnectionProblemReason[] = [
  'authentication',
  'authorization',
  'tls',
  'network',
];

/** A failure explained: the reason, and one line beginning with the setting. */
export interface ConnectionProblem {
  readonly reason: ConnectionProblemReason;
  readonly line: string;
}

/** The schema registry failed while the worker was registering its schemas. */
export class RegistryConnectionError extends Error {
  override readonly name = 'RegistryConnectionError';
}

/** Certificate checks that fail on our side: the peer's chain or name. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
]);

interface Facts {
  readonly names: readonly string[];
  readonly codes: readonly string[];
  readonly types: readonly string[];
  readonly statuses: readonly number[];
  readonly message: string;
}

/** What the error and its causes say, gathered along the `cause` chain. */
function factsOf(error: unknown): Facts {
  const names: string[] = [];
  const codes: string[] = [];
  const types: string[] = [];
  const statuses: number[] = [];
  const messages: string[] = [];
  for (let at: unknown = error, depth = 0; at instanceof Error && depth < 10; depth++) {
    const fields = at as Error & { code?: unknown; type?: unknown; status?: unknown };
    names.push(at.name);
    if (typeof fields.code === 'string') codes.push(fields.code);
    if (typeof fields.type === 'string') types.push(fields.type);
    if (typeof fields.status === 'number') statuses.push(fields.status);
    if (!messages.includes(at.message)) messages.push(at.message);
    at = at.cause;
  }
  return { names, codes, types, statuses, message: messages.at(-1) ?? String(error) };
}

/** The settings a TLS failure points at, for each side Wharf connects to. */
const TLS_SETTINGS = {
  KAFKA: {
    address: 'KAFKA_BROKERS',
    hostnameHint: ', or set KAFKA_SSL_CHECK_HOSTNAME=false',
    ca: 'KAFKA_SSL_CA_FILE',
    protocol: 'KAFKA_SECURITY_PROTOCOL',
    cert: 'KAFKA_SSL_CERT_FILE',
  },
  SCHEMA_REGISTRY: {
    address: 'SCHEMA_REGISTRY_URL',
    hostnameHint: '',
    ca: 'SCHEMA_REGISTRY_CA_FILE',
    protocol: 'SCHEMA_REGISTRY_URL',
    cert: 'SCHEMA_REGISTRY_CERT_FILE',
  },
} as const;

function tlsProblem(
  facts: Facts,
  side: keyof typeof TLS_SETTINGS,
  addressSetting: string = TLS_SETTINGS[side].address,
): ConnectionProblem | undefined {
  const settings = { ...TLS_SETTINGS[side], address: addressSetting };
  const line = (text: string): ConnectionProblem => ({ reason: 'tls', line: text });
  if (facts.codes.includes('ERR_TLS_CERT_ALTNAME_INVALID')) {
    return line(
      `${settings.address}: the server's certificate does not name this host (${facts.message}); connect by a name it has${settings.hostnameHint}`,
    );
  }
  const code = facts.codes.find((item) => item.startsWith('ERR_SSL') || UNTRUSTED.has(item));
  if (code === undefined) return undefined;
  if (UNTRUSTED.has(code)) {
    return line(
      `${settings.ca}: the server's certificate is not trusted (${code}: ${facts.message})`,
    );
  }
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|RECORD_TOO_LONG/.test(code)) {
    return line(`${settings.protocol}: TLS was used where the server does not speak it (${code})`);
  }
  return line(
    `${settings.cert}: the server refused the TLS handshake, most often the client certificate (${code}: ${facts.message})`,
  );
}

function saslSettings(security: KafkaSecurity): string {
  if (security.sasl?.mechanism === 'OAUTHBEARER')
    return 'KAFKA_SASL_OAUTH_CLIENT_ID/KAFKA_SASL_OAUTH_CLIENT_SECRET';
  return 'KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD';
}

function kafkaProblem(
  facts: Facts,
  security: KafkaSecurity,
  source: BrokerSource | undefined,
): ConnectionProblem | undefined {
  if (facts.names.includes('TokenEndpointError')) {
    return {
      reason: 'authentication',
      line: `KAFKA_SASL_OAUTH_TOKEN_ENDPOINT_URL: ${facts.message}`,
    };
  }
  if (
    facts.names.includes('KafkaJSSASLAuthenticationError') ||
    facts.types.includes('SASL_AUTHENTICATION_FAILED')
  ) {
    return {
      reason: 'authentication',
      line: `${saslSettings(security)}: the broker refused them (${security.sasl?.mechanism ?? 'SASL'}): ${facts.message}`,
    };
  }
  const denied = facts.types.find((type) => type.endsWith('_AUTHORIZATION_FAILED'));
  if (denied !== undefined) {
    return {
      reason: 'authorization',
      line: `${saslSettings(security).split('/')[0] ?? 'KAFKA_SASL_USERNAME'}: authenticated, but the broker's ACLs refuse this principal (${denied}): ${facts.message}`,
    };
  }
  const setting = source?.setting ?? 'KAFKA_BROKERS';
  const tls = tlsProblem(facts, 'KAFKA', setting);
  if (tls !== undefined) return tls;
  if (facts.names.some((name) => name.startsWith('KafkaJSConnection'))) {
    const tried = source === undefined ? '' : ` at ${source.brokers.join(',')}`;
    return {
      reason: 'network',
      line: `${setting}: no broker answered${tried} (${facts.message}); check the addresses and KAFKA_SECURITY_PROTOCOL (${security.protocol})`,
    };
  }
  return undefined;
}

function registryProblem(facts: Facts): ConnectionProblem | undefined {
  const status = facts.statuses[0];
  if (status === 401 || status === 403) {
    return {
      reason: status === 401 ? 'authentication' : 'authorization',
      line: `SCHEMA_REGISTRY_USERNAME/SCHEMA_REGISTRY_PASSWORD (or SCHEMA_REGISTRY_BEARER_TOKEN): the schema registry answered ${String(status)}: ${facts.message}`,
    };
  }
  const tls = tlsProblem(facts, 'SCHEMA_REGISTRY');
  if (tls !== undefined) return tls;
  if (facts.codes.some((code) => ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT'].includes(code))) {
    return {
      reason: 'network',
      line: `SCHEMA_REGISTRY_URL: the schema registry did not answer (${facts.message})`,
    };
  }
  return undefined;
}

/**
 * The failure explained, or undefined when it is not about reaching Kafka or
 * the registry (then it is a defect, and is reported as one). With `brokers`,
 * a Kafka that did not answer is named by the addresses tried and their setting.
 */
export function describeConnectionProblem(
  error: unknown,
  security: KafkaSecurity,
  brokers?: BrokerSource,
): ConnectionProblem | undefined {
  const facts = factsOf(error);
  return facts.names.includes('RegistryConnectionError')
    ? registryProblem(facts)
    : kafkaProblem(facts, security, brokers);
}
