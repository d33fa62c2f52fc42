/**
 * The files, or parts of files, that follow from the provider list and the
 * canonical schemas: each written by `npm run generate`, and each checked by
 * a unit test that fails when it is stale. A part is delimited by marker
 * comments; what lies outside them is written by hand.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import type { z } from 'zod';
import { withCanonicalReference } from '../src/canonical/reference-doc.ts';
import { banner } from '../src/cli/commands/start.ts';
import { localSecret } from '../src/cli/local-defaults.ts';
import { planLocalRun } from '../src/cli/local-stack.ts';
import type { LocalStack } from '../src/cli/local-stack.ts';
import { PLUGINS } from '../src/providers/index.ts';
import type { ProviderPlugin } from '../src/providers/provider.ts';
import { asyncApiDocument } from './reference/asyncapi.ts';
import { canonicalEventsReference } from './reference/canonical-events.ts';
import { configurationReference } from './reference/configuration.ts';

/** A generated file: where it is, and what it should hold given what it holds. */
export interface GeneratedFile {
  readonly path: string;
  generate(current: string): Promise<string>;
}

function repoPath(path: string): string {
  return fileURLToPath(new URL(`../${path}`, import.meta.url));
}

/** Replaces what lies between two marker lines (kept) with `body`. */
export function betweenMarkers(text: string, start: string, end: string, body: string): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end, from);
  if (from < 0 || to < 0) throw new Error(`markers ${start} … ${end} not found`);
  const afterStart = text.indexOf('\n', from) + 1;
  const endLine = text.lastIndexOf('\n', to) + 1;
  return `${text.slice(0, afterStart)}${body}${text.slice(endLine)}`;
}

async function formatted(path: string, text: string, parser: string): Promise<string> {
  const options = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(text, { ...options, parser });
}

const canonicalModelPage: GeneratedFile = {
  path: repoPath('docs/canonical-model.md'),
  generate(current) {
    return formatted(this.path, withCanonicalReference(current), 'markdown');
  },
};

/** The banner of `npm start`, with the ports and pid of one run, as the README shows it. */
function sampleBanner(): string {
  const plan = planLocalRun({});
  const config = {
    ...plan.config,
    kafka: { ...plan.config.kafka, brokers: ['127.0.0.1:46837'] },
    worker: { ...plan.config.worker, schemaRegistryUrl: 'http://127.0.0.1:39717' },
  };
  const stack: LocalStack = {
    config,
    ingressUrl: 'http://127.0.0.1:8080',
    metricsUrl: 'http://127.0.0.1:9095',
    workerUrl: 'http://127.0.0.1:9091',
    broker: { pid: 29654 },
    failed: new Promise<Error>(() => undefined),
    shutdown: () => Promise.resolve(),
  };
  return banner(plan, stack);
}

const readme: GeneratedFile = {
  path: repoPath('README.md'),
  generate(current) {
    const block = [
      '',
      '```',
      '$ npm start',
      'Starting the embedded Kafka broker…',
      'Starting the ingress and the worker…',
      `${sampleBanner()}\`\`\``,
      '',
      '',
    ].join('\n');
    return Promise.resolve(
      betweenMarkers(
        current,
        '<!-- generated: the npm start banner',
        '<!-- end of the npm start banner -->',
        block,
      ),
    );
  },
};

/** The local credential `wharf start` gives a source, as compose's environment holds it. */
function composeSecrets(): string {
  return PLUGINS.map((plugin) => {
    const mode = plugin.ingress.defaultAuthMode as ProviderPlugin['ingress']['defaultAuthMode'];
    if (mode === 'none') return '';
    return `      WHARF_${plugin.name.toUpperCase()}_SECRETS: '*=${localSecret(plugin.name, mode)}'\n`;
  }).join('');
}

const compose: GeneratedFile = {
  path: repoPath('docker-compose.yml'),
  generate(current) {
    return Promise.resolve(
      betweenMarkers(
        current,
        '# generated: local secrets',
        '# end of generated local secrets',
        composeSecrets(),
      ),
    );
  },
};

function describedAs(schema: z.ZodType): string {
  return schema.description ?? '';
}

/** A comment of values.yaml: `# -- ` then the text, wrapped as the chart's comments are. */
function comment(indent: string, text: string): string {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = `${indent}# --`;
  for (const word of words) {
    if (`${line} ${word}`.length > 100 && line.trim() !== '# --' && line.trim() !== '#') {
      lines.push(line);
      line = `${indent}#`;
    }
    line = `${line} ${word}`;
  }
  lines.push(line);
  return `${lines.join('\n')}\n`;
}

