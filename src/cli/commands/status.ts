/**
 * `wharf status`: the summary `wharf start` shows while it runs (webhooks
 * accepted and refused, records routed and dead-lettered, the worker's lag),
 * for any running Wharf, read from the ingress's and the worker's metrics
 * endpoints. Once, or every N seconds with --watch.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Option } from 'commander';
import type { Command } from 'commander';
import { EXIT_CONNECTION } from '../../kafka/connection-problem.ts';
import { scrape } from '../../metrics/scrape.ts';
import { countsOf, summaryLine } from '../live-view.ts';
import type { Counts } from '../live-view.ts';
import { httpUrl, seconds } from '../options.ts';

/** The ingress's metrics endpoint of `npm start` with nothing configured (it shows the worker's too). */
export const DEFAULT_INGRESS_METRICS = 'http://127.0.0.1:9095/metrics';
/** The worker's metrics endpoint of `npm start` with nothing configured. */
export const DEFAULT_WORKER_METRICS = 'http://127.0.0.1:9091/metrics';
/** How long an endpoint may take to answer. */
const SCRAPE_TIMEOUT_MS = 5_000;

interface StatusOptions {
  readonly ingressMetrics: string;
  readonly workerMetrics: string;
  /** Milliseconds between lines; once when absent. */
  readonly watch?: number;
}

/** Parses an endpoint option: a base URL gets `/metrics`, a URL with a path is kept. */
export function metricsEndpoint(value: string): string {
  const url = httpUrl(value);
  return new URL(url).pathname === '/' ? `${url}/metrics` : url;
}

/** The one line saying which endpoint could not be read, and why. */
export function unreachableLine(url: string, error: unknown): string {
  const reason =
    error instanceof Error && error.name === 'TimeoutError'
      ? `no answer within ${String(SCRAPE_TIMEOUT_MS / 1000)} s`
      : error instanceof Error && error.cause instanceof Error
        ? error.cause.message
        : error instanceof Error
          ? error.message
          : String(error);
  return `wharf status: cannot read ${url}: ${reason}`;
}

/** An endpoint that could not be read. */
class UnreachableEndpoint extends Error {
  override readonly name = 'UnreachableEndpoint';
}

/**
 * Reads both endpoints now.
 *
 * @throws {UnreachableEndpoint} with a line per endpoint that could not be read.
 */
async function readCounts({ ingressMetrics, workerMetrics }: StatusOptions): Promise<Counts> {
  const urls = [ingressMetrics, workerMetrics];
  const [ingress, worker] = await Promise.allSettled(
    urls.map((url) => scrape(url, SCRAPE_TIMEOUT_MS)),
  );
  if (ingress?.status === 'fulfilled' && worker?.status === 'fulfilled') {
    return countsOf(ingress.value, worker.value, Date.now());
  }
  const lines = [ingress, worker].flatMap((result, index) =>
    result?.status === 'rejected' ? [unreachableLine(urls[index] ?? '', result.reason)] : [],
  );
  throw new UnreachableEndpoint(lines.join('\n'));
}

/** Prints the summary once, or every --watch interval until interrupted. */
async function printStatus(options: StatusOptions): Promise<void> {
  let previous: Counts | undefined;
  for (;;) {
    const current = await readCounts(options);
    process.stdout.write(`${summaryLine(previous, current)}\n`);
    if (options.watch === undefined) return;
    previous = current;
    await sleep(options.watch);
  }
}

async function status(options: StatusOptions): Promise<void> {
  try {
    await printStatus(options);
  } catch (error) {
    if (!(error instanceof UnreachableEndpoint)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = EXIT_CONNECTION;
  }
}

/** Registers the command. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description(
      'Print what a running Wharf did, read from its metrics endpoints: webhooks accepted and ' +
        'refused (by code), records routed, deduplicated and dead-lettered (by code), and the ' +
        "worker's lag; everything since the processes started, then with --watch what happened " +
        'in each interval. Exits 3 when an endpoint cannot be read.',
    )
    .addOption(
      new Option('--ingress-metrics <url>', "the ingress's metrics endpoint")
        .default(DEFAULT_INGRESS_METRICS)
        .argParser(metricsEndpoint),
    )
    .addOption(
      new Option('--worker-metrics <url>', "the worker's metrics endpoint")
        .default(DEFAULT_WORKER_METRICS)
        .argParser(metricsEndpoint),
    )
    .addOption(
      new Option(
        '--watch <seconds>',
        'print a line every this many seconds until Ctrl-C',
      ).argParser(seconds),
    )
    .action(status);
}
