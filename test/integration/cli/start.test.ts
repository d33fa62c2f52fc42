/**
 * `npm start` as a newcomer runs it: `node bin/wharf.js start` on the
 * project's Node.js in a child process with nothing configured, then
 * `wharf send` and `wharf tail` from other processes, then Ctrl-C. Also the
 * same command against a Kafka and a registry given by the environment, and
 * configuration errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/program.ts';
import { exampleOutcome } from '../../../src/cli/commands/start.ts';
import { planLocalRun } from '../../../src/cli/local-stack.ts';
import type { SendSummary } from '../../../src/cli/commands/send.ts';
import { SOURCES } from '../../../src/providers/index.ts';
import type { Source } from '../../../src/providers/index.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { cleanEnvironment, processExists, runWharf, startWharf } from '../../support/cli.ts';
import type { RunningCommand } from '../../support/cli.ts';
import { waitFor } from '../../support/kafka.ts';
import { startTestRegistry, workerEnvironment } from '../../support/worker.ts';

/** Where the first providers' built-in examples end up, as written down by hand. */
const KNOWN: Readonly<Partial<Record<Source, { domain: string; type: string }>>> = {
  ongoing: { domain: 'fulfillment', type: 'fulfillment_order.picked' },
  shipwell: { domain: 'orders', type: 'order.created' },
  happycolis: { domain: 'shipments', type: 'shipment.delivered' },
};

/**
 * Where a provider's example ends up: as written down, else as the pipeline
 * routes it (a provider added later is then checked end to end, through the
 * ingress, the worker and `wharf tail`, against its own transform).
 */
function expected(source: Source): { domain: string; type: string } {
  const known = KNOWN[source] ?? exampleOutcome(source, planLocalRun({}).config);
  if (known === undefined) throw new Error(`${source}'s example is dead-lettered`);
  return known;
}

/** The cold broker build takes 60-90 s; the test setup has normally built it already. */
const READY_TIMEOUT_MS = 180_000;

/** What start's banner says. */
function where(stdout: string) {
  const field = (pattern: RegExp) => {
    const value = pattern.exec(stdout)?.[1];
    if (!value) throw new Error(`${pattern.source} not in:\n${stdout}`);
    return value;
  };
  return {
    ingress: field(/^ {2}ingress +(http:\/\/\S+)/m),
    metrics: field(/^ {2}metrics +(http:\/\/\S+)\/metrics/m),
    brokers: field(/^ {2}broker +(\S+)/m),
    registry: field(/^ {2}registry +(http:\/\/\S+)/m),
  };
}

async function sendExample(source: Source, url: string, env: Record<string, string>) {
  const result = await runWharf(['send', source, '--url', url, '--json'], { env });
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as SendSummary;
}

async function tailOne(
  domain: string,
  source: Source,
  brokers: string,
  registry: string,
  env: Record<string, string>,
): Promise<Record<string, unknown>> {
  const result = await runWharf(
    [
      'tail',
      domain,
      // Several providers may write one domain (HappyColis and EasyPost: shipments).
      '--subject',
      `${source}/*`,
      '--from-beginning',
      '--max',
      '1',
      '--timeout',
      '60',
      '--brokers',
      brokers,
      '--registry',
      registry,
    ],
    { env },
  );
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe('npm start (wharf start) with nothing configured', () => {
  let start: RunningCommand;

  beforeAll(async () => {
    // Free ports instead of 8080 and 9091: the banner says which were taken.
    start = startWharf(['start'], {
      env: cleanEnvironment({
        WHARF_INGRESS_PORT: '0',
        WHARF_INGRESS_METRICS_PORT: '0',
        WHARF_WORKER_METRICS_PORT: '0',
      }),
    });
    await start.waitForOutput(/^Ready\. Ctrl-C stops everything\.$/m, {
      timeoutMs: READY_TIMEOUT_MS,
    });
  }, READY_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    await start.stop('SIGKILL');
  });

  it('prints where everything is, the local credentials and an example per provider', () => {
    const stdout = start.stdout();
    const { ingress, metrics, brokers, registry } = where(stdout);
    expect(stdout).toMatch(/^ {2}broker +\S+ +\(embedded, in memory, pid \d+;/m);
    expect(stdout).toMatch(/^ {2}registry +\S+ +\(embedded, in memory;/m);
    expect(metrics).not.toBe(ingress);
    expect(stdout).toMatch(
      /^ {2}ongoing +basic +ongoing:local-password +\(WHARF_ONGOING_SECRETS\)$/m,
    );
    expect(stdout).toMatch(/^ {2}happycolis +hmac +local-happycolis-secret /m);
    for (const source of SOURCES) {
      expect(stdout).toContain(`npx wharf send ${source} --url ${ingress}`);
      expect(stdout).toContain(`curl -sS ${ingress}/webhooks/${source} `);
      expect(stdout).toContain(
        `npx wharf tail ${expected(source).domain} --from-beginning --brokers ${brokers} --registry ${registry}`,
      );
    }
  });

  it('takes the example of every provider with wharf send and routes it to its domain topic', async () => {
    const { ingress, metrics: metricsUrl, brokers, registry } = where(start.stdout());
    // A newcomer's second terminal: nothing configured there either.
    const env = cleanEnvironment();
    const summaries = await Promise.all(SOURCES.map((source) => sendExample(source, ingress, env)));
    for (const summary of summaries) expect(summary).toMatchObject({ sent: 1, ok: 1 });

    for (const source of SOURCES) {
      const event = await tailOne(expected(source).domain, source, brokers, registry, env);
      expect(event).toMatchObject({ source, type: expected(source).type });
    }
    // One metrics endpoint shows the ingress and the worker of the process.
    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/wharf_ingress_webhooks_accepted_total\{source="ongoing"\} 1/);
    expect(metrics).toMatch(/wharf_worker_records_total\{[^}]*outcome="routed"[^}]*\} 1/);
  }, 120_000);

  it('stops everything on Ctrl-C (SIGINT), the embedded broker included', async () => {
    const brokerPid = Number(/pid (\d+);/.exec(start.stdout())?.[1]);
    expect(processExists(brokerPid)).toBe(true);
    const ended = await start.stop('SIGINT');
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toMatch(/^Stopped\.$/m);
    expect(processExists(start.pid)).toBe(false);
    await waitFor(`the embedded broker (pid ${String(brokerPid)}) to be gone`, () =>
      processExists(brokerPid) ? undefined : true,
    );
  });
});

