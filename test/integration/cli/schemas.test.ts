/**
 * `wharf schemas check` and `wharf schemas release` on copies of the
 * canonical schemas in temporary directories: against the released
 * versions (every one of them: FULL_TRANSITIVE), against a git commit (a
 * repository made there, in today's layout and in the one before
 * shared.avsc) and against the embedded schema registry under the subjects
 * the worker registers. Compatible changes pass, incompatible ones fail and
 * name the field and the version, and `release` numbers the snapshots.
 * Every change is made by the test to a field of its own, so that the
 * schemas' own fields may change.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Command } from 'commander';
import * as prettier from 'prettier';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerSchemas } from '../../../src/cli/commands/schemas.ts';
import { DOMAINS } from '../../../src/canonical/model.ts';
import {
  SHARED_SCHEMA_FILE,
  canonicalSchemaFileName,
  canonicalSubject,
  expandCanonicalSchema,
} from '../../../src/canonical/schemas.ts';
import { loadWorkerSettings } from '../../../src/config/config.ts';
import { CanonicalCodec } from '../../../src/kafka/canonical-codec.ts';
import { processIo } from '../../../src/ops/command-io.ts';
import { CANONICAL_SCHEMA_DIR, RELEASED_DIR } from '../../../src/ops/schema-check.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { uniqueName } from '../../support/kafka.ts';
import { runOps } from '../../support/ops-cli.ts';
import { startTestRegistry } from '../../support/worker.ts';

const run = promisify(execFile);

const check = (args: readonly string[], env: Record<string, string> = {}) =>
  runOps([registerSchemas], ['schemas', 'check', ...args], env);
const release = (args: readonly string[]) =>
  runOps([registerSchemas], ['schemas', 'release', ...args], {});

interface AvroField {
  name: string;
  type: unknown;
  default?: unknown;
  doc?: string;
}

interface AvroRecord {
  name: string;
  doc?: string;
  fields: AvroField[];
}

/** Edits one schema file of a directory as JSON. */
async function edit(
  dir: string,
  file: string,
  change: (schema: AvroRecord) => void,
): Promise<void> {
  const path = join(dir, file);
  const schema = JSON.parse(await readFile(path, 'utf8')) as AvroRecord;
  change(schema);
  await writeFile(path, JSON.stringify(schema, null, 2));
}

const withField = (field: AvroField) => (schema: AvroRecord) => {
  schema.fields.push(field);
};
const withoutField = (name: string) => (schema: AvroRecord) => {
  schema.fields = schema.fields.filter((field) => field.name !== name);
};

interface Report {
  compatible: boolean;
  level: string;
  schemas: {
    domain: string;
    file: string;
    subject?: string;
    status: string;
    against: string;
    problems: { path: string; field?: string; reason: string; version?: string }[];
  }[];
}

/** The canonical schemas without their released snapshots, into `to`. */
async function copySchemas(to: string): Promise<void> {
  await cp(CANONICAL_SCHEMA_DIR, to, {
    recursive: true,
    filter: (source) => relative(CANONICAL_SCHEMA_DIR, source).split(sep)[0] !== RELEASED_DIR,
  });
}

async function copyOfSchemas(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-schemas-'));
  await copySchemas(dir);
  return dir;
}

/** The snapshots `release` wrote for a domain file, e.g. ['1.avsc', '2.avsc']. */
async function snapshots(dir: string, file: string): Promise<string[]> {
  const folder = join(dir, RELEASED_DIR, file.replace(/\.avsc$/, ''));
  return (await readdir(folder).catch(() => [])).sort();
}

