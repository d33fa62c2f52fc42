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
