/**
 * The Grafana dashboard against a real Prometheus (Debian's): Prometheus
 * scrapes an ingress and a worker running on the test Kafka while webhooks
 * flow through them (routed, deduplicated, dead-lettered and refused ones),
 * then every PromQL expression of every panel goes through Prometheus's HTTP
 * API with Grafana's variables filled in as Grafana would. None may error,
 * and every one must return data, with the labels its legend names. The
 * same Prometheus loads the alert rules and evaluates them on those series.
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/broker/jvm.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { startIngress } from '../../../src/ingress/server.ts';
import type { RunningIngress } from '../../../src/ingress/server.ts';
import { createMetrics } from '../../../src/metrics/catalog.ts';
import { providerAdapters } from '../../../src/providers/index.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { startWorker } from '../../../src/worker/worker.ts';
import type { RunningWorker } from '../../../src/worker/worker.ts';
import { post } from '../../support/http.ts';
import {
  ONGOING_TOKEN,
  SHIPWELL_CREDENTIALS,
  basicAuth,
  happycolisSignature,
} from '../../support/ingress.ts';
import { waitFor } from '../../support/kafka.ts';
import {
  printPrometheusLogOnFailure,
  prometheusTool,
  queryNumber,
  startPrometheus,
} from '../../support/prometheus.ts';
import type { QueryAnswer, QuerySeries, RunningPrometheus } from '../../support/prometheus.ts';
import {
  fixture,
  happycolisMessage,
  startTestRegistry,
  workerEnvironment,
} from '../../support/worker.ts';
import { readJson, record, list } from '../../unit/ops/files.ts';
import { builtInVariables, dashboardPanels, substitute, templateVariables } from './grafana.ts';
import type { Panel, Target } from './grafana.ts';

const DASHBOARD = 'helm/wharf/dashboards/wharf.json';
const ALERTS = fileURLToPath(new URL('../../../helm/wharf/files/alerts.yaml', import.meta.url));
/** The panels the runbook reads first: they must show data whenever webhooks flow. */
const MUST_SHOW = ['Throughput by event type', 'Dead-letter records by code'] as const;
const LAG_PANEL = 'Consumer lag per partition';
/** Points Grafana asks for on a full-width panel. */
const MAX_DATA_POINTS = 1000;
const WAIT = { timeoutMs: 30_000, intervalMs: 250 };
/** Grafana's shortest `$__rate_interval`, in scrapes: a rate needs that many after the traffic. */
const RATE_INTERVAL_SCRAPES = 4;

const prometheusChoice = await prometheusTool('prometheus');

/** What one wave of traffic leaves in the worker's and ingress's counters. */
const PER_WAVE = { workerRecords: 6, deadLetters: 2, accepted: 6, rejected: 1 } as const;

/**
 * Posts one wave of webhooks: one routed record per provider, a redelivery
 * (deduplicated), a body that is not JSON and an unknown event type (both
 * dead-lettered), and a forged signature (refused).
 */
async function sendWave(ingress: RunningIngress, wave: number): Promise<void> {
  const happycolis = async (body: string, signature = happycolisSignature(body)) =>
    (
      await post(ingress.url, '/webhooks/happycolis', body, {
        'x-happycolis-webhook-signature': signature,
      })
    ).status;
  const shipped = happycolisMessage('delivery-order/shipped', 'body-delivery-order.json').replace(
    'WEBHOOK_ID',
    `monitoring-${String(wave)}`,
  );
  const item = JSON.parse(fixture('shipwell', 'order.item.updated.json')) as {
    new_data: { shipping_requirements: { quantity: number } };
  };
  item.new_data.shipping_requirements.quantity = 20 + wave;
  const picked = {
    ...(JSON.parse(fixture('ongoing', 'order-picked.json')) as Record<string, unknown>),
    webhookEventId: wave,
  };
  const statuses = [
    await happycolis(shipped),
    await happycolis(shipped),
    await happycolis('{"header": not json'),
    await happycolis(JSON.stringify({ header: { type: 'parcel/teleported' }, body: { id: 'x' } })),
    (
      await post(ingress.url, '/webhooks/shipwell', JSON.stringify(item), {
        authorization: basicAuth(SHIPWELL_CREDENTIALS),
      })
    ).status,
    (
      await post(ingress.url, '/webhooks/ongoing/order-picked', JSON.stringify(picked), {
        'x-ongoing-token': ONGOING_TOKEN,
      })
    ).status,
    await happycolis(shipped, happycolisSignature(shipped, 'forged-secret')),
  ];
  expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 401]);
}

/**
 * Waits until every target has been scraped `scrapes` more times since now,
 * by Prometheus's own clock.
 */
