/**
 * Whether the canonical schemas as they are now can be rolled out, and the
 * record of what was rolled out. Each domain's schema is checked expanded
 * (its file with `shared.avsc` written in, what the worker registers)
 * against the earlier versions consumers may still have: the released
 * snapshots (`released/<file>/<N>.avsc` beside the schemas), the versions
 * registered under the subject the worker registers it under, or the one
 * at a git commit. The verdict is the registry's own rule
 * (src/registry/compatibility.ts); the field-level reasons come from
 * ./schema-diff.ts. `releaseSchemas` writes the next snapshot of every
 * domain whose schema changed, once it is compatible with all of them.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Schema, Type } from 'avsc';
import type { Domain } from '../canonical/model.ts';
import { DOMAINS } from '../canonical/model.ts';
import {
  SHARED_SCHEMA_FILE,
  canonicalSchemaFile,
  canonicalSchemaFileName,
  expandCanonicalSchema,
  subjectName,
} from '../canonical/schemas.ts';
import type { Config } from '../config/config.ts';
import type { RegistrySecurity } from '../config/security.ts';
import { CANONICAL_COMPATIBILITY } from '../kafka/canonical-codec.ts';
import { registryFetch } from '../kafka/registry-client.ts';
import { parseAvroSchema } from '../registry/avro-schema.ts';
import { checkCompatibility } from '../registry/compatibility.ts';
import type { CompatibilityLevel } from '../registry/compatibility.ts';
import { explainFieldChanges } from './schema-diff.ts';
import type { Direction, Incompatibility } from './schema-diff.ts';

const run = promisify(execFile);

/** Where Wharf's own canonical schemas are (avro/canonical/). */
export const CANONICAL_SCHEMA_DIR = dirname(fileURLToPath(canonicalSchemaFile('orders')));

/** The folder of released snapshots, inside the schemas' directory. */
export const RELEASED_DIR = 'released';

/** One reason a schema cannot be rolled out. */
export interface SchemaProblem extends Incompatibility {
  /** The earlier version concerned, e.g. `released version 2`; none for an invalid schema. */
  readonly version?: string;
  /**
   * `backward`: the new schema cannot read that version's data; `forward`:
   * that version's readers cannot read the new schema's data.
   */
  readonly direction?: Direction;
}

/** The outcome for one domain's schema. */
export interface SchemaResult {
  readonly domain: Domain;
  /** The domain's file in the schemas' directory. */
  readonly file: string;
  /** The registry subject, when checked against a registry. */
  readonly subject?: string;
  /**
   * `compatible`; `incompatible` (see problems); `new`: nothing to be
   * compatible with yet; `invalid`: not a valid Avro schema once expanded.
   */
  readonly status: 'compatible' | 'incompatible' | 'new' | 'invalid';
  /** What it was checked against: `HEAD~1`, `registry version 3`, `released versions 1–3`. */
  readonly against: string;
  readonly problems: readonly SchemaProblem[];
}

/** An earlier version of a domain's schema. */
export interface PreviousVersion {
  /** Where it comes from, for messages: `HEAD~1`, `registry`, `released`. */
  readonly source: string;
  /** Its number in that source; undefined when it has none (a git commit's). */
  readonly version: number | undefined;
  /** The schema, self-contained. */
  readonly text: string;
}

/** The earlier versions of a domain's schema, oldest first; none for a new schema. */
export interface BaselineVersions {
  /** The registry subject they are under, when they come from a registry. */
  readonly subject?: string;
  readonly versions: readonly PreviousVersion[];
}

/** Where the earlier versions of the schemas come from. */
export interface Baseline {
  /** What the check is against, for messages: `HEAD~1`, `the registry at …`. */
  readonly description: string;
  /**
   * The earlier versions of a domain's schema; `latest`: only the newest is
   * needed (a level that is not transitive).
   */
  versions(domain: Domain, candidate: Type, scope: 'latest' | 'all'): Promise<BaselineVersions>;
}

/** The baseline could not be read (registry unreachable, git failing, a snapshot unreadable). */
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

function isMissingFile(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'ENOENT';
}

/** A domain's schema read from a directory: expanded and parsed, or why not. */
type Candidate =
  | { readonly domain: Domain; readonly file: string; readonly schema: Schema; readonly type: Type }
  | { readonly domain: Domain; readonly file: string; readonly problem: string };

