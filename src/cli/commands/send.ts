/**
 * `wharf send <source> [file...]`: posts webhooks to a running ingress the
 * way the provider would (its authentication, from the same variables the
 * ingress reads), once or as a quick load, and prints a summary.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { text } from 'node:stream/consumers';
import { Argument, Option } from 'commander';
import type { Command } from 'commander';
import { ConfigError, loadConfig, sourceVariable } from '../../config/config.ts';
import type { Config } from '../../config/config.ts';
import { PROVIDERS, SOURCES } from '../../providers/index.ts';
import type { Source } from '../../providers/index.ts';
import { exampleFile } from '../examples.ts';
import { withLocalSecrets } from '../local-defaults.ts';
import type { Environment } from '../local-defaults.ts';
import { httpUrl, integerAtLeast, seconds } from '../options.ts';
import { formatLatencies, startProgress, summarizeLatencies } from '../progress.ts';
import type { LatencySummary } from '../progress.ts';
import { authHeaders } from '../webhook-auth.ts';

/** Exit code when any request failed (a non-2xx answer or no answer). */
export const EXIT_FAILED = 1;
/** Exit code of usage errors. */
const EXIT_USAGE = 2;
/** How many distinct error messages a summary keeps. */
const MAX_ERROR_MESSAGES = 5;
/** Kafka is not contacted; the ingress configuration only requires the variable. */
const UNUSED_BROKERS = 'unused:9092';

interface SendOptions {
  readonly url?: string;
  readonly eventType?: string;
  readonly count: number;
  readonly concurrency: number;
  readonly timeout: number;
  readonly json?: boolean;
}

/** One webhook to post: its body and the headers that authenticate it. */
interface WebhookRequest {
  readonly body: Buffer;
  readonly headers: Record<string, string>;
}

/** What `wharf send` reports (`--json` prints it as is). */
export interface SendSummary {
  /** The endpoint posted to. */
  readonly url: string;
  /** Requests made. */
  readonly sent: number;
  /** Answered 2xx. */
  readonly ok: number;
  /** Answers that were not 2xx, counted by status code. */
  readonly statuses: Readonly<Record<string, number>>;
  /** The error code and message of the first answer of each non-2xx status. */
  readonly reasons: Readonly<Record<string, string>>;
  /** Requests that got no answer (connection refused, timeout…). */
  readonly errors: number;
  /** Distinct messages of those (at most five). */
  readonly errorMessages: readonly string[];
  /** Time from sending a request to reading its whole answer, over the answered ones. */
  readonly latencyMs: LatencySummary;
  readonly durationMs: number;
}

/** The ingress configuration as `send` sees it: the configured secrets, else the local ones. */
function sendConfig(env: Environment): { config: Config; localSources: Source[] } {
  const { env: withSecrets, defaulted } = withLocalSecrets(env);
  const config = loadConfig({ ...withSecrets, KAFKA_BROKERS: UNUSED_BROKERS }, 'ingress');
  return { config, localSources: defaulted };
}

