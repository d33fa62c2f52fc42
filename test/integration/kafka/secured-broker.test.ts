/**
 * The secured test Kafka (../../support/secured-kafka.ts), with kafkajs
 * clients whose `ssl` and `sasl` options are built by hand: every listener
 * and mechanism takes a good client through create topic → produce →
 * consume, and each kind of bad credential is refused, with what kafkajs
 * says about it (what Wharf has to turn into one clear line).
 *
 * kafkajs's own OAUTHBEARER does not read the broker's refusal of a token
 * (RFC 7628 §3.2.2: the broker answers with an error challenge, not an error
 * code), so it believes it is authenticated and fails on the next request.
 * Wharf's own OAUTHBEARER ({@link oauthBearerReadingRefusals}) reads it.
 */
import { readFile } from 'node:fs/promises';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConfig, Mechanism, SASLOptions } from 'kafkajs';
import { oauthBearerMechanism } from '../../../src/kafka/oauth.ts';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  TEST_CONSUMER,
  cleanupsAfterEach,
  isRealKafka,
  uniqueName,
  waitFor,
} from '../../support/kafka.ts';
import {
  TokenRequestError,
  requestToken,
  tokenClaims,
  unsignedJwt,
} from '../../support/oauth-token-endpoint.ts';
import { REQUIRED_SCOPE, startSecuredKafka } from '../../support/secured-kafka.ts';
import type { SecuredKafka } from '../../support/secured-kafka.ts';

/** What a client brings to a listener: its address, TLS and SASL. */
type Security = Pick<KafkaConfig, 'ssl' | 'sasl'> & { address: string };

function client(security: Security): Kafka {
  const { address, ...options } = security;
  return new Kafka({
    clientId: uniqueName('secured-test'),
    brokers: [address],
    logLevel: logLevel.NOTHING,
    ...options,
  });
}

/** Wharf's OAUTHBEARER (src/kafka/oauth.ts), which reads the broker's refusal of a token. */
function oauthBearerReadingRefusals(token: () => Promise<string>): Mechanism {
  return oauthBearerMechanism(async () => ({ value: await token(), extensions: {} }));
}

/** Names, messages and codes of an error and its causes, outermost first. */
function causeChain(error: unknown): { name: string; message: string; code: unknown }[] {
  const chain = [];
  for (let link = error; link instanceof Error; link = link.cause) {
    chain.push({ name: link.name, message: link.message, code: (link as { code?: unknown }).code });
  }
  return chain;
}

/** What connecting a producer gave, and after how long (kafkajs's default retry). */
async function connectProducer(security: Security): Promise<{ error: unknown; ms: number }> {
  const producer = client(security).producer();
  const started = performance.now();
  const error = await producer.connect().then(
    () => undefined,
    (failure: unknown) => failure,
  );
  const ms = Math.round(performance.now() - started);
  await producer.disconnect();
  return { error, ms };
}

/** Creates a topic, produces one record and consumes it back. */
async function roundTrip(security: Security, cleanups: (() => Promise<unknown>)[]): Promise<void> {
  const kafka = client(security);
  const topic = uniqueName('secured');
  const admin = kafka.admin();
  cleanups.push(() => admin.disconnect());
  await admin.connect();
  expect(
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    }),
  ).toBe(true);
  const producer = kafka.producer();
  cleanups.push(() => producer.disconnect());
  await producer.connect();
  await producer.send({ topic, messages: [{ key: 'k', value: `hello ${topic}` }] });
  const consumer = kafka.consumer({ groupId: uniqueName('secured-group'), ...TEST_CONSUMER });
  cleanups.push(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: string[] = [];
  await consumer.run({
    eachMessage: ({ message }) => {
      received.push(message.value?.toString() ?? '');
      return Promise.resolve();
    },
  });
  await waitFor('the record to come back', () => (received.length > 0 ? received : undefined), {
    timeoutMs: 20_000,
  });
  expect(received).toEqual([`hello ${topic}`]);
}