async function waitForScrapes(prometheus: RunningPrometheus, scrapes: number): Promise<void> {
  const latest = await queryNumber(prometheus, 'max(timestamp(up))');
  if (latest === undefined) throw new Error('Prometheus has scraped nothing');
  const wanted = latest + scrapes * prometheus.intervalSeconds;
  await waitFor(
    `${String(scrapes)} more scrapes of every target`,
    async () => ((await queryNumber(prometheus, 'min(timestamp(up))')) ?? 0) >= wanted || undefined,
    WAIT,
  );
}

/** Waits until Prometheus has scraped the counters of `waves` waves. */
async function waitUntilScraped(prometheus: RunningPrometheus, waves: number): Promise<void> {
  for (const [expression, perWave] of [
    ['sum(wharf_worker_records_total)', PER_WAVE.workerRecords],
    ['sum(wharf_worker_dead_letter_records_total)', PER_WAVE.deadLetters],
    ['sum(wharf_ingress_webhooks_accepted_total)', PER_WAVE.accepted],
    ['sum(wharf_ingress_webhooks_rejected_total)', PER_WAVE.rejected],
  ] as const) {
    const wanted = perWave * waves;
    await waitFor(
      `Prometheus to scrape ${expression} = ${String(wanted)}`,
      async () => ((await queryNumber(prometheus, expression)) ?? 0) >= wanted || undefined,
      WAIT,
    );
  }
}

/** What one panel target gave. */
interface Evaluated {
  readonly panel: Panel;
  readonly target: Target;
  readonly expression: string;
  readonly errors: readonly string[];
  /** The series Grafana would draw: the range query's for a time series, else the instant's. */
  readonly series: readonly QuerySeries[];
}

function errorsOf(kind: string, answer: QueryAnswer): string[] {
  if (!answer.ok) return [`${kind}: ${answer.error}`];
  return answer.warnings.map((warning) => `${kind} warning: ${warning}`);
}

/** Runs every target of every panel as Grafana would over [start, end]. */
async function evaluateDashboard(
  prometheus: RunningPrometheus,
  start: Date,
  end: Date,
): Promise<Evaluated[]> {
  const dashboard = readJson(DASHBOARD);
  const templates = templateVariables(dashboard);
  const evaluated: Evaluated[] = [];
  for (const panel of dashboardPanels(dashboard)) {
    const builtIns = builtInVariables(panel, {
      rangeSeconds: (end.getTime() - start.getTime()) / 1000,
      scrapeSeconds: prometheus.intervalSeconds,
      maxDataPoints: MAX_DATA_POINTS,
    });
    const stepSeconds = Number(builtIns.__interval_ms) / 1000;
    // Whole steps back from `end`, so that the last point is at `end`.
    const steps = Math.ceil((end.getTime() - start.getTime()) / 1000 / stepSeconds);
    const from = new Date(end.getTime() - steps * stepSeconds * 1000);
    for (const target of panel.targets) {
      const expression = substitute(target.expr, { ...templates, ...builtIns });
      const instant = await prometheus.query(expression, end);
      const range =
        panel.type === 'timeseries' || target.range
          ? await prometheus.queryRange(expression, { start: from, end, stepSeconds })
          : undefined;
      const drawn = range ?? instant;
      evaluated.push({
        panel,
        target,
        expression,
        errors: [...errorsOf('query', instant), ...(range ? errorsOf('query_range', range) : [])],
        series: drawn.ok ? drawn.series : [],
      });
    }
  }
  return evaluated;
}

