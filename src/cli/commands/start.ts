/**
 * `wharf start` (`npm start`): the whole pipeline on one machine, with
 * nothing to configure. Prints where everything is and a ready-to-paste
 * example per provider, then the live view: a line summing up the traffic
 * every few seconds while there is some, and each dead letter as a readable
 * line. Ctrl-C or SIGTERM stops everything, the embedded broker included.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, sourceVariable } from '../../config/config.ts';
import type { Config, SourceAuth } from '../../config/config.ts';
import { RAW_HEADERS } from '../../kafka/headers.ts';
import { createLogger } from '../../logging.ts';
import { scrape } from '../../metrics/scrape.ts';
import { PROVIDERS, providerAdapters } from '../../providers/index.ts';
import type { Source } from '../../providers/index.ts';
import { pipelineConfigOf, transform } from '../../worker/pipeline.ts';
import { exampleFile } from '../examples.ts';
import { countsOf, startLiveView, terminalLogDestination } from '../live-view.ts';
import type { Counts } from '../live-view.ts';
import { planLocalRun, startLocalStack } from '../local-stack.ts';
import type { LocalPlan, LocalStack } from '../local-stack.ts';
import { firstSecret } from '../webhook-auth.ts';

/** Exit code of a configuration error (nothing was started). */
const EXIT_CONFIG = 2;
/** Exit code when the run could not start or failed while running. */
const EXIT_FAILED = 1;
/** Exit code of a signal before the run was up, or of a second one while stopping. */
const EXIT_INTERRUPTED = 130;
/**
 * A terminal's Ctrl-C signals its whole foreground group, and npm passes the
 * signal on to the script it runs as well: under `npm start` one Ctrl-C
 * arrives twice, a few milliseconds apart. Only a signal later than this
 * after the first is a second request, to stop without waiting.
 */
const SAME_SIGNAL_WINDOW_MS = 500;
/** How often the live view sums up the traffic (when there was some). */
const LIVE_VIEW_INTERVAL_MS = 5_000;

/** A path as short as it can be written from the current directory. */
function shownPath(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith('..') || isAbsolute(fromHere) ? path : fromHere;
}

