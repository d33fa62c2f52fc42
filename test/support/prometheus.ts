/**
 * Prometheus's own tools for the monitoring tests (Debian's `prometheus`
 * package): whether `promtool` and `prometheus` are here, running promtool,
 * and a real Prometheus for one test file, scraping the processes under test
 * and answering PromQL through its HTTP API.
 *
 * Whether they run is WHARF_TEST_TOOLS's choice (test/support/tools.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { commandTool } from './tools.ts';
import type { ToolChoice } from './tools.ts';
import { stringify } from 'yaml';
import { z } from 'zod';
import {
  freePort,
  readLog,
  spawnJvm,
  tail,
  waitForExit,
  waitUntilServing,
} from '../../src/broker/jvm.ts';

/** The commands of Debian's `prometheus` package the tests use. */
export type PrometheusTool = 'promtool' | 'prometheus';

/** Whether the calling file's tests that need a tool run, and why not. */
/** What a command printed (stdout and stderr, in order) and how it ended. */
export interface ToolRun {
  /** The exit code; null when it was killed (by its timeout). */
  readonly code: number | null;
  readonly output: string;
}

/**
 * Runs a command to its end and collects its output; never rejects on a
 * failing exit code (the caller shows the output), only when the command
 * cannot be started at all.
 */
export function runTool(
  command: string,
  args: readonly string[],
  { timeoutMs = 60_000, cwd }: { timeoutMs?: number; cwd?: string } = {},
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(cwd === undefined ? {} : { cwd }),
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

/** Whether the tests needing `tool` run here (see test/support/tools.ts). */
export function prometheusTool(
  tool: PrometheusTool,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ToolChoice> {
  return commandTool(tool, ['--version'], "Debian's prometheus package has it", env);
}

/** A process whose /metrics Prometheus scrapes. */
export interface ScrapeTarget {
  /** The `job` label of its series. */
  readonly job: string;
  /** Its base URL, e.g. http://127.0.0.1:8080 (metrics at /metrics). */
  readonly url: string;
}

/** Options of {@link startPrometheus}. */
export interface PrometheusOptions {
  /** The `prometheus` command. */
  readonly command: string;
  readonly targets: readonly ScrapeTarget[];
  /** Rule files to load, by absolute path. */
  readonly ruleFiles?: readonly string[];
  /** Scrape and rule evaluation interval (default 1 s). */
  readonly intervalSeconds?: number;
  readonly timeoutMs?: number;
}

/** One series of a query's answer: its labels and its samples (one for an instant query). */
export interface QuerySeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly samples: readonly (readonly [time: number, value: number])[];
}

/** A query's answer: its series, or Prometheus's error. */
export type QueryAnswer =
  | {
      readonly ok: true;
      readonly resultType: string;
      readonly series: readonly QuerySeries[];
      readonly warnings: readonly string[];
    }
  | { readonly ok: false; readonly error: string };

/** The range of a `query_range`. */
export interface QueryRange {
  readonly start: Date;
  readonly end: Date;
  readonly stepSeconds: number;
}

/** A running Prometheus. */
export interface RunningPrometheus {
  /** Base URL, e.g. http://127.0.0.1:9090 */
  readonly url: string;
  readonly logFile: string;
  /** The scrape and evaluation interval, in seconds. */
  readonly intervalSeconds: number;
  /** An instant query (`/api/v1/query`) at `time` (default now). */
  query(expression: string, time?: Date): Promise<QueryAnswer>;
  /** A range query (`/api/v1/query_range`). */
  queryRange(expression: string, range: QueryRange): Promise<QueryAnswer>;
  /** The `data` of a GET of the HTTP API (`/api/v1/rules`, `/api/v1/targets`). */
  api(path: string): Promise<unknown>;
  /** The last lines of its log. */
  logTail(lines: number): Promise<string>;
  /** Stops it and removes its data directory. */
  stop(): Promise<void>;
}

const Sample = z.tuple([z.number(), z.string()]);
const Labels = z.record(z.string(), z.string());
const ApiAnswer = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.unknown(),
    warnings: z.array(z.string()).optional(),
  }),
  z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() }),
]);
const QueryData = z.discriminatedUnion('resultType', [
  z.object({
    resultType: z.literal('vector'),
    result: z.array(z.object({ metric: Labels, value: Sample })),
  }),
  z.object({
    resultType: z.literal('matrix'),
    result: z.array(z.object({ metric: Labels, values: z.array(Sample) })),
  }),
  z.object({ resultType: z.literal('scalar'), result: Sample }),
  z.object({ resultType: z.literal('string'), result: Sample }),
]);