describe.skipIf(!isRealKafka())('a secured Apache Kafka', () => {
  let kafka: SecuredKafka;
  let pem: Record<'ca' | 'cert' | 'key' | 'unknownCert' | 'unknownKey', string>;
  const cleanups = cleanupsAfterEach();
  beforeAll(async () => {
    kafka = await startSecuredKafka();
    const read = (file: string) => readFile(file, 'utf8');
    pem = {
      ca: await read(kafka.tls.caFile),
      cert: await read(kafka.tls.clientCertFile),
      key: await read(kafka.tls.clientKeyFile),
      unknownCert: await read(kafka.tls.unknownClientCertFile),
      unknownKey: await read(kafka.tls.unknownClientKeyFile),
    };
  }, 180_000);
  afterAll(async () => {
    await kafka.stop();
  });
  function printLogOnFailure(): void {
    onTestFailed(async () => {
      process.stderr.write(
        `--- the end of the secured Kafka's log ---\n${await kafka.logTail(60)}\n`,
      );
    });
  }

  const endpointToken = () => requestToken(kafka.oauth.url, kafka.oauth);
  const plain = (): SASLOptions => ({ mechanism: 'plain', ...kafka.users.plain });
  const oauthbearer = (): SASLOptions => ({
    mechanism: 'oauthbearer',
    oauthBearerProvider: async () => ({ value: await endpointToken() }),
  });
  const mechanisms: [string, () => SASLOptions | Mechanism][] = [
    ['PLAIN', plain],
    ['SCRAM-SHA-256', () => ({ mechanism: 'scram-sha-256', ...kafka.users.scram256 })],
    ['SCRAM-SHA-512', () => ({ mechanism: 'scram-sha-512', ...kafka.users.scram512 })],
    ['OAUTHBEARER', oauthbearer],
    ['OAUTHBEARER (reading refusals)', () => oauthBearerReadingRefusals(endpointToken)],
  ];
  const trusted = () => ({ ca: [pem.ca] });

  describe('lets a good client create a topic, produce and consume', () => {
    it.for(mechanisms)('SASL_SSL, %s', async ([mechanism, options]) => {
      printLogOnFailure();
      const issuedBefore = kafka.oauth.issued();
      await roundTrip(
        { address: kafka.listeners.saslSsl, ssl: trusted(), sasl: options() },
        cleanups,
      );
      if (mechanism.startsWith('OAUTHBEARER'))
        expect(kafka.oauth.issued()).toBeGreaterThan(issuedBefore);
    });

    it.for(mechanisms)('SASL_PLAINTEXT, %s', async ([, options]) => {
      printLogOnFailure();
      await roundTrip({ address: kafka.listeners.saslPlaintext, sasl: options() }, cleanups);
    });

    it('SSL with a client certificate signed by the CA', async () => {
      printLogOnFailure();
      await roundTrip(
        { address: kafka.listeners.ssl, ssl: { ...trusted(), cert: pem.cert, key: pem.key } },
        cleanups,
      );
    });
  });

  describe('refuses', () => {
    const withWrongPassword = (username: string) => ({ username, password: 'not-the-password' });
    const wrongPasswords: [string, () => SASLOptions, RegExp][] = [
      [
        'PLAIN',
        () => ({ mechanism: 'plain', ...withWrongPassword(kafka.users.plain.username) }),
        /^SASL PLAIN authentication failed: Authentication failed: Invalid username or password$/,
      ],
      [
        'SCRAM-SHA-256',
        () => ({ mechanism: 'scram-sha-256', ...withWrongPassword(kafka.users.scram256.username) }),
        /^SASL SCRAM SHA256 authentication failed: .*invalid credentials with SASL mechanism SCRAM-SHA-256$/,
      ],
      [
        'SCRAM-SHA-512',
        () => ({ mechanism: 'scram-sha-512', ...withWrongPassword(kafka.users.scram512.username) }),
        /^SASL SCRAM SHA512 authentication failed: .*invalid credentials with SASL mechanism SCRAM-SHA-512$/,
      ],
    ];
    it.for(wrongPasswords)('a wrong %s password, at once', async ([, options, message]) => {
      const listeners: Security[] = [
        { address: kafka.listeners.saslSsl, ssl: trusted(), sasl: options() },
        { address: kafka.listeners.saslPlaintext, sasl: options() },
      ];
      for (const security of listeners) {
        const { error, ms } = await connectProducer(security);
        expect(causeChain(error)).toEqual([
          {
            name: 'KafkaJSSASLAuthenticationError',
            message: expect.stringMatching(message) as unknown,
            code: undefined,
          },
        ]);
        expect(ms).toBeLessThan(5_000);
      }
    });

    // kafkajs retries a connection error five times (about 10 s) before
    // giving up; these run side by side.
    interface TlsRefusal {
      case: string;
      security: () => Security;
      code: string;
      message: RegExp;
    }
    const tlsRefusals: TlsRefusal[] = [
      {
        case: 'a client certificate from an unknown CA on the SSL listener',
        security: () => ({
          address: kafka.listeners.ssl,
          ssl: { ...trusted(), cert: pem.unknownCert, key: pem.unknownKey },
        }),
        code: 'ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_UNKNOWN',
        message: /ssl\/tls alert certificate unknown.*SSL alert number 46/s,
      },
      {
        case: 'no client certificate on the SSL listener',
        security: () => ({ address: kafka.listeners.ssl, ssl: trusted() }),
        code: 'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE',
        message: /ssl\/tls alert bad certificate.*SSL alert number 42/s,
      },
      {
        case: 'a client not trusting the CA, on SASL_SSL',
        security: () => ({ address: kafka.listeners.saslSsl, ssl: true, sasl: plain() }),
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
        message: /^Connection error: self-signed certificate in certificate chain$/,
      },
      {
        case: 'a client not trusting the CA, on SSL',
        security: () => ({ address: kafka.listeners.ssl, ssl: { cert: pem.cert, key: pem.key } }),
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
        message: /^Connection error: self-signed certificate in certificate chain$/,
      },
      {
        case: 'a broker certificate not naming the server name asked for',
        security: () => ({
          address: kafka.listeners.saslSsl,
          ssl: { ...trusted(), servername: 'kafka.example' },
          sasl: plain(),
        }),
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        message:
          /Host: kafka\.example\. is not in the cert's altnames: DNS:localhost, IP Address:127\.0\.0\.1/,
      },
    ];
    it.concurrent.for(tlsRefusals)(
      '$case, after the retries',
      { timeout: 60_000 },
      async (refusal: TlsRefusal) => {
        const { error, ms } = await connectProducer(refusal.security());
        expect(causeChain(error)).toEqual([
          {
            name: 'KafkaJSNumberOfRetriesExceeded',
            message: expect.stringMatching(refusal.message) as unknown,
            code: undefined,
          },
          {
            name: 'KafkaJSConnectionError',
            message: expect.stringMatching(refusal.message) as unknown,
            code: refusal.code,
          },
        ]);
        expect(ms).toBeGreaterThan(1_000);
      },
    );

    describe('on OAUTHBEARER', () => {
      const tokenOf = (scope: string, lifetimeSeconds: number) => () =>
        Promise.resolve(unsignedJwt(tokenClaims('wharf-client', scope, lifetimeSeconds)));

      it('an expired token, at once when the refusal is read', async () => {
        kafka.oauth.setLifetimeSeconds(-60);
        cleanups.push(() => {
          kafka.oauth.setLifetimeSeconds(3600);
          return Promise.resolve();
        });
        const { error, ms } = await connectProducer({
          address: kafka.listeners.saslSsl,
          ssl: trusted(),
          sasl: oauthBearerReadingRefusals(endpointToken),
        });
        expect(causeChain(error)).toEqual([
          { name: 'KafkaJSProtocolError', message: '{"status":"invalid_token"}', code: 58 },
        ]);
        expect(ms).toBeLessThan(5_000);
      });

      it('a token without the required scope', async () => {
        const { error } = await connectProducer({
          address: kafka.listeners.saslPlaintext,
          sasl: oauthBearerReadingRefusals(tokenOf('other', 600)),
        });
        expect(causeChain(error)).toEqual([
          {
            name: 'KafkaJSProtocolError',
            message: `{"status":"insufficient_scope", "scope":"[${REQUIRED_SCOPE}]"}`,
            code: 58,
          },
        ]);
      });

      it("an expired token with kafkajs's own OAUTHBEARER: connect passes, the first request fails after the retries", async () => {
        const kafkajs = client({
          address: kafka.listeners.saslSsl,
          ssl: trusted(),
          sasl: {
            mechanism: 'oauthbearer',
            oauthBearerProvider: async () => ({ value: await tokenOf(REQUIRED_SCOPE, -60)() }),
          },
        });
        const admin = kafkajs.admin();
        cleanups.push(() => admin.disconnect());
        await admin.connect();
        const started = performance.now();
        const error = await admin.listTopics().then(
          () => undefined,
          (failure: unknown) => failure,
        );
        expect(causeChain(error)).toEqual([
          {
            name: 'KafkaJSNumberOfRetriesExceeded',
            message: 'No brokers in the broker pool',
            code: undefined,
          },
          {
            name: 'KafkaJSBrokerNotFound',
            message: 'No brokers in the broker pool',
            code: undefined,
          },
        ]);
        expect(performance.now() - started).toBeGreaterThan(1_000);
        expect(await kafka.logTail(400)).toContain(
          'Unexpected Kafka request of type METADATA during SASL authentication',
        );
      }, 60_000);

      it('a token endpoint refusing the client: its error comes out of connect as thrown', async () => {
        kafka.oauth.setRefusing(true);
        cleanups.push(() => {
          kafka.oauth.setRefusing(false);
          return Promise.resolve();
        });
        const issuedBefore = kafka.oauth.issued();
        for (const mechanism of [oauthbearer(), oauthBearerReadingRefusals(endpointToken)]) {
          const { error, ms } = await connectProducer({
            address: kafka.listeners.saslSsl,
            ssl: trusted(),
            sasl: mechanism,
          });
          expect(error).toBeInstanceOf(TokenRequestError);
          expect(causeChain(error)).toEqual([
            {
              name: 'TokenRequestError',
              message: 'the token endpoint answered 401 invalid_client',
              code: 'invalid_client',
            },
          ]);
          expect(ms).toBeLessThan(5_000);
        }
        expect(kafka.oauth.issued()).toBe(issuedBefore);
      });
    });
  });
});
