/**
 * Runs a real Apicurio Registry for tests: the Quarkus distribution Maven
 * Central serves (`src/broker/apicurio/pom.xml`, fetched and unpacked once
 * into the cache), on 127.0.0.1 and free ports, with its in-memory H2
 * storage, a small heap and the global compatibility rule BACKWARD (the
 * Confluent default Wharf's worker expects). Clients use its
 * Confluent-compatible API, {@link ApicurioRegistry.url}.
 *
 * Apicurio 3.x is built for Java 21, so the JVM is the first Java 21 or newer
 * found: `$JAVA_HOME/bin/java` or `java` on the PATH, then the JDKs under
 * /usr/lib/jvm. As with the Kafka broker, the JVM dies with the process that
 * started it (./jvm.ts). Its output goes to
 * `apicurio.log` in its own temporary directory ({@link ApicurioRegistry.logTail}).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cacheRoot } from './build.ts';
import { freePort, readLog, spawnJvm, tail, waitForExit, waitUntilServing } from './jvm.ts';
import type { Jvm } from './jvm.ts';
import { commandWorks, javaCommand, unpackDependencies } from './maven.ts';

const run = promisify(execFile);

/** The newest Apicurio Registry Maven Central serves here: the default. */
export const APICURIO_VERSION = '3.3.3';
/** Apicurio 3.x's classes are Java 21 class files (major version 65). */
export const APICURIO_MIN_JAVA = 21;
/** Where the Confluent-compatible API lives under the server's root. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';

const here = fileURLToPath(new URL('.', import.meta.url));
const POM = join(here, 'apicurio', 'pom.xml');
const RUNNER_JAR = 'quarkus-run.jar';
const JVM_DIR = '/usr/lib/jvm';
const STOP_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 200;

type Progress = (message: string) => void;
const toStderr: Progress = (message) => {
  process.stderr.write(`[apicurio] ${message}\n`);
};

/** The folder the distribution of `version` is unpacked into. */
export function apicurioDir(version: string): string {
  return join(cacheRoot(), 'apicurio', version);
}

/**
 * Fetches and unpacks the distribution of `version` once; returns the folder
 * holding `quarkus-run.jar`.
 */
export async function ensureApicurio(
  version = APICURIO_VERSION,
  progress = toStderr,
): Promise<string> {
  const dir = await unpackDependencies({
    pom: POM,
    properties: { 'apicurio.version': version },
    outputDir: apicurioDir(version),
    progress,
  });
  return runnerDir(dir);
}

/** Where quarkus-run.jar is: the archive's top, or a folder in it should a release wrap one. */
async function runnerDir(dir: string): Promise<string> {
  if (existsSync(join(dir, RUNNER_JAR))) return dir;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && existsSync(join(dir, entry.name, RUNNER_JAR)))
      return join(dir, entry.name);
  }
  throw new Error(`no ${RUNNER_JAR} in ${dir}: not an Apicurio Registry distribution`);
}

/** The feature release of a `java` (17, 21, 25), or undefined when it does not run. */
async function javaMajor(java: string): Promise<number | undefined> {
  try {
    // `java -version` writes to stderr: `openjdk version "25.0.1" …` or `"1.8.0_412"`.
    const { stderr } = await run(java, ['-version'], { timeout: 30_000 });
    const match = /version "(\d+)(?:\.(\d+))?/.exec(stderr);
    if (!match?.[1]) return undefined;
    const first = Number(match[1]);
    return first === 1 ? Number(match[2]) : first;
  } catch {
    return undefined;
  }
}

/** `java` binaries to try: the usual one first, then every JDK under /usr/lib/jvm. */
async function javaCandidates(): Promise<string[]> {
  const installed = await readdir(JVM_DIR).catch(() => []);
  return [
    javaCommand(),
    ...installed
      .sort()
      .reverse()
      .map((name) => join(JVM_DIR, name, 'bin', 'java'))
      .filter((path) => existsSync(path)),
  ];
}

/**
 * The first `java` of at least `minMajor` on this machine, or why there is none
 * (naming each one found and its version).
 */
