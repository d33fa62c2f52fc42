/**
 * `wharf dlq list`: what is in the dead-letter topic, grouped by what went
 * wrong and where from, or record by record. Also the selection options it
 * shares with `wharf replay`, so that both pick exactly the same records.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { Kafka } from 'kafkajs';
import { ConfigError } from '../../config/config.ts';
import { ERROR_CODES } from '../../errors.ts';
import { addBrokersOption } from '../options.ts';
import { printable } from '../printable.ts';
import { RAW_HEADERS } from '../../kafka/headers.ts';
import { SOURCES } from '../../providers/index.ts';
import type { CommandIo } from '../../ops/command-io.ts';
import { EXIT_USAGE, processIo } from '../../ops/command-io.ts';
import {
  groupDeadLetters,
  inDeadLetterOrder,
  isSelected,
  parseOffsetSelection,
  readDeadLetters,
} from '../../ops/dead-letters.ts';
import type {
  DeadLetter,
  DeadLetterGroup,
  DeadLetterSelection,
  EndOffsets,
  OffsetRange,
} from '../../ops/dead-letters.ts';
import { loadOpsConfig } from '../../ops/ops-config.ts';
import type { OpsConfig } from '../../ops/ops-config.ts';
import { operatorKafka, reportKafkaFailure } from '../../ops/operator-kafka.ts';
import { parseTimeBound } from '../../ops/time-range.ts';

/** The selection options as commander hands them over. */
export interface SelectionOptions {
  readonly code?: readonly string[];
  readonly source?: readonly string[];
  readonly since?: string;
  readonly until?: string;
  readonly offsets?: readonly OffsetRange[];
  readonly limit?: number;
}

/** Where to read: `--brokers`, parsed (KAFKA_BROKERS when absent). */
export interface ConnectionOptions {
  readonly brokers?: readonly string[];
}

function listOf<T extends string>(
  option: string,
  known: readonly T[],
  spell: (item: string) => string,
) {
  return (value: string, previous: readonly T[] | undefined): T[] => {
    const items = value
      .split(',')
      .map((item) => spell(item.trim()))
      .filter(Boolean);
    const unknown = items.filter((item) => !(known as readonly string[]).includes(item));
    if (items.length === 0 || unknown.length > 0) {
      throw new InvalidArgumentError(
        `${option} ${JSON.stringify(unknown.join(',') || value)}: expected one or more of ${known.join(', ')}`,
      );
    }
    return [...(previous ?? []), ...(items as T[])];
  };
}

function offsetsOption(value: string, previous: readonly OffsetRange[] | undefined): OffsetRange[] {
  try {
    return [...(previous ?? []), ...parseOffsetSelection(value)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new InvalidArgumentError(`--limit ${JSON.stringify(value)}: expected a whole number ≥ 1`);
  }
  return number;
}

/** Adds the options that pick dead letters (shared by `dlq list` and `replay`). */
export function addSelectionOptions(command: Command): Command {
  return command
    .option(
      '-c, --code <codes>',
      'only these error codes, comma-separated or repeated (e.g. UNKNOWN_EVENT_TYPE)',
      listOf('--code', ERROR_CODES, (item) => item.toUpperCase()),
    )
    .option(
      '-s, --source <sources>',
      `only these sources, comma-separated or repeated (${SOURCES.join(', ')})`,
      listOf('--source', SOURCES, (item) => item.toLowerCase()),
    )
    .option(
      '--since <time>',
      'only records dead-lettered at or after this ISO 8601 time, or this long ago (30m, 2h, 7d, PT2H)',
    )
    .option(
      '--until <time>',
      'only records dead-lettered before this ISO 8601 time, or this long ago (30m, 2h, 7d, PT2H)',
    )
    .option(
      '--offsets <list>',
      'only these dead-letter positions: partition:offset, partition:from-to or partition:from-, comma-separated or repeated',
      offsetsOption,
    )
    .option(
      '-n, --limit <n>',
      'at most this many records, the oldest first (the same ones in dlq list and replay)',
      positiveInteger,
    );
}

/** Turns the options into a selection; time bounds are read against `now`. */
export function selectionOf(options: SelectionOptions, now: number): DeadLetterSelection {
  return {
    ...(options.code ? { codes: new Set(options.code) } : {}),
    ...(options.source ? { sources: new Set(options.source) } : {}),
    ...(options.since === undefined
      ? {}
      : { since: parseTimeBound('--since', options.since, now) }),
    ...(options.until === undefined
      ? {}
      : { until: parseTimeBound('--until', options.until, now) }),
    ...(options.offsets ? { offsets: options.offsets } : {}),
  };
}

/** The operator commands' Kafka client (see ops/operator-kafka.ts): silent, quick to give up. */
export function opsKafka(config: OpsConfig): Kafka {
  return operatorKafka(config.connection);
}

/** The selected dead letters, oldest first, at most `limit` of them. */
export interface Selected {
  readonly records: DeadLetter[];
  /** Records read in all. */
  readonly read: number;
  readonly endOffsets: EndOffsets;
}

/**
 * Reads the dead-letter topic to its current end and keeps what the
 * selection picks. `keepBodies` false drops keys and values as they are read
 * (listing needs only headers).
 */
export async function selectDeadLetters(
  kafka: Kafka,
  topic: string,
  selection: DeadLetterSelection,
  limit: number | undefined,
  keepBodies: boolean,
): Promise<Selected> {
  const records: DeadLetter[] = [];
  let read = 0;
  const endOffsets = await readDeadLetters(kafka, topic, (record) => {
    read += 1;
    if (!isSelected(record, selection)) return;
    records.push(keepBodies ? record : { ...record, key: null, value: null });
  });
  const ordered = inDeadLetterOrder(records);
  return { records: limit === undefined ? ordered : ordered.slice(0, limit), read, endOffsets };
}

/**
 * Loads the configuration and the selection; a mistake in either is a
 * usage error, printed, and undefined is returned.
 */
export function prepare(
  options: SelectionOptions & ConnectionOptions,
  io: CommandIo,
): { config: OpsConfig; selection: DeadLetterSelection } | undefined {
  try {
    return {
      config: loadOpsConfig(io.env, options.brokers),
      selection: selectionOf(options, io.now()),
    };
  } catch (error) {
    io.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).message}\n`);
    io.setExitCode(EXIT_USAGE);
    return undefined;
  }
}

/** A dead letter as data, without its body. */
export function describeRecord(record: DeadLetter): Record<string, unknown> {
  return {
    partition: record.partition,
    offset: record.offset,
    deadLetteredAt: new Date(record.timestamp).toISOString(),
    source: record.source ?? null,
    code: record.code,
    stage: record.stage,
    message: record.message,
    path: record.path,
    key: record.key?.toString('utf8') ?? null,
    value: record.value?.toString('utf8') ?? null,
    originalTopic: record.originalTopic ?? null,
    originalPartition: record.originalPartition ?? null,
    originalOffset: record.originalOffset ?? null,
    receivedAt: record.receivedAt ?? null,
    requestId: record.headers[RAW_HEADERS.requestId]?.toString('utf8') ?? null,
    redriveCount: record.redriveCount,
  };
}

/** How much of a body a record's line shows; `--json` has all of it. */
const BODY_SHOWN_CHARACTERS = 200;

/** A body as one JSON string (newlines escaped), cut short with its size when long. */
function bodyText(value: Buffer | null): string {
  if (value === null) return '-';
  const text = value.toString('utf8');
  if (text.length <= BODY_SHOWN_CHARACTERS) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, BODY_SHOWN_CHARACTERS))}… (${String(value.length)} bytes)`;
}

