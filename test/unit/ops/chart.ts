/**
 * Reading the Helm chart without Helm: its values (merged as Helm merges
 * them), its templates, and the ConfigMap's environment rendered from values
 * the way the chart's `wharf.envValue` helper renders it.
 */
import { readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { readText, record } from './files.ts';

/** The chart's directory, from the repository root. */
export const CHART = 'helm/wharf';

/** A values tree. */
export type Values = Record<string, unknown>;

/** values.yaml. */
export function defaultValues(): Values {
  return record(parse(readText(`${CHART}/values.yaml`)));
}

/** The example values files under ci/, by file name. */
export function ciValues(): Map<string, Values> {
  const files = readdirSync(new URL(`../../../${CHART}/ci/`, import.meta.url)).filter((name) =>
    name.endsWith('-values.yaml'),
  );
  return new Map(
    files.map((name) => [name, record(parse(readText(`${CHART}/ci/${name}`)))] as const),
  );
}

/**
 * Helm's merge of user values over the defaults: maps merge key by key, any
 * other value replaces, and null deletes the key.
 */
export function mergeValues(base: Values, override: Values): Values {
  const result: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = result[key];
    if (value === null) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- Helm's own rule
      delete result[key];
    } else if (isMap(value) && isMap(current)) {
      result[key] = mergeValues(current, value);
    } else {
      result[key] = value;
    }
  }
  return result;
}

function isMap(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a dotted path, or undefined. */
export function valueAt(values: Values, path: string): unknown {
  let current: unknown = values;
  for (const key of path.split('.')) {
    if (!isMap(current) || !(key in current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Whether a dotted path exists (a null value counts). */
export function hasPath(values: Values, path: string): boolean {
  let current: unknown = values;
  for (const key of path.split('.')) {
    if (!isMap(current) || !(key in current)) return false;
    current = current[key];
  }
  return true;
}

/** The template files (not _helpers.tpl or NOTES.txt). */
export function templateNames(): string[] {
  return readdirSync(new URL(`../../../${CHART}/templates/`, import.meta.url)).filter((name) =>
    name.endsWith('.yaml'),
  );
}

/** A template's text. */
export function template(name: string): string {
  return readText(`${CHART}/templates/${name}`);
}

/**
 * What `include "wharf.envValue"` writes for a value (mirrors the helper in
 * _helpers.tpl): null as empty, a list joined by commas, a map as
 * `key=value` pairs in key order joined by commas, a number as an integer,
 * anything else as its string.
 */
export function envValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(String).join(',');
  if (isMap(value)) {
    return Object.keys(value)
      .sort()
      .map((key) => `${key}=${envValue(value[key])}`)
      .join(',');
  }
  if (typeof value === 'number') return String(Math.trunc(value));
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  throw new Error(`cannot render ${JSON.stringify(value)} as an environment variable`);
}

const RANGE = /^\s*\{\{-? range \$(\w+), \$(\w+) := \.Values\.([\w.]+) \}\}\s*$/;
const END = /^\s*\{\{-? end \}\}\s*$/;
const ENTRY =
  /^\s+([A-Z0-9_]*(?:\{\{ upper \$\w+ \}\}[A-Z0-9_]*)?): \{\{ include "wharf\.envValue" (\S+) \}\}$/;

/**
 * The data of the ConfigMap template rendered from `values`: each
 * `NAME: {{ include "wharf.envValue" REF }}` line, with `range` blocks over a
 * values map expanded once per key. Any other line inside `data:` that is
 * not a range, an end or a comment is refused, so that the template cannot
 * grow a form this reading would skip.
 */
export function renderConfigMapData(values: Values): Record<string, string> {
  const lines = template('configmap.yaml').split('\n');
  const start = lines.findIndex((line) => line.trim() === 'data:');
  if (start === -1) throw new Error('configmap.yaml has no data:');
  const data: Record<string, string> = {};
  let range: { key: string; item: string; entries: [string, unknown][] } | undefined;
  const body: string[] = [];
  const emit = (
    line: string,
    key?: string,
    item?: unknown,
    keyName?: string,
    itemName?: string,
  ) => {
    const match = ENTRY.exec(line);
    if (!match) throw new Error(`configmap.yaml: cannot read ${JSON.stringify(line)}`);
    const [, rawName = '', reference = ''] = match;
    const name = rawName.replace(/\{\{ upper \$(\w+) \}\}/, (_, variable: string) => {
      if (variable !== keyName || key === undefined) throw new Error(`unknown $${variable}`);
      return key.toUpperCase();
    });
    let value: unknown;
    if (reference.startsWith('.Values.')) {
      value = valueAt(values, reference.slice('.Values.'.length));
    } else {
      const [variable = '', ...path] = reference.slice(1).split('.');
      if (variable !== itemName) throw new Error(`unknown $${variable}`);
      value = path.length === 0 ? item : valueAt(record(item), path.join('.'));
    }
    data[name] = envValue(value);
  };
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const opened = RANGE.exec(line);
    if (opened) {
      const [, key = '', item = '', path = ''] = opened;
      range = { key, item, entries: Object.entries(record(valueAt(values, path))) };
      body.length = 0;
    } else if (END.test(line)) {
      if (!range) throw new Error('configmap.yaml: end without range');
      for (const [key, item] of range.entries) {
        for (const entry of body) emit(entry, key, item, range.key, range.item);
      }
      range = undefined;
    } else if (range) {
      body.push(line);
    } else {
      emit(line);
    }
  }
  return data;
}

/**
 * A template with its actions taken out, to be parsed as YAML: comments
 * removed, lines holding only an action dropped (control flow, `toYaml |
 * nindent`), and actions inside a line replaced with a placeholder.
 */
export function strippedTemplate(text: string): string {
  return text
    .replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, '')
    .split('\n')
    .filter((line) => !/^\s*(\{\{[^}]*\}\}\s*)+$/.test(line))
    .map((line) => line.replace(/\{\{[^}]*\}\}/g, 'TEMPLATED'))
    .join('\n');
}
