/**
 * docs/reference/configuration.md lists every variable the configuration
 * reads, described, with who reads it. That the committed page is what
 * `npm run generate` writes is checked with the other generated files
 * (test/unit/ops/generated-files.test.ts); here, that what it writes is whole
 * and that the readers it finds are the right ones.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, sourceVariable } from '../../../src/config/config.ts';
import { PLUGINS } from '../../../src/providers/index.ts';
import { variableEntries } from '../../../scripts/reference/configuration.ts';
import type { VariableEntry } from '../../../scripts/reference/configuration.ts';

let entries: ReadonlyMap<string, VariableEntry>;
let page: string;

beforeAll(async () => {
  entries = new Map(variableEntries().map((entry) => [entry.name, entry]));
  page = await readFile(
    new URL('../../../docs/reference/configuration.md', import.meta.url),
    'utf8',
  );
});

function readersOf(name: string): readonly string[] {
  const entry = entries.get(name);
  if (entry === undefined) throw new Error(`${name} is not in the reference`);
  return entry.readBy;
}

describe('the configuration reference', () => {
  it('has a row for every variable the configuration reads', () => {
    expect([...entries.keys()]).toEqual(CONFIG_VARIABLES);
    for (const name of CONFIG_VARIABLES) expect(page).toContain(`| \`${name}\``);
  });

  it('describes every variable (in the schema: .describe(), or security.ts’s record)', () => {
    const undescribed = [...entries.values()].filter((entry) => entry.description.trim() === '');
    expect(undescribed.map((entry) => entry.name)).toEqual([]);
  });

  it('gives the defaults the configuration applies', () => {
    expect(entries.get('WHARF_INGRESS_PORT')?.default).toBe('`8080`');
    expect(entries.get('WHARF_ONGOING_CONTENT_TYPES')?.default).toBe('`application/json`');
    expect(entries.get('WHARF_ALLOW_UNAUTHENTICATED')?.default).toBe('`false`');
    expect(entries.get('KAFKA_BROKERS')?.default).toBe('**required**');
    expect(entries.get('WHARF_TOPIC_REPLICATION_FACTOR')?.default).toBe('unset');
  });

  it('finds who reads a variable from where its value lands', () => {
    expect(readersOf('WHARF_INGRESS_PORT')).toEqual(['ingress', '`wharf send`']);
    expect(readersOf('WHARF_WORKER_GROUP_ID')).toEqual(['worker']);
    expect(readersOf('KAFKA_BROKERS')).toContain('ingress');
    expect(readersOf('KAFKA_BROKERS')).toContain('worker');
    // The worker sizes the raw topics it creates as the ingress writes them.
    expect(readersOf('WHARF_MAX_BODY_BYTES')).toEqual(['ingress', 'worker']);
    expect(readersOf('WHARF_DEAD_LETTER_TOPIC')).toContain('`wharf dlq`, `wharf replay`');
    expect(readersOf(sourceVariable('ongoing', 'SECRETS'))).not.toContain('worker');
    expect(readersOf(sourceVariable('ongoing', 'PAYLOAD'))).toEqual([
      'worker',
      '`wharf transform`',
    ]);
    expect(readersOf('SCHEMA_REGISTRY_PASSWORD_FILE')).toEqual(
      readersOf('SCHEMA_REGISTRY_PASSWORD'),
    );
    expect(readersOf('SCHEMA_REGISTRY_PASSWORD')).not.toContain('ingress');
    for (const plugin of PLUGINS) {
      for (const name of Object.keys(plugin.settings)) expect(readersOf(name)).toContain('worker');
    }
  });

  it('finds a reader for every variable but the token header of a source without token auth', () => {
    const unread = [...entries.values()].filter((entry) => entry.readBy.length === 0);
    expect(unread.map((entry) => entry.name)).toEqual(
      PLUGINS.filter(
        (plugin) => !(plugin.ingress.authModes as readonly string[]).includes('token'),
      ).map((plugin) => sourceVariable(plugin.name, 'TOKEN_HEADER')),
    );
  });
});