describe('wharf start with KAFKA_BROKERS and SCHEMA_REGISTRY_URL set', () => {
  let registry: EmbeddedRegistry;

  beforeAll(async () => {
    registry = await startTestRegistry();
  });

  afterAll(async () => {
    await registry.close();
  });

  it('uses them, starts nothing embedded, and uses the configured credentials', async () => {
    const env = cleanEnvironment(
      workerEnvironment(registry.url, { WHARF_WORKER_METRICS_PORT: '0' }),
    );
    const start = startWharf(['start'], { env });
    try {
      await start.waitForOutput(/^Ready\./m);
      const stdout = start.stdout();
      const { ingress, brokers, registry: shownRegistry } = where(stdout);
      expect(brokers).toBe(env.KAFKA_BROKERS);
      expect(shownRegistry).toBe(registry.url);
      expect(stdout).toMatch(/^ {2}broker +\S+ +\(KAFKA_BROKERS\)$/m);
      expect(stdout).toMatch(/^ {2}registry +\S+ +\(SCHEMA_REGISTRY_URL\)$/m);
      // Configured secrets are neither replaced nor printed.
      expect(stdout).not.toContain('Local credentials');
      expect(stdout).not.toContain(env.WHARF_SHIPWELL_SECRETS);
      expect(stdout).not.toContain('curl');

      // The sender's shell has the same credentials as the ingress.
      await sendExample('shipwell', ingress, env);
      const event = await tailOne('orders', 'shipwell', brokers, registry.url, env);
      expect(event).toMatchObject({ source: 'shipwell', type: 'order.created' });

      const ended = await start.stop('SIGTERM');
      expect(ended.code, ended.stderr).toBe(0);
    } finally {
      await start.stop('SIGKILL');
    }
  }, 120_000);
});

describe('wharf start with a configuration error', () => {
  it('names every wrong variable and starts nothing', async () => {
    const result = await runWharf(['start'], {
      env: cleanEnvironment({ WHARF_INGRESS_PORT: 'eighty', WHARF_HAPPYCOLIS_AUTH: 'basic' }),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Invalid configuration');
    expect(result.stderr).toContain('WHARF_INGRESS_PORT');
    expect(result.stderr).toContain('WHARF_HAPPYCOLIS_AUTH');
    expect(result.stderr).not.toContain('Starting');
    expect(result.stdout).toBe('');
  });
});

describe('wharf --help', () => {
  /** Every command of the tree, the root included. */
  function commands(command: Command): Command[] {
    return [command, ...command.commands.flatMap(commands)];
  }

  it('describes every command, argument and option', () => {
    const undescribed: string[] = [];
    for (const command of commands(buildProgram())) {
      if (!command.description()) undescribed.push(`command ${command.name()}`);
      for (const argument of command.registeredArguments) {
        if (!argument.description) undescribed.push(`${command.name()} <${argument.name()}>`);
      }
      for (const option of command.options) {
        if (!option.description) undescribed.push(`${command.name()} ${option.flags}`);
      }
    }
    expect(undescribed).toEqual([]);
  });
});
