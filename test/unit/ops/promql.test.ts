/**
 * The PromQL reader the dashboard and alert checks rely on: it must find
 * what is wrong, or those checks prove nothing.
 */
import { describe, expect, it } from 'vitest';
import { catalogMetrics, expressionProblems, metricsOf, seriesIndex } from './promql.ts';

const index = seriesIndex(catalogMetrics());

describe('the PromQL reader', () => {
  it('accepts sound expressions over catalog metrics', () => {
    for (const expression of [
      'sum by (source, status_code) (rate(wharf_ingress_request_duration_seconds_count[$__rate_interval]))',
      'histogram_quantile(0.99, sum by (le, topic) (rate(wharf_kafka_produce_duration_seconds_bucket[5m]))) > 1',
      'sum(rate(wharf_ingress_webhooks_accepted_total[10m])) > 0 and (sum(rate(wharf_worker_records_total[10m])) or vector(0)) == 0',
      'sum by (source) (rate(wharf_worker_records_total{outcome="routed", event_type=~".+"}[5m]))',
      'max by (job, instance) (wharf_nodejs_eventloop_lag_p99_seconds)',
    ]) {
      expect(expressionProblems(expression, index), expression).toEqual([]);
    }
  });

  it('finds the metric names, histogram series included', () => {
    expect(
      metricsOf(
        'histogram_quantile(0.5, sum by (le) (rate(wharf_ingress_request_duration_seconds_bucket[1m]))) / wharf_worker_consumer_lag_records{topic="x"}',
      ),
    ).toEqual([
      'wharf_ingress_request_duration_seconds_bucket',
      'wharf_worker_consumer_lag_records',
    ]);
  });

  it('reports a metric the catalog lacks, and a histogram read under its bare name', () => {
    expect(expressionProblems('rate(wharf_ingress_requests_total[5m])', index)).toEqual([
      'unknown metric wharf_ingress_requests_total',
    ]);
    expect(expressionProblems('rate(wharf_ingress_request_duration_seconds[5m])', index)).toEqual([
      'unknown metric wharf_ingress_request_duration_seconds',
    ]);
  });

  it('reports labels a metric does not have, in matchers and in by (...)', () => {
    expect(
      expressionProblems('sum by (topic) (rate(wharf_worker_records_total[5m]))', index),
    ).toEqual(['by (topic): wharf_worker_records_total has no label "topic"']);
    expect(expressionProblems('wharf_worker_dead_letter_records_total{status="x"}', index)).toEqual(
      ['wharf_worker_dead_letter_records_total has no label "status"'],
    );
  });

  it('reports a bucket aggregation that drops le', () => {
    expect(
      expressionProblems(
        'histogram_quantile(0.99, sum by (topic) (rate(wharf_kafka_produce_duration_seconds_bucket[5m])))',
        index,
      ),
    ).toEqual(['sum by (...) over wharf_kafka_produce_duration_seconds_bucket drops "le"']);
  });

  it('reports unbalanced brackets and the postfix grouping it does not read', () => {
    expect(expressionProblems('sum(rate(wharf_worker_records_total[5m])', index)).toEqual([
      'unbalanced "(": never closed',
    ]);
    expect(expressionProblems('sum(rate(wharf_worker_records_total[5m)))', index)).toEqual([
      'unbalanced brackets: "[" closed by ")"',
    ]);
    expect(
      expressionProblems('sum(rate(wharf_worker_records_total[5m])) by (source)', index)[0],
    ).toMatch(/must follow its aggregation/);
  });
});
