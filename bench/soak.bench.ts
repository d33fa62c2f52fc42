/**
 * Soak: a steady load of real webhooks (every fixture of the three
 * providers, each copy a distinct event) through
 * ingress → broker → worker for a long time, watching the memory and
 * the event loop of the process that runs the ingress and the worker (and
 * the load and the embedded registry). One line every --interval seconds,
 * then a summary: RSS at the start (after the first interval, so that start-up
 * and JIT warm-up are not counted as growth), at the end and at most, the
 * growth end/start (the ratio to the baseline), event-loop delay p50/p99/max
 * (perf_hooks.monitorEventLoopDelay), and whether the worker kept up.
 *
 * Options (`node bench/soak.bench.ts …`; through `npm run bench` as the
 * variables in parentheses): --duration (seconds; BENCH_SOAK_SECONDS; default
 * 60, 600 with --full / BENCH_FULL=1), --rate (requests/s; BENCH_RATE;
 * default 200), --interval (seconds between lines; default a tenth of the
 * duration), --partitions (of every topic; BENCH_PARTITIONS; default 4),
 * --broker (kafka|mock; WHARF_BENCH_BROKER; support/broker.ts: a real Apache
 * Kafka by default). The mock keeps at most 5 MiB per partition and drops the
 * oldest records past that, so a worker that falls far behind would lose
 * records there; at 200 req/s on 4 partitions against it the worker kept
 * within a few hundred records for 6 minutes, then fell up to 9,000 behind and
 * caught up after the load (on 24 partitions its per-batch round trips made it
 * fall behind from the first minute). Kafka keeps its records on disk.
 *
 * The worker keeps its defaults (fetch max wait 1000 ms, deduplication window
 * in memory: one id per routed event, so it grows by design until
 * WHARF_DEDUP_MAX_ENTRIES). The broker's RSS (the JVM's, for Kafka; the mock
 * keeps its records in memory) is printed alongside, not counted.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { BROKER_OPTION } from './support/broker.ts';
import { SteadyLoad } from './support/load.ts';
import { requestStream } from './support/messages.ts';
import { startStack } from './support/stack.ts';

const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.BENCH_SOAK_SECONDS },
    rate: { type: 'string', default: process.env.BENCH_RATE ?? '200' },
    interval: { type: 'string' },
    partitions: { type: 'string', default: process.env.BENCH_PARTITIONS },
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
/** The sampling timer's period: the histogram holds period + delay, the delay is reported. */
const RESOLUTION_MS = 10;
const lagMs = (histogram: ReturnType<typeof monitorEventLoopDelay>, percentile: number) =>
  Math.max(0, histogram.percentile(percentile) / 1e6 - RESOLUTION_MS)
    .toFixed(1)
    .padStart(6);

const stack = await startStack({ WHARF_TOPIC_PARTITIONS: String(partitions) });
console.log(`broker: ${stack.broker.name} at ${stack.broker.brokers.join(',')}`);
try {
  const load = new SteadyLoad(stack.ingress.url, requestStream(false));
  const whole = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const perInterval = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const rssAtLoadStart = process.memoryUsage.rss();
  const samples: number[] = [];
  console.log(
    `soak: ${String(rate)} req/s for ${String(duration)} s, ${String(partitions)} partitions per topic, a line every ${String(interval)} s; RSS at load start ${mib(rssAtLoadStart)}`,
  );
  whole.enable();
  perInterval.enable();
  load.start(rate);
  const started = performance.now();
  for (let elapsed = interval; elapsed <= duration + 1e-9; elapsed += interval) {
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, started + elapsed * 1000 - performance.now())),
    );
    const rss = process.memoryUsage.rss();
    samples.push(rss);
    const processed = await stack.processed();
    console.log(
      [
        `t ${String(Math.round(elapsed)).padStart(4)} s`,
        `sent ${String(load.counts.sent).padStart(7)}`,
        `failed ${String(load.counts.failed)}`,
        `processed ${String(processed).padStart(7)}`,
        `behind ${String(load.counts.accepted - processed).padStart(5)}`,
        `rss ${mib(rss)}`,
        `heap ${mib(process.memoryUsage().heapUsed)}`,
        `broker rss ${mib(stack.broker.rss())}`,
        `lag p50 ${lagMs(perInterval, 50)} ms p99 ${lagMs(perInterval, 99)} ms max ${lagMs(perInterval, 100)} ms`,
      ].join('  '),
    );
    perInterval.reset();
  }
  whole.disable();
  perInterval.disable();
  await load.stop();
  load.close();

  // The worker should be (nearly) caught up; give it a little time to finish.
  const drainStarted = performance.now();
  while (
    (await stack.processed()) < load.counts.accepted &&
    performance.now() - drainStarted < 60_000
  ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const processed = await stack.processed();
  const start = samples[0] ?? rssAtLoadStart;
  const end = samples.at(-1) ?? rssAtLoadStart;
  const max = Math.max(...samples);
  console.log(
    `requests: ${String(load.counts.sent)} sent, ${String(load.counts.accepted)} accepted, ${String(load.counts.failed)} failed (${load.failureSummary()}); worker processed ${String(processed)} (caught up ${((performance.now() - drainStarted) / 1000).toFixed(1)} s after the load stopped)`,
  );
  console.log(
    `rss: start ${mib(start)} (after the first interval)  end ${mib(end)}  max ${mib(max)}`,
  );
  console.log(`ratio rss end/start: ${(end / start).toFixed(2)}`);
  console.log(
    `event-loop delay over the run: p50 ${lagMs(whole, 50)} ms  p99 ${lagMs(whole, 99)} ms  max ${lagMs(whole, 100)} ms`,
  );
} finally {
  await stack.close();
}