/** The `{{label}}`s of a legend format. */
function legendLabels(legendFormat: string): string[] {
  return [...legendFormat.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((match) => match[1] ?? '');
}

function table(evaluated: readonly Evaluated[]): string {
  const rows = evaluated.map(({ panel, target, series, errors }) => [
    `${panel.title} (${target.refId})`,
    String(series.length),
    errors.length > 0 ? 'ERROR' : '',
  ]);
  const width = Math.max(...rows.map(([title = '']) => title.length));
  const lines = rows.map(
    ([title = '', count = '', error = '']) =>
      `  ${title.padEnd(width)}  ${count.padStart(6)}  ${error}`,
  );
  return [`  ${'panel (query)'.padEnd(width)}  series`, ...lines].join('\n');
}

const biggest = (series: readonly QuerySeries[]) =>
  Math.max(
    -Infinity,
    ...series.flatMap((one) => one.samples.map(([, value]) => value)).filter(Number.isFinite),
  );

describe.skipIf(!prometheusChoice.run)(
  `the Grafana dashboard on a real Prometheus ${prometheusChoice.run ? prometheusChoice.version : ''}`,
  () => {
    const command = prometheusChoice.run ? prometheusChoice.command : 'prometheus';
    let registry: EmbeddedRegistry | undefined;
    let ingress: RunningIngress | undefined;
    let worker: RunningWorker | undefined;
    let prometheus: RunningPrometheus | undefined;
    printPrometheusLogOnFailure(() => prometheus);

    beforeAll(async () => {
      registry = await startTestRegistry();
      // Ports known up front, so that Prometheus starts (and takes the 5 s its
      // target discovery waits before the first scrape) while the worker joins.
      const [ingressMetricsPort, workerPort] = [String(await freePort()), String(await freePort())];
      const prometheusStarting = startPrometheus({
        command,
        targets: [
          { job: 'wharf-ingress', url: `http://127.0.0.1:${ingressMetricsPort}` },
          { job: 'wharf-worker', url: `http://127.0.0.1:${workerPort}` },
        ],
        ruleFiles: [ALERTS],
      });
      try {
        const env = workerEnvironment(registry.url, {
          WHARF_INGRESS_METRICS_PORT: ingressMetricsPort,
          WHARF_WORKER_METRICS_PORT: workerPort,
        });
        const logger = pino({ level: 'silent' });
        // Process metrics on, as in production: the dashboard's Node.js row reads them.
        ingress = await startIngress(loadConfig(env), logger, { metrics: createMetrics() });
        const workerConfig = loadConfig(env, 'worker');
        worker = await startWorker(
          workerConfig,
          { adapters: providerAdapters(workerConfig.worker.providerSettings) },
          logger,
          { metrics: createMetrics() },
        );
      } finally {
        prometheus = await prometheusStarting;
      }
    }, 120_000);

    afterAll(async () => {
      await prometheus?.stop();
      await worker?.shutdown();
      await ingress?.shutdown();
      await registry?.close();
    });

    it('evaluates every panel query without error, each with data and the labels its legend shows', async () => {
      if (!prometheus || !ingress) throw new Error('the stack did not start');
      const running = prometheus;
      await waitFor(
        'Prometheus to scrape the ingress and the worker',
        async () => ((await queryNumber(running, 'sum(up)')) === 2 ? true : undefined),
        WAIT,
      );
      const start = new Date();
      // Two waves: counters appear with the first, and rates are above zero after the second.
      await sendWave(ingress, 1);
      await waitUntilScraped(running, 1);
      await sendWave(ingress, 2);
      await waitUntilScraped(running, 2);
      await waitForScrapes(running, RATE_INTERVAL_SCRAPES);
      const end = new Date();

      const evaluated = await evaluateDashboard(running, start, end);
      process.stdout.write(
        `\n[wharf-test] dashboard panels on Prometheus, ${String(Math.round((end.getTime() - start.getTime()) / 1000))} s of traffic:\n${table(evaluated)}\n\n`,
      );

      const targets = dashboardPanels(readJson(DASHBOARD)).flatMap((panel) => panel.targets);
      expect(evaluated.length).toBe(targets.length);
      const errors = evaluated.flatMap(({ panel, target, expression, errors: found }) =>
        found.map((error) => `${panel.title} (${target.refId}) ${expression}: ${error}`),
      );
      // Soft: one run names every broken query, not only the first kind of problem.
      expect.soft(errors, 'queries Prometheus refused').toEqual([]);
      const empty = evaluated
        .filter(({ series }) => series.length === 0)
        .map(({ panel, target, expression }) => `${panel.title} (${target.refId}) ${expression}`);
      expect.soft(empty, 'queries that returned no series').toEqual([]);
      const unlabelled = evaluated.flatMap(({ panel, target, series }) =>
        legendLabels(target.legendFormat)
          .filter((label) => series.some((one) => !(label in one.metric)))
          .map((label) => `${panel.title} (${target.refId}): series without "${label}"`),
      );
      expect.soft(unlabelled, 'legend labels the series lack').toEqual([]);

      const panel = (title: string) => evaluated.filter((entry) => entry.panel.title === title);
      for (const title of MUST_SHOW) {
        const series = panel(title).flatMap((entry) => entry.series);
        expect(series.length, `${title}: series`).toBeGreaterThan(0);
        expect(biggest(series), `${title}: its highest rate`).toBeGreaterThan(0);
      }
      expect(panel(LAG_PANEL).flatMap((entry) => entry.series).length).toBeGreaterThan(0);
      const deadLetterCodes = panel('Dead-letter records by code')
        .flatMap((entry) => entry.series)
        .map((series) => series.metric.code);
      expect(deadLetterCodes.sort()).toEqual(['INVALID_JSON', 'UNKNOWN_EVENT_TYPE']);
    }, 120_000);

    it('evaluates every alert rule on the scraped series without error', async () => {
      if (!prometheus) throw new Error('the stack did not start');
      const running = prometheus;
      const rules = await waitFor(
        'every alert rule to be evaluated',
        async () => {
          const groups = list(record(await running.api('/api/v1/rules')).groups).map(record);
          const all = groups.flatMap((group) => list(group.rules).map(record));
          return all.length > 0 && all.every((rule) => rule.health !== 'unknown') ? all : undefined;
        },
        WAIT,
      );
      const failing = rules
        .filter((rule) => rule.health !== 'ok')
        .map((rule) => `${String(rule.name)}: ${String(rule.lastError)}`);
      expect(failing).toEqual([]);
      expect(rules.length).toBeGreaterThanOrEqual(6);
    });
  },
);
