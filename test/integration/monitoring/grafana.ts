/**
 * Reading a Grafana dashboard the way Grafana queries Prometheus for it: its
 * panels (those inside collapsed rows too), their PromQL targets, and the
 * expressions with Grafana's variables replaced by the values Grafana would
 * send for a given time range.
 */
import { list, record } from '../../unit/ops/files.ts';

/** One query of a panel. */
export interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat: string;
  /** Whether Grafana asks for a range (`query_range`) and for an instant (`query`). */
  readonly range: boolean;
  readonly instant: boolean;
}

/** A panel that queries Prometheus. */
export interface Panel {
  readonly id: number;
  readonly title: string;
  readonly type: string;
  /** The panel's own minimum interval (`interval`, e.g. `1m`), if set. */
  readonly minInterval: string | undefined;
  readonly targets: readonly Target[];
}

/** Every panel of a dashboard, rows left out and the panels of collapsed rows in. */
export function dashboardPanels(dashboard: unknown): Panel[] {
  const flat = list(record(dashboard).panels)
    .map(record)
    .flatMap((panel) => (panel.type === 'row' ? list(panel.panels).map(record) : [panel]));
  return flat.map((panel) => {
    const type = String(panel.type);
    return {
      id: Number(panel.id),
      title: String(panel.title),
      type,
      minInterval: typeof panel.interval === 'string' ? panel.interval : undefined,
      targets: list(panel.targets)
        .map(record)
        .filter((target) => typeof target.expr === 'string')
        .map((target) => {
          // Grafana's defaults: a time series asks for a range, other panels for an instant.
          const range = typeof target.range === 'boolean' ? target.range : type === 'timeseries';
          const instant = typeof target.instant === 'boolean' ? target.instant : !range;
          return {
            refId: String(target.refId),
            expr: String(target.expr),
            legendFormat: typeof target.legendFormat === 'string' ? target.legendFormat : '',
            range,
            instant,
          };
        }),
    };
  });
}

/** Seconds in a Prometheus duration such as `1m30s` (no `y`, `w` or `d` here). */
export function durationSeconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+)(ms|s|m|h)/g)];
  if (parts.map((part) => part[0]).join('') !== duration)
    throw new Error(`"${duration}" is not a duration`);
  const unit: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  return parts.reduce(
    (sum, [, count, suffix]) => sum + Number(count) * (unit[suffix ?? ''] ?? 0),
    0,
  );
}

/** What Grafana's variables depend on. */
export interface QueryContext {
  /** The dashboard's time range, in seconds. */
  readonly rangeSeconds: number;
  /** The data source's scrape interval (its "Scrape interval" setting), in seconds. */
  readonly scrapeSeconds: number;
  /** Points Grafana asks for (the panel's width in pixels, or its Max data points). */
  readonly maxDataPoints: number;
}

/**
 * The values Grafana gives its built-in variables for a panel:
 * `$__interval` is the range over the points wanted, no less than the panel's
 * minimum interval or the scrape interval (Grafana also rounds it to a
 * "nice" step, which does not matter here); `$__rate_interval` is
 * max($__interval + scrape interval, 4 × scrape interval).
 */
export function builtInVariables(
  panel: Panel,
  { rangeSeconds, scrapeSeconds, maxDataPoints }: QueryContext,
): Record<string, string> {
  const floor =
    panel.minInterval === undefined ? scrapeSeconds : durationSeconds(panel.minInterval);
  const interval = Math.max(floor, Math.ceil(rangeSeconds / maxDataPoints));
  const rateInterval = Math.max(interval + scrapeSeconds, 4 * scrapeSeconds);
  const range = Math.ceil(rangeSeconds);
  return {
    __interval: `${String(interval)}s`,
    __interval_ms: String(interval * 1000),
    __rate_interval: `${String(rateInterval)}s`,
    __rate_interval_ms: String(rateInterval * 1000),
    __range: `${String(range)}s`,
    __range_s: String(range),
    __range_ms: String(range * 1000),
  };
}

/**
 * The values of the dashboard's template variables, as Grafana substitutes
 * them in a query with every option selected: a variable with "All" gives
 * its all-value (a regex matching everything by default), a constant, custom
 * or text-box variable its current value. A data-source variable picks the
 * data source, never text in a query, and gets no value.
 *
 * @throws on a kind of variable this reader does not know how to fill.
 */
export function templateVariables(dashboard: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  for (const variable of list(record(record(dashboard).templating).list).map(record)) {
    const name = String(variable.name);
    const current = record(variable.current).value;
    const currentValue = Array.isArray(current) ? current.map(String).join('|') : current;
    switch (variable.type) {
      case 'datasource':
        break;
      case 'query':
      case 'custom':
        if (variable.includeAll === true) {
          values[name] = typeof variable.allValue === 'string' ? variable.allValue : '.*';
          break;
        }
        if (typeof currentValue !== 'string')
          throw new Error(`variable ${name} has no "All" option and no current value`);
        values[name] = currentValue;
        break;
      case 'constant':
      case 'textbox':
      case 'interval':
        values[name] = typeof currentValue === 'string' ? currentValue : String(variable.query);
        break;
      default:
        throw new Error(`variable ${name} is of type ${String(variable.type)}, not filled here`);
    }
  }
  return values;
}

/**
 * An expression with its variables replaced (`$name`, `${name}`,
 * `${name:format}`, `[[name]]`).
 *
 * @throws naming a variable that has no value.
 */
export function substitute(expression: string, values: Readonly<Record<string, string>>): string {
  return expression.replace(
    /\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g,
    (written, braced?: string, bracketed?: string, bare?: string) => {
      const name = braced ?? bracketed ?? bare ?? '';
      const value = values[name];
      if (value === undefined) throw new Error(`no value for ${written} in ${expression}`);
      return value;
    },
  );
}
