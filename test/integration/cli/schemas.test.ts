/**
 * `wharf schemas check` against a git commit (a repository made in a
 * temporary directory) and against the embedded schema registry with the
 * subjects the worker registers: compatible changes pass, incompatible ones
 * fail and name the field, and a missing ref has its own exit code.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerSchemas } from '../../../src/cli/commands/schemas.ts';
import { canonicalSubject } from '../../../src/canonical/schemas.ts';
import { DOMAINS } from '../../../src/canonical/model.ts';
import { loadWorkerSettings } from '../../../src/config/config.ts';
import { CanonicalCodec } from '../../../src/kafka/canonical-codec.ts';
import { processIo } from '../../../src/ops/command-io.ts';
import { CANONICAL_SCHEMA_DIR } from '../../../src/ops/schema-check.ts';
import type { EmbeddedRegistry } from '../../../src/registry/index.ts';
import { uniqueName } from '../../support/kafka.ts';
import { runOps } from '../../support/ops-cli.ts';
import { startTestRegistry } from '../../support/worker.ts';

const run = promisify(execFile);

const check = (args: readonly string[], env: Record<string, string> = {}) =>
  runOps([registerSchemas], ['schemas', 'check', ...args], env);

interface AvroRecord {
  name: string;
  fields: { name: string; type: unknown; default?: unknown }[];
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

interface Report {
  compatible: boolean;
  schemas: {
    file: string;
    subject?: string;
    status: string;
    against: string;
    problems: { path: string; field?: string; reason: string }[];
  }[];
}

async function copyOfSchemas(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-schemas-'));
  await cp(CANONICAL_SCHEMA_DIR, dir, { recursive: true });
  return dir;
}

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

  beforeEach(async () => {
    repo = await mkdtemp(join(tmpdir(), 'wharf-schemas-repo-'));
    dir = join(repo, 'avro', 'canonical');
    await cp(CANONICAL_SCHEMA_DIR, dir, { recursive: true });
    await git('init', '--quiet');
    await git('add', '.');
    await git('commit', '--quiet', '-m', 'canonical schemas');
  });
  afterEach(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it('passes unchanged schemas and an optional field added with a default', async () => {
    const unchanged = await check(['--against', 'HEAD', '--dir', dir]);
    expect(unchanged.stderr).toBe('');
    expect(unchanged.code).toBe(0);
    expect(unchanged.stdout).toMatch(/6 schemas checked against HEAD \(BACKWARD\): all compatible/);

    await edit(dir, 'order-event.avsc', (schema) => {
      schema.fields.push({ name: 'channel', type: ['null', 'string'], default: null });
    });
    const result = await check(['--against', 'HEAD', '--dir', dir, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.compatible).toBe(true);
    expect(report.schemas.find((schema) => schema.file === 'order-event.avsc')).toMatchObject({
      status: 'compatible',
      against: 'HEAD',
    });
  });

  it('fails on a field added without a default and a type change, naming each field', async () => {
    await edit(dir, 'order-event.avsc', (schema) => {
      schema.fields.push({ name: 'channel', type: 'string' });
    });
    await edit(dir, 'location-event.avsc', (schema) => {
      const field = schema.fields.find((candidate) => candidate.name === 'receivedAt');
      if (field) field.type = 'long';
    });
    const result = await check(['--against', 'HEAD', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^INCOMPATIBLE {2}order-event\.avsc with HEAD:$/m);
    expect(result.stdout).toContain(
      '  - OrderEvent.channel (field channel): field `channel` added without a default',
    );
    expect(result.stdout).toContain(
      '  - LocationEvent.receivedAt (field receivedAt): type changed string → long',
    );
    expect(result.stdout).toMatch(/6 schemas checked against HEAD \(BACKWARD\): 2 incompatible/);

    const json = JSON.parse(
      (await check(['--against', 'HEAD', '--dir', dir, '--json'])).stdout,
    ) as Report;
    expect(json.compatible).toBe(false);
    expect(
      json.schemas.flatMap((schema) => schema.problems.map((problem) => problem.field)),
    ).toEqual(['receivedAt', 'channel']);
  });

  it('treats a schema the commit lacks as new, and checks against older commits', async () => {
    await writeFile(
      join(dir, 'return-event.avsc'),
      JSON.stringify({
        type: 'record',
        name: 'ReturnEvent',
        fields: [{ name: 'id', type: 'string' }],
      }),
    );
    const added = await check(['--against', 'HEAD', '--dir', dir]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^new {11}return-event\.avsc: not in HEAD/m);

    // Committed, then made incompatible: HEAD~1 lacks it (new), HEAD has it (incompatible).
    await git('add', '.');
    await git('commit', '--quiet', '-m', 'returns');
    await edit(dir, 'return-event.avsc', (schema) => {
      schema.fields.push({ name: 'reason', type: 'string' });
    });
    expect((await check(['--against', 'HEAD~1', '--dir', dir])).code).toBe(0);
    const result = await check(['--against', 'HEAD', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('field `reason` added without a default');
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
      await cp(CANONICAL_SCHEMA_DIR, empty, { recursive: true });
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

  it('fails on an invalid schema file', async () => {
    await writeFile(
      join(dir, 'shipment-event.avsc'),
      '{"type": "record", "name": "ShipmentEvent"}',
    );
    const result = await check(['--against', 'HEAD', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^INVALID {7}shipment-event\.avsc with HEAD:\n {2}- shipment-event\.avsc: Invalid Avro schema/m,
    );
    expect(result.stdout).toMatch(/: 1 invalid$/m);
  });
});

describe('wharf schemas check against the registry', () => {
  let registry: EmbeddedRegistry;
  let env: Record<string, string>;
  beforeAll(async () => {
    registry = await startTestRegistry();
    env = Object.fromEntries(
      DOMAINS.map((domain) => [`WHARF_${domain.toUpperCase()}_TOPIC`, uniqueName(domain)]),
    );
    // Registered as the worker does at start.
    await CanonicalCodec.register(
      new SchemaRegistry({ host: registry.url }),
      loadWorkerSettings(env).domainTopics,
    );
  });
  afterAll(async () => {
    await registry.close();
  });

  it('checks the installed schemas against the latest versions under the worker subjects', async () => {
    const result = await check(['--json'], { ...env, SCHEMA_REGISTRY_URL: registry.url });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    const topics = loadWorkerSettings(env).domainTopics;
    expect(report.schemas.map((schema) => schema.subject).sort()).toEqual(
      DOMAINS.map((domain) => canonicalSubject(topics[domain], domain)).sort(),
    );
    expect(new Set(report.schemas.map((schema) => schema.against))).toEqual(
      new Set(['registry version 1']),
    );
  });

  it('names the field of an incompatible change; removing a field passes BACKWARD, not FULL', async () => {
    const dir = await copyOfSchemas();
    try {
      await edit(dir, 'inventory-event.avsc', (schema) => {
        schema.fields.push({ name: 'warehouse', type: 'string' });
      });
      const added = await check(['--registry', registry.url, '--dir', dir], env);
      expect(added.code).toBe(1);
      expect(added.stdout).toMatch(
        /INCOMPATIBLE {2}inventory-event\.avsc \(\S+-wharf\.canonical\.InventoryEvent\) with registry version 1:/,
      );
      expect(added.stdout).toContain(
        'InventoryEvent.warehouse (field warehouse): field `warehouse` added without a default',
      );

      await edit(dir, 'inventory-event.avsc', (schema) => {
        schema.fields = schema.fields.filter(
          (field) => !['warehouse', 'subject'].includes(field.name),
        );
      });
      expect((await check(['--registry', registry.url, '--dir', dir], env)).code).toBe(0);
      const full = await check(['--registry', registry.url, '--dir', dir, '--level', 'FULL'], env);
      expect(full.code).toBe(1);
      expect(full.stdout).toContain(
        'InventoryEvent.subject (field subject): readers of registry version 1: field `subject` removed, and the previous schema has no default for it',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('treats an unregistered subject as new, and exits 3 when the registry cannot be reached', async () => {
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

    const nothing = await check([], {});
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/give --against <git ref>, or a registry/);
  });

  it('has a description on every command and option', () => {
    const program = new Command('wharf');
    registerSchemas(program, processIo());
    const schemas = program.commands.find((command) => command.name() === 'schemas');
    const checkCommand = schemas?.commands.find((command) => command.name() === 'check');
    expect(schemas?.description()).not.toBe('');
    expect(checkCommand?.description()).toMatch(/4 when the --against ref does not exist/);
    expect(checkCommand?.options.length).toBe(6);
    for (const option of checkCommand?.options ?? [])
      expect(option.description, option.flags).not.toBe('');
  });
});
