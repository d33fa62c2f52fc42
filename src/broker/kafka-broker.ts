/**
 * Runs a real Apache Kafka for tests and benchmarks: one KRaft process that is
 * both broker and controller, on 127.0.0.1 and free ports, with a data
 * directory of its own, from the jars Maven Central serves
 * (`src/broker/kafka/pom.xml`, fetched once into the cache).
 *
 * The JVM dies with the process that started it (./jvm.ts). Its output goes
 * to `kafka.log` beside the data, which a failing test can print
 * ({@link KafkaBroker.logTail}).
 */
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cacheRoot } from './build.ts';
import { freePort, readLog, spawnJvm, tail, waitForExit, waitUntilServing } from './jvm.ts';
import { commandWorks, copyDependencies, javaCommand } from './maven.ts';
import type { SecurityProtocol } from '../config/security.ts';

const run = promisify(execFile);

/** The newest Apache Kafka 4.x that Maven Central serves here: the default. */
export const KAFKA_VERSION = '4.4.0';
/** The newest 3.9.x served, for the smoke run against the last ZooKeeper-era line. */
export const KAFKA_3_9_VERSION = '3.9.2';

const here = fileURLToPath(new URL('.', import.meta.url));
const POM = join(here, 'kafka', 'pom.xml');
const LOG4J_CONFIG = join(here, 'kafka', 'log4j2.properties');

/** The line a KRaft server logs once it serves clients (3.9 and 4.x). */
const STARTED_LINE = /Kafka Server started/;
const STOP_TIMEOUT_MS = 10_000;

type Progress = (message: string) => void;
const toStderr: Progress = (message) => {
  process.stderr.write(`[kafka] ${message}\n`);
};

/** The folder the jars of `version` are copied into. */
export function kafkaLibsDir(version: string): string {
  return join(cacheRoot(), 'kafka', version, 'libs');
}

/** Fetches the jars of `version` into the cache once; returns their folder. */
export async function ensureKafka(version = KAFKA_VERSION, progress = toStderr): Promise<string> {
  return copyDependencies({
    pom: POM,
    properties: { 'kafka.version': version },
    outputDir: kafkaLibsDir(version),
    progress,
  });
}

/**
 * Whether a real Kafka can run here: Java works, and the jars are cached or
 * Maven can fetch them. The reason when not, for the line that says which
 * broker the tests use.
 */
export async function kafkaAvailability(
  version = KAFKA_VERSION,
): Promise<{ available: true } | { available: false; reason: string }> {
  if (!(await commandWorks(javaCommand(), ['-version'])))
    return { available: false, reason: `${javaCommand()} -version does not run` };
  if (existsSync(join(kafkaLibsDir(version), '.complete'))) return { available: true };
  if (!(await commandWorks('mvn', ['-v'])))
    return { available: false, reason: 'no cached Kafka jars and mvn -v does not run' };
  return { available: true };
}

/**
 * A client listener besides PLAINTEXT, on a free port of its own on
 * 127.0.0.1. Its settings go in {@link KafkaOptions.serverProperties} under
 * `listener.name.<name in lower case>.`.
 */
export interface ExtraListener {
  /** The listener's name, e.g. `SASL_SSL` (not `PLAINTEXT` or `CONTROLLER`). */
  readonly name: string;
  readonly protocol: SecurityProtocol;
}

/** A SCRAM credential written into the cluster's metadata when its storage is formatted. */
export interface ScramUser {
  readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  readonly username: string;
  readonly password: string;
}

/** Options of {@link startKafka}. */
export interface KafkaOptions {
  /** Apache Kafka version (default {@link KAFKA_VERSION}). */
  version?: string;
  /** Maximum JVM heap in MiB (default 512). */
  heapMb?: number;
  /**
   * The port clients are told to use (`advertised.listeners`), when it is not
   * the one the server listens on: a test's TCP proxy in front of the server.
   */
  advertisedPort?: number;
  /** Extra or overriding `server.properties` entries (listeners, security, limits). */
  serverProperties?: Readonly<Record<string, string>>;
  /** Client listeners besides PLAINTEXT (their addresses: {@link KafkaBroker.listenerAddresses}). */
  listeners?: readonly ExtraListener[];
  /** SCRAM users created when the storage is formatted (KRaft keeps them in its metadata). */
  scramUsers?: readonly ScramUser[];
  /** How long the server may take to start (default 90 s). */
  startTimeoutMs?: number;
  /** Receives download and start lines (default: stderr). */
  progress?: Progress;
}

