/**
 * Builds the Kafka-protocol test broker: librdkafka's mock cluster, patched
 * with the admin handlers Wharf needs, linked statically into a small
 * launcher. The result is cached under a key made of every input, so a
 * second run (and every test run) reuses it.
 *
 * Run directly (`npm run broker:build`) or through {@link ensureTestBroker}.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The npm package whose tarball carries the librdkafka sources. */
const SOURCE_PACKAGE = '@confluentinc/kafka-javascript@1.10.1';
/** Its tarball's integrity as the registry published it (`npm view … dist.integrity`). */
export const SOURCE_INTEGRITY =
  'sha512-KVePUBn21EqCVP9mfxzEuM3SYJHHEF7X+iiC2e43QQgDSyEaksInmCGooT3w5q+cNAdkSCrK71j0ICfqoSqZLw==';

/**
 * Refuses a downloaded tarball whose sha512 is not the pinned one: the
 * sources are compiled and run, so they must be the bytes that were reviewed.
 *
 * @throws naming both digests when they differ.
 */
export async function checkIntegrity(file: string, expected: string): Promise<void> {
  const actual = `sha512-${createHash('sha512')
    .update(await readFile(file))
    .digest('base64')}`;
  if (actual !== expected) {
    throw new Error(
      `${basename(file)}: integrity ${actual}, expected ${expected}; refusing to build it`,
    );
  }
}
const LIBRDKAFKA_DIR = 'package/deps/librdkafka';
/** Everything optional is off so that the build downloads nothing. */
const CONFIGURE_FLAGS = [
  '--disable-ssl',
  '--disable-zstd',
  '--disable-lz4-ext',
  '--disable-gssapi',
  '--disable-curl',
  '--disable-zlib',
];

const here = fileURLToPath(new URL('.', import.meta.url));
const LAUNCHER_SOURCE = join(here, 'wharf-test-broker.c');
const PATCH_FILE = join(here, 'librdkafka-mock.patch');
const BINARY_NAME = 'wharf-test-broker';

/** Where built brokers are kept: `$WHARF_CACHE_DIR` or `~/.cache/wharf`. */
export function cacheRoot(): string {
  return process.env.WHARF_CACHE_DIR ?? join(homedir(), '.cache', 'wharf');
}

function digest(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex').slice(0, 16);
}

/** Keys of the two cached artefacts: the patched library and the launcher linked against it. */
async function buildKeys(): Promise<{ library: string; broker: string }> {
  const library = digest(SOURCE_PACKAGE, CONFIGURE_FLAGS.join(' '), await readFile(PATCH_FILE));
  return { library, broker: digest(library, await readFile(LAUNCHER_SOURCE)) };
}

/** The path the broker binary has (or will have) for the current sources. */
export async function testBrokerPath(): Promise<string> {
  return join(cacheRoot(), 'test-broker', (await buildKeys()).broker, BINARY_NAME);
}

type Progress = (message: string) => void;

/** How often a long step says it is still working, so that a silent minute does not look hung. */
const STILL_WORKING_EVERY_MS = 15_000;

async function step(progress: Progress, message: string, work: () => Promise<unknown>) {
  const started = Date.now();
  const elapsed = () => ((Date.now() - started) / 1000).toFixed(1);
  progress(`${message}…`);
  const ticker = setInterval(() => {
    progress(`${message}: ${String(Math.round((Date.now() - started) / 1000))} s so far…`);
  }, STILL_WORKING_EVERY_MS);
  try {
    await work();
  } finally {
    clearInterval(ticker);
  }
  progress(`${message}: done in ${elapsed()} s`);
}

async function linkerLibs(sourceDir: string): Promise<string[]> {
  const config = await readFile(join(sourceDir, 'Makefile.config'), 'utf8');
  const libs = new Set<string>();
  for (const line of config.split('\n')) {
    const match = /^LIBS\+?=\s*(.*)$/.exec(line);
    for (const lib of match?.[1]?.split(/\s+/) ?? []) if (lib) libs.add(lib);
  }
  return [...libs];
}

