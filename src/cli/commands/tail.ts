/**
 * `wharf tail <domain|topic>`: prints the events arriving on a domain topic
 * (or any topic), decoded through the schema registry.
 *
 * Tailing must never disturb the workers or other consumers: it joins a
 * consumer group of its own with a random name, commits nothing, and places
 * itself on the offsets it read when it started (the end, or the beginning),
 * so what it shows does not depend on group state.
 */
import { randomUUID } from 'node:crypto';
import { styleText } from 'node:util';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Option } from 'commander';
import type { Command } from 'commander';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { ConfigError, loadConnectionSecurity, loadWorkerSettings } from '../../config/config.ts';
import type { RegistrySecurity } from '../../config/security.ts';
import { EXIT_CONNECTION } from '../../kafka/connection-problem.ts';
import { createRegistryClient } from '../../kafka/registry-client.ts';
import { DOMAINS } from '../../canonical/model.ts';
import type { Domain } from '../../canonical/model.ts';
import { connectionFailureLine, operatorKafka } from '../../ops/operator-kafka.ts';
import type { OperatorConnection } from '../../ops/operator-kafka.ts';
import {
  addBrokersOption,
  brokerList,
  collect,
  httpUrl,
  integerAtLeast,
  seconds,
} from '../options.ts';
import { printable, printableJson } from '../printable.ts';

/** Exit code when a domain's topic is missing or reading failed, or --timeout came before --max events. */
const EXIT_FAILED = 1;
/** Exit code of usage errors (an unknown domain or topic among them). */
const EXIT_USAGE = 2;
/** The Confluent wire format: magic byte 0, 4-byte schema id, then Avro. */
const WIRE_HEADER_BYTES = 5;

interface TailOptions {
  readonly brokers?: readonly string[];
  readonly registry?: string;
  readonly fromBeginning?: boolean;
  readonly type: readonly string[];
  readonly subject: readonly string[];
  readonly max?: number;
  readonly timeout?: number;
  readonly json?: boolean;
}

/** What tail resolved from its arguments and the environment. */
interface TailPlan {
  readonly topic: string;
  /** Whether the argument named a domain (else it names a topic). */
  readonly isDomain: boolean;
  readonly connection: OperatorConnection;
  readonly registryUrl: string | undefined;
  readonly registrySecurity: RegistrySecurity;
}

/** The topic tail was asked for does not exist. */
class MissingTopicError extends Error {
  override readonly name = 'MissingTopicError';
}

/** One record as tail shows it: the decoded canonical event, or the record itself. */
type Shown =
  | { readonly kind: 'event'; readonly event: Record<string, unknown> }
  | { readonly kind: 'record'; readonly record: Record<string, unknown> };

/** `*` matches any run of characters; everything else is literal. */
function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** A filter on a string field: any pattern may match; no pattern passes everything. */
function fieldFilter(patterns: readonly string[]): (value: unknown) => boolean {
  const expressions = patterns.map(globToRegExp);
  return (value) =>
    expressions.length === 0 ||
    (typeof value === 'string' && expressions.some((expression) => expression.test(value)));
}

/** The brokers of `--brokers` (parsed by commander), else of KAFKA_BROKERS; problems go to `issues`. */
function brokersOf(options: TailOptions, issues: string[]): readonly string[] {
  if (options.brokers !== undefined) return options.brokers;
  const variable = process.env.KAFKA_BROKERS ?? '';
  if (!/[^\s,]/.test(variable)) {
    issues.push('KAFKA_BROKERS (or --brokers): required, host:port list, comma-separated');
    return [];
  }
  try {
    return brokerList(variable);
  } catch {
    issues.push('KAFKA_BROKERS: must be host:port');
    return [];
  }
}

function resolvePlan(target: string, options: TailOptions): TailPlan {
  const isDomain = (DOMAINS as readonly string[]).includes(target);
  const topic = isDomain ? loadWorkerSettings().domainTopics[target as Domain] : target;
  const issues: string[] = [];
  const brokers = brokersOf(options, issues);
  let registryUrl = options.registry ?? (process.env.SCHEMA_REGISTRY_URL || undefined);
  if (registryUrl !== undefined && options.registry === undefined) {
    try {
      registryUrl = httpUrl(registryUrl);
    } catch {
      issues.push('SCHEMA_REGISTRY_URL: must be an http(s) URL');
    }
  }
  if (isDomain && registryUrl === undefined) {
    issues.push(`SCHEMA_REGISTRY_URL (or --registry): required to decode the events of ${topic}`);
  }
  let security: ReturnType<typeof loadConnectionSecurity> | undefined;
  try {
    security = loadConnectionSecurity();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
  }
  if (issues.length > 0 || security === undefined) throw new ConfigError(issues);
  const connection: OperatorConnection = {
    clientId: 'wharf-tail',
    brokers,
    setting: options.brokers === undefined ? 'KAFKA_BROKERS' : '--brokers',
    security: security.kafka,
  };
  return { topic, isDomain, connection, registryUrl, registrySecurity: security.registry };
}

