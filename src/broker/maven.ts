/**
 * Fetches Java artefacts from Maven Central with the project's own poms:
 * `mvn dependency:copy-dependencies` into the cache, with Maven's local
 * repository inside the cache too, so one folder holds everything a test
 * broker needs and a second run asks no registry.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot } from './build.ts';

const run = promisify(execFile);

/** Written last into a finished folder, so an interrupted copy is never taken for a whole one. */
const COMPLETE_MARKER = '.complete';

/** Maven's local repository inside Wharf's cache. */
export function mavenRepository(): string {
  return join(cacheRoot(), 'm2');
}

/** Whether `command` runs on this machine (`command -version` exits 0). */
export async function commandWorks(command: string, args: readonly string[]): Promise<boolean> {
  try {
    await run(command, [...args], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** The `java` to run: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else the one on PATH. */
export function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  return home ? join(home, 'bin', 'java') : 'java';
}

/** Options of {@link copyDependencies} and {@link unpackDependencies}. */
export interface DependenciesOptions {
  /** The pom whose dependencies are fetched. */
  pom: string;
  /** `-Dname=value` properties (a version, say). */
  properties?: Readonly<Record<string, string>>;
  /** Where they end up; reused when it is complete. */
  outputDir: string;
  /** Receives a line before the download starts and one when it is done. */
  progress: (message: string) => void;
}

/**
 * Runs a maven-dependency-plugin goal into `outputDir` once; later calls
 * return at once. The work happens in a staging folder renamed into place
 * when whole; two processes racing here both download, and the first to
 * finish publishes.
 */
async function fetchOnce(
  goal: 'copy-dependencies' | 'unpack-dependencies',
  options: DependenciesOptions,
): Promise<string> {
  const { outputDir } = options;
  if (existsSync(join(outputDir, COMPLETE_MARKER))) return outputDir;
  const staged = `${outputDir}.${String(process.pid)}.partial`;
  await rm(staged, { recursive: true, force: true });
  const properties = Object.entries(options.properties ?? {}).map(([k, v]) => `-D${k}=${v}`);
  options.progress(`Fetching ${options.pom} ${properties.join(' ')} from Maven Central…`);
  const started = Date.now();
  await run(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      options.pom,
      `-Dmaven.repo.local=${mavenRepository()}`,
      ...properties,
      `dependency:${goal}`,
      `-DoutputDirectory=${staged}`,
      // unpack-dependencies skips archives its markers (by default in the
      // pom's own target/) say it unpacked before; the staging folder is new.
      `-DmarkersDirectory=${staged}.markers`,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  )
    .finally(() => rm(`${staged}.markers`, { recursive: true, force: true }))
    .catch((error: unknown) => {
      const output = error instanceof Error && 'stdout' in error ? String(error.stdout) : '';
      throw new Error(`mvn dependency:${goal} failed for ${options.pom}: ${output}`, {
        cause: error,
      });
    });
  await writeFile(join(staged, COMPLETE_MARKER), new Date().toISOString());
  await mkdir(dirname(outputDir), { recursive: true });
  try {
    await rename(staged, outputDir);
  } catch (error) {
    await rm(staged, { recursive: true, force: true });
    if (!existsSync(join(outputDir, COMPLETE_MARKER))) throw error;
  }
  options.progress(`Fetched into ${outputDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return outputDir;
}

/** Copies the runtime dependencies of `pom` (jars) into `outputDir` once; returns it. */
export function copyDependencies(options: DependenciesOptions): Promise<string> {
  return fetchOnce('copy-dependencies', options);
}

/**
 * Unpacks the archives `pom` depends on (a `tar.gz` with a classifier, say)
 * into `outputDir` once; returns it.
 */
export function unpackDependencies(options: DependenciesOptions): Promise<string> {
  return fetchOnce('unpack-dependencies', options);
}
