/**
 * Soak: a steady load of real webhooks (every fixture of the three
 * providers, each copy a distinct event) through ingress → broker → worker
 * for a long time, the ingress and the worker each a process of its own
 * (`wharf ingress`, `wharf worker`), as a deployment runs them; the load runs
 * in this process.
 *
 * Every second it scrapes the worker's metrics: raw records processed
 * (routed, dead-lettered or deduplicated), its RSS, and its event-loop delay
 * p99 since the previous scrape (prom-client's monitorEventLoopDelay, reset at
 * each scrape). How far the worker is behind is the requests accepted minus
 * the records processed, also given in seconds of input (÷ the rate). One
 * line every --interval seconds, then a summary: every webhook processed or
 * not, the most the worker was behind, the worker's RSS at the start (after
 * the first interval, so that start-up and JIT warm-up are not counted), at
 * the end and at most, its slope over the second half of the run (least
 * squares, MiB per minute; flat is about 0), the ratio end/start, and the
 * worker's event-loop p99 (median and worst of the one-second windows).
 *
 * Options (`node bench/soak.bench.ts …`; through `npm run bench` as the
 * variables in parentheses): --duration (seconds; BENCH_SOAK_SECONDS; default
 * 60, 600 with --full / BENCH_FULL=1), --rate (requests/s; BENCH_RATE;
 * default 200), --interval (seconds between lines; default a tenth of the
 * duration), --partitions (of every topic; BENCH_PARTITIONS; default 4),
 * --broker (kafka|mock; WHARF_BENCH_BROKER; support/broker.ts: a real Apache
 * Kafka by default), --worker-env NAME=VALUE (repeatable: added to the worker
 * process's environment only, e.g. `NODE_OPTIONS=--max-semi-space-size=16`
 * or `MALLOC_ARENA_MAX=2`). The worker keeps its defaults, but for
 * the topics' partitions; WHARF_* variables of this process's environment
 * (e.g. WHARF_DEDUP_MAX_BYTES) reach both processes.
 */
import { parseArgs } from 'node:util';
import { BROKER_OPTION } from './support/broker.ts';
import { SteadyLoad } from './support/load.ts';
import { requestStream } from './support/messages.ts';
import { METRIC_NAMES } from '../src/cli/live-view.ts';
import { startProcessStack } from './support/stack.ts';

