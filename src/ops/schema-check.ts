/**
 * Whether the canonical schemas as they are now can be rolled out: each is
 * checked against the version consumers already have, either the latest
 * one registered in the schema registry under the subject the worker
 * registers it under, or the one at a git commit. The verdict is the
 * registry's own rule (src/registry/compatibility.ts); the field-level
 * reasons come from ./schema-diff.ts.
 */
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Type } from 'avsc';
import type { Domain } from '../canonical/model.ts';
import { DOMAINS } from '../canonical/model.ts';
import { canonicalSchemaFile } from '../canonical/schemas.ts';
import type { RegistrySecurity } from '../config/security.ts';
import { registryFetch } from '../kafka/registry-client.ts';
import { parseAvroSchema } from '../registry/avro-schema.ts';
import { checkCompatibility } from '../registry/compatibility.ts';
import type { CompatibilityLevel } from '../registry/compatibility.ts';
import { explainFieldChanges } from './schema-diff.ts';
import type { Incompatibility } from './schema-diff.ts';

const run = promisify(execFile);

/** Where Wharf's own canonical schemas are (avro/canonical/). */
export const CANONICAL_SCHEMA_DIR = dirname(fileURLToPath(canonicalSchemaFile('orders')));

/** The outcome for one schema file. */
export interface SchemaFileResult {
  readonly file: string;
  /** The registry subject, when checked against a registry. */
  readonly subject?: string;
  /**
   * `compatible`; `incompatible` (see problems); `new`: nothing to be
   * compatible with yet; `invalid`: the file is not a valid Avro schema;
   * `unchecked`: no subject (not a schema the worker registers).
   */
  readonly status: 'compatible' | 'incompatible' | 'new' | 'invalid' | 'unchecked';
  /** What it was checked against, e.g. `registry version 3` or `HEAD~1`. */
  readonly against: string;
  readonly problems: readonly Incompatibility[];
}

/** The previous version of a schema, or undefined when there is none (a new schema). */
export interface Baseline {
  /** What the check is against, for messages: `HEAD~1`, `the registry at …`. */
  readonly description: string;
  /**
   * The previous schema text of a file, and what it is (`HEAD~1`,
   * `registry version 3`); undefined when there is none; `unchecked` when
   * the file has nothing to be compared with by its nature.
   */
  previous(
    file: string,
    candidate: Type,
  ): Promise<{ text: string; label: string; subject?: string } | undefined | 'unchecked'>;
}

/** The baseline could not be read (registry unreachable, git failing). */
export class BaselineError extends Error {
  override readonly name = 'BaselineError';
}

/** The git ref to check against does not exist (a first commit, a shallow clone). */
export class RefNotFoundError extends Error {
  override readonly name = 'RefNotFoundError';
}

/** The schemas directory or the repository around it is not usable. */
export class SchemaCheckUsageError extends Error {
  override readonly name = 'SchemaCheckUsageError';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The `.avsc` files of a directory, by name. */
export async function schemaFiles(dir: string): Promise<string[]> {
  let names;
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new SchemaCheckUsageError(
      `cannot read the schemas directory ${dir}: ${messageOf(error)}`,
    );
  }
  const files = names.filter((name) => name.endsWith('.avsc')).sort();
  if (files.length === 0) throw new SchemaCheckUsageError(`${dir} holds no .avsc file`);
  return files;
}

/**
 * Checks every `.avsc` file of `dir` against its previous version.
 *
 * @param level - BACKWARD (the registry's default): the new schema reads
 *   what the previous one wrote. FORWARD and FULL also check the other way.
 */
export async function checkSchemas(
  dir: string,
  baseline: Baseline,
  level: CompatibilityLevel,
): Promise<SchemaFileResult[]> {
  const results: SchemaFileResult[] = [];
  for (const file of await schemaFiles(dir)) {
    results.push(await checkFile(dir, file, baseline, level));
  }
  return results;
}