/** What linking needs from a librdkafka build. */
const LIBRARY_FILES = ['librdkafka.a', 'rdkafka.h', 'rdkafka_mock.h'];

/** Moves a finished directory into place; a concurrent build that got there first wins. */
async function publish(staged: string, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  try {
    await rename(staged, target);
  } catch (error) {
    if (!existsSync(target)) throw error;
  }
}

/** Builds the patched librdkafka.a once per library key; returns its directory. */
async function ensureLibrary(key: string, work: string, progress: Progress): Promise<string> {
  const target = join(cacheRoot(), 'librdkafka', key);
  if (existsSync(join(target, 'libs.txt'))) return target;
  const sourceDir = join(work, LIBRDKAFKA_DIR);
  await step(progress, `Fetching librdkafka sources (${SOURCE_PACKAGE})`, async () => {
    // npm pack only downloads the tarball: installing the package would run
    // its install script, which downloads prebuilt binaries.
    const { stdout } = await run('npm', ['pack', SOURCE_PACKAGE, '--silent'], { cwd: work });
    const tarball = stdout.trim().split('\n').pop() ?? '';
    await checkIntegrity(join(work, tarball), SOURCE_INTEGRITY);
    await run('tar', ['xzf', tarball, LIBRDKAFKA_DIR], { cwd: work });
  });
  await step(progress, 'Patching the mock cluster', () =>
    // git apply inside a repository applies paths from its top; the ceiling
    // keeps git from finding one above the temporary build folder.
    run('git', ['apply', '-p1', PATCH_FILE], {
      cwd: sourceDir,
      env: { ...process.env, GIT_CEILING_DIRECTORIES: dirname(work) },
    }),
  );
  await step(progress, 'Configuring librdkafka', () =>
    run('./configure', CONFIGURE_FLAGS, { cwd: sourceDir }),
  );
  await step(progress, 'Compiling librdkafka (about 60-90 s on 2 cores)', () =>
    run('make', ['-j', String(availableParallelism()), '-C', 'src', 'librdkafka.a'], {
      cwd: sourceDir,
      maxBuffer: 64 * 1024 * 1024,
    }),
  );
  const staged = join(work, 'library');
  await mkdir(staged);
  for (const file of LIBRARY_FILES) await cp(join(sourceDir, 'src', file), join(staged, file));
  await writeFile(join(staged, 'libs.txt'), (await linkerLibs(sourceDir)).join(' '));
  await publish(staged, target);
  return target;
}

async function build(keys: { library: string; broker: string }, progress: Progress): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'wharf-broker-'));
  try {
    const library = await ensureLibrary(keys.library, work, progress);
    const staged = join(work, 'broker');
    await mkdir(staged);
    await step(progress, 'Linking the launcher', async () => {
      const libs = (await readFile(join(library, 'libs.txt'), 'utf8')).split(' ').filter(Boolean);
      await run('gcc', [
        '-O2',
        '-Wall',
        '-I',
        library,
        '-o',
        join(staged, BINARY_NAME),
        LAUNCHER_SOURCE,
        join(library, 'librdkafka.a'),
        ...libs,
      ]);
    });
    await publish(staged, join(cacheRoot(), 'test-broker', keys.broker));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Returns the path of the test broker binary, building it first when the
 * cache has none for the current sources.
 *
 * @param progress - receives one line per build step (default: stderr).
 */
export async function ensureTestBroker(
  progress: Progress = (message) => {
    process.stderr.write(`[test-broker] ${message}\n`);
  },
): Promise<string> {
  const keys = await buildKeys();
  const target = join(cacheRoot(), 'test-broker', keys.broker, BINARY_NAME);
  if (existsSync(target)) return target;
  progress(`No cached build at ${target}; building it once (cached afterwards).`);
  await build(keys, progress);
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = await ensureTestBroker();
  process.stdout.write(`${path}\n`);
}
