/**
 * `wharf schemas check`: before the canonical schemas roll out, are they
 * compatible with what consumers already have? Against the schema registry
 * the worker registers them in, or against a git commit (what CI does, with
 * the previous commit).
 */
import { resolve } from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import { ConfigError, loadConnectionSecurity, loadWorkerSettings } from '../../config/config.ts';
import type { CommandIo } from '../../ops/command-io.ts';
import { EXIT_FAILURE, EXIT_USAGE, processIo } from '../../ops/command-io.ts';
import {
  BaselineError,
  CANONICAL_SCHEMA_DIR,
  RefNotFoundError,
  SchemaCheckUsageError,
  checkSchemas,
  gitBaseline,
  registryBaseline,
} from '../../ops/schema-check.ts';
import type { Baseline, SchemaFileResult } from '../../ops/schema-check.ts';
import type { CompatibilityLevel } from '../../registry/compatibility.ts';

/** Exit code when the baseline could not be read (registry unreachable, git failing). */
export const EXIT_BASELINE_UNAVAILABLE = 3;
/** Exit code when the `--against` ref does not exist (first commit, shallow clone). */
export const EXIT_REF_NOT_FOUND = 4;

/** One previous version is compared, so the transitive levels would say the same. */
const LEVELS: readonly CompatibilityLevel[] = ['BACKWARD', 'FORWARD', 'FULL'];

interface CheckOptions {
  readonly registry?: string;
  readonly against?: string;
  readonly dir?: string;
  readonly level: CompatibilityLevel;
  readonly allowMissingRef?: boolean;
  readonly json?: boolean;
}

function baselineOf(
  options: CheckOptions,
  dir: string,
  io: CommandIo,
): Promise<Baseline> | Baseline {
  if (options.against !== undefined) return gitBaseline(dir, options.against);
  const url = options.registry ?? (io.env.SCHEMA_REGISTRY_URL || undefined);
  if (url === undefined) {
    throw new SchemaCheckUsageError(
      'schemas check: give --against <git ref>, or a registry with --registry or SCHEMA_REGISTRY_URL',
    );
  }
  if (!URL.canParse(url))
    throw new SchemaCheckUsageError(`--registry ${JSON.stringify(url)}: not a URL`);
  return registryBaseline(
    url,
    loadWorkerSettings(io.env).domainTopics,
    loadConnectionSecurity(io.env).registry,
  );
}

const STATUS_LABELS: Readonly<Record<SchemaFileResult['status'], string>> = {
  compatible: 'ok',
  new: 'new',
  unchecked: 'unchecked',
  incompatible: 'INCOMPATIBLE',
  invalid: 'INVALID',
};

function resultLines(result: SchemaFileResult): string[] {
  const label = STATUS_LABELS[result.status].padEnd(14);
  const subject = result.subject === undefined ? '' : ` (${result.subject})`;
  switch (result.status) {
    case 'compatible':
      return [`${label}${result.file}${subject}: compatible with ${result.against}`];
    case 'new':
      return [`${label}${result.file}: not in ${result.against}, nothing to be compatible with`];
    case 'unchecked':
      return [`${label}${result.file}: not a schema the worker registers`];
    case 'invalid':
    case 'incompatible':
      return [
        `${label}${result.file}${subject} with ${result.against}:`,
        ...result.problems.map(
          (problem) =>
            `  - ${problem.path}${problem.field === undefined ? '' : ` (field ${problem.field})`}: ${problem.reason}`,
        ),
      ];
  }
}

function summaryOf(results: readonly SchemaFileResult[]): string {
  const count = (status: SchemaFileResult['status']) =>
    results.filter((result) => result.status === status).length;
  const problems = [
    count('incompatible') > 0 ? `${String(count('incompatible'))} incompatible` : '',
    count('invalid') > 0 ? `${String(count('invalid'))} invalid` : '',
  ].filter(Boolean);
  return problems.length === 0 ? 'all compatible' : problems.join(', ');
}

async function check(options: CheckOptions, io: CommandIo): Promise<void> {
  const dir = resolve(options.dir ?? CANONICAL_SCHEMA_DIR);
  let results: SchemaFileResult[];
  let baseline: Baseline;
  try {
    baseline = await baselineOf(options, dir, io);
    results = await checkSchemas(dir, baseline, options.level);
  } catch (error) {
    const message = (error as Error).message;
    if (error instanceof RefNotFoundError && options.allowMissingRef) {
      io.stderr.write(
        `${message}; nothing to check against, so the check passes (--allow-missing-ref)\n`,
      );
      if (options.json) {
        io.stdout.write(
          `${JSON.stringify({ against: options.against, skipped: true, reason: message })}\n`,
        );
      }
      return;
    }
    io.stderr.write(`${message}\n`);
    io.setExitCode(
      error instanceof RefNotFoundError
        ? EXIT_REF_NOT_FOUND
        : error instanceof BaselineError
          ? EXIT_BASELINE_UNAVAILABLE
          : error instanceof SchemaCheckUsageError || error instanceof ConfigError
            ? EXIT_USAGE
            : EXIT_FAILURE,
    );
    return;
  }
  const failed = results.filter(
    (result) => result.status === 'incompatible' || result.status === 'invalid',
  );
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify({ against: baseline.description, level: options.level, dir, compatible: failed.length === 0, schemas: results })}\n`,
    );
  } else {
    for (const line of results.flatMap(resultLines)) io.stdout.write(`${line}\n`);
    io.stdout.write(
      `${String(results.length)} schema${results.length === 1 ? '' : 's'} checked against ${baseline.description} ` +
        `(${options.level}): ${summaryOf(results)}\n`,
    );
  }
  if (failed.length > 0) io.setExitCode(EXIT_FAILURE);
}

/** Registers `wharf schemas` and its subcommand `check`. */
export function registerSchemas(program: Command, io: CommandIo = processIo()): void {
  const schemas = program
    .command('schemas')
    .description('Work with the canonical Avro schemas (avro/canonical/).');
  schemas
    .command('check')
    .description(
      'Check every canonical schema for compatibility with its previous version: the latest one ' +
        'registered under the subject the worker uses, or the one at a git commit (--against). ' +
        'Exit 0 when all are compatible (or new), 1 when any is incompatible or invalid, 2 on ' +
        'usage errors, 3 when the registry or git cannot be read, 4 when the --against ref does ' +
        'not exist.',
    )
    .option(
      '--registry <url>',
      'the schema registry to compare with (default: SCHEMA_REGISTRY_URL)',
    )
    .addOption(
      new Option(
        '--against <ref>',
        'compare with the schemas at this git commit instead (e.g. HEAD~1, origin/main)',
      ).conflicts('registry'),
    )
    .option(
      '--dir <path>',
      "the directory of the schemas to check (default: Wharf's avro/canonical/)",
    )
    .addOption(
      new Option(
        '--level <level>',
        "the compatibility required: BACKWARD, the registry's default, means the new schema reads what the previous one wrote",
      )
        .choices(LEVELS)
        .default('BACKWARD'),
    )
    .option(
      '--allow-missing-ref',
      'exit 0 with a notice when the --against ref does not exist (first commit, shallow clone)',
    )
    .option('--json', 'print one JSON document instead of text')
    .action((options: CheckOptions) => check(options, io));
}
