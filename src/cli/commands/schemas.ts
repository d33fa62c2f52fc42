/**
 * `wharf schemas check`: before the canonical schemas roll out, are they
 * compatible with what consumers may already have? Against the released
 * versions (avro/canonical/released/, what CI does), the schema registry
 * the worker registers them in, or a git commit.
 *
 * `wharf schemas release`: records the schemas as they are now as the next
 * released version of every domain that changed, once they are compatible
 * with all the released ones.
 */
import { relative, resolve } from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import { ConfigError, loadConnectionSecurity, loadWorkerSettings } from '../../config/config.ts';
import { CANONICAL_COMPATIBILITY } from '../../kafka/canonical-codec.ts';
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
  releaseSchemas,
  releasedBaseline,
} from '../../ops/schema-check.ts';
import type { Baseline, SchemaProblem, SchemaResult } from '../../ops/schema-check.ts';
import { COMPATIBILITY_LEVELS } from '../../registry/compatibility.ts';
import type { CompatibilityLevel } from '../../registry/compatibility.ts';

/** Exit code when the baseline could not be read (registry unreachable, git failing). */
export const EXIT_BASELINE_UNAVAILABLE = 3;
/** Exit code when the `--against` ref does not exist (first commit, shallow clone). */
export const EXIT_REF_NOT_FOUND = 4;

/** NONE checks nothing, so it is not offered. */
const LEVELS: readonly CompatibilityLevel[] = COMPATIBILITY_LEVELS.filter(
  (level) => level !== 'NONE',
);

interface CheckOptions {
  readonly released?: true;
  /** `true`: given without a URL, which then comes from SCHEMA_REGISTRY_URL. */
  readonly registry?: string | true;
  readonly against?: string;
  readonly dir?: string;
  readonly level: CompatibilityLevel;
  readonly allowMissingRef?: true;
  readonly json?: true;
}

interface ReleaseOptions {
  readonly dir?: string;
  readonly json?: true;
}

/** The released versions unless a registry or a git commit is asked for. */
function baselineOf(
  options: CheckOptions,
  dir: string,
  io: CommandIo,
): Promise<Baseline> | Baseline {
  if (options.against !== undefined) return gitBaseline(dir, options.against);
  if (options.registry === undefined) return releasedBaseline(dir);
  const url =
    options.registry === true ? io.env.SCHEMA_REGISTRY_URL || undefined : options.registry;
  if (url === undefined) {
    throw new SchemaCheckUsageError('--registry: give its URL, or set SCHEMA_REGISTRY_URL');
  }
  if (!URL.canParse(url))
    throw new SchemaCheckUsageError(`--registry ${JSON.stringify(url)}: not a URL`);
  return registryBaseline(url, loadWorkerSettings(io.env), loadConnectionSecurity(io.env).registry);
}

const STATUS_LABELS: Readonly<Record<SchemaResult['status'], string>> = {
  compatible: 'ok',
  new: 'new',
  incompatible: 'INCOMPATIBLE',
  invalid: 'INVALID',
};

/** A problem in one line: path, field, which version's data or readers, what changed. */
function problemText(problem: SchemaProblem): string {
  const field = problem.field === undefined ? '' : ` (field ${problem.field})`;
  const whose =
    problem.version === undefined
      ? ''
      : problem.direction === 'forward'
        ? `readers of ${problem.version}: `
        : `reading data of ${problem.version}: `;
  return `${problem.path}${field}: ${whose}${problem.reason}`;
}

function resultLines(result: SchemaResult): string[] {
  const label = STATUS_LABELS[result.status].padEnd(14);
  const subject = result.subject === undefined ? '' : ` (${result.subject})`;
  switch (result.status) {
    case 'compatible':
      return [`${label}${result.file}${subject}: compatible with ${result.against}`];
    case 'new':
      return [`${label}${result.file}: not in ${result.against}, nothing to be compatible with`];
    case 'invalid':
      return [`${label}${result.file}:`, ...result.problems.map((p) => `  - ${problemText(p)}`)];
    case 'incompatible':
      return [
        `${label}${result.file}${subject} with ${result.against}:`,
        ...result.problems.map((problem) => `  - ${problemText(problem)}`),
      ];
  }
}

function summaryOf(results: readonly SchemaResult[]): string {
  const count = (status: SchemaResult['status']) =>
    results.filter((result) => result.status === status).length;
  const problems = [
    count('incompatible') > 0 ? `${String(count('incompatible'))} incompatible` : '',
    count('invalid') > 0 ? `${String(count('invalid'))} invalid` : '',
  ].filter(Boolean);
  return problems.length === 0 ? 'all compatible' : problems.join(', ');
}

function failed(result: SchemaResult): boolean {
  return result.status === 'incompatible' || result.status === 'invalid';
}

/** Reports an error of either command on stderr, with its exit code. */
function reportError(error: unknown, io: CommandIo): void {
  io.stderr.write(`${(error as Error).message}\n`);
  io.setExitCode(
    error instanceof RefNotFoundError
      ? EXIT_REF_NOT_FOUND
      : error instanceof BaselineError
        ? EXIT_BASELINE_UNAVAILABLE
        : error instanceof SchemaCheckUsageError || error instanceof ConfigError
          ? EXIT_USAGE
          : EXIT_FAILURE,
  );
}

