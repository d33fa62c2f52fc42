/**
 * The container image: multi-stage on Node.js 24, production dependencies
 * only, non-root, one image for both roles, and everything `wharf ingress`
 * and `wharf worker` load at run time is in it (the test broker is not). No
 * Docker here, so the module graph is followed statically instead of built.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, matchesGlob, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import packageJson from '../../../package.json' with { type: 'json' };
import { buildProgram } from '../../../src/cli/program.ts';
import { readText, ROOT } from './files.ts';

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerfile(): Instruction[] {
  return readText('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** The instructions of each stage, by stage. */
function stages(): Instruction[][] {
  const result: Instruction[][] = [];
  for (const instruction of dockerfile()) {
    if (instruction.keyword === 'FROM') result.push([]);
    result.at(-1)?.push(instruction);
  }
  return result;
}

/** Whether .dockerignore keeps a path (relative to the root) out of the build context. */
function ignored(path: string): boolean {
  let excluded = false;
  for (const raw of readText('.dockerignore').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/^\/|\/$/g, '');
    // A pattern matching a directory excludes what is inside it.
    if (matchesGlob(path, pattern) || matchesGlob(path, `${pattern}/**`)) excluded = !negated;
  }
  return excluded;
}

/** What the final stage copies from the build context (sources of COPY without --from). */
function copiedFromContext(): string[] {
  const final = stages().at(-1) ?? [];
  return final
    .filter((instruction) => instruction.keyword === 'COPY' && !instruction.args.includes('--from'))
    .flatMap((instruction) => {
      const parts = instruction.args.split(/\s+/).filter((part) => !part.startsWith('--'));
      return parts.slice(0, -1).map((source) => source.replace(/^\.\/|\/$/g, ''));
    });
}

/** Whether a file (relative to the root) ends up in the image. */
function inImage(path: string): boolean {
  const copied = copiedFromContext().some(
    (source) => path === source || path.startsWith(`${source}/`),
  );
  return copied && !ignored(path);
}