/**
 * Every domain's schema in `dir`, expanded with `dir`'s shared.avsc (the
 * domain files alone when there is none: the layout before it existed).
 *
 * @throws {SchemaCheckUsageError} when `dir` cannot be read.
 */
async function readCandidates(dir: string): Promise<Candidate[]> {
  try {
    await readdir(dir);
  } catch (error) {
    throw new SchemaCheckUsageError(
      `cannot read the schemas directory ${dir}: ${messageOf(error)}`,
    );
  }
  const shared = await readFile(join(dir, SHARED_SCHEMA_FILE), 'utf8').catch((error: unknown) => {
    if (isMissingFile(error)) return undefined;
    throw new SchemaCheckUsageError(`cannot read ${SHARED_SCHEMA_FILE}: ${messageOf(error)}`);
  });
  return Promise.all(
    DOMAINS.map(async (domain): Promise<Candidate> => {
      const file = canonicalSchemaFileName(domain);
      let text: string;
      try {
        text = await readFile(join(dir, file), 'utf8');
      } catch (error) {
        return { domain, file, problem: `cannot read it: ${messageOf(error)}` };
      }
      try {
        const schema = expandCanonicalSchema(text, shared);
        return { domain, file, schema, type: parseAvroSchema(JSON.stringify(schema)).type };
      } catch (error) {
        const withShared = shared === undefined ? '' : ` (with ${SHARED_SCHEMA_FILE})`;
        return {
          domain,
          file,
          problem: `not a valid Avro schema${withShared}: ${messageOf(error)}`,
        };
      }
    }),
  );
}

function isTransitive(level: CompatibilityLevel): boolean {
  return level.endsWith('_TRANSITIVE');
}

/** Whether `level` asks the new schema to read old data, or old readers to read new data. */
function requires(level: CompatibilityLevel, direction: Direction): boolean {
  return direction === 'backward'
    ? level.startsWith('BACKWARD') || level.startsWith('FULL')
    : level.startsWith('FORWARD') || level.startsWith('FULL');
}

function versionLabel(previous: PreviousVersion): string {
  return previous.version === undefined
    ? previous.source
    : `${previous.source} version ${String(previous.version)}`;
}

/** `released version 2`, `released versions 1–3`, `registry versions 1, 3, 4`. */
function versionsLabel(versions: readonly PreviousVersion[]): string {
  const [first] = versions;
  if (first === undefined) return '';
  if (versions.length === 1) return versionLabel(first);
  const numbers = versions.map((previous) => previous.version ?? 0);
  const consecutive = numbers.every((n, i) => i === 0 || n === (numbers[i - 1] ?? 0) + 1);
  const list = consecutive
    ? `${String(numbers[0])}–${String(numbers.at(-1))}`
    : numbers.map(String).join(', ');
  return `${first.source} versions ${list}`;
}

/**
 * Checks every domain's schema in `dir` against its earlier versions.
 *
 * @param level - FULL_TRANSITIVE (what the worker registers under): the new
 *   schema reads what every earlier version wrote, and every earlier
 *   version reads what it writes. BACKWARD only the first, FORWARD only the
 *   second; without `_TRANSITIVE`, against the latest version only.
 * @throws {SchemaCheckUsageError} when `dir` cannot be read.
 * @throws {BaselineError} when an earlier version cannot be read or parsed.
 */
export async function checkSchemas(
  dir: string,
  baseline: Baseline,
  level: CompatibilityLevel,
): Promise<SchemaResult[]> {
  return checkCandidates(await readCandidates(dir), baseline, level);
}

async function checkCandidates(
  candidates: readonly Candidate[],
  baseline: Baseline,
  level: CompatibilityLevel,
): Promise<SchemaResult[]> {
  const results: SchemaResult[] = [];
  for (const candidate of candidates)
    results.push(await checkCandidate(candidate, baseline, level));
  return results;
}