export async function findJava(
  minMajor = APICURIO_MIN_JAVA,
): Promise<{ java: string; major: number } | { reason: string }> {
  const seen: string[] = [];
  for (const java of new Set(await javaCandidates())) {
    const major = await javaMajor(java);
    if (major !== undefined && major >= minMajor) return { java, major };
    seen.push(`${java} (${major === undefined ? 'does not run' : `Java ${String(major)}`})`);
  }
  return {
    reason: `Apicurio Registry 3 needs Java ${String(minMajor)} or newer; found ${seen.join(', ') || 'no java'}`,
  };
}

/**
 * Whether Apicurio can run here: a Java 21 or newer, and the distribution
 * cached or Maven to fetch it. The reason when not.
 */
export async function apicurioAvailability(
  version = APICURIO_VERSION,
): Promise<{ available: true; java: string } | { available: false; reason: string }> {
  const java = await findJava();
  if ('reason' in java) return { available: false, reason: java.reason };
  if (existsSync(join(apicurioDir(version), '.complete')))
    return { available: true, java: java.java };
  if (!(await commandWorks('mvn', ['-v'])))
    return { available: false, reason: 'no cached Apicurio Registry and mvn -v does not run' };
  return { available: true, java: java.java };
}

/** Options of {@link startApicurio}. */
export interface ApicurioOptions {
  /** Apicurio Registry version (default {@link APICURIO_VERSION}). */
  version?: string;
  /** The `java` to run (default: the first Java 21 or newer found, see {@link findJava}). */
  java?: string;
  /** Maximum JVM heap in MiB (default 384). */
  heapMb?: number;
  /**
   * The global COMPATIBILITY rule it starts with (default BACKWARD, Confluent's
   * default); null starts it without one, as Apicurio itself does.
   */
  globalCompatibility?: string | null;
  /** How long the server may take to answer (default 180 s; 10–30 s on a busy 2-core machine). */
  startTimeoutMs?: number;
  /** Receives download and start lines (default: stderr). */
  progress?: Progress;
}

/** A running Apicurio Registry. */
export interface ApicurioRegistry {
  /** The Apicurio Registry version running. */
  readonly version: string;
  /** The Confluent-compatible API, `http://127.0.0.1:<port>/apis/ccompat/v7`: what clients get. */
  readonly url: string;
  /** The server's root, for Apicurio's own APIs (`/apis/registry/v3`). */
  readonly rootUrl: string;
  /** The JVM's process id. */
  readonly pid: number;
  /** The server's log. */
  readonly logFile: string;
  /** How long the JVM took from spawn to answering the Confluent-compatible API. */
  readonly startupMs: number;
  /** The last `lines` lines of the server's log. */
  logTail(lines?: number): Promise<string>;
  /** Stops the server and removes its files; calling it again is harmless. */
  stop(): Promise<void>;
}

/** The server's settings, as system properties (they override its application.properties). */
function serverProperties(
  dataDir: string,
  ports: { http: number; management: number },
  globalCompatibility: string | null,
): Record<string, string> {
  return {
    'quarkus.http.host': '127.0.0.1',
    'quarkus.http.port': String(ports.http),
    // The health and metrics interface is always built in; it must not take 9000.
    'quarkus.management.host': '127.0.0.1',
    'quarkus.management.port': String(ports.management),
    'quarkus.banner.enabled': 'false',
    // In memory, gone with the process: the same as the embedded registry.
    'apicurio.storage.kind': 'sql',
    'apicurio.storage.sql.kind': 'h2',
    'apicurio.datasource.url': 'jdbc:h2:mem:wharf',
    'apicurio.datasource.jdbc.initial-size': '2',
    'apicurio.datasource.jdbc.min-size': '2',
    'apicurio.datasource.jdbc.max-size': '20',
    // Confluent's default, and what @kafkajs/confluent-schema-registry expects of a subject.
    ...(globalCompatibility === null
      ? {}
      : { 'apicurio.rules.global.compatibility': globalCompatibility }),
    'apicurio.storage.snapshot.location': dataDir,
    'apicurio.import.work-dir': dataDir,
  };
}