interface ModuleGraph {
  /** Files loaded, relative to the root. */
  readonly files: Set<string>;
  /** npm packages imported. */
  readonly packages: Set<string>;
  /** Files and directories read at run time through new URL(..., import.meta.url). */
  readonly assets: Set<string>;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/**
 * Follows the static imports (type-only ones are erased and load nothing)
 * from the entry files, with TypeScript's parser.
 */
function moduleGraph(entries: readonly string[]): ModuleGraph {
  const graph: ModuleGraph = { files: new Set(), packages: new Set(), assets: new Set() };
  const pending = [...entries];
  while (pending.length > 0) {
    const file = pending.pop() ?? '';
    if (graph.files.has(file)) continue;
    graph.files.add(file);
    const absolute = join(ROOT, file);
    const source = ts.createSourceFile(
      absolute,
      readFileSync(absolute, 'utf8'),
      ts.ScriptTarget.Latest,
    );
    const follow = (specifier: string) => {
      if (specifier.startsWith('node:')) return;
      if (!specifier.startsWith('.')) {
        graph.packages.add(packageName(specifier));
        return;
      }
      pending.push(relative(ROOT, join(dirname(absolute), specifier)));
    };
    const visit = (node: ts.Node) => {
      if (
        ts.isImportDeclaration(node) &&
        node.importClause?.phaseModifier !== ts.SyntaxKind.TypeKeyword
      ) {
        follow((node.moduleSpecifier as ts.StringLiteral).text);
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && !node.isTypeOnly) {
        follow((node.moduleSpecifier as ts.StringLiteral).text);
      } else if (
        ts.isNewExpression(node) &&
        node.expression.getText(source) === 'URL' &&
        node.arguments?.[1]?.getText(source) === 'import.meta.url'
      ) {
        const location = node.arguments[0];
        // A template names a directory: what precedes its first substitution.
        const path =
          location && ts.isTemplateExpression(location)
            ? dirname(`${location.head.text}x`)
            : location && ts.isStringLiteralLike(location)
              ? location.text
              : undefined;
        if (path !== undefined) graph.assets.add(relative(ROOT, join(dirname(absolute), path)));
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return graph;
}

/** The module bin/wharf.js hands over to (its one dynamic import). */
function binTarget(): string {
  const match = /await import\('([^']+)'\)/.exec(readText('bin/wharf.js'));
  return relative(ROOT, join(ROOT, 'bin', match?.[1] ?? ''));
}

describe('the Dockerfile', () => {
  it('builds in stages on the official Node.js 24 image, pinned by digest', () => {
    const all = dockerfile();
    const base = all.find((instruction) => instruction.keyword === 'ARG')?.args ?? '';
    // A release tag for readers and a digest for the build: the tag alone moves.
    expect(base).toMatch(/^NODE_IMAGE=node:24\.\d+\.\d+(-[a-z]+)*@sha256:[0-9a-f]{64}$/);
    const froms = all.filter((instruction) => instruction.keyword === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from.args).toMatch(/^\$\{NODE_IMAGE\} AS [a-z-]+$/);
  });

  it('installs production dependencies only, from the lock file, without install scripts', () => {
    const install = dockerfile().find((instruction) => /npm ci/.test(instruction.args));
    expect(install?.args).toMatch(/npm ci --omit=dev --ignore-scripts/);
    // No production dependency has an install script it needs (protobufjs's only checks versions).
    const lock = JSON.parse(readText('package-lock.json')) as {
      packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }>;
    };
    const scripted = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.hasInstallScript && !entry.dev)
      .map(([path]) => path.replace(/^node_modules\//, ''));
    expect(scripted).toEqual(['protobufjs']);
    expect(packageJson.allowScripts.protobufjs).toBe(false);
    // The `node` devDependency is not installed: the image's Node.js runs Wharf.
    expect(Object.keys(packageJson.devDependencies)).toContain('node');
    expect(Object.keys(packageJson.dependencies)).not.toContain('node');
  });

  it('runs as a numeric non-root user, one image for both roles', () => {
    const final = stages().at(-1) ?? [];
    const user = final.find((instruction) => instruction.keyword === 'USER')?.args ?? '0';
    expect(user).toMatch(/^[0-9]+(:[0-9]+)?$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
    const entrypoint = final.find((instruction) => instruction.keyword === 'ENTRYPOINT')?.args;
    expect(JSON.parse(entrypoint ?? '[]')).toEqual(['node', 'bin/wharf.js']);
    const command = final.find((instruction) => instruction.keyword === 'CMD')?.args;
    expect(JSON.parse(command ?? '[]')).toEqual(['ingress']);
    const commands = buildProgram().commands.map((command) => command.name());
    expect(commands).toEqual(expect.arrayContaining(['ingress', 'worker']));
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    for (const source of [...copiedFromContext(), 'package.json', 'package-lock.json']) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(ignored(source), source).toBe(false);
    }
  });
});

describe('.dockerignore', () => {
  it("keeps the test broker's C sources, tests, local state and secrets out of the image", () => {
    for (const path of [
      'src/broker/wharf-test-broker.c',
      'src/broker/librdkafka-mock.patch',
      'test/unit/ops/image.test.ts',
      'node_modules/kafkajs/package.json',
      '.git/HEAD',
      '.env',
      'helm/wharf/values.yaml',
    ]) {
      expect(ignored(path), path).toBe(true);
    }
  });
});

describe('what the two roles load', () => {
  const graph = moduleGraph([binTarget()]);

  it('starts from the CLI that bin/wharf.js runs', () => {
    expect(binTarget()).toBe('src/cli/main.ts');
    expect(graph.files).toContain('src/ingress/server.ts');
    expect(graph.files).toContain('src/worker/worker.ts');
    expect(inImage('bin/wharf.js')).toBe(true);
  });

  it('is all in the image: sources, the Avro schemas read at run time, package.json', () => {
    const missing = [...graph.files, ...graph.assets].filter((file) => !inImage(file));
    expect(missing).toEqual([]);
    expect(graph.assets.size).toBeGreaterThan(0);
    for (const asset of graph.assets) expect(existsSync(join(ROOT, asset)), asset).toBe(true);
  });

  it('imports only production dependencies (the image has no devDependencies)', () => {
    const production = new Set(Object.keys(packageJson.dependencies));
    expect([...graph.packages].filter((name) => !production.has(name))).toEqual([]);
  });
});