async function checkCandidate(
  candidate: Candidate,
  baseline: Baseline,
  level: CompatibilityLevel,
): Promise<SchemaResult> {
  const { domain, file } = candidate;
  if ('problem' in candidate) {
    return {
      domain,
      file,
      status: 'invalid',
      against: baseline.description,
      problems: [{ path: file, field: undefined, reason: candidate.problem }],
    };
  }
  const found = await baseline.versions(
    domain,
    candidate.type,
    isTransitive(level) ? 'all' : 'latest',
  );
  const subject = found.subject === undefined ? {} : { subject: found.subject };
  if (found.versions.length === 0) {
    return { domain, file, ...subject, status: 'new', against: baseline.description, problems: [] };
  }
  const previous = found.versions.map((version, index) => ({
    ...version,
    number: version.version ?? index + 1,
    type: parsePrevious(file, version),
  }));
  const targets = isTransitive(level) ? previous : previous.slice(-1);
  const against = versionsLabel(targets);
  const verdict = checkCompatibility(
    candidate.type,
    previous.map(({ number, type }) => ({ version: number, type })),
    level,
  );
  if (verdict.length === 0) {
    return { domain, file, ...subject, status: 'compatible', against, problems: [] };
  }
  // Newest first, as the registry reports them.
  const problems = [...targets]
    .reverse()
    .flatMap((target) => explain(candidate.type, target.type, versionLabel(target), level));
  return {
    domain,
    file,
    ...subject,
    status: 'incompatible',
    against,
    problems:
      problems.length > 0
        ? problems
        : verdict.map((reason) => ({ path: file, field: undefined, reason })),
  };
}

function parsePrevious(file: string, previous: PreviousVersion): Type {
  try {
    return parseAvroSchema(previous.text).type;
  } catch (error) {
    throw new BaselineError(
      `${file} at ${versionLabel(previous)} does not parse: ${messageOf(error)}`,
    );
  }
}

/** The field-level reasons `candidate` and one earlier version fail `level`. */
function explain(
  candidate: Type,
  previous: Type,
  version: string,
  level: CompatibilityLevel,
): SchemaProblem[] {
  const backward = requires(level, 'backward')
    ? explainFieldChanges(candidate, previous, 'backward').map((problem) => ({
        ...problem,
        version,
        direction: 'backward' as const,
      }))
    : [];
  const forward = requires(level, 'forward')
    ? explainFieldChanges(previous, candidate, 'forward').map((problem) => ({
        ...problem,
        version,
        direction: 'forward' as const,
      }))
    : [];
  return [...backward, ...forward];
}

/**
 * The schemas at a git commit: `git show <ref>:<file>` for the domain files
 * in `dir` (a directory inside a git work tree), expanded with the
 * commit's shared.avsc when it has one. A domain file the commit lacks is
 * new.
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
  /** A file at the commit, or undefined when the commit lacks it. */
  const show = async (file: string): Promise<string | undefined> => {
    const spec = `${ref}:./${file}`;
    try {
      await git('cat-file', '-e', spec);
    } catch {
      return undefined;
    }
    try {
      return (await git('show', spec)).stdout;
    } catch (error) {
      throw new BaselineError(`git show ${spec} failed: ${firstLine(error)}`);
    }
  };
  let shared: Promise<string | undefined> | undefined;
  return {
    description: ref,
    async versions(domain) {
      const file = canonicalSchemaFileName(domain);
      const text = await show(file);
      if (text === undefined) return { versions: [] };
      const sharedText = await (shared ??= show(SHARED_SCHEMA_FILE));
      let expanded: Schema;
      try {
        expanded = expandCanonicalSchema(text, sharedText);
      } catch (error) {
        throw new BaselineError(`${file} at ${ref} does not expand: ${messageOf(error)}`);
      }
      return { versions: [{ source: ref, version: undefined, text: JSON.stringify(expanded) }] };
    },
  };
}

function firstLine(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = typeof stderr === 'string' && stderr.trim() !== '' ? stderr : messageOf(error);
  return text.trim().split('\n')[0] ?? '';
}

/**
 * The versions in a schema registry under the subjects the worker registers
 * (`subjectName` of the domain topic, the record's full name and the
 * strategy, as `canonicalSubject` computes them for the installed schemas):
 * the latest, or all of them for a transitive level. A subject with no
 * version yet is new.
 */
