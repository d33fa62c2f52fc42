/**
 * A real Apache Kafka of the calling test file's own with secured client
 * listeners, besides its PLAINTEXT ones (controller, inter-broker):
 *
 * - SASL_SSL and SASL_PLAINTEXT, each with PLAIN, SCRAM-SHA-256,
 *   SCRAM-SHA-512 and OAUTHBEARER;
 * - SSL with `ssl.client.auth=required` (mutual TLS).
 *
 * Certificates are made by ./certificates.ts; SCRAM users are written when
 * the storage is formatted, PLAIN users are in the listeners' JAAS
 * configuration. OAUTHBEARER uses Kafka's unsecured validator (the default
 * when no server callback handler is set), which accepts the unsigned JWTs
 * of ./oauth-token-endpoint.ts if they carry `sub`, an `exp` still ahead and
 * the scope {@link REQUIRED_SCOPE}.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafka } from '../../src/broker/kafka-broker.ts';
import type { ExtraListener, KafkaBroker, ScramUser } from '../../src/broker/kafka-broker.ts';
import { generateCertificates } from './certificates.ts';
import type { TestCertificates } from './certificates.ts';
import { startOAuthTokenEndpoint } from './oauth-token-endpoint.ts';
import type { OAuthTokenEndpoint } from './oauth-token-endpoint.ts';

/** A user name and password. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** The scope the broker's validator requires of every token. */
export const REQUIRED_SCOPE = 'kafka';

/** The SASL mechanisms both SASL listeners offer. */
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;

const LISTENERS: readonly ExtraListener[] = [
  { name: 'SASL_SSL', protocol: 'SASL_SSL' },
  { name: 'SASL_PLAINTEXT', protocol: 'SASL_PLAINTEXT' },
  { name: 'SSL', protocol: 'SSL' },
];

const USERS = {
  plain: { username: 'plain-user', password: 'plain-secret' },
  scram256: { username: 'scram256-user', password: 'scram256-secret' },
  scram512: { username: 'scram512-user', password: 'scram512-secret' },
} as const satisfies Record<string, Credentials>;

const SCRAM_USERS: readonly ScramUser[] = [
  { mechanism: 'SCRAM-SHA-256', ...USERS.scram256 },
  { mechanism: 'SCRAM-SHA-512', ...USERS.scram512 },
];

/** A running secured Kafka, its users, its certificates and its token endpoint. */
export interface SecuredKafka {
  /** `host:port` of each client listener. */
  readonly listeners: {
    readonly saslSsl: string;
    readonly saslPlaintext: string;
    readonly ssl: string;
    readonly plaintext: string;
  };
  readonly users: {
    readonly plain: Credentials;
    readonly scram256: Credentials;
    readonly scram512: Credentials;
  };
  /** PEM files. */
  readonly tls: {
    readonly caFile: string;
    readonly clientCertFile: string;
    readonly clientKeyFile: string;
    readonly unknownClientCertFile: string;
    readonly unknownClientKeyFile: string;
  };
  readonly oauth: Omit<OAuthTokenEndpoint, 'close'>;
  readonly kafka: KafkaBroker;
  /** The last `lines` lines of the server's log. */
  logTail(lines?: number): Promise<string>;
  /** Stops the server and the token endpoint and removes the certificates. */
  stop(): Promise<void>;
}

/** JAAS configurations of one SASL listener, under `listener.name.<listener>.`. */
function saslListenerProperties(listener: string): Record<string, string> {
  const prefix = `listener.name.${listener}`;
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  return {
    [`${prefix}.sasl.enabled.mechanisms`]: SASL_MECHANISMS.join(','),
    [`${prefix}.plain.sasl.jaas.config`]: `org.apache.kafka.common.security.plain.PlainLoginModule required user_${USERS.plain.username}="${USERS.plain.password}";`,
    [`${prefix}.scram-sha-256.sasl.jaas.config`]: scram,
    [`${prefix}.scram-sha-512.sasl.jaas.config`]: scram,
    // The broker logs in as well (its own token, never used: the
    // inter-broker listener is PLAINTEXT), hence the login's `sub`.
    [`${prefix}.oauthbearer.sasl.jaas.config`]: `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker" unsecuredValidatorRequiredScope="${REQUIRED_SCOPE}";`,
  };
}

/** TLS of the broker: its keystore and, for client certificates, the CA as a PEM truststore. */
function tlsProperties(certificates: TestCertificates): Record<string, string> {
  return {
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': certificates.brokerKeystoreFile,
    'ssl.keystore.password': certificates.keystorePassword,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': certificates.ca.certFile,
    'listener.name.ssl.ssl.client.auth': 'required',
  };
}

function tlsFiles(certificates: TestCertificates): SecuredKafka['tls'] {
  return {
    caFile: certificates.ca.certFile,
    clientCertFile: certificates.client.certFile,
    clientKeyFile: certificates.client.keyFile,
    unknownClientCertFile: certificates.unknownClient.certFile,
    unknownClientKeyFile: certificates.unknownClient.keyFile,
  };
}

function addressOf(kafka: KafkaBroker, listener: string): string {
  const address = kafka.listenerAddresses[listener];
  if (address === undefined) throw new Error(`the Kafka started has no ${listener} listener`);
  return address;
}

/** Starts a secured Kafka of the caller's own (about 10 s; stop it in `afterAll`). */
export async function startSecuredKafka(options: { heapMb?: number } = {}): Promise<SecuredKafka> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-secured-kafka-'));
  const certificates = await generateCertificates(dir);
  const oauth = await startOAuthTokenEndpoint({
    clientId: 'wharf-client',
    clientSecret: 'wharf-client-secret',
    scope: REQUIRED_SCOPE,
  });
  const kafka = await startKafka({
    heapMb: options.heapMb ?? 384,
    listeners: LISTENERS,
    scramUsers: SCRAM_USERS,
    serverProperties: {
      ...saslListenerProperties('sasl_ssl'),
      ...saslListenerProperties('sasl_plaintext'),
      ...tlsProperties(certificates),
      // Sessions end with their token and clients re-authenticate (KIP-368),
      // as on Confluent Cloud; a client must bring a fresh token by then.
      'connections.max.reauth.ms': '3600000',
    },
  }).catch(async (error: unknown) => {
    await oauth.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    listeners: {
      saslSsl: addressOf(kafka, 'SASL_SSL'),
      saslPlaintext: addressOf(kafka, 'SASL_PLAINTEXT'),
      ssl: addressOf(kafka, 'SSL'),
      plaintext: addressOf(kafka, 'PLAINTEXT'),
    },
    users: USERS,
    tls: tlsFiles(certificates),
    oauth,
    kafka,
    logTail: (lines) => kafka.logTail(lines),
    async stop() {
      await kafka.stop();
      await oauth.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
