/**
 * `wharf send` as a user runs it (a child process) against a real ingress
 * landing in the test broker: each source's authentication, what a wrong
 * secret gets, and that a load sends and lands exactly what it says.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleFile } from '../../../src/cli/examples.ts';
import { localSecret } from '../../../src/cli/local-defaults.ts';
import type { SendSummary } from '../../../src/cli/commands/send.ts';
import { SOURCES } from '../../../src/providers/index.ts';
import { cleanEnvironment, runWharf } from '../../support/cli.ts';
import {
  countRecords,
  happycolisSignature,
  header,
  readTopic,
  startTestIngress,
  testEnvironment,
} from '../../support/ingress.ts';
import { fixture } from '../../support/worker.ts';

/** The variables of the test ingress that say how each source authenticates. */
function authVariables(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) =>
      /^WHARF_(ONGOING|SHIPWELL|HAPPYCOLIS)_(AUTH|SECRETS|TOKEN_HEADER)$/.test(name),
    ),
  );
}

function summaryOf(stdout: string): SendSummary {
  return JSON.parse(stdout) as SendSummary;
}

describe('wharf send', () => {
  let ingress: Awaited<ReturnType<typeof startTestIngress>>;
  /** A sender's shell: the ingress's credentials (token, basic and hmac), nothing else. */
  let env: Record<string, string>;

  beforeAll(async () => {
    const ingressEnv = testEnvironment();
    ingress = await startTestIngress(ingressEnv);
    env = cleanEnvironment(authVariables(ingressEnv));
  });

  afterAll(async () => {
    await ingress.shutdown();
  });

  const rawTopic = (source: (typeof SOURCES)[number]) =>
    ingress.config.ingress.sources[source].rawTopic;

  it("sends each source's example authenticated as its provider would, and it lands", async () => {
    const results = await Promise.all(
      SOURCES.map((source) => runWharf(['send', source, '--url', ingress.url, '--json'], { env })),
    );
    for (const result of results) {
      expect(result.code, result.stderr).toBe(0);
      expect(summaryOf(result.stdout)).toMatchObject({ sent: 1, ok: 1, errors: 0, statuses: {} });
    }
    for (const source of SOURCES) {
      const [record] = await readTopic(rawTopic(source), 1);
      expect(record?.value?.toString()).toBe(readFileSync(exampleFile(source), 'utf8'));
    }
    // HappyColis signs with its client secret: the first configured one.
    const [happycolis] = await readTopic(rawTopic('happycolis'), 1);
    if (!happycolis) throw new Error('no HappyColis record');
    expect(header(happycolis, 'x-happycolis-webhook-signature')).toBe(
      happycolisSignature(readFileSync(exampleFile('happycolis')), 'old-secret-rotated'),
    );
  });

  it('gets 401 with a wrong secret, counts it in the summary, and exits 1', async () => {
    const wrongBasic = await runWharf(
      ['send', 'shipwell', '--url', ingress.url, '--json', '--count', '3'],
      { env: { ...env, WHARF_SHIPWELL_SECRETS: '*=shipwell-user:wrong-password' } },
    );
    expect(wrongBasic.code).toBe(1);
    expect(summaryOf(wrongBasic.stdout)).toMatchObject({
      sent: 3,
      ok: 0,
      statuses: { '401': 3 },
      errors: 0,
    });
    expect(summaryOf(wrongBasic.stdout).reasons['401']).toMatch(/^AUTH_INVALID: /);

    const wrongHmac = await runWharf(['send', 'happycolis', '--url', ingress.url], {
      env: { ...env, WHARF_HAPPYCOLIS_SECRETS: '*=not-the-client-secret' },
    });
    expect(wrongHmac.code).toBe(1);
    expect(wrongHmac.stdout).toMatch(/^ {2}401 +1 +\(SIGNATURE_INVALID: /m);
    expect(wrongHmac.stdout).toMatch(/^ {2}2xx +0$/m);
  });

  it('sends --count copies of every file with --concurrency in flight, and all of them land', async () => {
    const { ingress: own, topic } = await (async () => {
      const started = await startTestIngress();
      return { ingress: started, topic: started.config.ingress.sources.ongoing.rawTopic };
    })();
    try {
      const second = join(tmpdir(), `wharf-send-${String(process.pid)}-created.json`);
      writeFileSync(second, fixture('ongoing', 'order-created.json'));
      const ownEnv = cleanEnvironment(authVariables(testEnvironment()));
      const result = await runWharf(
        [
          'send',
          'ongoing',
          exampleFile('ongoing'),
          second,
          '--url',
          own.url,
          '--event-type',
          'order-picked',
          '--count',
          '40',
          '--concurrency',
          '8',
          '--json',
        ],
        { env: ownEnv },
      );
      expect(result.code, result.stderr).toBe(0);
      const summary = summaryOf(result.stdout);
      expect(summary).toMatchObject({ sent: 80, ok: 80, errors: 0, statuses: {} });
      expect(summary.url).toBe(`${own.url}/webhooks/ongoing/order-picked`);
      expect(summary.latencyMs.p50).toBeGreaterThan(0);
      expect(summary.latencyMs.max).toBeGreaterThanOrEqual(summary.latencyMs.p99 ?? Infinity);
      const landed = await readTopic(topic, 80);
      expect(landed).toHaveLength(80);
      expect(await countRecords(topic)).toBe(80);
      expect(new Set(landed.map((record) => header(record, 'wharf-url-event-type')))).toEqual(
        new Set(['order-picked']),
      );
      expect(
        landed.filter((record) => record.value?.toString().includes('"Order is created"')),
      ).toHaveLength(40);
    } finally {
      await own.shutdown();
    }
  });

  it('reads a body from stdin and counts a request nobody answered as an error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      closed.close(() => {
        resolve();
      });
    });

    const result = await runWharf(
      ['send', 'shipwell', '-', '--url', `http://127.0.0.1:${String(port)}`, '--json'],
      { env, stdin: fixture('shipwell', 'order.updated.json') },
    );
    expect(result.code).toBe(1);
    expect(summaryOf(result.stdout)).toMatchObject({ sent: 1, ok: 0, errors: 1 });
    expect(summaryOf(result.stdout).errorMessages[0]).toMatch(/ECONNREFUSED/);
    // And what to do about it, on stderr.
    expect(result.stderr.trim()).toBe(
      `no ingress answered at http://127.0.0.1:${String(port)}: it must be running (npm start ` +
        'runs everything on this machine, wharf ingress only the ingress), or give its address with --url',
    );
  });

  it('reads a secret given as WHARF_<SOURCE>_SECRETS_FILE, as the ingress does', async () => {
    const secrets = join(tmpdir(), `wharf-send-secrets-${String(process.pid)}`);
    writeFileSync(secrets, env.WHARF_SHIPWELL_SECRETS ?? '');
    const withoutInline = Object.fromEntries(
      Object.entries(env).filter(([name]) => name !== 'WHARF_SHIPWELL_SECRETS'),
    );
    const result = await runWharf(['send', 'shipwell', '--url', ingress.url, '--json'], {
      env: { ...withoutInline, WHARF_SHIPWELL_SECRETS_FILE: secrets },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(summaryOf(result.stdout)).toMatchObject({ sent: 1, ok: 1 });
  });

  it('uses the local credentials of wharf start when none are configured, and says so', async () => {
    const local = await startTestIngress({
      WHARF_ONGOING_AUTH: 'basic',
      WHARF_ONGOING_SECRETS: `*=${localSecret('ongoing', 'basic')}`,
    });
    try {
      const result = await runWharf(['send', 'ongoing', '--url', local.url], {
        env: cleanEnvironment(),
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('WHARF_ONGOING_SECRETS is not set: using the local');
      expect(result.stdout).toMatch(/^ {2}2xx +1$/m);
    } finally {
      await local.shutdown();
    }
  });

  it('refuses usage errors with exit 2', async () => {
    const unknownSource = await runWharf(['send', 'dhl', '--url', ingress.url], { env });
    expect(unknownSource.code).toBe(2);
    expect(unknownSource.stderr).toContain('Allowed choices are ongoing, shipwell, happycolis');

    const missingFile = await runWharf(['send', 'ongoing', '/no/such/file.json'], { env });
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toContain('cannot read the webhook body');

    const badCount = await runWharf(['send', 'ongoing', '--count', '0'], { env });
    expect(badCount.code).toBe(2);
    expect(badCount.stderr).toContain('--count');

    const badConfig = await runWharf(['send', 'happycolis', '--url', ingress.url], {
      env: { ...env, WHARF_HAPPYCOLIS_AUTH: 'basic' },
    });
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain('WHARF_HAPPYCOLIS_AUTH');
  });
});
