import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { withEverySourceSecret } from '../support/sources.ts';
import { createLogger, redactSecrets } from '../../src/logging.ts';

const SECRETS = {
  happycolis: 'hmac-client-secret-1',
  shipwellPassword: 'shipwell-password-1',
  ongoingToken: 'ongoing-token-secret-1',
  kafkaPassword: 'kafka-scram-password-1',
  oauthSecret: 'oauth-client-secret-1',
  registryPassword: 'registry-password-1',
  registryToken: 'registry-bearer-token-1',
};

const base = withEverySourceSecret({
  KAFKA_BROKERS: 'kafka:9096',
  SCHEMA_REGISTRY_URL: 'https://registry.example',
  WHARF_HAPPYCOLIS_SECRETS: `org-1=${SECRETS.happycolis}`,
  WHARF_SHIPWELL_SECRETS: `*=shipwell:${SECRETS.shipwellPassword}`,
  WHARF_ONGOING_AUTH: 'token',
  WHARF_ONGOING_SECRETS: `demo=${SECRETS.ongoingToken}`,
  KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
});

/** Every kind of configuration that holds a secret. */
const configs = [
  loadConfig(
    {
      ...base,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'wharf',
      KAFKA_SASL_PASSWORD: SECRETS.kafkaPassword,
      SCHEMA_REGISTRY_USERNAME: 'key',
      SCHEMA_REGISTRY_PASSWORD: SECRETS.registryPassword,
    },
    'all',
  ),
  loadConfig(
    {
      ...base,
      KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
      KAFKA_SASL_OAUTH_TOKEN_ENDPOINT_URL: 'https://idp.example/token',
      KAFKA_SASL_OAUTH_CLIENT_ID: 'wharf',
      KAFKA_SASL_OAUTH_CLIENT_SECRET: SECRETS.oauthSecret,
      SCHEMA_REGISTRY_BEARER_TOKEN: SECRETS.registryToken,
    },
    'all',
  ),
];

const basic = Buffer.from(`shipwell:${SECRETS.shipwellPassword}`).toString('base64');

/** What Node.js hands the ingress on a request it cannot parse: the raw request included. */
function clientError(): Error {
  const error = new Error('Parse Error: Invalid header value char') as Error & {
    code: string;
    rawPacket: Buffer;
  };
  error.code = 'HPE_INVALID_HEADER_TOKEN';
  error.rawPacket = Buffer.from(
    `POST /webhooks/shipwell HTTP/1.1\r\nAuthorization: Basic ${basic}\r\nX-Bad: \u0001\r\n\r\n`,
  );
  return error;
}

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, stream };
}

describe('the logger', () => {
  it('writes no secret, whatever object or error is logged at whatever level', () => {
    const { lines, stream } = capture();
    const logger = createLogger('trace', stream);
    const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
    for (const level of levels) {
      for (const config of configs) logger[level]({ config }, 'configuration');
      logger[level]({ err: clientError(), status: 400 }, 'refused a request');
      logger[level]({ headers: { authorization: `Basic ${basic}` } }, 'headers');
      logger[level](
        {
          err: new Error('token refused', {
            cause: new Error(`sent Bearer ${SECRETS.registryToken}`),
          }),
        },
        'nested cause',
      );
      logger[level](`the header was Bearer ${SECRETS.registryToken}`);
      logger
        .child({ component: 'kafkajs' })
        [level]({ sasl: { password: SECRETS.kafkaPassword } }, 'x');
    }
    expect(lines).toHaveLength(levels.length * 7);
    const written = lines.join('');
    for (const secret of [...Object.values(SECRETS), basic]) expect(written).not.toContain(secret);
    // What is not secret is still there to read.
    expect(written).toContain('Parse Error: Invalid header value char');
    expect(written).toContain('HPE_INVALID_HEADER_TOKEN');
    expect(written).toContain('kafka:9096');
  });

  it('redacts by the shape of a field name or of a text, at any depth', () => {
    expect(
      redactSecrets({
        a: { b: [{ clientSecret: 'x', note: 'Authorization: Bearer abc.def' }] },
        key: 'order-1',
        pem: '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----',
      }),
    ).toEqual({
      a: { b: [{ clientSecret: '[redacted]', note: 'Authorization: Bearer [redacted]' }] },
      key: 'order-1',
      pem: '[redacted]',
    });
  });
});