function headerStrings(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = first.toString();
  }
  return headers;
}

/** A record value as JSON when it is JSON, as text otherwise. */
function readableValue(value: Buffer | null): unknown {
  if (value === null) return null;
  const text = value.toString('utf8');
  try {
    const parsed = JSON.parse(text) as unknown;
    // JSON nested too deeply to be written back is shown as its text.
    return printableJson(parsed) === undefined ? text : parsed;
  } catch {
    return text;
  }
}

/** Decodes a record: Confluent-framed Avro through the registry, anything else as it is. */
async function decodeRecord(
  registry: SchemaRegistry | undefined,
  topic: string,
  partition: number,
  message: KafkaMessage,
): Promise<Shown> {
  const value = message.value;
  if (registry && value && value.length > WIRE_HEADER_BYTES && value[0] === 0) {
    const event = (await registry.decode(value)) as Record<string, unknown>;
    return { kind: 'event', event };
  }
  return {
    kind: 'record',
    record: {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString('utf8') ?? null,
      headers: headerStrings(message),
      value: readableValue(value),
    },
  };
}

/** One line for a person: time, type, subject, then where the record is. */
function prettyLine(shown: Shown, topic: string, partition: number, offset: string): string {
  const where = styleText('dim', `${topic}[${String(partition)}]@${offset}`, {
    stream: process.stdout,
  });
  if (shown.kind === 'record') {
    const value = printableJson(shown.record.value) ?? '';
    return `${where}  key=${printable(String(shown.record.key))}  ${value.slice(0, 300)}`;
  }
  const { time, type, subject } = shown.event;
  const styled = styleText('bold', printable(String(type)).padEnd(34), { stream: process.stdout });
  return `${printable(String(time))}  ${styled}  ${printable(String(subject))}  ${where}`;
}