/** Whether the Confluent-compatible API answers, and with which global compatibility. */
async function readGlobalCompatibility(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/config`, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { compatibilityLevel?: unknown };
    return typeof body.compatibilityLevel === 'string' ? body.compatibilityLevel : '';
  } catch {
    return undefined;
  }
}

/** Starts the JVM: a quick start on few cores matters more than peak speed for a test registry. */
function spawnApicurio(
  java: string,
  home: string,
  dataDir: string,
  logFile: string,
  heapMb: number,
  properties: Record<string, string>,
): Promise<Jvm> {
  return spawnJvm({
    java,
    logFile,
    cwd: dataDir,
    args: [
      `-Xms${String(Math.min(64, heapMb))}m`,
      `-Xmx${String(heapMb)}m`,
      '-XX:+ExitOnOutOfMemoryError',
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      `-Djava.io.tmpdir=${dataDir}`,
      ...Object.entries(properties).map(([key, value]) => `-D${key}=${value}`),
      '-jar',
      join(home, RUNNER_JAR),
    ],
  });
}

/**
 * Fetches (once) and starts an Apicurio Registry; resolves once its
 * Confluent-compatible API answers with the global compatibility asked for
 * (BACKWARD by default).
 *
 * @throws when no Java 21 is found, Maven cannot fetch the distribution, the
 *   JVM exits or does not answer in time (with the end of its log), or the
 *   global rule is not the one asked for.
 */
export async function startApicurio(options: ApicurioOptions = {}): Promise<ApicurioRegistry> {
  const version = options.version ?? APICURIO_VERSION;
  const progress = options.progress ?? toStderr;
  const globalCompatibility =
    options.globalCompatibility === undefined ? 'BACKWARD' : options.globalCompatibility;
  let java = options.java;
  if (java === undefined) {
    const found = await findJava();
    if ('reason' in found) throw new Error(found.reason);
    java = found.java;
  }
  const home = await ensureApicurio(version, progress);
  const dataDir = await mkdtemp(join(tmpdir(), 'wharf-apicurio-'));
  const ports = { http: await freePort(), management: await freePort() };
  const rootUrl = `http://127.0.0.1:${String(ports.http)}`;
  const url = `${rootUrl}${CCOMPAT_PATH}`;
  const logFile = join(dataDir, 'apicurio.log');
  const properties = serverProperties(dataDir, ports, globalCompatibility);
  const started = Date.now();
  const jvm = await spawnApicurio(java, home, dataDir, logFile, options.heapMb ?? 384, properties);
  const { child } = jvm;
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await waitForExit(child, STOP_TIMEOUT_MS);
    await rm(dataDir, { recursive: true, force: true });
  };
  let level: string;
  try {
    level = await waitUntilServing(jvm, () => readGlobalCompatibility(url), {
      name: 'Apicurio Registry',
      logFile,
      timeoutMs: options.startTimeoutMs ?? 180_000,
      awaited: `answer ${url}/config`,
      intervalMs: POLL_INTERVAL_MS,
    });
    const expected = globalCompatibility ?? 'NONE';
    if (level !== expected)
      throw new Error(`Apicurio Registry's global compatibility is ${level}, not ${expected}`);
  } catch (error) {
    await stop();
    throw error;
  }
  const startupMs = Date.now() - started;
  progress(
    `Apicurio Registry ${version} (pid ${String(child.pid)}) serves ${url} after ` +
      `${(startupMs / 1000).toFixed(1)} s; log ${logFile}`,
  );
  let stopping: Promise<void> | undefined;
  return {
    version,
    url,
    rootUrl,
    pid: child.pid ?? 0,
    logFile: logFile,
    startupMs,
    async logTail(lines = 60) {
      return tail(await readLog(logFile), lines);
    },
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // `node src/broker/apicurio.ts [version]` fetches the distribution (CI warms the cache this way).
  const version = process.argv[2] ?? APICURIO_VERSION;
  process.stdout.write(`${await ensureApicurio(version)}\n`);
}
