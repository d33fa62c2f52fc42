/**
 * `npm start` as a newcomer runs it: `node bin/wharf.js start` on the
 * project's Node.js in a child process with nothing configured, then
 * `wharf send` and `wharf tail` from other processes, then Ctrl-C. Also the
 * same command against a Kafka and a registry given by the environment, and
 * configuration errors.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/program.ts';
import { exampleOutcome } from '../../../src/cli/commands/start.ts';
import { planLocalRun } from '../../../src/cli/local-stack.ts';
import type { SendSummary } from '../../../src/cli/commands/send.ts';
import { SOURCES } from '../../../src/providers/index.ts';
import { DEAD_LETTER_LOG_MESSAGE } from '../../../src/worker/store.ts';
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

/** The totals of start's live-view lines (`12:00:05  last 5 s: accepted 4, … routed 4, …`). */
function liveViewTotals(stdout: string): { accepted: number; routed: number } {
  let accepted = 0;
  let routed = 0;
  for (const [, acceptedHere = '0', routedHere = '0'] of stdout.matchAll(
    /^\d\d:\d\d:\d\d {2}last [\d.]+ s: accepted (\d+), .*?routed (\d+),/gm,
  )) {
    accepted += Number(acceptedHere);
    routed += Number(routedHere);
  }
  return { accepted, routed };
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

  it('sums up the traffic in a line every few seconds while it flows', async () => {
    // The examples sent above, one webhook and one canonical event each.
    await waitFor(
      'the live view to count every example',
      () => {
        const totals = liveViewTotals(start.stdout());
        return totals.accepted === SOURCES.length && totals.routed === SOURCES.length
          ? totals
          : undefined;
      },
      { timeoutMs: 30_000 },
    );
  }, 60_000);

  it('counts a dead letter with its code, and shows it as a readable line', async () => {
    const { ingress } = where(start.stdout());
    const sent = await runWharf(['send', 'shipwell', '-', '--url', ingress], {
      env: cleanEnvironment(),
      stdin: '{"unexpected":true}',
    });
    expect(sent.code, sent.stderr).toBe(0);
    await start.waitForOutput(
      /^\d\d:\d\d:\d\d {2}last [\d.]+ s: accepted \d+, routed 0, dead-lettered 1 \(UNKNOWN_EVENT_TYPE 1\), lag \d+$/m,
      { timeoutMs: 30_000 },
    );
    await start.waitForOutput(
      /^\d\d:\d\d:\d\d {2}dead letter {2}shipwell {2}UNKNOWN_EVENT_TYPE at resource_type {2}\(webhooks\.raw\.shipwell \d+@\d+\)$/m,
    );
    // Not as the JSON log entry.
    expect(start.stdout()).not.toContain(DEAD_LETTER_LOG_MESSAGE);
  }, 60_000);

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

/** The project's folder, where `npm start` runs. */
const PROJECT = fileURLToPath(new URL('../../../', import.meta.url));

/** A newcomer's shell: nothing configured, and none of the npm variables of the test run. */
function shellEnvironment(overrides: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(cleanEnvironment(overrides)).filter(([name]) => !/^npm_/i.test(name)),
  );
}

/** The parent of a process, from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  // The command name, in parentheses, may hold spaces: the fields after it are safe.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Whether anything answers HTTP at `url`. */
function answers(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
    () => true,
    () => false,
  );
}

/** `npm start` in a process group of its own, as in a terminal of its own. */
function npmStart() {
  const child = spawn('npm', ['start'], {
    cwd: PROJECT,
    env: shellEnvironment({
      WHARF_INGRESS_PORT: '0',
      WHARF_INGRESS_METRICS_PORT: '0',
      WHARF_WORKER_METRICS_PORT: '0',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // On exit, not close: a process npm left behind would keep the pipes open.
  let exitCode: number | null | undefined;
  child.once('exit', (code) => (exitCode = code));
  const pid = child.pid ?? 0;
  return {
    pid,
    stdout: () => stdout,
    stderr: () => stderr,
    /** npm's exit code (null after a signal), undefined while it runs. */
    exitCode: () => exitCode,
    /** Waits for the banner; returns the ingress, the wharf process and the broker process. */
    async ready() {
      await waitFor(
        `npm start to be ready\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
        () => (/^Ready\./m.test(stdout) ? true : undefined),
        { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100 },
      );
      const brokerPid = Number(/pid (\d+);/.exec(stdout)?.[1]);
      return { ingress: where(stdout).ingress, brokerPid, wharfPid: parentOf(brokerPid) };
    },
    /** Kills whatever is left: the group, and the broker in a group of its own. */
    kill(brokerPid?: number) {
      for (const target of [-pid, brokerPid]) {
        if (target === undefined || Number.isNaN(target)) continue;
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
    },
  };
}

describe('npm start, stopped as a terminal or a supervisor stops it', () => {
  let run: ReturnType<typeof npmStart> | undefined;
  let brokerPid: number | undefined;

  afterEach(() => {
    run?.kill(brokerPid);
  });

  /** Waits until the wharf process and the broker are gone and the ingress's port is closed. */
  async function expectEverythingStopped(wharfPid: number, ingress: string): Promise<void> {
    await waitFor(
      'the wharf process, the embedded broker and the ingress to be gone',
      async () =>
        !processExists(wharfPid) &&
        !processExists(brokerPid ?? 0) &&
        !(await answers(`${ingress}/webhooks/ongoing`))
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }

  it(
    'stops everything when npm gets SIGTERM',
    async () => {
      run = npmStart();
      const ready = await run.ready();
      brokerPid = ready.brokerPid;
      expect(readFileSync(`/proc/${String(ready.wharfPid)}/cmdline`, 'utf8')).toContain(
        'bin/wharf.js',
      );
      expect(await answers(`${ready.ingress}/webhooks/ongoing`)).toBe(true);

      process.kill(run.pid, 'SIGTERM');
      const npmExit = await waitFor('npm to exit', () => run?.exitCode(), { timeoutMs: 30_000 });
      await expectEverythingStopped(ready.wharfPid, ready.ingress);
      // npm passes on how its script ended: stopped cleanly.
      expect(npmExit, run.stderr()).toBe(0);
      expect(run.stdout()).toMatch(/^Stopped\.$/m);
    },
    READY_TIMEOUT_MS + 60_000,
  );

  it(
    'stops in order on Ctrl-C, which reaches npm and wharf alike',
    async () => {
      run = npmStart();
      const ready = await run.ready();
      brokerPid = ready.brokerPid;

      // A terminal's Ctrl-C signals the whole foreground group; npm passes it on too.
      process.kill(-run.pid, 'SIGINT');
      await expectEverythingStopped(ready.wharfPid, ready.ingress);
      expect(run.stdout()).toMatch(/^Stopped\.$/m);
      expect(run.stderr()).not.toContain('without waiting');
    },
    READY_TIMEOUT_MS + 60_000,
  );
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
