/**
 * What `wharf start` shows while it runs and what `wharf status` prints: a
 * one-line summary of the traffic (webhooks accepted and refused, records
 * routed, deduplicated and dead-lettered, the worker's lag) read from the
 * metrics, and each dead letter as one readable line instead of a JSON log
 * entry. The formatting is pure; the timer and the log destination are thin.
 */
import type { DestinationStream } from 'pino';
import type { Scrape } from '../metrics/scrape.ts';
import { DEAD_LETTER_LOG_MESSAGE } from '../worker/store.ts';
import { printable } from './printable.ts';

/** The catalog's metrics (src/metrics/catalog.ts) the summary reads. */
export const METRIC_NAMES = {
  accepted: 'wharf_ingress_webhooks_accepted_total',
  rejected: 'wharf_ingress_webhooks_rejected_total',
  records: 'wharf_worker_records_total',
  deadLettered: 'wharf_worker_dead_letter_records_total',
  lag: 'wharf_worker_consumer_lag_records',
} as const;

/** Counts by error code. */
export type CountsByCode = Readonly<Record<string, number>>;

/** What the summary says, as read from the metrics at one moment. */
export interface Counts {
  /** When they were read, ms since the epoch. */
  readonly at: number;
  /** Webhooks the ingress stored in Kafka and answered 200. */
  readonly accepted: number;
  /** Webhooks the ingress refused, by error code. */
  readonly rejected: CountsByCode;
  /** Canonical events the worker wrote to their domain topics. */
  readonly routed: number;
  /** Provider redeliveries the worker recognised. */
  readonly deduplicated: number;
  /** Records the worker sent to the dead-letter topic, by error code. */
  readonly deadLettered: CountsByCode;
  /** Records behind the end of the raw partitions; undefined before the worker's first batch. */
  readonly lag: number | undefined;
}

function byCode(samples: readonly { value: number; labels: Readonly<Record<string, string>> }[]) {
  const counts: Record<string, number> = {};
  for (const { value, labels } of samples) {
    const code = labels.code ?? 'unknown';
    counts[code] = (counts[code] ?? 0) + value;
  }
  return counts;
}

/** The counts in a scrape of the ingress's endpoint and one of the worker's (the same one in `wharf start`). */
export function countsOf(ingress: Scrape, worker: Scrape, at: number): Counts {
  return {
    at,
    accepted: ingress.sum(METRIC_NAMES.accepted) ?? 0,
    rejected: byCode(ingress.samples(METRIC_NAMES.rejected)),
    routed: worker.sum(METRIC_NAMES.records, { outcome: 'routed' }) ?? 0,
    deduplicated: worker.sum(METRIC_NAMES.records, { outcome: 'deduplicated' }) ?? 0,
    deadLettered: byCode(worker.samples(METRIC_NAMES.deadLettered)),
    lag: worker.sum(METRIC_NAMES.lag),
  };
}

/** How much a counter grew; a counter below its last value restarted from zero. */
function growth(before: number, after: number): number {
  return after >= before ? after - before : after;
}

function growthByCode(before: CountsByCode, after: CountsByCode): CountsByCode {
  return Object.fromEntries(
    Object.entries(after)
      .map(([code, count]): [string, number] => [code, growth(before[code] ?? 0, count)])
      .filter(([, count]) => count > 0),
  );
}

function total(counts: CountsByCode): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

/** `2 (UNKNOWN_EVENT_TYPE 2, INVALID_JSON 1)`: the total, then each code, most frequent first. */
function withCodes(counts: CountsByCode): string {
  const codes = Object.entries(counts)
    .sort(([codeA, a], [codeB, b]) => b - a || codeA.localeCompare(codeB))
    .map(([code, count]) => `${code} ${String(count)}`);
  return codes.length === 0 ? '0' : `${String(total(counts))} (${codes.join(', ')})`;
}

/** `5 s`, `0.5 s`: tenths only below a second (a timer's jitter is not news). */
function seconds(ms: number): string {
  const shown = ms < 950 ? Math.round(ms / 100) / 10 : Math.round(ms / 1000);
  return `${String(shown)} s`;
}

/** HH:MM:SS in local time. */
function clock(at: number): string {
  return new Date(at).toTimeString().slice(0, 8);
}