/** The ingress a local `wharf ingress` or `wharf start` serves, from the same variables. */
function defaultUrl(config: Config): string {
  const { host, port } = config.ingress;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shownHost}:${String(port === 0 ? 8080 : port)}`;
}

async function readBodies(source: Source, files: readonly string[]): Promise<Buffer[]> {
  const names = files.length === 0 ? [exampleFile(source)] : files;
  return Promise.all(
    names.map(async (name) =>
      name === '-' ? Buffer.from(await text(process.stdin)) : readFile(name),
    ),
  );
}

/** The ingress's `{"error": {"code", "message"}}` as one line, or the start of the body. */
async function answerReason(response: Response): Promise<string> {
  const body = await response.text();
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = parsed.error ?? {};
    if (typeof code === 'string') {
      return typeof message === 'string' ? `${code}: ${message}` : code;
    }
  } catch {
    // Not the ingress's JSON: show what it said.
  }
  return body.slice(0, 200) || response.statusText;
}

/** The reason a request got no answer, e.g. `connect ECONNREFUSED 127.0.0.1:8080`. */
function errorMessage(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError')
    return 'no answer in time (--timeout)';
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Posts every request to `url`, `concurrency` at a time, and tallies the
 * answers. Never throws for a failed request: failures are counted.
 */
export async function postAll(
  url: string,
  requests: readonly WebhookRequest[],
  { concurrency, timeoutMs }: { concurrency: number; timeoutMs: number },
): Promise<SendSummary> {
  const statuses: Record<string, number> = {};
  const reasons: Record<string, string> = {};
  const errorMessages = new Set<string>();
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let next = 0;
  const progress = startProgress(requests.length, { label: 'sending' });
  const started = performance.now();

  async function postOne(request: WebhookRequest): Promise<void> {
    const begun = performance.now();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.ok) {
        await response.arrayBuffer();
        ok += 1;
      } else {
        const status = String(response.status);
        const reason = await answerReason(response);
        statuses[status] = (statuses[status] ?? 0) + 1;
        reasons[status] ??= reason;
      }
      latencies.push(performance.now() - begun);
    } catch (error) {
      errors += 1;
      if (errorMessages.size < MAX_ERROR_MESSAGES) errorMessages.add(errorMessage(error));
    }
  }

  async function lane(): Promise<void> {
    for (let index = next++; index < requests.length; index = next++) {
      const request = requests[index];
      if (request) await postOne(request);
      progress.increment();
    }
  }

  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, lane));
  progress.stop();
  return {
    url,
    sent: requests.length,
    ok,
    statuses,
    reasons,
    errors,
    errorMessages: [...errorMessages],
    latencyMs: summarizeLatencies(latencies),
    durationMs: Math.round(performance.now() - started),
  };
}

/** The summary for a person. */
export function formatSummary(summary: SendSummary): string {
  const seconds = summary.durationMs / 1000;
  const rate = seconds > 0 ? ` (${(summary.sent / seconds).toFixed(0)}/s)` : '';
  const lines = [
    `sent ${String(summary.sent)} webhook${summary.sent === 1 ? '' : 's'} to ${summary.url} ` +
      `in ${seconds.toFixed(2)} s${summary.sent > 1 ? rate : ''}`,
    `  2xx     ${String(summary.ok)}`,
  ];
  for (const [status, count] of Object.entries(summary.statuses)) {
    lines.push(`  ${status.padEnd(7)} ${String(count)}  (${summary.reasons[status] ?? ''})`);
  }
  if (summary.errors > 0) {
    lines.push(`  errors  ${String(summary.errors)}  (${summary.errorMessages.join('; ')})`);
  }
  lines.push(`  latency ${formatLatencies(summary.latencyMs)}`);
  return `${lines.join('\n')}\n`;
}

/** Failures to connect at all: nothing listens there, or the host is not found. */
const UNREACHABLE = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/;

/**
 * What to do when requests found no ingress at `base` (a newcomer's first
 * `wharf send` before anything runs); undefined when they did reach one.
 */
export function unreachableIngressHint(summary: SendSummary, base: string): string | undefined {
  if (!summary.errorMessages.some((message) => UNREACHABLE.test(message))) return undefined;
  return (
    `no ingress answered at ${base}: it must be running (npm start runs everything on this ` +
    'machine, wharf ingress only the ingress), or give its address with --url'
  );
}

/** Whether every request was answered 2xx. */
export function allSucceeded(summary: SendSummary): boolean {
  return summary.ok === summary.sent;
}

async function send(source: Source, files: string[], options: SendOptions): Promise<void> {
  let config: Config;
  let localSources: Source[];
  let bodies: Buffer[];
  try {
    ({ config, localSources } = sendConfig(process.env));
    bodies = await readBodies(source, files);
  } catch (error) {
    const message =
      error instanceof ConfigError
        ? error.message
        : `cannot read the webhook body: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${message}\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  const sourceConfig = config.ingress.sources[source];
  if (localSources.includes(source)) {
    process.stderr.write(
      `${sourceVariable(source, 'SECRETS')} is not set: using the local credentials of ` +
        `"wharf start" (${sourceConfig.auth.mode}).\n`,
    );
  }
  const base = options.url ?? defaultUrl(config);
  const path =
    `/webhooks/${encodeURIComponent(source)}` +
    (options.eventType ? `/${encodeURIComponent(options.eventType)}` : '');
  const contentType = sourceConfig.contentTypes[0] ?? 'application/json';
  const signature = PROVIDERS[source].ingress.signature;
  // Each body is signed once: a load repeats the same request.
  const distinct: WebhookRequest[] = bodies.map((body) => ({
    body,
    headers: {
      'content-type': contentType,
      ...authHeaders(sourceConfig.auth, signature, body),
    },
  }));
  const requests = Array.from({ length: options.count }, () => distinct).flat();
  const summary = await postAll(`${base}${path}`, requests, {
    concurrency: options.concurrency,
    timeoutMs: options.timeout,
  });
  process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
  const hint = unreachableIngressHint(summary, base);
  if (hint !== undefined) process.stderr.write(`${hint}\n`);
  process.exitCode = allSucceeded(summary) ? 0 : EXIT_FAILED;
}

/** Registers the command. */
export function registerSend(program: Command): void {
  program
    .command('send')
    .description(
      "Post webhooks to a running ingress, authenticated as the provider would (the source's " +
        'WHARF_<SOURCE>_AUTH, _SECRETS and _TOKEN_HEADER, as the ingress reads them; the local ' +
        'credentials of "wharf start" when unset). Without a file, posts the built-in example ' +
        'of the source. Prints a summary; exits 1 when any request was not answered 2xx, ' +
        '2 on usage errors.',
    )
    .addArgument(new Argument('<source>', 'the provider the webhooks come from').choices(SOURCES))
    .argument('[files...]', 'webhook bodies, one per file (- reads stdin); default: the example')
    .addOption(
      new Option(
        '--url <url>',
        'base URL of the ingress (default: http://localhost:<WHARF_INGRESS_PORT or 8080>)',
      ).argParser(httpUrl),
    )
    .option(
      '-e, --event-type <type>',
      'event type to name in the URL (/webhooks/<source>/<type>), as Ongoing does',
    )
    .option('-n, --count <n>', 'how many times to send each body', integerAtLeast(1), 1)
    .option(
      '-c, --concurrency <n>',
      'how many requests to have in flight at once',
      integerAtLeast(1),
      1,
    )
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait for each answer')
        .argParser(seconds)
        .default(30_000, '30'),
    )
    .option('--json', 'print the summary as one JSON object instead of text')
    .action((source: Source, files: string[], options: SendOptions) =>
      send(source, files, options),
    );
}