function sourceValues(plugin: ProviderPlugin): string {
  const name = plugin.name;
  const variable = (setting: string) => `WHARF_${name.toUpperCase()}_${setting}`;
  const indent = '      ';
  const settings = Object.entries(plugin.settings);
  return [
    `    ${name}:\n`,
    comment(indent, `${variable('AUTH')}: ${plugin.ingress.authModes.join(', ')}.`),
    `${indent}auth: ${plugin.ingress.defaultAuthMode}\n`,
    comment(indent, `${variable('RAW_TOPIC')}.`),
    `${indent}rawTopic: webhooks.raw.${name}\n`,
    comment(indent, `${variable('TOKEN_HEADER')}: header of \`token\` auth.`),
    `${indent}tokenHeader: x-webhook-token\n`,
    comment(indent, `${variable('CONTENT_TYPES')}: accepted media types; ["*"] accepts any.`),
    `${indent}contentTypes:\n${indent}  - application/json\n`,
    comment(
      indent,
      `${variable('RATE_LIMIT_PER_SECOND')}: requests per second per ingress pod; null for none.`,
    ),
    `${indent}rateLimitPerSecond: null\n`,
    comment(
      indent,
      `${variable('TIME_ZONE')}: IANA zone of this source's timestamps without an offset; null for providerTimeZone.`,
    ),
    `${indent}timeZone: null\n`,
    comment(
      indent,
      `${variable('PAYLOAD')}: what events carry of the provider message (providerPayload): keep, omit or redact.`,
    ),
    `${indent}payload: keep\n`,
    comment(
      indent,
      `${variable('PAYLOAD_REDACT')}: with payload redact, the field paths to censor, comma-separated (e.g. body.delivery_address.email,body.lines[*].reference); null otherwise.`,
    ),
    `${indent}payloadRedact: null\n`,
    comment(
      indent,
      settings.length === 0
        ? `The provider's own settings: ${plugin.title} has none.`
        : "The provider's own settings, by variable; empty for the provider's default.",
    ),
    settings.length === 0
      ? `${indent}settings: {}\n`
      : `${indent}settings:\n${settings
          .map(
            ([key, schema]) =>
              `${comment(`${indent}  `, `${key}: ${describedAs(schema)}`)}${indent}  ${key}: ''\n`,
          )
          .join('')}`,
  ].join('');
}

function secretValues(plugin: ProviderPlugin): string {
  const variable = `WHARF_${plugin.name.toUpperCase()}_SECRETS`;
  const modes = plugin.ingress.authModes.filter((mode) => mode !== 'none');
  return (
    comment(
      '  ',
      `${variable}: \`<tenant>=<secret>\` entries (${modes.join(', ')}); the tenant is ${plugin.tenant}.`,
    ) + `  ${plugin.name}: ''\n`
  );
}

const helmValues: GeneratedFile = {
  path: repoPath('helm/wharf/values.yaml'),
  generate(current) {
    const sources = [
      comment(
        '  ',
        'WHARF_SOURCES: the sources this deployment runs: the ingress serves them, the worker reads their raw topics, and only they need secrets.',
      ),
      `  enabledSources:\n${PLUGINS.map((plugin) => `    - ${plugin.name}\n`).join('')}`,
      '  # -- Per-source settings (WHARF_<SOURCE>_*). Their secrets are under `secrets`.\n',
      `  sources:\n${PLUGINS.map(sourceValues).join('')}`,
    ].join('');
    const secrets = PLUGINS.map(secretValues).join('');
    return Promise.resolve(
      betweenMarkers(
        betweenMarkers(current, '  # generated: sources', '  # end of generated sources', sources),
        '  # generated: secrets',
        '  # end of generated secrets',
        secrets,
      ),
    );
  },
};

const SECRETS_PATTERN = '^(\\s*[^=,\\s]+=[^,]+|\\s*)(,(\\s*[^=,\\s]+=[^,]+|\\s*))*$';