/** Whether anything counted, or the lag, moved between two readings. */
export function hasChanged(previous: Counts, current: Counts): boolean {
  return (
    current.accepted !== previous.accepted ||
    current.routed !== previous.routed ||
    current.deduplicated !== previous.deduplicated ||
    current.lag !== previous.lag ||
    total(growthByCode(previous.rejected, current.rejected)) > 0 ||
    total(growthByCode(previous.deadLettered, current.deadLettered)) > 0
  );
}

/**
 * One line saying what happened between two readings (everything counted so
 * far without a previous one), e.g. `12:00:05  last 5 s: accepted 9,
 * rejected 2 (AUTH_INVALID 2), routed 7, dead-lettered 1 (INVALID_JSON 1), lag 0`.
 * Refusals and redeliveries appear only when there were some.
 */
export function summaryLine(previous: Counts | undefined, current: Counts): string {
  const before: Counts = previous ?? {
    ...current,
    accepted: 0,
    rejected: {},
    routed: 0,
    deduplicated: 0,
    deadLettered: {},
  };
  const span = previous === undefined ? 'since start' : `last ${seconds(current.at - previous.at)}`;
  const rejected = growthByCode(before.rejected, current.rejected);
  const deduplicated = growth(before.deduplicated, current.deduplicated);
  const parts = [
    `accepted ${String(growth(before.accepted, current.accepted))}`,
    ...(total(rejected) > 0 ? [`rejected ${withCodes(rejected)}`] : []),
    `routed ${String(growth(before.routed, current.routed))}`,
    ...(deduplicated > 0 ? [`deduplicated ${String(deduplicated)}`] : []),
    `dead-lettered ${withCodes(growthByCode(before.deadLettered, current.deadLettered))}`,
    `lag ${current.lag === undefined ? 'unknown' : String(current.lag)}`,
  ];
  return `${clock(current.at)}  ${span}: ${parts.join(', ')}`;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field as terminal-safe text, or undefined when it is absent or empty. */
function field(entry: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = entry[name];
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  return String(value) === '' ? undefined : printable(String(value));
}

/**
 * The worker's `record dead-lettered` log entry as one line, e.g.
 * `12:00:03  dead letter  happycolis order/created  SCHEMA_VALIDATION_FAILED
 * at body.items[0].sku  (webhooks.raw.happycolis 2@17)`; undefined for any
 * other entry. Payload text (event type, path) is shown with escapes.
 */
export function deadLetterLine(entry: unknown): string | undefined {
  if (!isRecord(entry) || entry.msg !== DEAD_LETTER_LOG_MESSAGE) return undefined;
  const code = field(entry, 'code');
  if (code === undefined) return undefined;
  const time = typeof entry.time === 'number' ? `${clock(entry.time)}  ` : '';
  const what = [field(entry, 'source') ?? 'unknown source', field(entry, 'eventType')]
    .filter(Boolean)
    .join(' ');
  const path = field(entry, 'path');
  const why = path === undefined ? code : `${code} at ${path}`;
  const topic = field(entry, 'topic');
  const where =
    topic === undefined
      ? ''
      : `  (${topic} ${field(entry, 'partition') ?? '?'}@${field(entry, 'offset') ?? '?'})`;
  return `${time}dead letter  ${what}  ${why}${where}`;
}

/** A JSON log line with its dead letter rendered readable; any other line as it is. */
function terminalLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  const readable = deadLetterLine(entry);
  return readable === undefined ? line : `${readable}\n`;
}

/** A pino destination for a terminal: dead letters as readable lines, other entries as JSON. */
export function terminalLogDestination(write: (text: string) => void): DestinationStream {
  return {
    write(line: string) {
      write(terminalLine(line));
    },
  };
}

/** Options of {@link startLiveView}. */
export interface LiveViewOptions {
  /** Reads the counts now. */
  readonly read: () => Promise<Counts>;
  /** Receives each summary line, newline included. */
  readonly write: (line: string) => void;
  readonly intervalMs: number;
}

/**
 * Reads the counts now and then every interval, and writes a summary line
 * when something changed since the last reading; nothing while idle. A
 * failed reading is skipped: the next line spans from the last good one.
 */
export function startLiveView({ read, write, intervalMs }: LiveViewOptions): { stop(): void } {
  let last: Counts | undefined;
  let stopped = false;
  const tick = async () => {
    const current = await read().catch(() => undefined);
    if (stopped || current === undefined) return;
    if (last !== undefined && hasChanged(last, current)) write(`${summaryLine(last, current)}\n`);
    last = current;
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  // The view never keeps the process alive by itself.
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
