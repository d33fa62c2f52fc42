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

/** Options of {@link copyDependencies}. */
export interface CopyDependenciesOptions {
  /** The pom whose dependencies are copied. */
  pom: string;
  /** `-Dname=value` properties (a version, say). */
  properties?: Readonly<Record<string, string>>;
  /** Where the jars end up; reused when it is complete. */
  outputDir: string;
  /** Receives a line before the download starts. */
  progress: (message: string) => void;
}

/**
 * Copies the runtime dependencies of `pom` into `outputDir` once; later calls
 * return at once. Two processes racing here both download, and the first to
 * finish publishes.
 *
 * @returns `outputDir`.
 */
export async function copyDependencies(options: CopyDependenciesOptions): Promise<string> {
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
      'dependency:copy-dependencies',
      `-DoutputDirectory=${staged}`,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: unknown) => {
    const output = error instanceof Error && 'stdout' in error ? String(error.stdout) : '';
    throw new Error(`mvn dependency:copy-dependencies failed for ${options.pom}: ${output}`, {
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

/** Options of {@link unpackDependencies}. */
export interface UnpackDependenciesOptions {
  /** The pom whose dependencies are archives (a `tar.gz` or `zip` with a classifier, say). */
  pom: string;
  /** `-Dname=value` properties (a version, say). */
  properties?: Readonly<Record<string, string>>;
  /** Where the archives' contents end up; reused when it is complete. */
  outputDir: string;
  /** Receives a line before the download starts and one when it is done. */
  progress: (message: string) => void;
}

/**
 * Unpacks the archives `pom` depends on into `outputDir` once
 * (`mvn dependency:unpack-dependencies`, straight from the local repository
 * in the cache); later calls return at once. Like {@link copyDependencies},
 * the work happens in a staging folder that is renamed into place when whole.
 *
 * @returns `outputDir`.
 */
export async function unpackDependencies(options: UnpackDependenciesOptions): Promise<string> {
  const { outputDir } = options;
  if (existsSync(join(outputDir, COMPLETE_MARKER))) return outputDir;
  const staged = `${outputDir}.${String(process.pid)}.partial`;
  await rm(staged, { recursive: true, force: true });
  const properties = Object.entries(options.properties ?? {}).map(([k, v]) => `-D${k}=${v}`);
  options.progress(`Fetching and unpacking ${options.pom} ${properties.join(' ')}…`);
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
      'dependency:unpack-dependencies',
      `-DoutputDirectory=${staged}`,
      // The plugin skips archives its markers (by default in the pom's own
      // target/) say it unpacked before; the staging folder is new each time.
      `-DmarkersDirectory=${staged}.markers`,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  )
    .finally(() => rm(`${staged}.markers`, { recursive: true, force: true }))
    .catch((error: unknown) => {
      const output = error instanceof Error && 'stdout' in error ? String(error.stdout) : '';
      throw new Error(`mvn dependency:unpack-dependencies failed for ${options.pom}: ${output}`, {
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
  options.progress(`Unpacked into ${outputDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return outputDir;
}
