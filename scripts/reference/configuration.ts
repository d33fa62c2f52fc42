/**
 * docs/reference/configuration.md: every environment variable, from the
 * configuration schema (src/config/config.ts): its type, default, allowed
 * values and description as the schema states them, and which processes
 * read it.
 *
 * Which process reads a variable is found, not written down: each variable
 * is set to another valid value and the configuration loaded again; where
 * the value lands in `Config` (`ingress.port`, `worker.domainTopics`…) says
 * who reads it, through {@link READERS}, the one hand-kept list here: what
 * each process takes from `Config`.
 */
import { z } from 'zod';
import { withLocalSecrets } from '../../src/cli/local-defaults.ts';
import {
  CONFIG_SCHEMA,
  CONFIG_VARIABLES,
  ConfigError,
  loadConfig,
  sourceVariable,
} from '../../src/config/config.ts';
import type { Config } from '../../src/config/config.ts';
import { securitySchema } from '../../src/config/security.ts';
import { PLUGINS, SOURCES } from '../../src/providers/index.ts';
import { code, generatedNotice, table } from './markdown.ts';

/** A process or command, and the parts of `Config` it takes (`*` matches one path segment). */
interface Reader {
  readonly name: string;
  readonly takes: readonly string[];
}

/**
 * What each process takes from `Config`. `wharf start` runs the ingress and
 * the worker, and reads what both read.
 */
export const READERS: readonly Reader[] = [
  { name: 'ingress', takes: ['logLevel', 'sources', 'kafka', 'ingress'] },
  {
    name: 'worker',
    // Besides its own part, the worker creates the raw topics if missing, sized as the ingress writes them.
    takes: [
      'logLevel',
      'sources',
      'kafka',
      'worker',
      'ingress.maxBodyBytes',
      'ingress.batchMaxBytes',
      'ingress.sources.*.rawTopic',
    ],
  },
  // loadOpsConfig (src/ops/ops-config.ts); they create no topics.
  {
    name: '`wharf dlq`, `wharf replay`',
    takes: [
      'logLevel',
      'kafka.brokers',
      'kafka.clientId',
      'kafka.security',
      'worker.deadLetterTopic',
      'worker.rawTopics',
    ],
  },
  // The ingress's address and each source's credentials, to sign and send as a provider does.
  {
    name: '`wharf send`',
    takes: [
      'ingress.host',
      'ingress.port',
      'ingress.sources.*.auth',
      'ingress.sources.*.contentTypes',
    ],
  },
  // pipelineConfigOf (src/worker/pipeline.ts) and the providers' settings.
  {
    name: '`wharf transform`',
    takes: [
      'worker.domainTopics',
      'worker.deadLetterTopic',
      'worker.timeZone',
      'worker.timeZones',
      'worker.rawTopics',
      'worker.dedupWindowMs',
      'worker.payloads',
      'worker.providerSettings',
    ],
  },
  {
    name: '`wharf tail`',
    takes: [
      'kafka.brokers',
      'kafka.security',
      'worker.domainTopics',
      'worker.schemaRegistryUrl',
      'worker.schemaRegistry',
    ],
  },
  {
    name: '`wharf schemas check --registry`',
    takes: [
      'worker.domainTopics',
      'worker.schemaSubjectStrategy',
      'worker.schemaRegistryUrl',
      'worker.schemaRegistry',
    ],
  },
];

const INGRESS_SIDE = new Set(['ingress', '`wharf send`']);

/** A valid environment every probe starts from: brokers, a registry, each source's local secret. */
const PROBE_ENV: Readonly<Record<string, string | undefined>> = withLocalSecrets({
  KAFKA_BROKERS: 'kafka.example:9092',
  SCHEMA_REGISTRY_URL: 'http://registry.example:8081',
}).env;

/** Values tried on a free-form variable, after the examples its description gives. */
const PROBE_VALUES = [
  'http://probe.example:8081',
  'probe.example:9093',
  'Europe/Paris',
  'text/plain',
  'probe=user:probe-password',
  'probe',
  ...SOURCES,
];

/**
 * Variables that take effect only with another set: probed with it. The
 * source whose auth may be `none` stands for any.
 */
function companionsOf(name: string): Readonly<Record<string, string>> {
  const open = PLUGINS.find((plugin) => plugin.ingress.authModes.includes('none'));
  if (name === 'WHARF_ALLOW_UNAUTHENTICATED' && open !== undefined) {
    return { [sourceVariable(open.name, 'AUTH')]: 'none' };
  }
  if (name.endsWith('_AUTH')) return { WHARF_ALLOW_UNAUTHENTICATED: 'true' };
  if (name.endsWith('_TOKEN_HEADER')) return { [name.replace(/_TOKEN_HEADER$/, '_AUTH')]: 'token' };
  if (name.endsWith('_PAYLOAD_REDACT'))
    return { [name.replace(/_PAYLOAD_REDACT$/, '_PAYLOAD')]: 'redact' };
  return {};
}