describe('wharf schemas check against the released versions', () => {
  it('passes the installed schemas against every released version of each (what CI runs)', async () => {
    // Before any release every schema is new; after one, a breaking change fails here.
    for (const args of [[], ['--released']]) {
      const result = await check([...args, '--json']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as Report;
      expect(report.level).toBe('FULL_TRANSITIVE');
      expect(report.schemas.map((schema) => schema.domain)).toEqual([...DOMAINS]);
      for (const schema of report.schemas)
        expect(['new', 'compatible'], schema.file).toContain(schema.status);
    }
  });

  describe('in a copy', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await copyOfSchemas();
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('passes a compatible addition; fails a field removed without a default, naming it and the version', async () => {
      await edit(dir, 'order-event.avsc', withField({ name: 'channel', type: 'string' }));
      expect((await release(['--dir', dir])).code).toBe(0);

      await edit(
        dir,
        'order-event.avsc',
        withField({ name: 'note', type: ['null', 'string'], default: null }),
      );
      const added = await check(['--dir', dir]);
      expect(added.code).toBe(0);
      expect(added.stdout).toMatch(
        /^ok {12}order-event\.avsc: compatible with released version 1$/m,
      );
      expect(added.stdout).toMatch(
        /^6 schemas checked against the released versions \(FULL_TRANSITIVE\): all compatible$/m,
      );

      await edit(dir, 'order-event.avsc', withoutField('channel'));
      const removed = await check(['--dir', dir]);
      expect(removed.code).toBe(1);
      expect(removed.stdout).toContain(
        'INCOMPATIBLE  order-event.avsc with released version 1:\n' +
          '  - OrderEvent.channel (field channel): readers of released version 1: ' +
          'field `channel` removed, and the previous schema has no default for it\n',
      );
      expect(removed.stdout).toMatch(/\(FULL_TRANSITIVE\): 1 incompatible$/m);
      // BACKWARD only asks the new schema to read the old data: a removal passes.
      expect((await check(['--dir', dir, '--level', 'BACKWARD'])).code).toBe(0);
    });

    it('fails a change compatible with the latest released version but not an older one', async () => {
      await edit(dir, 'order-event.avsc', withField({ name: 'channel', type: 'string' }));
      await release(['--dir', dir]);
      // A default is all that changes: a new version all the same (it changes how data is read).
      await edit(dir, 'order-event.avsc', (schema) => {
        const channel = schema.fields.find((field) => field.name === 'channel');
        if (channel) channel.default = 'web';
      });
      const second = await release(['--dir', dir]);
      expect(second.code, second.stderr).toBe(0);
      expect(await snapshots(dir, 'order-event.avsc')).toEqual(['1.avsc', '2.avsc']);

      // Version 2's readers take the default; version 1's have none.
      await edit(dir, 'order-event.avsc', withoutField('channel'));
      const transitive = await check(['--dir', dir, '--json']);
      expect(transitive.code).toBe(1);
      const order = (JSON.parse(transitive.stdout) as Report).schemas.find(
        (schema) => schema.file === 'order-event.avsc',
      );
      expect(order).toMatchObject({ status: 'incompatible', against: 'released versions 1–2' });
      expect(order?.problems).toEqual([
        {
          path: 'OrderEvent.channel',
          field: 'channel',
          reason: 'field `channel` removed, and the previous schema has no default for it',
          version: 'released version 1',
          direction: 'forward',
        },
      ]);
      const latestOnly = await check(['--dir', dir, '--level', 'FULL']);
      expect(latestOnly.code).toBe(0);
      expect(latestOnly.stdout).toContain('order-event.avsc: compatible with released version 2');
    });

    it('exits 3 when a released version does not parse, 2 when one is misnamed', async () => {
      const folder = join(dir, RELEASED_DIR, 'order-event');
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, '1.avsc'), '{"type": "record"');
      const unreadable = await check(['--dir', dir]);
      expect(unreadable.code).toBe(3);
      expect(unreadable.stderr).toMatch(/^order-event\.avsc at released version 1 does not parse/);

      await rm(join(folder, '1.avsc'));
      await writeFile(join(folder, 'latest.avsc'), '{}');
      const misnamed = await release(['--dir', dir]);
      expect(misnamed.code).toBe(2);
      expect(misnamed.stderr).toMatch(/latest\.avsc: a released snapshot is named by its version/);
    });
  });
});