export function registryBaseline(
  url: string,
  settings: Pick<Config['worker'], 'domainTopics' | 'schemaSubjectStrategy'>,
  security: RegistrySecurity = { auth: { kind: 'none' }, tls: undefined },
): Baseline {
  const base = url.replace(/\/+$/, '');
  const fetch = registryFetch(security);
  /** A registry answer's body; undefined for 40401 (no subject) and 40402 (no such version). */
  const get = async (path: string, subject: string): Promise<unknown> => {
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      response = await fetch(`${base}${path}`, {
        headers: { accept: 'application/vnd.schemaregistry.v1+json, application/json' },
      });
    } catch (error) {
      throw new BaselineError(`cannot reach the schema registry at ${base}: ${messageOf(error)}`);
    }
    const body = (await response.json().catch(() => ({}))) as {
      error_code?: number;
      message?: string;
    };
    if (response.status === 404 && (body.error_code === 40401 || body.error_code === 40402)) {
      return undefined;
    }
    if (!response.ok) {
      throw new BaselineError(
        `the schema registry answered ${String(response.status)} for ${subject}: ${body.message ?? 'no message'}`,
      );
    }
    return body;
  };
  const version = async (subject: string, number: number | 'latest') => {
    const path = `/subjects/${encodeURIComponent(subject)}/versions/${String(number)}`;
    const body = (await get(path, subject)) as { version?: number; schema?: unknown } | undefined;
    if (body === undefined) return undefined;
    if (typeof body.schema !== 'string') {
      throw new BaselineError(`the schema registry answered no schema for ${subject}`);
    }
    return { source: 'registry', version: body.version, text: body.schema };
  };
  return {
    description: `the registry at ${base}`,
    async versions(domain, candidate, scope) {
      const subject = subjectName(
        settings.domainTopics[domain],
        candidate.name ?? domain,
        settings.schemaSubjectStrategy,
      );
      const numbers: readonly (number | 'latest')[] | undefined =
        scope === 'latest'
          ? ['latest']
          : ((await get(`/subjects/${encodeURIComponent(subject)}/versions`, subject)) as
              number[] | undefined);
      const versions: PreviousVersion[] = [];
      for (const number of numbers ?? []) {
        const found = await version(subject, number);
        // Deleted between the list and the read: no longer a version consumers get.
        if (found !== undefined) versions.push(found);
      }
      return { subject, versions };
    },
  };
}

/** A domain's folder of released snapshots: `released/<file name without .avsc>`. */
export function releasedFolder(dir: string, domain: Domain): string {
  return join(dir, RELEASED_DIR, canonicalSchemaFileName(domain).replace(/\.avsc$/, ''));
}

/** A domain's released snapshots, oldest first. */
async function releasedSnapshots(
  dir: string,
  domain: Domain,
): Promise<{ version: number; path: string }[]> {
  const folder = releasedFolder(dir, domain);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if (isMissingFile(error)) return [];
    throw new BaselineError(`cannot read ${folder}: ${messageOf(error)}`);
  }
  const snapshots = [];
  for (const name of names.filter((candidate) => candidate.endsWith('.avsc'))) {
    const match = /^([1-9]\d*)\.avsc$/.exec(name);
    if (match?.[1] === undefined) {
      throw new SchemaCheckUsageError(
        `${join(folder, name)}: a released snapshot is named by its version, 1.avsc, 2.avsc…`,
      );
    }
    snapshots.push({ version: Number(match[1]), path: join(folder, name) });
  }
  return snapshots.sort((a, b) => a.version - b.version);
}

async function readSnapshot(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new BaselineError(`cannot read ${path}: ${messageOf(error)}`);
  }
}

/**
 * The released snapshots of the schemas in `dir`:
 * `released/<domain file without .avsc>/<N>.avsc`, each the expanded
 * schema of version N. A domain with none is new.
 */
export function releasedBaseline(dir: string): Baseline {
  return {
    description: 'the released versions',
    async versions(domain, _candidate, scope) {
      const snapshots = await releasedSnapshots(dir, domain);
      const wanted = scope === 'all' ? snapshots : snapshots.slice(-1);
      return {
        versions: await Promise.all(
          wanted.map(async ({ version, path }) => ({
            source: 'released',
            version,
            text: await readSnapshot(path),
          })),
        ),
      };
    },
  };
}