/** A running Apache Kafka process. */
export interface KafkaBroker {
  /** The Apache Kafka version running. */
  readonly version: string;
  /** Bootstrap addresses of the PLAINTEXT listener as advertised, `host:port`. */
  readonly brokers: readonly string[];
  /** Where the PLAINTEXT listener really listens, `host:port` (what a proxy forwards to). */
  readonly listenAddress: string;
  /** Every client listener's address by its name, `host:port`: PLAINTEXT (advertised) and the extra ones. */
  readonly listenerAddresses: Readonly<Record<string, string>>;
  /** The data directory, kept across {@link restart}. */
  readonly dataDir: string;
  /** The server's log, appended to across restarts. */
  readonly logFile: string;
  /** The JVM's process id (a new one after a restart). */
  readonly pid: number;
  /** The last `lines` lines of the server's log. */
  logTail(lines?: number): Promise<string>;
  /** SIGKILL: the process dies at once, with whatever it had not written. */
  kill(): Promise<void>;
  /** SIGSTOP: the process keeps its sockets but answers nothing. */
  pause(): void;
  /** SIGCONT after {@link pause}. */
  resume(): void;
  /** Starts the server again on the same ports and data directory (after {@link kill}). */
  restart(): Promise<void>;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

interface Ports {
  client: number;
  controller: number;
  advertised: number;
  /** The extra client listeners, each with its port. */
  extra: readonly (ExtraListener & { port: number })[];
}

/** Gives each extra listener a free port; refuses the names the server's own listeners use. */
async function bindListeners(
  listeners: readonly ExtraListener[],
): Promise<(ExtraListener & { port: number })[]> {
  const bound = [];
  for (const listener of listeners) {
    if (['PLAINTEXT', 'CONTROLLER'].includes(listener.name.toUpperCase()))
      throw new Error(`the listener name ${listener.name} is taken by the server's own listeners`);
    bound.push({ ...listener, port: await freePort() });
  }
  return bound;
}

/** The listener entries of `server.properties`: PLAINTEXT, CONTROLLER and the extra ones. */
function listenerSettings(ports: Ports): Record<string, string> {
  const address = (name: string, port: number) => `${name}://127.0.0.1:${String(port)}`;
  const extra = ports.extra.map(({ name, port }) => address(name, port));
  return {
    listeners: [
      address('PLAINTEXT', ports.client),
      address('CONTROLLER', ports.controller),
      ...extra,
    ].join(','),
    'advertised.listeners': [address('PLAINTEXT', ports.advertised), ...extra].join(','),
    'listener.security.protocol.map': [
      'PLAINTEXT:PLAINTEXT',
      'CONTROLLER:PLAINTEXT',
      ...ports.extra.map(({ name, protocol }) => `${name}:${protocol}`),
    ].join(','),
  };
}

/** The server's settings: a single node, small internal topics, quick group joins. */
function serverProperties(
  dataDir: string,
  ports: Ports,
  extra: Readonly<Record<string, string>>,
): string {
  const settings: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${String(ports.controller)}`,
    ...listenerSettings(ports),
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': join(dataDir, 'data'),
    'num.partitions': '1',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '10',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '5',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
    // Tests use short consumer sessions to see a dead member go quickly.
    'group.min.session.timeout.ms': '1000',
    // A restarted server must not wait out the registration of the process
    // it replaces (DUPLICATE_BROKER_REGISTRATION) for the default 9 s.
    'broker.session.timeout.ms': '2000',
    'broker.heartbeat.interval.ms': '500',
    ...extra,
  };
  return Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
}

/** `--add-scram` arguments of the storage format, one pair per user. */
function scramArguments(users: readonly ScramUser[]): string[] {
  return users.flatMap(({ mechanism, username, password }) => [
    '--add-scram',
    `${mechanism}=[name=${username},password=${password}]`,
  ]);
}

async function formatStorage(
  java: string,
  libs: string,
  properties: string,
  scramUsers: readonly ScramUser[],
): Promise<void> {
  // Base64url may start with '-': given as its own argument, such an id is
  // read as an option and the format fails, one start in 64.
  const clusterId = randomBytes(16).toString('base64url');
  await run(
    java,
    [
      '-cp',
      `${libs}/*`,
      'kafka.tools.StorageTool',
      'format',
      `--cluster-id=${clusterId}`,
      '-c',
      properties,
      ...scramArguments(scramUsers),
    ],
    { timeout: 60_000 },
  ).catch((error: unknown) => {
    const output =
      error instanceof Error && 'stderr' in error && 'stdout' in error
        ? `${String(error.stdout)}${String(error.stderr)}`
        : '';
    throw new Error(`kafka-storage format failed: ${output}`, { cause: error });
  });
}

interface Launch {
  java: string;
  libs: string;
  properties: string;
  logFile: string;
  heapMb: number;
  startTimeoutMs: number;
}

/** Starts the JVM and resolves once it logs that it serves clients. */
async function launch(options: Launch): Promise<ChildProcess> {
  const jvm = await spawnJvm({
    java: options.java,
    logFile: options.logFile,
    args: [
      `-Xms${String(Math.min(128, options.heapMb))}m`,
      `-Xmx${String(options.heapMb)}m`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
      '-cp',
      `${options.libs}/*`,
      'kafka.Kafka',
      options.properties,
    ],
  });
  await waitUntilServing(
    jvm,
    async () =>
      STARTED_LINE.test(await readLog(options.logFile, jvm.logStart)) ? true : undefined,
    {
      name: 'Kafka',
      logFile: options.logFile,
      timeoutMs: options.startTimeoutMs,
      awaited: 'log "Kafka Server started"',
    },
  );
  return jvm.child;
}

/**
 * Fetches (once) and starts an Apache Kafka server.
 */
export async function startKafka(options: KafkaOptions = {}): Promise<KafkaBroker> {
  const version = options.version ?? KAFKA_VERSION;
  const progress = options.progress ?? toStderr;
  const libs = await ensureKafka(version, progress);
  const java = javaCommand();
  const dataDir = await mkdtemp(join(tmpdir(), 'wharf-kafka-'));
  await mkdir(join(dataDir, 'data'));
  const client = await freePort();
  const ports = {
    client,
    controller: await freePort(),
    advertised: options.advertisedPort ?? client,
    extra: await bindListeners(options.listeners ?? []),
  };
  const properties = join(dataDir, 'server.properties');
  await writeFile(properties, serverProperties(dataDir, ports, options.serverProperties ?? {}));
  await formatStorage(java, libs, properties, options.scramUsers ?? []);
  const launchOptions: Launch = {
    java,
    libs,
    properties,
    logFile: join(dataDir, 'kafka.log'),
    heapMb: options.heapMb ?? 512,
    startTimeoutMs: options.startTimeoutMs ?? 90_000,
  };
  let child = await launch(launchOptions).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    version,
    brokers: [`127.0.0.1:${String(ports.advertised)}`],
    listenAddress: `127.0.0.1:${String(ports.client)}`,
    listenerAddresses: Object.fromEntries([
      ['PLAINTEXT', `127.0.0.1:${String(ports.advertised)}`],
      ...ports.extra.map(({ name, port }): [string, string] => [name, `127.0.0.1:${String(port)}`]),
    ]),
    dataDir,
    logFile: launchOptions.logFile,
    get pid() {
      return child.pid ?? 0;
    },
    async logTail(lines = 60) {
      return tail(await readLog(launchOptions.logFile), lines);
    },
    async kill() {
      child.kill('SIGKILL');
      await waitForExit(child, STOP_TIMEOUT_MS);
    },
    pause() {
      child.kill('SIGSTOP');
    },
    resume() {
      child.kill('SIGCONT');
    },
    async restart() {
      child = await launch(launchOptions);
    },
    async stop() {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await waitForExit(child, STOP_TIMEOUT_MS);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // `node src/broker/kafka-broker.ts [version...]` fetches the jars of the
  // versions named, or of both the suite's and the smoke test's (CI warms the
  // cache this way), and prints their folders.
  const versions =
    process.argv.length > 2 ? process.argv.slice(2) : [KAFKA_VERSION, KAFKA_3_9_VERSION];
  for (const version of versions) process.stdout.write(`${await ensureKafka(version)}\n`);
}