describe('wharf schemas release', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await copyOfSchemas();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes 1.avsc, nothing while unchanged (docs and formatting aside), 2.avsc after a compatible change', async () => {
    const first = await release(['--dir', dir]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      'released      order-event.avsc as version 1: released/order-event/1.avsc\n',
    );
    expect(first.stdout).toMatch(/^6 of 6 schemas released in /m);
    const shared = await readFile(join(dir, SHARED_SCHEMA_FILE), 'utf8');
    for (const domain of DOMAINS) {
      const file = canonicalSchemaFileName(domain);
      expect(await snapshots(dir, file), file).toEqual(['1.avsc']);
      const path = join(dir, RELEASED_DIR, file.replace(/\.avsc$/, ''), '1.avsc');
      const text = await readFile(path, 'utf8');
      // The expanded schema, self-contained, pretty-printed as the repository's lint wants it.
      expect(JSON.parse(text), file).toEqual(
        expandCanonicalSchema(await readFile(join(dir, file), 'utf8'), shared),
      );
      expect(await prettier.check(text, { parser: 'json' }), file).toBe(true);
    }

    await edit(dir, 'order-event.avsc', (schema) => {
      schema.doc = 'Reworded.';
    });
    // One line: formatting is not a change either.
    const order = join(dir, 'order-event.avsc');
    await writeFile(order, JSON.stringify(JSON.parse(await readFile(order, 'utf8'))));
    const unchanged = await release(['--dir', dir]);
    expect(unchanged.code).toBe(0);
    expect(unchanged.stdout).toContain('unchanged     order-event.avsc: the same as version 1\n');
    expect(unchanged.stdout).toMatch(/^0 of 6 schemas released in /m);
    expect(await snapshots(dir, 'order-event.avsc')).toEqual(['1.avsc']);

    await edit(
      dir,
      'order-event.avsc',
      withField({ name: 'channel', type: ['null', 'string'], default: null }),
    );
    const second = await release(['--dir', dir, '--json']);
    expect(second.code).toBe(0);
    const outcome = JSON.parse(second.stdout) as {
      released: boolean;
      steps: { file: string; action: string; version: number }[];
    };
    expect(outcome.released).toBe(true);
    expect(outcome.steps.filter((step) => step.action === 'released')).toMatchObject([
      { file: 'order-event.avsc', version: 2 },
    ]);
    expect(await snapshots(dir, 'order-event.avsc')).toEqual(['1.avsc', '2.avsc']);
    expect(await snapshots(dir, 'shipment-event.avsc')).toEqual(['1.avsc']);
    const snapshot = JSON.parse(
      await readFile(join(dir, RELEASED_DIR, 'order-event', '2.avsc'), 'utf8'),
    ) as AvroRecord;
    expect(snapshot.fields.at(-1)).toEqual({
      name: 'channel',
      type: ['null', 'string'],
      default: null,
    });
  });

  it('refuses an incompatible change, one line per problem, and writes nothing', async () => {
    await release(['--dir', dir]);
    await edit(dir, 'inventory-event.avsc', withField({ name: 'warehouse', type: 'string' }));
    // Compatible, but not released either while another schema is refused.
    await edit(
      dir,
      'order-event.avsc',
      withField({ name: 'channel', type: ['null', 'string'], default: null }),
    );
    const refused = await release(['--dir', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      'inventory-event.avsc: InventoryEvent.warehouse (field warehouse): reading data of ' +
        'released version 1: field `warehouse` added without a default\n' +
        'nothing released: 1 schema is not FULL_TRANSITIVE compatible with the released versions\n',
    );
    expect(await snapshots(dir, 'inventory-event.avsc')).toEqual(['1.avsc']);
    expect(await snapshots(dir, 'order-event.avsc')).toEqual(['1.avsc']);
  });
});