/** What `releaseSchemas` did for one domain. */
export interface ReleaseStep {
  readonly domain: Domain;
  readonly file: string;
  /** `released`: a snapshot was written; `unchanged`: the latest one is the same schema. */
  readonly action: 'released' | 'unchanged';
  /** The version written, or the latest one when unchanged. */
  readonly version: number;
  /** That version's snapshot. */
  readonly snapshot: string;
}

/** Released, or refused with the schemas that stopped it (nothing written then). */
export type ReleaseOutcome =
  | { readonly released: true; readonly steps: readonly ReleaseStep[] }
  | { readonly released: false; readonly refused: readonly SchemaResult[] };

/**
 * Writes the next released snapshot (`released/<file>/<N+1>.avsc`, the
 * expanded schema pretty-printed) of every domain whose schema differs
 * from its latest snapshot, or 1.avsc for a domain without one; first
 * checks every domain against all its snapshots at
 * {@link CANONICAL_COMPATIBILITY} and writes nothing when any fails.
 *
 * Schemas are compared as the registry identifies them (formatting, key
 * order and the spelling of names aside: src/registry/avro-schema.ts),
 * and without their docs. Not by Avro's Parsing Canonical Form: it drops
 * defaults, so a default removed would not be released, and a later change
 * the registry refuses (a reader without that default) would pass the
 * check against the snapshots.
 *
 * @throws {SchemaCheckUsageError} when `dir` cannot be read.
 * @throws {BaselineError} when a snapshot cannot be read or parsed.
 */
export async function releaseSchemas(dir: string): Promise<ReleaseOutcome> {
  const candidates = await readCandidates(dir);
  const results = await checkCandidates(candidates, releasedBaseline(dir), CANONICAL_COMPATIBILITY);
  const refused = results.filter(
    (result) => result.status === 'incompatible' || result.status === 'invalid',
  );
  if (refused.length > 0) return { released: false, refused };
  const steps: ReleaseStep[] = [];
  for (const candidate of candidates) {
    if ('problem' in candidate) continue; // refused above
    steps.push(await releaseOne(dir, candidate));
  }
  return { released: true, steps };
}

async function releaseOne(
  dir: string,
  candidate: Extract<Candidate, { schema: Schema }>,
): Promise<ReleaseStep> {
  const { domain, file, schema } = candidate;
  const latest = (await releasedSnapshots(dir, domain)).at(-1);
  if (latest !== undefined) {
    const text = await readSnapshot(latest.path);
    if (releaseIdentity(JSON.parse(text) as unknown) === releaseIdentity(schema)) {
      return { domain, file, action: 'unchanged', version: latest.version, snapshot: latest.path };
    }
  }
  const version = (latest?.version ?? 0) + 1;
  const folder = releasedFolder(dir, domain);
  const snapshot = join(folder, `${String(version)}.avsc`);
  await mkdir(folder, { recursive: true });
  // `wx`: a released version is never overwritten.
  await writeFile(snapshot, await snapshotText(schema, snapshot), { flag: 'wx' });
  return { domain, file, action: 'released', version, snapshot };
}

/** What makes two versions the same release: the registry's normalized form, docs aside. */
function releaseIdentity(schema: unknown): string {
  return parseAvroSchema(JSON.stringify(withoutDocs(schema))).normalized;
}

/** A schema without its `doc` attributes (defaults, which may hold a `doc` key, untouched). */
function withoutDocs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDocs);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = { ...(schema as Record<string, unknown>) };
  delete copy.doc;
  if (typeof copy.type === 'object') copy.type = withoutDocs(copy.type);
  if ('items' in copy) copy.items = withoutDocs(copy.items);
  if ('values' in copy) copy.values = withoutDocs(copy.values);
  if (Array.isArray(copy.fields)) {
    copy.fields = copy.fields.map((field: unknown) => withoutDocs(field));
  }
  return copy;
}

/**
 * A snapshot's text: the expanded schema as indented JSON, formatted by
 * Prettier where it is installed (a development checkout, whose lint
 * checks the file); without it (an installed Wharf), the same JSON as
 * `JSON.stringify` indents it.
 */
async function snapshotText(schema: Schema, path: string): Promise<string> {
  const json = `${JSON.stringify(schema, null, 2)}\n`;
  const prettier = await import('prettier').catch(() => undefined);
  if (prettier === undefined) return json;
  const options = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(json, { ...options, parser: 'json' });
}
