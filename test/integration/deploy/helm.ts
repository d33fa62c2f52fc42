/**
 * The real Helm for the chart's tests: the binary scripts/check-helm.sh builds
 * from the Go module proxy and caches, `helm template` run on the chart, and
 * the rendered resources parsed.
 *
 * WHARF_TEST_TOOLS chooses: unset or `auto` runs the tests when that binary
 * is cached and skips them otherwise, saying why in the run's output;
 * `required` fails instead of skipping (CI, which runs scripts/check-helm.sh
 * first); `off` skips them.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { toolMissing, toolMode } from '../../support/tools.ts';

const run = promisify(execFile);

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The chart, and its example values. */
export const CHART = join(ROOT, 'helm/wharf');
export const EXAMPLES = join(CHART, 'ci');

/** A parsed Kubernetes resource. */
export interface Resource {
  readonly kind: string;
  readonly name: string;
  readonly body: Record<string, unknown>;
}

/** Whether the calling file's Helm tests run, with the binary, and why not. */
export type HelmChoice = { run: true; helm: string } | { run: false; reason: string };

/** The pinned Helm version: HELM_VERSION of scripts/check-helm.sh, its one place. */
export function helmVersion(): string {
  const script = readFileSync(join(ROOT, 'scripts/check-helm.sh'), 'utf8');
  const version = /^HELM_VERSION=(\S+)$/m.exec(script)?.[1];
  if (version === undefined) throw new Error('scripts/check-helm.sh sets no HELM_VERSION');
  return version;
}

/** Where scripts/check-helm.sh caches the Helm binary. */
export function cachedHelm(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.WHARF_CACHE_DIR ?? join(homedir(), '.cache/wharf');
  const version = helmVersion();
  return join(cache, 'tools', `helm-${version}`, 'helm');
}

/**
 * Decides from WHARF_TEST_TOOLS and the cache whether the Helm tests run;
 * says so on stdout when they are skipped.
 *
 * @throws when WHARF_TEST_TOOLS is `required` and Helm is not built, or holds
 *   something else than auto, required or off.
 */
export function helmChoice(env: NodeJS.ProcessEnv = process.env): HelmChoice {
  if (toolMode(env) === 'off') return toolMissing('helm', 'WHARF_TEST_TOOLS=off', env);
  const helm = cachedHelm(env);
  if (existsSync(helm)) return { run: true, helm };
  return toolMissing(
    'helm',
    `helm ${helmVersion()} is not built at ${helm}: run scripts/check-helm.sh`,
    env,
  );
}

/** What `helm template` printed, or its error. */
export type Rendered = { ok: true; resources: Resource[] } | { ok: false; error: string };

/**
 * `helm template wharf` of the chart with values files (from ci/ by name,
 * merged in order) and `--set` assignments.
 */
export async function helmTemplate(
  helm: string,
  valuesFiles: readonly string[],
  set: readonly string[] = [],
): Promise<Rendered> {
  const args = ['template', 'wharf', CHART, '--namespace', 'wharf'];
  for (const file of valuesFiles) args.push('--values', join(EXAMPLES, file));
  for (const assignment of set) args.push('--set', assignment);
  try {
    const { stdout } = await run(helm, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    return { ok: true, resources: parseResources(stdout) };
  } catch (error) {
    const stderr = error instanceof Error && 'stderr' in error ? String(error.stderr) : '';
    return { ok: false, error: stderr || String(error) };
  }
}

/** The resources of a multi-document YAML stream. */
export function parseResources(text: string): Resource[] {
  return parseAllDocuments(text, { uniqueKeys: true })
    .map((document) => {
      if (document.errors.length > 0) throw new Error(document.errors.join('\n'));
      return record(document.toJS());
    })
    .filter((body) => typeof body.kind === 'string')
    .map((body) => ({ kind: String(body.kind), name: String(record(body.metadata).name), body }));
}

/** A plain object (a YAML mapping), or an empty one. */
export function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A list, or an empty one. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}
