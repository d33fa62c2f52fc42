/**
 * What the operator commands that work through many items share: a progress
 * bar (cli-progress) drawn only when a person watches a terminal, and the
 * latency figures of a summary.
 */
import cliProgress from 'cli-progress';

/** Progress of a known number of items. */
export interface Progress {
  /** Counts `by` more items as done (default 1). */
  increment(by?: number): void;
  /** Removes the bar; call it before printing the summary. */
  stop(): void;
}

/** Options of {@link startProgress}. */
export interface ProgressOptions {
  /** What is counted, shown before the bar (e.g. "sending"). */
  readonly label?: string;
  /** Where the bar is drawn (default stderr, so that stdout stays for results). */
  readonly stream?: NodeJS.WriteStream;
}

const silent: Progress = { increment: () => undefined, stop: () => undefined };

/**
 * Starts a progress bar over `total` items. Scripts, pipes and CI logs get
 * none (the stream is not a terminal), nor does a single item.
 */
export function startProgress(total: number, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (!stream.isTTY || total <= 1) return silent;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${options.label ?? 'progress'} [{bar}] {percentage}% | {value}/{total} | {duration}s`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    increment: (by = 1) => {
      bar.increment(by);
    },
    stop: () => {
      bar.stop();
    },
  };
}

/** Latency figures of a summary, in milliseconds (null when nothing was measured). */
export interface LatencySummary {
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** The value below which `fraction` of the sorted values lie (nearest rank). */
function percentile(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? null;
}

/** p50, p99 and max of durations in milliseconds, rounded to 0.1 ms. */
export function summarizeLatencies(durationsMs: readonly number[]): LatencySummary {
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const round = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);
  return {
    p50: round(percentile(sorted, 0.5)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.at(-1) ?? null),
  };
}

/** `p50 12 ms, p99 30.5 ms, max 31 ms`, for a human summary. */
export function formatLatencies(latency: LatencySummary): string {
  const ms = (value: number | null) => (value === null ? '-' : `${String(value)} ms`);
  return `p50 ${ms(latency.p50)}, p99 ${ms(latency.p99)}, max ${ms(latency.max)}`;
}
