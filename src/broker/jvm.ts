/**
 * What the Java servers the tests run (Apache Kafka, Apicurio Registry)
 * share: free ports, a JVM that never outlives the process that started it,
 * its output in a log file, and waiting until it serves.
 *
 * The JVM runs under `setpriv --pdeathsig KILL`, so the kernel kills it when
 * its parent dies, even by SIGKILL; an exit hook covers machines without
 * setpriv.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { commandWorks } from './maven.ts';

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

let pdeathsig: Promise<boolean> | undefined;

/** A port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port was assigned'));
      });
    });
  });
}

/** The last `lines` lines of `text`. */
export function tail(text: string, lines: number): string {
  return text
    .split('\n')
    .slice(-lines - 1)
    .join('\n');
}

/** A log file's text from byte `from` on (empty when it does not exist yet). */
export async function readLog(logFile: string, from = 0): Promise<string> {
  const content = await readFile(logFile).catch(() => Buffer.alloc(0));
  return content.subarray(from).toString('utf8');
}

/** A running JVM. */
export interface Jvm {
  readonly child: ChildProcess;
  /** Resolves once it has exited, with how: `exited (1)`, `exited (SIGKILL)`. */
  readonly exited: Promise<string>;
  /** The log file's size when this JVM started: where its own output begins. */
  readonly logStart: number;
}

/** Options of {@link spawnJvm}. */
export interface SpawnJvmOptions {
  readonly java: string;
  /** JVM options, main class or `-jar`, and program arguments. */
  readonly args: readonly string[];
  /** Stdout and stderr are appended to it. */
  readonly logFile: string;
  readonly cwd?: string;
}

/** Starts a JVM that dies with this process, its output appended to its log file. */
export async function spawnJvm({ java, args, logFile, cwd }: SpawnJvmOptions): Promise<Jvm> {
  pdeathsig ??= commandWorks('setpriv', ['--version']);
  const [command, commandArgs] = (await pdeathsig)
    ? ['setpriv', ['--pdeathsig', 'KILL', '--', java, ...args]]
    : [java, [...args]];
  const log = await open(logFile, 'a');
  const logStart = (await log.stat()).size;
  const child = spawn(command, commandArgs, {
    stdio: ['ignore', log.fd, log.fd],
    ...(cwd === undefined ? {} : { cwd }),
  });
  await log.close();
  running.add(child);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(`exited (${String(code ?? signal)})`);
    });
  });
  return { child, exited, logStart };
}

/** Options of {@link waitUntilServing}. */
export interface ServingOptions {
  /** The server's name in the error, e.g. `Kafka`. */
  readonly name: string;
  readonly logFile: string;
  readonly timeoutMs: number;
  /** What is awaited, for the error: `log "Kafka Server started"`. */
  readonly awaited: string;
  readonly intervalMs?: number;
}

/**
 * Polls `probe` until it gives a value; kills the JVM and rejects, with the
 * end of its log, when it exits first or the time is up.
 */
export async function waitUntilServing<T>(
  jvm: Jvm,
  probe: () => Promise<T | undefined>,
  { name, logFile, timeoutMs, awaited, intervalMs = 100 }: ServingOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const outcome = await Promise.race([
      jvm.exited,
      new Promise<undefined>((resolve) => {
        setTimeout(() => {
          resolve(undefined);
        }, intervalMs);
      }),
    ]);
    if (outcome !== undefined || Date.now() > deadline) {
      jvm.child.kill('SIGKILL');
      const why = outcome ?? `did not ${awaited} within ${String(timeoutMs)} ms`;
      const log = tail(await readLog(logFile, jvm.logStart), 40);
      throw new Error(`${name} ${why}; the end of ${logFile}:\n${log}`);
    }
  }
}

/** Waits until the process has exited, killing it after `timeoutMs`. */
export async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