/** One dead letter on one line, its key and body included, made safe for a terminal. */
export function recordLine(record: DeadLetter): string {
  return printable(
    [
      `${String(record.partition)}:${record.offset}`,
      new Date(record.timestamp).toISOString(),
      record.source ?? '(no source)',
      record.code,
      record.stage,
      record.path || '-',
      record.message,
      `key=${record.key?.toString('utf8') ?? '-'}`,
      `body=${bodyText(record.value)}`,
    ].join('  '),
  );
}

/** A group of dead letters as two lines, made safe for a terminal. */
export function groupLines(group: DeadLetterGroup): string[] {
  const { example } = group;
  return [
    `${group.code}  ${group.source ?? '(no source)'}  ${String(group.count)} record${group.count === 1 ? '' : 's'}  ${group.firstTime} … ${group.lastTime}`,
    `  e.g. ${String(example.partition)}:${example.offset} (${example.stage}) field ${example.path || '(none)'}: ${example.message}`,
  ].map(printable);
}

/** Where a read stopped, e.g. `0:12 1:0 2:7`. */
function endsText(ends: EndOffsets): string {
  return Object.entries(ends)
    .map(([partition, offset]) => `${partition}:${offset}`)
    .join(' ');
}

interface ListOptions extends SelectionOptions, ConnectionOptions {
  readonly records?: boolean;
  readonly json?: boolean;
}

async function list(options: ListOptions, io: CommandIo): Promise<void> {
  const prepared = prepare(options, io);
  if (!prepared) return;
  const { config, selection } = prepared;
  const topic = config.deadLetterTopic;
  let selected: Selected;
  try {
    // Groups need only the headers; records are shown with their keys and bodies.
    selected = await selectDeadLetters(
      opsKafka(config),
      topic,
      selection,
      options.limit,
      options.records === true,
    );
  } catch (error) {
    reportKafkaFailure(error, `cannot read ${topic}`, config.connection, io);
    return;
  }
  const { records, read, endOffsets } = selected;
  const groups = groupDeadLetters(records);
  if (options.json) {
    io.stdout.write(
      `${printable(
        JSON.stringify({
          topic,
          endOffsets,
          read,
          selected: records.length,
          groups,
          ...(options.records ? { records: records.map(describeRecord) } : {}),
        }),
      )}\n`,
    );
    return;
  }
  const lines = options.records ? records.map(recordLine) : groups.flatMap(groupLines);
  for (const line of lines) io.stdout.write(`${line}\n`);
  io.stdout.write(
    `${String(records.length)} of ${String(read)} dead letters selected, in ${String(groups.length)} group${groups.length === 1 ? '' : 's'} ` +
      `(${topic} read up to ${endsText(endOffsets) || 'its end'})\n`,
  );
}

/** Registers `wharf dlq` and its subcommand `list`. */
export function registerDlq(program: Command, io: CommandIo = processIo()): void {
  const dlq = program
    .command('dlq')
    .description(
      'Inspect the dead-letter topic (WHARF_DEAD_LETTER_TOPIC, on --brokers or KAFKA_BROKERS).',
    );
  const listCommand = dlq
    .command('list')
    .description(
      'Read the dead-letter topic from the beginning to its current end and show its records ' +
        'grouped by error code and source (count, first and last time, an example message and ' +
        'field path). Exit 0, 1 when the topic cannot be read, 2 on usage errors, 3 when Kafka ' +
        'cannot be reached or refuses the credentials.',
    );
  addSelectionOptions(addBrokersOption(listCommand))
    .option(
      '--records',
      'list the records one by one (partition:offset, time, source, code, stage, field, message, key, body)',
    )
    .option(
      '--json',
      'print one JSON document (groups, and records with their whole bodies with --records) instead of text',
    )
    .action((options: ListOptions) => list(options, io));
}