/** The first offsets to show on each partition: the end now, or the beginning. */
async function startOffsets(
  kafka: Kafka,
  topic: string,
  fromBeginning: boolean,
): Promise<Map<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) throw new MissingTopicError(topic);
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(
      offsets.map(({ partition, low, high }) => [partition, fromBeginning ? low : high]),
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Why tail cannot start and its exit code: a domain's topic the worker has
 * not created yet is a failure; a name that is neither a domain nor a topic
 * is a usage error, answered with the domains.
 */
function startFailure(
  error: unknown,
  target: string,
  plan: TailPlan,
): { readonly line: string; readonly code: number } {
  if (error instanceof MissingTopicError) {
    return plan.isDomain
      ? {
          line: `${plan.topic}: no such topic (is the worker running, and WHARF_${target.toUpperCase()}_TOPIC right?)`,
          code: EXIT_FAILED,
        }
      : {
          line: `${target}: neither a domain (${DOMAINS.join(', ')}) nor a topic on ${plan.connection.brokers.join(',')}`,
          code: EXIT_USAGE,
        };
  }
  const unreachable = connectionFailureLine(error, plan.connection);
  return unreachable === undefined
    ? { line: `cannot read ${plan.topic}: ${describe(error)}`, code: EXIT_FAILED }
    : { line: `cannot read ${plan.topic}: ${unreachable}`, code: EXIT_CONNECTION };
}

async function tail(target: string, options: TailOptions): Promise<void> {
  let plan: TailPlan;
  try {
    plan = resolvePlan(target, options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  const { topic } = plan;
  const kafka = operatorKafka(plan.connection);
  const registry = plan.registryUrl
    ? createRegistryClient(plan.registryUrl, plan.registrySecurity)
    : undefined;
  const pretty = !options.json && process.stdout.isTTY;
  const typeMatches = fieldFilter(options.type);
  const subjectMatches = fieldFilter(options.subject);
  const filtering = options.type.length > 0 || options.subject.length > 0;

  let positions: Map<number, string>;
  try {
    positions = await startOffsets(kafka, topic, options.fromBeginning ?? false);
  } catch (error) {
    const failure = startFailure(error, target, plan);
    process.stderr.write(`${failure.line}\n`);
    process.exitCode = failure.code;
    return;
  }

  let shown = 0;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const stopOn = (signal: NodeJS.Signals) => {
    process.once(signal, () => {
      finish(0);
    });
  };
  stopOn('SIGINT');
  stopOn('SIGTERM');
  // A reader that went away (`| head`) ends the tail, not the process with an error.
  process.stdout.on('error', () => {
    finish(0);
  });
  const { timeout, max } = options;
  const timer =
    timeout === undefined
      ? undefined
      : setTimeout(() => {
          if (max !== undefined) {
            process.stderr.write(
              `timed out after ${String(timeout / 1000)} s with ` +
                `${String(shown)} of ${String(max)} events\n`,
            );
          }
          finish(max === undefined ? 0 : EXIT_FAILED);
        }, timeout);

  // A group of its own: never shares partitions or offsets with anyone.
  const groupId = `wharf-tail-${randomUUID()}`;
  const consumer: Consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 500,
    allowAutoTopicCreation: false,
  });
  // Every (re)assignment starts where tail is, not where a group reset would.
  consumer.on(consumer.events.GROUP_JOIN, () => {
    for (const [partition, offset] of positions) consumer.seek({ topic, partition, offset });
  });
  const fail = (error: unknown) => {
    const failure = startFailure(error, target, plan);
    process.stderr.write(`${failure.line}\n`);
    finish(failure.code);
  };
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) fail(payload.error);
  });

  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? false });
    process.stderr.write(
      `tailing ${topic} from ${options.fromBeginning ? 'the beginning' : 'the end'}` +
        `${filtering ? ', filtered' : ''} (group ${groupId}, commits nothing); Ctrl-C stops\n`,
    );
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (options.max !== undefined && shown >= options.max) return;
        positions.set(partition, (BigInt(message.offset) + 1n).toString());
        let decoded: Shown;
        try {
          decoded = await decodeRecord(registry, topic, partition, message);
        } catch (error) {
          process.stderr.write(
            `${topic}[${String(partition)}]@${message.offset}: cannot decode: ${describe(error)}\n`,
          );
          return;
        }
        if (filtering) {
          if (decoded.kind !== 'event') return;
          if (!typeMatches(decoded.event.type) || !subjectMatches(decoded.event.subject)) return;
        }
        process.stdout.write(
          pretty
            ? `${prettyLine(decoded, topic, partition, message.offset)}\n`
            : `${printableJson(decoded.kind === 'event' ? decoded.event : decoded.record) ?? ''}\n`,
        );
        shown += 1;
        if (options.max !== undefined && shown >= options.max) finish(0);
      },
    });
  } catch (error) {
    fail(error);
  }

  const code = await finished;
  clearTimeout(timer);
  await consumer.disconnect().catch(() => undefined);
  // kafkajs may keep a retry timer; tail is done.
  process.exit(code);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Registers the command. */
export function registerTail(program: Command): void {
  const tailCommand = program
    .command('tail')
    .description(
      `Print the events arriving on a domain (${DOMAINS.join(', ')}; its topic from ` +
        'WHARF_<DOMAIN>_TOPIC) or on any topic, decoded through the schema registry: one line ' +
        'per event, readable on a terminal, JSON lines otherwise. Reads without committing, in ' +
        'a consumer group of its own, so the workers are not disturbed. Records that are not ' +
        'registry-encoded Avro (raw, dead-letter topics) print as {topic, partition, offset, ' +
        "key, headers, value}. Exit 0 when stopped (Ctrl-C, --max), 1 when a domain's topic " +
        'does not exist yet, a read fails or --timeout ends before --max events, 2 on usage ' +
        'errors (a name that is neither a domain nor a topic among them), 3 when Kafka cannot ' +
        'be reached or refuses the credentials.',
    )
    .argument('<domain|topic>', `a domain (${DOMAINS.join(', ')}) or an existing topic`);
  addBrokersOption(tailCommand)
    .addOption(
      new Option(
        '--registry <url>',
        'schema registry URL (default: SCHEMA_REGISTRY_URL)',
      ).argParser(httpUrl),
    )
    .option('--from-beginning', 'start at the oldest record instead of the end')
    .option(
      '--type <pattern>',
      'show only events whose type matches (* is a wildcard, e.g. "order.*"; repeatable)',
      collect,
      [],
    )
    .option(
      '--subject <pattern>',
      'show only events whose subject matches (* is a wildcard; repeatable)',
      collect,
      [],
    )
    .option('--max <n>', 'stop after printing this many events', integerAtLeast(1))
    .option('--timeout <seconds>', 'stop after this long', seconds)
    .option('--json', 'print JSON lines even on a terminal')
    .action((target: string, options: TailOptions) => tail(target, options));
}
