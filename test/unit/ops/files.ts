/** Reading the repository's deployment files from the operations tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The text of a file, by its path from the repository root. */
export function readText(path: string): string {
  return readFileSync(new URL(path, `file://${ROOT}`), 'utf8');
}

/** A YAML file parsed (merge keys `<<` resolved, duplicate keys refused). */
export function readYaml(path: string): unknown {
  return parse(readText(path), { merge: true, uniqueKeys: true });
}

/** A JSON file parsed. */
export function readJson(path: string): unknown {
  return JSON.parse(readText(path)) as unknown;
}

/** A plain object (a YAML or JSON mapping), or an empty one. */
export function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A list, or an empty one. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** One service of a compose file, as the tests read it. */
export type ComposeService = Record<string, unknown>;

/** A compose project: its services and its top-level secrets. */
export interface ComposeProject {
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly secrets: Readonly<Record<string, unknown>>;
}

/** A service's environment as strings (compose accepts numbers and a list form). */
export function composeEnvironment(service: ComposeService): Record<string, string> {
  const env = service.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const [key = '', ...value] = String(entry).split('=');
        return [key, value.join('=')];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(record(env)).map(([key, value]) => [key, String(value)]),
  );
}

/** A short-syntax volume or bind mount, split into its host path and container path. */
export function mountParts(volume: unknown): { host: string; target: string } {
  const [host = '', target = ''] = String(volume).split(':');
  return { host, target };
}

/** The name of a service's secret, in short (`name`) or long (`source: name`) syntax. */
export function secretName(secret: unknown): string {
  return typeof secret === 'string' ? secret : String(record(secret).source);
}

/**
 * One service of an override file laid over the same service of the base,
 * as `docker compose -f base -f override` does for the keys Wharf's files
 * use: the environment and mappings (health check, depends_on, build) merge
 * key by key, volumes by container path, ports and secrets add up, and
 * anything else (command, image) is replaced.
 */
function mergeService(base: ComposeService, override: ComposeService): ComposeService {
  const merged: ComposeService = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (key === 'environment') {
      merged[key] = { ...composeEnvironment(base), ...composeEnvironment(override) };
    } else if (key === 'volumes') {
      const byTarget = new Map(list(base[key]).map((item) => [mountParts(item).target, item]));
      for (const item of list(value)) byTarget.set(mountParts(item).target, item);
      merged[key] = [...byTarget.values()];
    } else if (key === 'secrets' || key === 'ports') {
      merged[key] = [...new Set([...list(base[key]), ...list(value)])];
    } else if (['healthcheck', 'depends_on', 'build'].includes(key)) {
      merged[key] = { ...record(base[key]), ...record(value) };
    } else {
      merged[key] = value;
    }
  }
  return merged;
}

/** Compose files read and merged in order, as `docker compose -f a -f b` does. */
export function readCompose(...paths: readonly string[]): ComposeProject {
  const services: Record<string, ComposeService> = {};
  const secrets: Record<string, unknown> = {};
  for (const path of paths) {
    const file = record(readYaml(path));
    for (const [name, definition] of Object.entries(record(file.services))) {
      services[name] = mergeService(services[name] ?? {}, record(definition));
    }
    Object.assign(secrets, record(file.secrets));
  }
  return { services, secrets };
}