function seriesOf(data: z.infer<typeof QueryData>): QuerySeries[] {
  const sample = ([time, value]: z.infer<typeof Sample>) => [time, Number(value)] as const;
  switch (data.resultType) {
    case 'vector':
      return data.result.map(({ metric, value }) => ({ metric, samples: [sample(value)] }));
    case 'matrix':
      return data.result.map(({ metric, values }) => ({ metric, samples: values.map(sample) }));
    case 'scalar':
    case 'string':
      return [{ metric: {}, samples: [sample(data.result)] }];
  }
}

/** Calls the HTTP API and reads its envelope, whatever the HTTP status (errors come as 4xx). */
async function callApi(
  url: string,
  form?: Record<string, string>,
): Promise<z.infer<typeof ApiAnswer>> {
  const response = await fetch(
    url,
    form === undefined ? {} : { method: 'POST', body: new URLSearchParams(form) },
  );
  const text = await response.text();
  try {
    return ApiAnswer.parse(JSON.parse(text));
  } catch {
    return {
      status: 'error',
      errorType: `HTTP ${String(response.status)}`,
      error: text.slice(0, 500),
    };
  }
}

async function runQuery(url: string, form: Record<string, string>): Promise<QueryAnswer> {
  const answer = await callApi(url, form);
  if (answer.status === 'error')
    return { ok: false, error: `${answer.errorType}: ${answer.error}` };
  const data = QueryData.safeParse(answer.data);
  if (!data.success) return { ok: false, error: `unexpected answer: ${data.error.message}` };
  return {
    ok: true,
    resultType: data.data.resultType,
    series: seriesOf(data.data),
    warnings: answer.warnings ?? [],
  };
}

const seconds = (time: Date) => String(time.getTime() / 1000);

/**
 * Starts Prometheus on a free port of 127.0.0.1 with a data directory of its
 * own, scraping `targets` every interval, and waits until it is ready.
 * Started like the tests' Java servers (src/broker/jvm.ts, which runs any
 * command): it dies with this process, and its output goes to a log file.
 *
 * @throws with the end of its log when it exits or is not ready in time.
 */
export async function startPrometheus({
  command,
  targets,
  ruleFiles = [],
  intervalSeconds = 1,
  timeoutMs = 30_000,
}: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  const logFile = join(dir, 'prometheus.log');
  const interval = `${String(intervalSeconds)}s`;
  await writeFile(
    configFile,
    stringify({
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: ruleFiles,
      scrape_configs: targets.map(({ job, url }) => ({
        job_name: job,
        metrics_path: '/metrics',
        static_configs: [{ targets: [new URL(url).host] }],
      })),
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${String(port)}`;
  const server = await spawnJvm({
    java: command,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${String(port)}`,
    ],
    logFile,
    cwd: dir,
  });
  try {
    await waitUntilServing(
      server,
      async () => {
        const ready = await fetch(`${url}/-/ready`).catch(() => undefined);
        return ready?.status === 200 ? true : undefined;
      },
      { name: 'Prometheus', logFile, timeoutMs, awaited: 'answer 200 on /-/ready' },
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    logFile,
    intervalSeconds,
    query: (expression, time = new Date()) =>
      runQuery(`${url}/api/v1/query`, { query: expression, time: seconds(time) }),
    queryRange: (expression, { start, end, stepSeconds }) =>
      runQuery(`${url}/api/v1/query_range`, {
        query: expression,
        start: seconds(start),
        end: seconds(end),
        step: String(stepSeconds),
      }),
    api: async (path) => {
      const answer = await callApi(`${url}${path}`);
      if (answer.status === 'error') throw new Error(`${path}: ${answer.error}`);
      return answer.data;
    },
    logTail: async (lines) => tail(await readLog(logFile, server.logStart), lines),
    stop: async () => {
      server.child.kill('SIGTERM');
      await waitForExit(server.child, 10_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Prints the end of a Prometheus's log beside each failing test of the
 * calling file (when it has started).
 */
export function printPrometheusLogOnFailure(
  prometheus: () => RunningPrometheus | undefined,
  lines = 40,
): void {
  afterEach(async ({ task }) => {
    const running = prometheus();
    if (task.result?.state !== 'fail' || running === undefined) return;
    const log = await running.logTail(lines);
    process.stderr.write(
      `\n--- the last ${String(lines)} lines of ${running.logFile} (Prometheus) ---\n${log}\n`,
    );
  });
}

/** The single number of a query's answer, or undefined when it has none (yet). */
export async function queryNumber(
  prometheus: RunningPrometheus,
  expression: string,
): Promise<number | undefined> {
  const answer = await prometheus.query(expression);
  if (!answer.ok) throw new Error(`${expression}: ${answer.error}`);
  const [only] = answer.series;
  return only?.samples[0]?.[1];
}