describe('wharf schemas check --against <git ref>', () => {
  let repo: string;
  let dir: string;
  const git = (...args: string[]) =>
    run('git', [
      '-C',
      repo,
      '-c',
      'user.name=Wharf Test',
      '-c',
      'user.email=test@wharf.invalid',
      ...args,
    ]);
  const commit = async (message: string) => {
    await git('add', '--all', '.');
    await git('commit', '--quiet', '-m', message);
  };

  beforeEach(async () => {
    repo = await mkdtemp(join(tmpdir(), 'wharf-schemas-repo-'));
    dir = join(repo, 'avro', 'canonical');
    await copySchemas(dir);
    await git('init', '--quiet');
    await commit('canonical schemas');
  });
  afterEach(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it('passes unchanged schemas and an optional field added with a default', async () => {
    const unchanged = await check(['--against', 'HEAD', '--dir', dir]);
    expect(unchanged.stderr).toBe('');
    expect(unchanged.code).toBe(0);
    expect(unchanged.stdout).toMatch(
      /6 schemas checked against HEAD \(FULL_TRANSITIVE\): all compatible/,
    );

    await edit(
      dir,
      'order-event.avsc',
      withField({ name: 'channel', type: ['null', 'string'], default: null }),
    );
    const result = await check(['--against', 'HEAD', '--dir', dir, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.compatible).toBe(true);
    expect(report.schemas.find((schema) => schema.file === 'order-event.avsc')).toMatchObject({
      domain: 'orders',
      status: 'compatible',
      against: 'HEAD',
    });
  });

  it('fails on a field added without a default and a type change, naming each field', async () => {
    await edit(dir, 'location-event.avsc', withField({ name: 'count', type: 'int', default: 0 }));
    await commit('count');
    await edit(dir, 'order-event.avsc', withField({ name: 'channel', type: 'string' }));
    await edit(dir, 'location-event.avsc', (schema) => {
      const count = schema.fields.find((field) => field.name === 'count');
      if (count) Object.assign(count, { type: 'string', default: '0' });
    });
    const result = await check(['--against', 'HEAD', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^INCOMPATIBLE {2}order-event\.avsc with HEAD:$/m);
    expect(result.stdout).toContain(
      '  - OrderEvent.channel (field channel): reading data of HEAD: field `channel` added without a default\n',
    );
    expect(result.stdout).toContain(
      '  - LocationEvent.count (field count): reading data of HEAD: type changed int → string\n' +
        '  - LocationEvent.count (field count): readers of HEAD: type changed int → string\n',
    );
    expect(result.stdout).toMatch(
      /6 schemas checked against HEAD \(FULL_TRANSITIVE\): 2 incompatible/,
    );

    const json = JSON.parse(
      (await check(['--against', 'HEAD', '--dir', dir, '--json'])).stdout,
    ) as Report;
    expect(json.compatible).toBe(false);
    expect(
      json.schemas.flatMap((schema) => schema.problems.map((problem) => problem.field)),
    ).toEqual(['channel', 'count', 'count']);
  });

  it('expands a commit before shared.avsc existed on its own, and treats a file it lacks as new', async () => {
    // The layout before shared.avsc: every domain file self-contained.
    const shared = await readFile(join(dir, SHARED_SCHEMA_FILE), 'utf8');
    const today = new Map<string, string>();
    for (const domain of DOMAINS) {
      const file = join(dir, canonicalSchemaFileName(domain));
      today.set(file, await readFile(file, 'utf8'));
      await writeFile(
        file,
        JSON.stringify(expandCanonicalSchema(today.get(file) ?? '', shared), null, 2),
      );
    }
    await rm(join(dir, SHARED_SCHEMA_FILE));
    await commit('self-contained schemas');
    for (const [file, text] of today) await writeFile(file, text);
    await writeFile(join(dir, SHARED_SCHEMA_FILE), shared);
    await commit('shared types');

    const result = await check(['--against', 'HEAD~1', '--dir', dir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/6 schemas checked against HEAD~1 \(FULL_TRANSITIVE\): all/);
    await edit(dir, 'catalog-event.avsc', withField({ name: 'brand', type: 'string' }));
    const changed = await check(['--against', 'HEAD~1', '--dir', dir]);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain('field `brand` added without a default');

    await git('rm', '--quiet', '--cached', 'avro/canonical/catalog-event.avsc');
    await git('commit', '--quiet', '-m', 'no catalog');
    const added = await check(['--against', 'HEAD', '--dir', dir]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^new {11}catalog-event\.avsc: not in HEAD/m);
  });

  it('exits 4 when the ref does not exist, 0 with --allow-missing-ref, 2 outside a repository', async () => {
    const missing = await check(['--against', 'HEAD~1', '--dir', dir]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/--against HEAD~1: no such commit in this repository/);
    const allowed = await check(['--against', 'HEAD~1', '--dir', dir, '--allow-missing-ref']);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toMatch(/nothing to check against, so the check passes/);

    // A repository with no commit at all, as in a first CI run.
    const empty = await mkdtemp(join(tmpdir(), 'wharf-schemas-empty-'));
    try {
      await copySchemas(empty);
      await run('git', ['-C', empty, 'init', '--quiet']);
      expect((await check(['--against', 'HEAD', '--dir', empty])).code).toBe(4);
      await rm(join(empty, '.git'), { recursive: true, force: true });
      const outside = await check(['--against', 'HEAD', '--dir', empty]);
      // tmpdir() itself may not be inside a repository; then this is a usage error.
      expect(outside.code).toBe(2);
      expect(outside.stderr).toMatch(/is not inside a git work tree/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('fails on a schema that is not valid Avro once expanded', async () => {
    await writeFile(
      join(dir, 'shipment-event.avsc'),
      '{"type": "record", "name": "ShipmentEvent"}',
    );
    const result = await check(['--against', 'HEAD', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^INVALID {7}shipment-event\.avsc:\n {2}- shipment-event\.avsc: not a valid Avro schema \(with shared\.avsc\): /m,
    );
    expect(result.stdout).toMatch(/: 1 invalid$/m);
  });
});

describe('wharf schemas check --registry', () => {
  let registry: EmbeddedRegistry;
  let env: Record<string, string>;
  const topicEnvironment = () =>
    Object.fromEntries(
      DOMAINS.map((domain) => [`WHARF_${domain.toUpperCase()}_TOPIC`, uniqueName(domain)]),
    );
  beforeAll(async () => {
    registry = await startTestRegistry();
    env = topicEnvironment();
    // Registered as the worker does at start.
    await CanonicalCodec.register(
      new SchemaRegistry({ host: registry.url }),
      loadWorkerSettings(env).domainTopics,
    );
  });
  afterAll(async () => {
    await registry.close();
  });

  it('checks the installed schemas against the versions under the <topic>-value subjects', async () => {
    const result = await check(['--registry', '--json'], {
      ...env,
      SCHEMA_REGISTRY_URL: registry.url,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    const topics = loadWorkerSettings(env).domainTopics;
    expect(report.schemas.map((schema) => schema.subject)).toEqual(
      DOMAINS.map((domain) => `${topics[domain]}-value`),
    );
    expect(new Set(report.schemas.map((schema) => `${schema.status} ${schema.against}`))).toEqual(
      new Set(['compatible registry version 1']),
    );
  });

  it('uses the subjects of WHARF_SCHEMA_SUBJECT_STRATEGY, and names a wrong one in one line', async () => {
    const own = topicEnvironment();
    const topics = loadWorkerSettings(own).domainTopics;
    await CanonicalCodec.register(
      new SchemaRegistry({ host: registry.url }),
      topics,
      'topic-record',
    );
    const recordSubjects = { ...own, WHARF_SCHEMA_SUBJECT_STRATEGY: 'topic-record' };
    const result = await check(['--registry', registry.url, '--json'], recordSubjects);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.schemas.map((schema) => schema.subject)).toEqual(
      DOMAINS.map((domain) => canonicalSubject(topics[domain], domain, 'topic-record')),
    );
    expect(report.schemas[0]?.subject).toMatch(/-wharf\.canonical\.OrderEvent$/);
    expect(new Set(report.schemas.map((schema) => schema.status))).toEqual(new Set(['compatible']));
    // The same topics under the default strategy: nothing registered there.
    const byTopic = await check(['--registry', registry.url], own);
    expect(byTopic.stdout).toMatch(/6 schemas checked .*: all compatible/);
    expect(byTopic.stdout.match(/^new /gm)).toHaveLength(6);

    const wrong = await check(['--registry', registry.url], {
      ...own,
      WHARF_SCHEMA_SUBJECT_STRATEGY: 'record',
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(
      '\n  WHARF_SCHEMA_SUBJECT_STRATEGY: Invalid option: expected one of "topic"|"topic-record"\n',
    );
  });

  it('compares every registered version at a transitive level, the latest one otherwise', async () => {
    const own = topicEnvironment();
    const topics = loadWorkerSettings(own).domainTopics;
    const client = new SchemaRegistry({ host: registry.url });
    await CanonicalCodec.register(client, topics);
    const dir = await copyOfSchemas();
    try {
      await edit(
        dir,
        'order-event.avsc',
        withField({ name: 'channel', type: ['null', 'string'], default: null }),
      );
      const shared = await readFile(join(dir, SHARED_SCHEMA_FILE), 'utf8');
      const second = expandCanonicalSchema(
        await readFile(join(dir, 'order-event.avsc'), 'utf8'),
        shared,
      );
      await client.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(second) },
        {
          subject: canonicalSubject(topics.orders, 'orders', 'topic'),
          compatibility: COMPATIBILITY.FULL_TRANSITIVE,
        },
      );
      const all = await check(['--registry', registry.url, '--dir', dir], own);
      expect(all.code, all.stdout).toBe(0);
      expect(all.stdout).toContain(
        `order-event.avsc (${topics.orders}-value): compatible with registry versions 1–2`,
      );
      const latest = await check(
        ['--registry', registry.url, '--dir', dir, '--level', 'FULL'],
        own,
      );
      expect(latest.stdout).toContain(
        `order-event.avsc (${topics.orders}-value): compatible with registry version 2`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the field of an incompatible change; removing a field passes BACKWARD, not FULL_TRANSITIVE', async () => {
    const dir = await copyOfSchemas();
    try {
      await edit(dir, 'inventory-event.avsc', withField({ name: 'warehouse', type: 'string' }));
      const added = await check(['--registry', registry.url, '--dir', dir], env);
      expect(added.code).toBe(1);
      expect(added.stdout).toMatch(
        /INCOMPATIBLE {2}inventory-event\.avsc \(\S+-value\) with registry version 1:/,
      );
      expect(added.stdout).toContain(
        'InventoryEvent.warehouse (field warehouse): reading data of registry version 1: field `warehouse` added without a default',
      );

      let removed = '';
      await edit(dir, 'inventory-event.avsc', (schema) => {
        removed = schema.fields.find((field) => !('default' in field))?.name ?? '';
        schema.fields = schema.fields.filter(
          (field) => field.name !== 'warehouse' && field.name !== removed,
        );
      });
      const backward = await check(
        ['--registry', registry.url, '--dir', dir, '--level', 'BACKWARD'],
        env,
      );
      expect(backward.code).toBe(0);
      const full = await check(['--registry', registry.url, '--dir', dir], env);
      expect(full.code).toBe(1);
      expect(full.stdout).toContain(
        `InventoryEvent.${removed} (field ${removed}): readers of registry version 1: field \`${removed}\` removed, and the previous schema has no default for it`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('treats an unregistered subject as new, exits 3 when the registry cannot be reached, 2 without its URL', async () => {
    const fresh = await check(['--registry', registry.url], {
      WHARF_ORDERS_TOPIC: uniqueName('orders'),
    });
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/^new {11}order-event\.avsc/m);

    const unreachable = await check(['--registry', 'http://127.0.0.1:9'], env);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(
      /cannot reach the schema registry at http:\/\/127\.0\.0\.1:9/,
    );

    const nothing = await check(['--registry'], {});
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toBe('--registry: give its URL, or set SCHEMA_REGISTRY_URL\n');
    const both = await check(['--registry', registry.url, '--released'], {});
    expect(both.code).toBe(2);
  });

  it('has a description on every command and option', () => {
    const program = new Command('wharf');
    registerSchemas(program, processIo());
    const schemas = program.commands.find((command) => command.name() === 'schemas');
    expect(schemas?.description()).not.toBe('');
    const commands = new Map(schemas?.commands.map((command) => [command.name(), command]));
    expect([...commands.keys()]).toEqual(['check', 'release']);
    expect(commands.get('check')?.description()).toMatch(/4 when the --against ref does not exist/);
    expect(commands.get('check')?.options.map((option) => option.long)).toEqual([
      '--released',
      '--registry',
      '--against',
      '--dir',
      '--level',
      '--allow-missing-ref',
      '--json',
    ]);
    expect(commands.get('release')?.description()).toMatch(/1 when refused/);
    for (const command of commands.values())
      for (const option of command.options) expect(option.description, option.flags).not.toBe('');
  });
});
