/**
 * `wharf transform`: runs the worker's pure pipeline on webhook bodies from
 * files or stdin, without Kafka or a schema registry, and prints one JSON
 * line per output record.
 */
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { Option } from 'commander';
import type { Command } from 'commander';
import { ConfigError, loadWorkerSettings } from '../../config/config.ts';
import { CANONICAL_TYPES } from '../../canonical/schemas.ts';
import { readProviderTime } from '../../canonical/time.ts';
import { RAW_HEADERS } from '../../kafka/headers.ts';
import { providerAdapters } from '../../providers/index.ts';
import { SOURCES } from '../../providers/index.ts';
import type { Source } from '../../providers/index.ts';
import { pipelineConfigOf } from '../../worker/pipeline.ts';
import { transformAndEncode } from '../../worker/encode.ts';
import type { PipelineOutput, RawRecord } from '../../worker/pipeline.ts';

/** Exit code when anything went to the dead-letter topic. */
export const EXIT_DEAD_LETTERED = 3;
/** Exit code of usage errors. */
export const EXIT_USAGE = 2;

interface TransformOptions {
  readonly source: Source;
  readonly eventType?: string;
  readonly header: readonly string[];
  readonly receivedAt?: string;
}

function collectHeader(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

function parseHeaders(pairs: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of pairs) {
    const separator = pair.indexOf(':');
    if (separator <= 0) throw new ConfigError([`--header ${pair}: expected name:value`]);
    headers[pair.slice(0, separator).trim().toLowerCase()] = pair.slice(separator + 1).trim();
  }
  return headers;
}

/** The JSON line of one output record: `{topic, key, headers, value}` (+ `error`). */
export function outputLine(output: PipelineOutput): string {
  if (output.kind === 'domain') {
    return JSON.stringify({
      topic: output.topic,
      key: output.key,
      headers: output.headers,
      value: output.event,
    });
  }
  return JSON.stringify({
    topic: output.topic,
    key: output.key?.toString('utf8') ?? null,
    headers: output.headers,
    value: output.value?.toString('utf8') ?? null,
    error: output.error,
  });
}

/**
 * A line for a person at a terminal whose command reads stdin because no
 * file was given: without it the command seems to hang. Undefined for a
 * pipe, and when files (or `-`, stdin by name) were given.
 */
export function stdinHint(files: readonly string[], stdinIsTTY: boolean): string | undefined {
  if (files.length > 0 || !stdinIsTTY) return undefined;
  return 'wharf transform: no file given, reading one webhook body from stdin (paste it, then Ctrl-D)';
}

async function readInputs(files: readonly string[]): Promise<{ name: string; body: Buffer }[]> {
  const names = files.length === 0 ? ['-'] : files;
  return Promise.all(
    names.map(async (name) => ({
      name,
      body: name === '-' ? Buffer.from(await text(process.stdin)) : await readFile(name),
    })),
  );
}

/** Registers the command. */
export function registerTransform(program: Command): void {
  program
    .command('transform')
    .description(
      'Run the worker pipeline on webhook bodies (files, or - for stdin) without Kafka; ' +
        'print one JSON line per output record. Exit 0 when all were routed, 3 when any ' +
        'went to the dead-letter topic, 2 on usage errors.',
    )
    .usage('--source <source> [options] [files...]')
    .addOption(
      new Option('-s, --source <source>', 'required: the provider that sent them')
        .choices(SOURCES)
        .makeOptionMandatory(),
    )
    .option('-e, --event-type <type>', 'the event type the webhook URL named')
    .option('-H, --header <name:value>', 'a raw record header (repeatable)', collectHeader, [])
    .option('--received-at <time>', 'when the webhook arrived (ISO 8601; default: now)')
    .argument('[files...]', 'webhook bodies, one per file; - or nothing reads stdin')
    .action(async (files: string[], options: TransformOptions) => {
      let settings;
      let extraHeaders;
      let inputs;
      try {
        settings = loadWorkerSettings();
        extraHeaders = parseHeaders(options.header);
        if (options.receivedAt !== undefined && !readProviderTime(options.receivedAt, 'UTC')) {
          throw new ConfigError([`--received-at ${options.receivedAt}: not an ISO 8601 time`]);
        }
        const hint = stdinHint(files, process.stdin.isTTY);
        if (hint !== undefined) process.stderr.write(`${hint}\n`);
        inputs = await readInputs(files);
      } catch (error) {
        const message =
          error instanceof ConfigError
            ? error.message
            : `cannot read the input: ${error instanceof Error ? error.message : String(error)}`;
        process.stderr.write(`${message}\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      const config = pipelineConfigOf(settings, providerAdapters(settings.providerSettings));
      const receivedAt = options.receivedAt ?? new Date().toISOString();
      let deadLettered = false;
      for (const [index, input] of inputs.entries()) {
        const raw: RawRecord = {
          topic: settings.rawTopics[options.source],
          partition: 0,
          offset: String(index),
          key: null,
          value: input.body,
          headers: {
            [RAW_HEADERS.source]: options.source,
            [RAW_HEADERS.requestId]: `transform-${String(index)}`,
            [RAW_HEADERS.receivedAt]: receivedAt,
            ...(options.eventType ? { [RAW_HEADERS.urlEventType]: options.eventType } : {}),
            ...extraHeaders,
          },
        };
        // The worker's own step, encoding with the installed schemas instead of the registry.
        const encoded = await transformAndEncode(raw, config, (domain, event) =>
          CANONICAL_TYPES[domain].toBuffer(event),
        );
        const output = encoded.kind === 'domain' ? encoded.record : encoded;
        deadLettered ||= output.kind === 'dead-letter';
        process.stdout.write(`${outputLine(output)}\n`);
      }
      process.exitCode = deadLettered ? EXIT_DEAD_LETTERED : 0;
    });
}