const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.BENCH_SOAK_SECONDS },
    rate: { type: 'string', default: process.env.BENCH_RATE ?? '200' },
    interval: { type: 'string' },
    partitions: { type: 'string', default: process.env.BENCH_PARTITIONS },
    'worker-env': { type: 'string', multiple: true, default: [] },
    full: { type: 'boolean', default: process.env.BENCH_FULL === '1' },
    ...BROKER_OPTION,
  },
});
const duration = Number(options.duration ?? (options.full ? 600 : 60));
const rate = Number(options.rate);
const interval = Number(options.interval ?? Math.max(1, duration / 10));
const partitions = Number(options.partitions ?? 4);

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(0).padStart(4)} MiB`;
const ms = (seconds: number) => `${(seconds * 1000).toFixed(1).padStart(6)} ms`;

/** One scrape of the worker, a second apart. */
interface Sample {
  readonly at: number;
  readonly processed: number;
  readonly behind: number;
  readonly rss: number;
  readonly heap: number;
  readonly loopP99: number;
}

/** Least-squares slope of the RSS over the samples, in MiB per minute. */
function rssSlope(samples: readonly Sample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const meanT = samples.reduce((sum, s) => sum + s.at, 0) / n;
  const meanR = samples.reduce((sum, s) => sum + s.rss, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.at - meanT) * (s.rss - meanR);
    den += (s.at - meanT) ** 2;
  }
  return den === 0 ? 0 : ((num / den) * 60) / MiB;
}

const quantile = (values: readonly number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))] ??
  0;

const workerEnv = Object.fromEntries(
  options['worker-env'].map((pair) => [
    pair.slice(0, pair.indexOf('=')),
    pair.slice(pair.indexOf('=') + 1),
  ]),
);
const stack = await startProcessStack({ WHARF_TOPIC_PARTITIONS: String(partitions) }, workerEnv);
if (options['worker-env'].length > 0)
  console.log(`worker environment: ${options['worker-env'].join(' ')}`);
console.log(`broker: ${stack.broker.name} at ${stack.broker.brokers.join(',')}`);
try {
  const load = new SteadyLoad(stack.ingressUrl, requestStream(false));
  const sampleWorker = async (at: number): Promise<Sample> => {
    const metrics = await stack.workerMetrics().catch((error: unknown) => {
      const exit = stack.worker.child.exitCode ?? stack.worker.child.signalCode;
      throw new Error(
        `the worker's metrics did not answer (${String(error)}); worker exit: ${String(exit)}; its last lines:\n${stack.worker.output()}`,
      );
    });
    const processed = metrics.sum(METRIC_NAMES.records) ?? 0;
    return {
      at,
      processed,
      behind: load.counts.accepted - processed,
      rss: metrics.sum('wharf_process_resident_memory_bytes') ?? 0,
      heap: metrics.sum('wharf_nodejs_heap_size_used_bytes') ?? 0,
      loopP99: metrics.sum('wharf_nodejs_eventloop_lag_p99_seconds') ?? 0,
    };
  };
  await sampleWorker(0); // starts the first event-loop window
  console.log(
    `soak: ${String(rate)} req/s for ${String(duration)} s, ${String(partitions)} partitions per topic, ingress and worker in processes of their own, a line every ${String(interval)} s`,
  );
  const samples: Sample[] = [];
  load.start(rate);
  const started = performance.now();
  let nextLine = interval;
  for (let second = 1; second <= duration; second++) {
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, started + second * 1000 - performance.now())),
    );
    samples.push(await sampleWorker(second));
    if (second + 1e-9 < nextLine) continue;
    nextLine += interval;
    const window = samples.slice(-Math.round(interval));
    const last = samples.at(-1) as Sample;
    const answers = load.takeAnswerTimes();
    console.log(
      [
        `t ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s`,
        `sent ${String(load.counts.sent).padStart(8)}`,
        `failed ${String(load.counts.failed)}`,
        `answered ${String(load.counts.accepted + load.counts.failed).padStart(8)} (p50 ${ms(answers.percentile(50) / 1e6)} p99 ${ms(answers.percentile(99) / 1e6)})`,
        `processed ${String(last.processed).padStart(8)}`,
        `behind now ${String(last.behind).padStart(6)}, most ${String(Math.max(...window.map((s) => s.behind))).padStart(6)}`,
        `worker rss ${mib(last.rss)} heap ${mib(last.heap)}`,
        `loop p99 worst ${ms(Math.max(...window.map((s) => s.loopP99)))}`,
        `broker rss ${mib(stack.broker.rss())}`,
      ].join('  '),
    );
  }
  await load.stop();
  load.close();

  const drainStarted = performance.now();
  let final = await sampleWorker(duration);
  while (final.processed < load.counts.accepted && performance.now() - drainStarted < 120_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    final = await sampleWorker(duration);
  }
  const fromFirstLine = samples.slice(Math.round(interval) - 1);
  const secondHalf = samples.slice(Math.floor(samples.length / 2));
  const start = fromFirstLine[0]?.rss ?? 0;
  const end = samples.at(-1)?.rss ?? 0;
  const mostBehind = Math.max(...samples.map((s) => s.behind));
  const loop = samples.map((s) => s.loopP99);
  console.log(
    `requests: ${String(load.counts.sent)} sent, ${String(load.counts.accepted)} accepted, ${String(load.counts.failed)} failed (${load.failureSummary()}); worker processed ${String(final.processed)}: ${final.processed >= load.counts.accepted ? 'every accepted webhook' : `${String(load.counts.accepted - final.processed)} missing`} (caught up ${((performance.now() - drainStarted) / 1000).toFixed(1)} s after the load stopped)`,
  );
  console.log(
    `worker behind: at most ${String(mostBehind)} records = ${(mostBehind / rate).toFixed(2)} s of input (target <= 5 s)`,
  );
  console.log(
    `worker rss: start ${mib(start)} (after the first interval)  end ${mib(end)}  max ${mib(Math.max(...samples.map((s) => s.rss)))} (target <= 250 MB)`,
  );
  console.log(
    `worker rss slope over the last ${String(secondHalf.length)} s: ${rssSlope(secondHalf).toFixed(2)} MiB/min; ratio end/start ${(end / start).toFixed(2)}`,
  );
  console.log(
    `worker event-loop delay p99 (one-second windows): median ${ms(quantile(loop, 0.5))}  worst ${ms(Math.max(...loop))}`,
  );
} finally {
  await stack.close();
}