function sourceSchema(plugin: ProviderPlugin): unknown {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      auth: { type: 'string', enum: plugin.ingress.authModes, description: 'Authentication mode.' },
      rawTopic: {
        type: 'string',
        description: 'Raw topic of the source.',
        pattern: '^[A-Za-z0-9._-]{1,249}$',
      },
      tokenHeader: {
        type: 'string',
        description: 'Header of token auth.',
        pattern: '^[A-Za-z0-9-]+$',
      },
      contentTypes: {
        type: 'array',
        description: 'Accepted media types; ["*"] accepts any.',
        items: { type: 'string', minLength: 1 },
      },
      rateLimitPerSecond: {
        type: ['integer', 'null'],
        description: 'Requests per second per ingress pod; null for none.',
        minimum: 1,
      },
      timeZone: {
        type: ['string', 'null'],
        description:
          "IANA zone of this source's timestamps without an offset; null for config.worker.providerTimeZone.",
        minLength: 1,
      },
      payload: {
        type: 'string',
        enum: ['keep', 'omit', 'redact'],
        description:
          'What events carry of the provider message (providerPayload): keep, omit or redact (WHARF_<SOURCE>_PAYLOAD).',
      },
      payloadRedact: {
        type: ['string', 'null'],
        minLength: 1,
        description:
          'With payload redact, the field paths to censor, comma-separated (WHARF_<SOURCE>_PAYLOAD_REDACT); null otherwise.',
      },
      settings: {
        type: 'object',
        additionalProperties: false,
        description: "The provider's own settings, by variable; an empty value leaves its default.",
        properties: Object.fromEntries(
          Object.entries(plugin.settings).map(([key, schema]) => [
            key,
            { type: 'string', description: describedAs(schema) },
          ]),
        ),
      },
    },
    required: ['auth'],
  };
}

interface SchemaNode {
  properties: Record<string, SchemaNode>;
  required?: string[];
}

const helmSchema: GeneratedFile = {
  path: repoPath('helm/wharf/values.schema.json'),
  generate(current) {
    const schema = JSON.parse(current) as SchemaNode;
    const config = schema.properties.config;
    const secrets = schema.properties.secrets;
    if (config === undefined || secrets === undefined) throw new Error('no config or secrets');
    const sources = config.properties.sources;
    if (sources === undefined) throw new Error('no config.sources');
    sources.properties = Object.fromEntries(
      PLUGINS.map((plugin) => [plugin.name, sourceSchema(plugin) as SchemaNode]),
    );
    sources.required = PLUGINS.map((plugin) => plugin.name);
    config.properties.enabledSources = {
      type: 'array',
      description: 'WHARF_SOURCES: the sources this deployment runs; only they need secrets.',
      items: { type: 'string', enum: PLUGINS.map((plugin) => plugin.name) },
      minItems: 1,
      uniqueItems: true,
    } as unknown as SchemaNode;
    const existing = secrets.properties.existingSecret;
    if (existing === undefined) throw new Error('no secrets.existingSecret');
    secrets.properties = {
      existingSecret: existing,
      ...Object.fromEntries(
        PLUGINS.map((plugin) => [
          plugin.name,
          {
            type: 'string',
            pattern: SECRETS_PATTERN,
            description: `WHARF_${plugin.name.toUpperCase()}_SECRETS: comma-separated <tenant>=<secret> entries; *=<secret> speaks for any tenant.`,
          } as unknown as SchemaNode,
        ]),
      ),
    };
    return Promise.resolve(`${JSON.stringify(schema, null, 2)}\n`);
  },
};

/** The ConfigMap lines of the providers' own settings, from their values. */
const configMap: GeneratedFile = {
  path: repoPath('helm/wharf/templates/configmap.yaml'),
  generate(current) {
    const lines = PLUGINS.flatMap((plugin) =>
      Object.keys(plugin.settings).map(
        (key) =>
          `  ${key}: {{ include "wharf.envValue" .Values.config.sources.${plugin.name}.settings.${key} }}\n`,
      ),
    ).join('');
    return Promise.resolve(
      betweenMarkers(
        current,
        '  # generated: provider settings',
        '  # end of generated provider settings',
        lines,
      ),
    );
  },
};

/** A file written whole from what `write` returns, formatted as prettier formats it. */
function wholeFile(path: string, parser: string, write: () => string): GeneratedFile {
  return {
    path: repoPath(path),
    generate() {
      return formatted(this.path, write(), parser);
    },
  };
}

/** The references of docs/reference/ (its README, the index, is written by hand). */
const references: readonly GeneratedFile[] = [
  wholeFile('docs/reference/configuration.md', 'markdown', configurationReference),
  wholeFile('docs/reference/canonical-events.md', 'markdown', canonicalEventsReference),
  wholeFile('docs/reference/asyncapi.yaml', 'yaml', asyncApiDocument),
];

/** Every generated file. */
export const GENERATED_FILES: readonly GeneratedFile[] = [
  canonicalModelPage,
  readme,
  compose,
  helmValues,
  helmSchema,
  configMap,
  ...references,
];

/** The file as it should be (a file not written yet is generated from nothing). */
export async function expectedContent(file: GeneratedFile): Promise<string> {
  const current = await readFile(file.path, 'utf8').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  });
  return file.generate(current);
}