async function check(options: CheckOptions, io: CommandIo): Promise<void> {
  const dir = resolve(options.dir ?? CANONICAL_SCHEMA_DIR);
  let results: SchemaResult[];
  let baseline: Baseline;
  try {
    baseline = await baselineOf(options, dir, io);
    results = await checkSchemas(dir, baseline, options.level);
  } catch (error) {
    if (error instanceof RefNotFoundError && options.allowMissingRef) {
      io.stderr.write(
        `${error.message}; nothing to check against, so the check passes (--allow-missing-ref)\n`,
      );
      if (options.json) {
        io.stdout.write(
          `${JSON.stringify({ against: options.against, skipped: true, reason: error.message })}\n`,
        );
      }
      return;
    }
    reportError(error, io);
    return;
  }
  const compatible = !results.some(failed);
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify({ against: baseline.description, level: options.level, dir, compatible, schemas: results })}\n`,
    );
  } else {
    for (const line of results.flatMap(resultLines)) io.stdout.write(`${line}\n`);
    io.stdout.write(
      `${String(results.length)} schema${results.length === 1 ? '' : 's'} checked against ${baseline.description} ` +
        `(${options.level}): ${summaryOf(results)}\n`,
    );
  }
  if (!compatible) io.setExitCode(EXIT_FAILURE);
}

async function release(options: ReleaseOptions, io: CommandIo): Promise<void> {
  const dir = resolve(options.dir ?? CANONICAL_SCHEMA_DIR);
  let outcome: Awaited<ReturnType<typeof releaseSchemas>>;
  try {
    outcome = await releaseSchemas(dir);
  } catch (error) {
    reportError(error, io);
    return;
  }
  if (options.json) io.stdout.write(`${JSON.stringify({ dir, ...outcome })}\n`);
  if (!outcome.released) {
    // One line per problem, on stderr: what stops the release is a diagnostic.
    for (const result of outcome.refused) {
      for (const problem of result.problems)
        io.stderr.write(`${result.file}: ${problemText(problem)}\n`);
    }
    io.stderr.write(
      `nothing released: ${String(outcome.refused.length)} schema${outcome.refused.length === 1 ? ' is' : 's are'} ` +
        `not ${CANONICAL_COMPATIBILITY} compatible with the released versions\n`,
    );
    io.setExitCode(EXIT_FAILURE);
    return;
  }
  if (options.json) return;
  for (const step of outcome.steps) {
    const label = step.action.padEnd(14);
    io.stdout.write(
      step.action === 'released'
        ? `${label}${step.file} as version ${String(step.version)}: ${relative(dir, step.snapshot)}\n`
        : `${label}${step.file}: the same as version ${String(step.version)}\n`,
    );
  }
  const written = outcome.steps.filter((step) => step.action === 'released').length;
  io.stdout.write(
    `${String(written)} of ${String(outcome.steps.length)} schemas released in ${dir}\n`,
  );
}

/** Registers `wharf schemas` and its subcommands `check` and `release`. */
export function registerSchemas(program: Command, io: CommandIo = processIo()): void {
  const schemas = program
    .command('schemas')
    .description('Work with the canonical Avro schemas (avro/canonical/).');
  schemas
    .command('check')
    .description(
      "Check every domain's canonical schema, expanded with shared.avsc, for compatibility with " +
        'its earlier versions: the released ones (the default), those registered under the ' +
        'subject the worker uses (--registry), or the one at a git commit (--against). Exit 0 ' +
        'when all are compatible (or new), 1 when any is incompatible or invalid, 2 on usage ' +
        'errors, 3 when the registry, git or a released version cannot be read, 4 when the ' +
        '--against ref does not exist.',
    )
    .addOption(
      new Option(
        '--released',
        'compare with every released version, released/<file>/<N>.avsc beside the schemas (the default)',
      ).conflicts(['registry', 'against']),
    )
    .addOption(
      new Option(
        '--registry [url]',
        'compare with the versions in this schema registry (without a URL: SCHEMA_REGISTRY_URL), ' +
          'under the subjects WHARF_SCHEMA_SUBJECT_STRATEGY and WHARF_<DOMAIN>_TOPIC name',
      ).conflicts('against'),
    )
    .option(
      '--against <ref>',
      'compare with the schemas at this git commit (e.g. HEAD~1, origin/main)',
    )
    .option(
      '--dir <path>',
      "the directory of the schemas to check (default: Wharf's avro/canonical/)",
    )
    .addOption(
      new Option(
        '--level <level>',
        'the compatibility required: FULL_TRANSITIVE, what the worker registers under, means ' +
          'the new schema reads what every earlier version wrote and every earlier version ' +
          'reads what it writes; without _TRANSITIVE, the latest version only',
      )
        .choices(LEVELS)
        .default(CANONICAL_COMPATIBILITY),
    )
    .option(
      '--allow-missing-ref',
      'exit 0 with a notice when the --against ref does not exist (first commit, shallow clone)',
    )
    .option('--json', 'print one JSON document instead of text')
    .action((options: CheckOptions) => check(options, io));
  schemas
    .command('release')
    .description(
      "Write the next released version (released/<file>/<N>.avsc) of every domain's expanded " +
        'schema that differs from its latest released one (docs and formatting aside), after ' +
        `checking every domain against all its released versions at ${CANONICAL_COMPATIBILITY}. ` +
        'Exit 0 when released (or unchanged), 1 when refused (nothing is written then), 2 on ' +
        'usage errors, 3 when a released version cannot be read.',
    )
    .option('--dir <path>', "the directory of the schemas (default: Wharf's avro/canonical/)")
    .option('--json', 'print one JSON document instead of text')
    .action((options: ReleaseOptions) => release(options, io));
}
