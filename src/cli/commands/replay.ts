/**
 * `wharf replay`: sends chosen dead letters back to their raw topic, to be
 * processed again once what made them fail (configuration, code) is fixed.
 * It only copies: the dead-letter topic keeps every record, so an
 * interrupted replay loses nothing and can simply be run again.
 */
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import type { Kafka } from 'kafkajs';
import { createProducer } from '../../kafka/client.ts';
import type { CommandIo } from '../../ops/command-io.ts';
import { EXIT_FAILURE, EXIT_USAGE, processIo } from '../../ops/command-io.ts';
import type { DeadLetter } from '../../ops/dead-letters.ts';
import { connectionFailureLine, reportKafkaFailure } from '../../ops/operator-kafka.ts';
import { planRedrive, sendRedrives } from '../../ops/redrive.ts';
import type { RedriveFailure, RedrivePlan } from '../../ops/redrive.ts';
import { addBrokersOption } from '../options.ts';
import { printable } from '../printable.ts';
import { addSelectionOptions, opsKafka, prepare, selectDeadLetters } from './dlq.ts';
import type { ConnectionOptions, SelectionOptions } from './dlq.ts';

interface ReplayOptions extends SelectionOptions, ConnectionOptions {
  readonly all?: boolean;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

type SendPlan = Extract<RedrivePlan, { kind: 'send' }>;

/** What a replay did (or, dry, would do). */
interface Summary {
  readonly dryRun: boolean;
  readonly selected: number;
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
}

function hasCriterion(options: ReplayOptions): boolean {
  return [options.code, options.source, options.since, options.until, options.offsets].some(
    (value) => value !== undefined,
  );
}

/** Target topics that do not exist: sending there would wait forever (no auto-creation). */
async function missingTopics(kafka: Kafka, plans: readonly SendPlan[]): Promise<Set<string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    return new Set(plans.map((plan) => plan.topic).filter((topic) => !existing.has(topic)));
  } finally {
    await admin.disconnect();
  }
}

/** Sends with a progress bar on stderr when it is a terminal. */
async function send(
  kafka: Kafka,
  plans: readonly SendPlan[],
  io: CommandIo,
): Promise<RedriveFailure[]> {
  const bar = io.stderr.isTTY
    ? new SingleBar({
        stream: io.stderr,
        format: 'replay [{bar}] {value}/{total} records  {eta_formatted} left',
        hideCursor: true,
      })
    : undefined;
  const producer = createProducer(kafka);
  await producer.connect();
  bar?.start(plans.length, 0);
  try {
    return await sendRedrives(producer, plans, (settled) => bar?.update(settled));
  } finally {
    bar?.stop();
    await producer.disconnect();
  }
}

async function replay(options: ReplayOptions, io: CommandIo): Promise<void> {
  if (!options.all && !hasCriterion(options)) {
    io.stderr.write(
      'replay: say which dead letters to redrive (--code, --source, --since, --until, --offsets) or --all\n',
    );
    io.setExitCode(EXIT_USAGE);
    return;
  }
  const prepared = prepare(options, io);
  if (!prepared) return;
  const { config, selection } = prepared;
  const kafka = opsKafka(config);
  const topic = config.deadLetterTopic;
  let records: DeadLetter[];
  try {
    ({ records } = await selectDeadLetters(kafka, topic, selection, options.limit, true));
  } catch (error) {
    reportKafkaFailure(error, `cannot read ${topic}`, config.connection, io);
    return;
  }
  const redrivenAt = new Date(io.now()).toISOString();
  const plans = records.map((record) => planRedrive(record, topic, config.rawTopics, redrivenAt));
  const sends = plans.filter((plan): plan is SendPlan => plan.kind === 'send');
  const skips = plans.filter((plan) => plan.kind === 'skip');

  let failures: RedriveFailure[] = [];
  if (!options.dryRun && sends.length > 0) {
    try {
      const missing = await missingTopics(kafka, sends);
      failures = sends
        .filter((plan) => missing.has(plan.topic))
        .map((plan) => ({
          record: plan.record,
          topic: plan.topic,
          error: `topic ${plan.topic} does not exist`,
        }));
      failures.push(
        ...(await send(
          kafka,
          sends.filter((plan) => !missing.has(plan.topic)),
          io,
        )),
      );
    } catch (error) {
      // Kafka went away before anything could be counted: nothing known sent.
      const why = connectionFailureLine(error, config.connection) ?? (error as Error).message;
      io.stderr.write(`cannot redrive to the raw topics: ${why}\n`);
      failures = sends.map((plan) => ({
        record: plan.record,
        topic: plan.topic,
        error: (error as Error).message,
      }));
    }
  }
  const summary: Summary = {
    dryRun: options.dryRun === true,
    selected: records.length,
    sent: options.dryRun ? 0 : sends.length - failures.length,
    skipped: skips.length,
    failed: failures.length,
  };
  report(summary, plans, failures, { topic, json: options.json === true }, io);
  if (failures.length > 0) io.setExitCode(EXIT_FAILURE);
}