async function checkFile(
  dir: string,
  file: string,
  baseline: Baseline,
  level: CompatibilityLevel,
): Promise<SchemaFileResult> {
  let candidate: Type;
  try {
    candidate = parseAvroSchema(await readFile(join(dir, file), 'utf8')).type;
  } catch (error) {
    return {
      file,
      status: 'invalid',
      against: baseline.description,
      problems: [{ path: file, field: undefined, reason: messageOf(error) }],
    };
  }
  const previous = await baseline.previous(file, candidate);
  if (previous === 'unchecked') {
    return { file, status: 'unchecked', against: baseline.description, problems: [] };
  }
  if (previous === undefined) {
    return { file, status: 'new', against: baseline.description, problems: [] };
  }
  const subject = previous.subject === undefined ? {} : { subject: previous.subject };
  let old: Type;
  try {
    old = parseAvroSchema(previous.text).type;
  } catch (error) {
    throw new BaselineError(`${file} at ${previous.label} does not parse: ${messageOf(error)}`);
  }
  const verdict = checkCompatibility(candidate, [{ version: 1, type: old }], level);
  if (verdict.length === 0) {
    return { file, ...subject, status: 'compatible', against: previous.label, problems: [] };
  }
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const problems = [
    ...(backward ? explainFieldChanges(candidate, old, 'backward') : []),
    ...(forward
      ? explainFieldChanges(old, candidate, 'forward').map((problem) => ({
          ...problem,
          reason: `readers of ${previous.label}: ${problem.reason}`,
        }))
      : []),
  ];
  return {
    file,
    ...subject,
    status: 'incompatible',
    against: previous.label,
    problems:
      problems.length > 0
        ? problems
        : verdict.map((reason) => ({ path: file, field: undefined, reason })),
  };
}

/**
 * The schemas at a git commit: `git show <ref>:<file>`, for files in `dir`
 * (a directory inside a git work tree). A file the commit lacks is new.
 *
 * @throws {SchemaCheckUsageError} when `dir` is not in a git work tree.
 * @throws {RefNotFoundError} when the ref names no commit.
 */
export async function gitBaseline(dir: string, ref: string): Promise<Baseline> {
  const git = (...args: string[]) =>
    run('git', ['-C', dir, ...args], { maxBuffer: 64 * 1024 * 1024 });
  try {
    await git('rev-parse', '--is-inside-work-tree');
  } catch (error) {
    throw new SchemaCheckUsageError(
      `--against ${ref}: ${dir} is not inside a git work tree (${firstLine(error)})`,
    );
  }
  try {
    await git('rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`);
  } catch {
    throw new RefNotFoundError(
      `--against ${ref}: no such commit in this repository (a first commit, or a shallow clone without it?)`,
    );
  }
  return {
    description: ref,
    async previous(file) {
      const spec = `${ref}:./${file}`;
      try {
        await git('cat-file', '-e', spec);
      } catch {
        return undefined;
      }
      try {
        return { text: (await git('show', spec)).stdout, label: ref };
      } catch (error) {
        throw new BaselineError(`git show ${spec} failed: ${firstLine(error)}`);
      }
    },
  };
}

function firstLine(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = typeof stderr === 'string' && stderr.trim() !== '' ? stderr : messageOf(error);
  return text.trim().split('\n')[0] ?? '';
}

/** The domain whose canonical schema has this file name. */
function domainOfFile(file: string): Domain | undefined {
  return DOMAINS.find((domain) => basename(fileURLToPath(canonicalSchemaFile(domain))) === file);
}

/**
 * The latest versions in a schema registry, under the subjects the worker
 * registers: `<domain topic>-<record full name>` (TopicRecordNameStrategy,
 * as `canonicalSubject` computes for the installed schemas). A subject with
 * no version yet is new. A file that is no domain's schema is unchecked.
 */
export function registryBaseline(
  url: string,
  domainTopics: Readonly<Record<Domain, string>>,
  security: RegistrySecurity = { auth: { kind: 'none' }, tls: undefined },
): Baseline {
  const base = url.replace(/\/+$/, '');
  const fetch = registryFetch(security);
  return {
    description: `the registry at ${base}`,
    async previous(file, candidate) {
      const domain = domainOfFile(file);
      if (domain === undefined) return 'unchecked';
      const subject = `${domainTopics[domain]}-${candidate.name ?? domain}`;
      let response: Awaited<ReturnType<typeof fetch>>;
      try {
        response = await fetch(`${base}/subjects/${encodeURIComponent(subject)}/versions/latest`, {
          headers: { accept: 'application/vnd.schemaregistry.v1+json, application/json' },
        });
      } catch (error) {
        throw new BaselineError(`cannot reach the schema registry at ${base}: ${messageOf(error)}`);
      }
      const body = (await response.json().catch(() => ({}))) as {
        error_code?: number;
        message?: string;
        version?: number;
        schema?: string;
      };
      // 40401: no such subject; 40402: no such version (all deleted).
      if (response.status === 404 && (body.error_code === 40401 || body.error_code === 40402)) {
        return undefined;
      }
      if (!response.ok || typeof body.schema !== 'string') {
        throw new BaselineError(
          `the schema registry answered ${String(response.status)} for ${subject}: ${body.message ?? 'no schema'}`,
        );
      }
      return {
        text: body.schema,
        label: `registry version ${String(body.version ?? '?')}`,
        subject,
      };
    },
  };
}
