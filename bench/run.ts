/**
 * Runs the benchmarks under bench/ (files named *.bench.ts) one after the
 * other, each in its own process so that one's heap does not weigh on the
 * next.
 *
 *   npm run bench                            every benchmark, short (a few minutes in all)
 *   npm run bench -- latency soak            the ones whose file name contains a NAME
 *   npm run bench -- --full                  long runs: soak 10 minutes, more rounds (BENCH_FULL=1)
 *   npm run bench -- soak --duration 600     the soak's duration in seconds (BENCH_SOAK_SECONDS)
 *   npm run bench -- latency --rate 500      the soak's and latency's requests/s (BENCH_RATE)
 *   npm run bench -- --broker mock           librdkafka's mock instead of Apache Kafka, the
 *                                            default (WHARF_BENCH_BROKER; support/broker.ts)
 *
 * The options reach the benchmarks as the environment variables in
 * parentheses; each benchmark documents its own at its top, and can also be
 * run alone: `node bench/soak.bench.ts --duration 120`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchBrokerKind, benchBrokerName } from './support/broker.ts';

const { values: options, positionals: names } = parseArgs({
  allowPositionals: true,
  options: {
    full: { type: 'boolean', default: false },
    duration: { type: 'string' },
    rate: { type: 'string' },
    broker: { type: 'string' },
  },
});
const env: NodeJS.ProcessEnv = {
  ...process.env,
  ...(options.full ? { BENCH_FULL: '1' } : {}),
  ...(options.duration === undefined ? {} : { BENCH_SOAK_SECONDS: options.duration }),
  ...(options.rate === undefined ? {} : { BENCH_RATE: options.rate }),
  ...(options.broker === undefined ? {} : { WHARF_BENCH_BROKER: options.broker }),
};
// Fails here, before any benchmark, on a broker name it does not know.
process.stdout.write(`broker: ${benchBrokerName(benchBrokerKind([], env))}\n`);

const here = fileURLToPath(new URL('.', import.meta.url));
const benches = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => names.length === 0 || names.some((name) => file.includes(name)))
  .sort();

let failed = 0;
for (const bench of benches) {
  process.stdout.write(`\n== ${bench}\n`);
  const result = spawnSync(process.execPath, [`${here}${bench}`], { stdio: 'inherit', env });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