function configOf(env: Readonly<Record<string, string | undefined>>): Config | undefined {
  try {
    return loadConfig(env, 'all');
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The dotted paths at which two configurations differ (arrays compared whole). */
function changedPaths(before: unknown, after: unknown, at: string): string[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((key) =>
      changedPaths(before[key], after[key], at === '' ? key : `${at}.${key}`),
    );
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [at];
}

/** Whether a changed path lies inside (or around) a part a reader takes. */
function takes(part: string, path: string): boolean {
  const a = part.split('.');
  const b = path.split('.');
  return a.slice(0, b.length).every((segment, index) => segment === '*' || segment === b[index]);
}

/** The examples a description gives in backticks, as values to try. */
function examplesIn(description: string): string[] {
  return [...description.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');
}

/** Where a variable's value lands in `Config`: probed, or (for security.ts's) by its half. */
function landsIn(name: string, schema: z.ZodType): string[] {
  if (name in securitySchema.shape) {
    // Probing these would need certificates and a SASL setup; security.ts's two halves say it.
    return [name.startsWith('SCHEMA_REGISTRY_') ? 'worker.schemaRegistry' : 'kafka.security'];
  }
  const json = jsonSchemaOf(schema);
  const values =
    json.enum !== undefined
      ? json.enum.map(String)
      : json.type === 'integer'
        ? [String((typeof json.default === 'number' ? json.default : (json.minimum ?? 0)) + 1)]
        : [...examplesIn(schema.description ?? ''), ...PROBE_VALUES];
  for (const companions of [companionsOf(name), {}]) {
    const before = configOf({ ...PROBE_ENV, ...companions }) ?? configOf(PROBE_ENV);
    for (const value of values) {
      const after = configOf({ ...PROBE_ENV, ...companions, [name]: value });
      if (after === undefined) continue;
      const paths = changedPaths(before, after, '');
      if (paths.length > 0) return paths;
    }
  }
  return [];
}

/** The names of the readers that take any of the paths. */
function readersOf(paths: readonly string[]): string[] {
  return READERS.filter((reader) =>
    reader.takes.some((part) => paths.some((path) => takes(part, path) || takes(path, part))),
  ).map((reader) => reader.name);
}

interface JsonSchemaNode {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly pattern?: string;
  readonly format?: string;
}

/** The variable's schema as JSON Schema, on the input side (what is written in the environment). */
function jsonSchemaOf(schema: z.ZodType): JsonSchemaNode {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
}

/** What a variable holds once parsed from a sample, to tell lists and maps from strings. */
function parsedShape(schema: z.ZodType): 'list' | 'map' | undefined {
  const samples = [undefined, ...examplesIn(schema.description ?? ''), ...PROBE_VALUES];
  for (const sample of samples) {
    const parsed = schema.safeParse(sample);
    if (!parsed.success) continue;
    if (Array.isArray(parsed.data)) return 'list';
    if (isPlainObject(parsed.data)) return 'map';
  }
  return undefined;
}

const FLAG_VALUES = ['true', 'false'];

/** The type and the allowed values of a variable, as a reader writes them. */
function typeAndValues(name: string, schema: z.ZodType): { type: string; allowed: string } {
  const json = jsonSchemaOf(schema);
  const members = (json.enum ?? []).map(String);
  if (FLAG_VALUES.every((value) => members.includes(value))) {
    return { type: 'boolean', allowed: '`true`, `false` (or `1`, `0`, `yes`, `no`)' };
  }
  if (members.length > 0) return { type: 'enum', allowed: members.map(code).join(', ') };
  if (json.type === 'integer') {
    const min = json.minimum ?? 0;
    const bounded = json.maximum !== undefined && json.maximum < Number.MAX_SAFE_INTEGER;
    return {
      type: 'integer',
      allowed: bounded ? `${String(min)}–${String(json.maximum)}` : `≥ ${String(min)}`,
    };
  }
  const shape = parsedShape(schema);
  const rule = ruleOf(schema);
  if (shape === 'list') {
    return { type: 'list', allowed: ['comma-separated', rule].filter(Boolean).join('; ') };
  }
  if (shape === 'map') return { type: 'map', allowed: '`key=value`, comma-separated' };
  if (json.format === 'uri') return { type: 'URL', allowed: 'a URL' };
  const type = name.endsWith('_FILE') ? 'file path' : 'string';
  if (json.pattern !== undefined) return { type, allowed: `matches ${code(json.pattern)}` };
  return { type, allowed: rule || (json.minLength === 1 ? 'non-empty' : 'any') };
}

const REFUSED_PROBE = 'not valid probe';

/** What the schema says of a value it refuses ('' for zod's own generic messages). */
function ruleOf(schema: z.ZodType): string {
  const refused = schema.safeParse(REFUSED_PROBE);
  const message = refused.success ? '' : (refused.error.issues[0]?.message ?? '');
  return message.startsWith('Invalid')
    ? ''
    : message
        .replaceAll(JSON.stringify(REFUSED_PROBE), '<value>')
        // Placeholders as code, or Markdown takes them for HTML.
        .replace(/<[^<>]+>(=<[^<>]+>)?/g, (placeholder) => code(placeholder));
}

/** The default as written in the environment; `required` or `unset` when there is none. */
function defaultOf(schema: z.ZodType): string {
  const parsed = schema.safeParse(undefined);
  if (!parsed.success) return '**required**';
  const value: unknown = parsed.data;
  if (value === undefined) return 'unset';
  if (Array.isArray(value)) return code(value.join(','));
  if (isPlainObject(value))
    return Object.keys(value).length === 0 ? 'unset' : code(JSON.stringify(value));
  return code(typeof value === 'string' ? value : JSON.stringify(value));
}

/** One variable as the reference lists it. */
export interface VariableEntry {
  readonly name: string;
  readonly type: string;
  readonly default: string;
  readonly allowed: string;
  readonly description: string;
  /** The processes and commands that read it (empty: none does). */
  readonly readBy: readonly string[];
}

/** The variable whose value a `<name>_FILE` variable holds; undefined for any other. */
function fileOf(name: string): string | undefined {
  const base = name.replace(/_FILE$/, '');
  return base !== name && CONFIG_SCHEMA[name] === undefined && CONFIG_SCHEMA[base] !== undefined
    ? base
    : undefined;
}

/** Every variable the configuration reads, in CONFIG_VARIABLES's order. */
export function variableEntries(): VariableEntry[] {
  const entries = new Map<string, VariableEntry>();
  for (const name of CONFIG_VARIABLES) {
    const schema = CONFIG_SCHEMA[name];
    if (schema === undefined) continue;
    entries.set(name, {
      name,
      ...typeAndValues(name, schema),
      default: defaultOf(schema),
      description: schema.description ?? '',
      readBy: readersOf(landsIn(name, schema)),
    });
  }
  for (const name of CONFIG_VARIABLES) {
    const base = fileOf(name);
    const of = base === undefined ? undefined : entries.get(base);
    if (base === undefined || of === undefined) continue;
    entries.set(name, {
      name,
      type: 'file path',
      default: 'unset',
      allowed: 'a readable file',
      description: `${base}, read from this file (trailing newlines dropped), e.g. a mounted Kubernetes Secret; set one or the other.`,
      readBy: of.readBy,
    });
  }
  return CONFIG_VARIABLES.flatMap((name) => entries.get(name) ?? []);
}

function entryTable(entries: readonly VariableEntry[]): string {
  return table(
    ['Variable', 'Type', 'Default', 'Allowed values', 'Description', 'Read by'],
    entries.map((entry) => [
      code(entry.name),
      entry.type,
      entry.default,
      entry.allowed,
      entry.description,
      entry.readBy.length === 0 ? 'nothing (no effect)' : entry.readBy.join(', '),
    ]),
  );
}

/** The reference's sections: shared, ingress, worker, each source, connection security. */
function sections(
  entries: readonly VariableEntry[],
): { title: string; entries: VariableEntry[] }[] {
  const security = (name: string) => (fileOf(name) ?? name) in securitySchema.shape;
  const sourceOf = (name: string) =>
    PLUGINS.find((plugin) => name.startsWith(`WHARF_${plugin.name.toUpperCase()}_`));
  const general = entries.filter((entry) => !security(entry.name) && !sourceOf(entry.name));
  const ingressSide = (entry: VariableEntry) => entry.readBy.some((r) => INGRESS_SIDE.has(r));
  const workerSide = (entry: VariableEntry) => entry.readBy.some((r) => !INGRESS_SIDE.has(r));
  return [
    {
      title: 'Shared by the ingress and the worker',
      entries: general.filter((entry) => ingressSide(entry) && workerSide(entry)),
    },
    { title: 'Ingress', entries: general.filter((entry) => !workerSide(entry)) },
    { title: 'Worker', entries: general.filter((entry) => !ingressSide(entry)) },
    ...PLUGINS.map((plugin) => ({
      title: `Source ${code(plugin.name)} (${plugin.title})`,
      entries: entries.filter((entry) => sourceOf(entry.name) === plugin),
    })),
    {
      title: 'Connection security (Kafka and the schema registry)',
      entries: entries.filter((entry) => security(entry.name)),
    },
  ];
}

/** The whole page, before prettier. */
export function configurationReference(): string {
  const entries = variableEntries();
  return [
    generatedNotice('the configuration schema (src/config/config.ts)'),
    '',
    '# Configuration reference',
    '',
    'Every setting of Wharf is an environment variable, read once when a process starts and ' +
      'checked as a whole: a wrong value stops the process with one line per problem, naming ' +
      'the variable. A variable set to the empty string counts as unset.',
    '',
    '**Read by** names the processes whose behaviour the variable changes: `ingress` ' +
      '(`wharf ingress`), `worker` (`wharf worker`), and the operator commands. `wharf start` ' +
      'runs both the ingress and the worker, with local defaults for what is unset. It is found ' +
      'by setting each variable to another value and seeing which part of the configuration ' +
      'changes (scripts/reference/configuration.ts). Both processes check more variables than ' +
      'they use (a wrong ingress setting stops the worker too); the ingress skips the ' +
      "worker's own.",
    '',
    ...sections(entries).flatMap((section) =>
      section.entries.length === 0
        ? []
        : [`## ${section.title}`, '', entryTable(section.entries), ''],
    ),
  ].join('\n');
}
