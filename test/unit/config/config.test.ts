import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.ts';

const minimal = {
  KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
  WHARF_HAPPYCOLIS_SECRETS: 'client-secret',
  WHARF_SHIPWELL_SECRETS: 'user:password',
  WHARF_ONGOING_SECRETS: 'user:password',
};

function issuesOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const config = loadConfig(minimal);
    expect(config.kafka.brokers).toEqual(['kafka-1:9092', 'kafka-2:9092']);
    expect(config.ingress.port).toBe(8080);
    expect(config.ingress.maxBodyBytes).toBe(1024 * 1024);
    expect(config.ingress.produceTimeoutMs).toBe(5000);
    expect(config.ingress.sources.happycolis).toEqual({
      rawTopic: 'webhooks.raw.happycolis',
      auth: { mode: 'hmac', secrets: ['client-secret'] },
      contentTypes: ['application/json'],
      rateLimitPerSecond: undefined,
    });
    expect(config.ingress.sources.shipwell.auth).toEqual({
      mode: 'basic',
      credentials: ['user:password'],
    });
  });

  it('reads per-source settings', () => {
    const config = loadConfig({
      ...minimal,
      WHARF_ONGOING_AUTH: 'token',
      WHARF_ONGOING_TOKEN_HEADER: 'X-Api-Key',
      WHARF_ONGOING_SECRETS: 'a,b',
      WHARF_ONGOING_CONTENT_TYPES: 'application/json, Text/Plain',
      WHARF_SHIPWELL_CONTENT_TYPES: '*',
      WHARF_SHIPWELL_RATE_LIMIT_PER_SECOND: '50',
    });
    expect(config.ingress.sources.ongoing.auth).toEqual({
      mode: 'token',
      header: 'x-api-key',
      tokens: ['a', 'b'],
    });
    expect(config.ingress.sources.ongoing.contentTypes).toEqual(['application/json', 'text/plain']);
    expect(config.ingress.sources.shipwell.contentTypes).toEqual([]);
    expect(config.ingress.sources.shipwell.rateLimitPerSecond).toBe(50);
  });

  it('names every wrong variable at once, without echoing values', () => {
    const issues = issuesOf({
      KAFKA_BROKERS: 'no-port',
      WHARF_INGRESS_PORT: 'eighty',
      WHARF_HAPPYCOLIS_SECRETS: 's',
      WHARF_ONGOING_SECRETS: 'u:p',
      WHARF_SHIPWELL_SECRETS: 'secret-without-colon',
    });
    expect(issues).toEqual([
      expect.stringMatching(/^KAFKA_BROKERS: must be host:port/),
      expect.stringMatching(/^WHARF_INGRESS_PORT: /),
      'WHARF_SHIPWELL_SECRETS: basic credentials must be user:password',
    ]);
    expect(issues.join('\n')).not.toMatch(/secret-without-colon|eighty|no-port/);
    expect(issuesOf({ ...minimal, WHARF_HAPPYCOLIS_AUTH: 'basic' })).toEqual([
      expect.stringMatching(/^WHARF_HAPPYCOLIS_AUTH: .*"hmac"/),
    ]);
  });

  it('reads an empty variable as unset', () => {
    const config = loadConfig({ ...minimal, WHARF_INGRESS_PORT: '', WHARF_SHUTDOWN_GRACE_MS: '' });
    expect(config.ingress.port).toBe(8080);
    expect(config.ingress.shutdownGraceMs).toBe(10_000);
  });

  it('keeps a token header off raw records', () => {
    expect(
      issuesOf({
        ...minimal,
        WHARF_HAPPYCOLIS_AUTH: 'token',
        WHARF_HAPPYCOLIS_TOKEN_HEADER: 'User-Agent',
      }),
    ).toEqual([
      expect.stringMatching(/^WHARF_HAPPYCOLIS_TOKEN_HEADER: user-agent is kept on raw records/),
    ]);
  });

  it('takes whole requests per second as a rate limit', () => {
    expect(issuesOf({ ...minimal, WHARF_SHIPWELL_RATE_LIMIT_PER_SECOND: '0.5' })).toEqual([
      expect.stringMatching(/^WHARF_SHIPWELL_RATE_LIMIT_PER_SECOND: /),
    ]);
  });

  it('requires secrets unless a source is explicitly unauthenticated', () => {
    const issues = issuesOf({ KAFKA_BROKERS: 'k:9092' });
    expect(issues).toEqual([
      expect.stringMatching(/^WHARF_ONGOING_SECRETS: required when WHARF_ONGOING_AUTH is basic/),
      expect.stringMatching(/^WHARF_SHIPWELL_SECRETS: required/),
      expect.stringMatching(
        /^WHARF_HAPPYCOLIS_SECRETS: required when WHARF_HAPPYCOLIS_AUTH is hmac/,
      ),
    ]);
    expect(() =>
      loadConfig({
        KAFKA_BROKERS: 'k:9092',
        WHARF_ONGOING_AUTH: 'none',
        WHARF_SHIPWELL_AUTH: 'none',
        WHARF_HAPPYCOLIS_AUTH: 'none',
      }),
    ).not.toThrow();
  });

  it('refuses basic credentials without a password and shared raw topics', () => {
    expect(issuesOf({ ...minimal, WHARF_SHIPWELL_SECRETS: 'user' })).toEqual([
      'WHARF_SHIPWELL_SECRETS: basic credentials must be user:password',
    ]);
    expect(
      issuesOf({ ...minimal, WHARF_ONGOING_RAW_TOPIC: 'raw', WHARF_SHIPWELL_RAW_TOPIC: 'raw' }),
    ).toEqual([expect.stringMatching(/each source needs its own raw topic/)]);
  });

  it('signature auth is only offered to providers that sign', () => {
    expect(issuesOf({ ...minimal, WHARF_SHIPWELL_AUTH: 'hmac' })).toEqual([
      expect.stringMatching(/^WHARF_SHIPWELL_AUTH: /),
    ]);
  });
});
