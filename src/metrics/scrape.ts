/**
 * Reading a running Wharf's metrics from its endpoint: what `wharf status`
 * prints and what the soak benchmark watches.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { PrometheusFamily } from 'parse-prometheus-text-format';

/** The counters and gauges of one scrape, by metric name. */
export class Scrape {
  readonly #families: ReadonlyMap<string, PrometheusFamily>;

  constructor(text: string) {
    this.#families = new Map(
      parsePrometheusTextFormat(text).map((family) => [family.name, family]),
    );
  }

  /** The samples of `name` whose labels include `labels`, with their labels. */
  samples(
    name: string,
    labels: Readonly<Record<string, string>> = {},
  ): { value: number; labels: Readonly<Record<string, string>> }[] {
    const family = this.#families.get(name);
    if (family === undefined || family.type === 'HISTOGRAM' || family.type === 'SUMMARY') return [];
    return family.metrics
      .map((sample) => ({ value: Number(sample.value), labels: sample.labels ?? {} }))
      .filter((sample) =>
        Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
      );
  }

  /** The sum of `name`'s samples whose labels include `labels` (undefined when it has none). */
  sum(name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
    const samples = this.samples(name, labels);
    return samples.length === 0
      ? undefined
      : samples.reduce((total, sample) => total + sample.value, 0);
  }
}

/** Scrapes a metrics endpoint (the full URL, e.g. http://host:9091/metrics). */
export async function scrape(url: string, timeoutMs = 5_000): Promise<Scrape> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${url} answered ${String(response.status)}`);
  return new Scrape(await response.text());
}
