/**
 * The part of parse-prometheus-text-format (which ships no types) that Wharf
 * uses: counters and gauges as samples, each with its labels.
 */
declare module 'parse-prometheus-text-format' {
  /** One sample of a counter, gauge or untyped metric. */
  export interface PrometheusSample {
    readonly value: string;
    readonly labels?: Readonly<Record<string, string>>;
  }

  /** One metric family. Histograms and summaries carry other shapes, which Wharf does not read. */
  export interface PrometheusFamily {
    readonly name: string;
    readonly help: string;
    readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    readonly metrics: readonly PrometheusSample[];
  }

  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[];
}