/** Single-quotes a value for a POSIX shell. */
function quoted(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A curl command posting the example as the provider would, with the local credential. */
function curlLine(source: Source, auth: SourceAuth, url: string): string {
  const file = quoted(shownPath(exampleFile(source)));
  const post = `curl -sS ${url} -H 'content-type: application/json'`;
  switch (auth.mode) {
    case 'none':
      return `${post} --data-binary @${file}`;
    case 'basic':
      return `${post} -u ${quoted(firstSecret(auth))} --data-binary @${file}`;
    case 'token':
      return `${post} -H ${quoted(`${auth.header}: ${firstSecret(auth)}`)} --data-binary @${file}`;
    case 'hmac': {
      const scheme = PROVIDERS[source].ingress.signature;
      if (!scheme) return '';
      const digest =
        `openssl dgst -${scheme.algorithm} -hmac ${quoted(firstSecret(auth))} -binary ${file}` +
        (scheme.encoding === 'base64' ? ' | base64' : " | od -An -tx1 | tr -d ' \\n'");
      return `${post} -H "${scheme.header}: ${scheme.prefix ?? ''}$(${digest})" --data-binary @${file}`;
    }
  }
}

/** The canonical type and domain the worker makes of a source's example (as `wharf transform`). */
export function exampleOutcome(
  source: Source,
  config: Config,
): { type: string; domain: string; topic: string } | undefined {
  const output = transform(
    {
      topic: config.ingress.sources[source].rawTopic,
      partition: 0,
      offset: '0',
      key: null,
      value: readFileSync(exampleFile(source)),
      headers: {
        [RAW_HEADERS.source]: source,
        [RAW_HEADERS.requestId]: 'example',
        [RAW_HEADERS.receivedAt]: new Date().toISOString(),
      },
    },
    pipelineConfigOf(config.worker, providerAdapters(config.worker.providerSettings)),
  );
  return output.kind === 'domain'
    ? { type: output.event.type, domain: output.domain, topic: output.topic }
    : undefined;
}

function authSummary(auth: SourceAuth): string {
  switch (auth.mode) {
    case 'none':
      return 'none';
    case 'basic':
      return `basic   ${firstSecret(auth)}`;
    case 'token':
      return `token   ${auth.header}: ${firstSecret(auth)}`;
    case 'hmac':
      return `hmac    ${firstSecret(auth)}`;
  }
}

/** What start prints once everything runs. */
export function banner(plan: LocalPlan, stack: LocalStack): string {
  const { config } = stack;
  const brokers = config.kafka.brokers.join(',');
  const registry = config.worker.schemaRegistryUrl ?? '';
  const lines = [
    'Wharf is running: the ingress and the worker in this process.',
    '',
    `  ingress   ${stack.ingressUrl}  (POST /webhooks/<${config.sources.join('|')}>[/<event type>])`,
    `  metrics   ${stack.metricsUrl}/metrics  (ingress and worker; worker health ${stack.workerUrl}/readyz)`,
    plan.embeddedBroker
      ? `  broker    ${brokers}  (embedded, in memory, pid ${String(stack.broker?.pid ?? '?')}; set KAFKA_BROKERS to use a Kafka)`
      : `  broker    ${brokers}  (KAFKA_BROKERS)`,
    plan.embeddedRegistry
      ? `  registry  ${registry}  (embedded, in memory; set SCHEMA_REGISTRY_URL to use a registry)`
      : `  registry  ${registry}  (SCHEMA_REGISTRY_URL)`,
    `  topics    ${config.sources.map((source) => config.ingress.sources[source].rawTopic).join(', ')} → ` +
      `${Object.values(config.worker.domainTopics).join(', ')}; dead letters ${config.worker.deadLetterTopic}`,
  ];
  if (plan.localSources.length > 0) {
    lines.push(
      '',
      'Local credentials (WHARF_<SOURCE>_SECRETS unset; only "wharf start" sets these, and "wharf send" uses them):',
    );
    for (const source of plan.localSources) {
      const variable = sourceVariable(source, 'SECRETS');
      lines.push(
        `  ${source.padEnd(11)} ${authSummary(config.ingress.sources[source].auth)}  (${variable})`,
      );
    }
  }
  lines.push('', 'Send each provider its example webhook (from another terminal, in this folder):');
  for (const source of config.sources) {
    lines.push(`  npx wharf send ${source} --url ${stack.ingressUrl}`);
  }
  const curls = plan.localSources
    .map((source) =>
      curlLine(
        source,
        config.ingress.sources[source].auth,
        `${stack.ingressUrl}/webhooks/${source}`,
      ),
    )
    .filter(Boolean);
  if (curls.length > 0) {
    lines.push('or with curl:', ...curls.map((line) => `  ${line}`));
  }
  lines.push('', 'Watch the canonical events they become:');
  for (const source of config.sources) {
    const outcome = exampleOutcome(source, config);
    if (!outcome) continue;
    lines.push(
      `  npx wharf tail ${outcome.domain} --from-beginning --brokers ${brokers} --registry ${registry}` +
        `   # ${source}: ${outcome.type} on ${outcome.topic}`,
    );
  }
  lines.push('', 'Ready. Ctrl-C stops everything.');
  return `${lines.join('\n')}\n`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function writeOut(text: string): void {
  process.stdout.write(text);
}

/** The live view's counts, from the run's metrics endpoint (the ingress's and the worker's). */
async function countsNow(stack: LocalStack): Promise<Counts> {
  const metrics = await scrape(`${stack.metricsUrl}/metrics`);
  return countsOf(metrics, metrics, Date.now());
}

/**
 * Runs the live view until the run stops, which it does in order when the
 * worker fails for good or on the signal this returns a handler for; a
 * second signal stops without waiting.
 */
function runUntilStopped(stack: LocalStack): () => void {
  const view = startLiveView({
    read: () => countsNow(stack),
    write: writeOut,
    intervalMs: LIVE_VIEW_INTERVAL_MS,
  });
  let stoppingSince: number | undefined;
  const stop = async (code: number) => {
    stoppingSince = Date.now();
    view.stop();
    process.stdout.write('Stopping… (Ctrl-C again to stop without waiting)\n');
    await stack.shutdown();
    process.stdout.write('Stopped.\n');
    process.exit(code);
  };
  void stack.failed.then((error) => {
    process.stderr.write(`The worker stopped: ${describe(error)}\n`);
    if (stoppingSince === undefined) void stop(EXIT_FAILED);
  });
  return () => {
    if (stoppingSince === undefined) {
      void stop(0);
    } else if (Date.now() - stoppingSince >= SAME_SIGNAL_WINDOW_MS) {
      process.stderr.write('Stopping without waiting.\n');
      process.exit(EXIT_INTERRUPTED);
    }
  };
}

async function start(): Promise<void> {
  let plan: LocalPlan;
  try {
    plan = planLocalRun(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = EXIT_CONFIG;
    return;
  }
  // Dead letters show as readable lines among the live view's.
  const logger = createLogger(plan.config.logLevel, terminalLogDestination(writeOut));
  const progress = (message: string) => {
    process.stderr.write(`${message}\n`);
  };

  // Until everything runs there is nothing to flush: a signal ends the
  // process at once (the broker exits when our end of its stdin closes). So
  // does a second signal while stopping (runUntilStopped).
  let onSignal: () => void = () => {
    process.stderr.write('Interrupted during start-up.\n');
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', () => {
    onSignal();
  });
  process.on('SIGTERM', () => {
    onSignal();
  });

  let stack: LocalStack;
  try {
    stack = await startLocalStack(plan, { logger, progress });
  } catch (error) {
    process.stderr.write(`Cannot start: ${describe(error)}\n`);
    process.exit(EXIT_FAILED);
  }
  process.stdout.write(banner(plan, stack));
  onSignal = runUntilStopped(stack);
}

/** Registers the command. */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'Run the whole pipeline on this machine (what "npm start" runs): the ingress and the ' +
        'worker in one process, with an embedded Kafka-protocol broker when KAFKA_BROKERS is ' +
        'unset and an embedded schema registry when SCHEMA_REGISTRY_URL is unset (both in ' +
        'memory), and local credentials for sources whose WHARF_<SOURCE>_SECRETS are unset. ' +
        'Prints where everything is and an example per provider, then a summary line every 5 s ' +
        'while webhooks flow and each dead letter as it happens; Ctrl-C stops everything.',
    )
    .action(start);
}