/** Prints what was (or, dry, would be) done: JSON, or one line per record and a summary. */
function report(
  summary: Summary,
  plans: readonly RedrivePlan[],
  failures: readonly RedriveFailure[],
  context: { readonly topic: string; readonly json: boolean },
  io: CommandIo,
): void {
  const skippedRecords = plans.flatMap((plan) =>
    plan.kind === 'skip'
      ? [{ partition: plan.record.partition, offset: plan.record.offset, reason: plan.reason }]
      : [],
  );
  const failedRecords = failures.map(({ record, topic, error }) => ({
    partition: record.partition,
    offset: record.offset,
    topic,
    error,
  }));
  const wouldSend = summary.dryRun
    ? plans.flatMap((plan) => (plan.kind === 'send' ? [wouldSendItem(plan)] : []))
    : [];
  if (context.json) {
    const details = summary.dryRun
      ? { wouldSend, skippedRecords }
      : { skippedRecords, failedRecords };
    io.stdout.write(`${JSON.stringify({ ...summary, topic: context.topic, ...details })}\n`);
    return;
  }
  // Keys, sources and topics come from the records: one line each, safe for a terminal.
  const line = (text: string) => io.stdout.write(`${printable(text)}\n`);
  for (const item of wouldSend) {
    line(
      `would send ${String(item.partition)}:${item.offset} (${item.code}, ${item.source ?? 'no source'}) ` +
        `to ${item.topic}, key ${item.key ?? '(none)'}, redrive ${String(item.redriveCount)}`,
    );
  }
  for (const item of skippedRecords) {
    line(`skipped ${String(item.partition)}:${item.offset}: ${item.reason}`);
  }
  for (const item of failedRecords) {
    line(`failed ${String(item.partition)}:${item.offset} to ${item.topic}: ${item.error}`);
  }
  const done = summary.dryRun
    ? `${String(wouldSend.length)} would be sent`
    : `${String(summary.sent)} sent`;
  io.stdout.write(
    `${summary.dryRun ? 'dry run, nothing written: ' : ''}${String(summary.selected)} selected, ` +
      `${done}, ${String(summary.skipped)} skipped, ${String(summary.failed)} failed\n`,
  );
}

function wouldSendItem(plan: SendPlan) {
  return {
    partition: plan.record.partition,
    offset: plan.record.offset,
    code: plan.record.code,
    source: plan.record.source ?? null,
    topic: plan.topic,
    key: plan.record.key?.toString('utf8') ?? null,
    redriveCount: plan.record.redriveCount + 1,
  };
}

/** Registers `wharf replay`. */
export function registerReplay(program: Command, io: CommandIo = processIo()): void {
  const replayCommand = program
    .command('replay')
    .description(
      "Redrive chosen dead letters to the raw topic they came from (else their source's raw " +
        'topic): same key, original bytes and raw headers, plus wharf-redriven-from, ' +
        'wharf-redriven-at and wharf-redrive-count. Copies only: the dead-letter topic keeps ' +
        'them. Exit 0, 1 when any record failed or the topic cannot be read, 2 on usage ' +
        'errors, 3 when Kafka cannot be reached or refuses the credentials.',
    );
  addSelectionOptions(addBrokersOption(replayCommand))
    .option(
      '--all',
      'redrive every dead letter (without it, a --code, --source, --since, --until or --offsets is required)',
    )
    .option('--dry-run', 'show what would be sent, and write nothing')
    .option('--json', 'print the summary (and, dry, the records) as one JSON document')
    .action((options: ReplayOptions) => replay(options, io));
}
