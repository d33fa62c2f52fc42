/**
 * The Grafana dashboard shows every metric Wharf exports, and the Prometheus
 * alert rules read only metrics that Wharf exports, with labels those metrics
 * have; the chart and the local stack ship the same two files.
 */
import { describe, expect, it } from 'vitest';
import { list, readJson, readText, readYaml, record } from './files.ts';
import { catalogMetrics, expressionProblems, metricsOf, seriesIndex } from './promql.ts';

const DASHBOARD = 'helm/wharf/dashboards/wharf.json';
const ALERTS = 'helm/wharf/files/alerts.yaml';

const metrics = catalogMetrics();
const index = seriesIndex(metrics);

interface Panel {
  readonly title: string;
  readonly type: string;
  readonly datasource: unknown;
  readonly targets: readonly { readonly expr: string; readonly datasource: unknown }[];
}

function panels(): Panel[] {
  return list(record(readJson(DASHBOARD)).panels)
    .map(record)
    .filter((panel) => panel.type !== 'row')
    .map((panel) => ({
      title: String(panel.title),
      type: String(panel.type),
      datasource: panel.datasource,
      targets: list(panel.targets)
        .map(record)
        .map((target) => ({ expr: String(target.expr), datasource: target.datasource })),
    }));
}

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for: unknown;
  readonly labels: Record<string, unknown>;
  readonly annotations: Record<string, unknown>;
}

function rules(): Rule[] {
  return list(record(readYaml(ALERTS)).groups).flatMap((group) =>
    list(record(group).rules)
      .map(record)
      .map((rule) => ({
        alert: String(rule.alert),
        expr: String(rule.expr),
        for: rule.for,
        labels: record(rule.labels),
        annotations: record(rule.annotations),
      })),
  );
}

/** The catalog's own metrics (not prom-client's process metrics). */
const wharfMetrics = metrics.filter((metric) => !/^wharf_(process|nodejs)_/.test(metric.name));

describe('the metric catalog', () => {
  it('gives every metric a help text', () => {
    for (const metric of metrics) expect(metric.help.trim(), metric.name).not.toBe('');
  });

  it('prefixes every metric with wharf_ and ends counters in _total', () => {
    for (const metric of metrics) {
      expect(metric.name).toMatch(/^wharf_/);
      if (metric.type === 'counter') expect(metric.name).toMatch(/_total$/);
    }
  });
});

// Whether each dashboard query parses, reads metrics and labels that exist
// and returns data is proven on a real Prometheus scraping a real ingress and
// worker: test/integration/monitoring/dashboard.test.ts.
describe('the Grafana dashboard', () => {
  it("shows every one of Wharf's own metrics, and the processes' memory, CPU and event loop", () => {
    const read = new Set(
      panels().flatMap((panel) => panel.targets.flatMap((t) => metricsOf(t.expr))),
    );
    const base = (series: string) => index.get(series)?.metric.name;
    const shown = new Set([...read].map(base));
    for (const metric of wharfMetrics) expect(shown, metric.name).toContain(metric.name);
    for (const name of [
      'wharf_process_resident_memory_bytes',
      'wharf_process_cpu_seconds_total',
      'wharf_nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(read).toContain(name);
    }
  });

  it('has the panels the runbook names', () => {
    const titles = panels().map((panel) => panel.title);
    for (const title of [
      'Requests by source and status',
      'Request latency',
      'Records landed',
      'Throughput by event type',
      'Processing latency',
      'Dead-letter records by code',
      'Deduplicated records',
      'Consumer lag per partition',
      'Memory',
      'CPU',
      'Event-loop lag',
    ]) {
      expect(titles).toContain(title);
    }
  });

  it('takes its data source from the DS_PROMETHEUS variable, which works under compose and the chart', () => {
    const dashboard = record(readJson(DASHBOARD));
    const variable = list(record(dashboard.templating).list)
      .map(record)
      .find((item) => item.name === 'DS_PROMETHEUS');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const reference = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };
    for (const panel of panels()) {
      expect(panel.datasource, panel.title).toEqual(reference);
      for (const target of panel.targets) expect(target.datasource, panel.title).toEqual(reference);
    }
    // Grafana resolves the variable to the default Prometheus data source: compose provisions one.
    const provisioned = list(
      record(readYaml('deploy/compose/grafana/provisioning/datasources/prometheus.yml'))
        .datasources,
    ).map(record);
    expect(provisioned).toContainEqual(
      expect.objectContaining({ type: 'prometheus', isDefault: true }),
    );
  });

  it('has a stable uid and no panel id twice', () => {
    const dashboard = record(readJson(DASHBOARD));
    expect(dashboard.uid).toBe('wharf');
    const ids = list(dashboard.panels).map((panel) => record(panel).id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('the alert rules', () => {
  it('read only catalog metrics, with labels they have, in balanced expressions', () => {
    const all = rules();
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const rule of all) expect(expressionProblems(rule.expr, index), rule.alert).toEqual([]);
  });

  it('cover dead letters, lag, 5xx answers, produce latency, a worker that processes nothing, a topic too small and Kafka refusing a process', () => {
    const read = (alert: string) =>
      metricsOf(rules().find((rule) => rule.alert === alert)?.expr ?? '');
    expect(read('WharfDeadLetterRateHigh')).toContain('wharf_worker_dead_letter_records_total');
    expect(read('WharfConsumerLagGrowing')).toContain('wharf_worker_consumer_lag_records');
    expect(read('WharfIngress5xxRateHigh')).toContain(
      'wharf_ingress_request_duration_seconds_count',
    );
    expect(read('WharfProduceLatencyHigh')).toContain(
      'wharf_kafka_produce_duration_seconds_bucket',
    );
    expect(read('WharfWorkerNotProcessing')).toEqual(
      expect.arrayContaining([
        'wharf_ingress_webhooks_accepted_total',
        'wharf_worker_records_total',
      ]),
    );
    expect(read('WharfTopicTooSmall')).toContain('wharf_kafka_topic_misconfigured');
    expect(read('WharfKafkaConnectionRefused')).toContain('wharf_kafka_connection_problem');
  });

  it('each have a unique name, a duration, a severity and a summary', () => {
    const all = rules();
    expect(new Set(all.map((rule) => rule.alert)).size).toBe(all.length);
    for (const rule of all) {
      expect(rule.alert).toMatch(/^Wharf[A-Za-z0-9]+$/);
      expect(String(rule.for)).toMatch(/^[0-9]+[smh]$/);
      expect(['warning', 'critical']).toContain(rule.labels.severity);
      expect(String(rule.annotations.summary)).not.toBe('');
      expect(String(rule.annotations.description)).not.toBe('');
    }
  });
});

describe('one dashboard and one rules file for compose and the chart', () => {
  it('the chart embeds them and compose mounts them', () => {
    expect(readText('helm/wharf/templates/dashboard-configmap.yaml')).toContain(
      '.Files.Get "dashboards/wharf.json"',
    );
    expect(readText('helm/wharf/templates/prometheusrule.yaml')).toContain(
      '.Files.Get "files/alerts.yaml"',
    );
    const services = record(record(readYaml('docker-compose.yml')).services);
    const mounts = (service: string) => list(record(services[service]).volumes).map(String);
    expect(mounts('grafana').some((mount) => mount.startsWith('./helm/wharf/dashboards:'))).toBe(
      true,
    );
    expect(mounts('prometheus').some((mount) => mount.startsWith(`./${ALERTS}:`))).toBe(true);
  });
});
