/**
 * Running `bin/wharf.js` as a user does: a child process on the project's
 * Node.js, with an environment that holds only what the test gives it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from './kafka.ts';

/** The `wharf` command. */
export const WHARF_BIN = fileURLToPath(new URL('../../bin/wharf.js', import.meta.url));

/** The Node.js `npm start` and `npx wharf` run on: the project's own (the `node` devDependency). */
export const PROJECT_NODE = ((): string => {
  const local = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
  return existsSync(local) ? local : process.execPath;
})();

/**
 * This process's environment without Wharf's configuration (KAFKA_*,
 * SCHEMA_REGISTRY_URL, WHARF_*, except the build cache's location), plus
 * `overrides`: what a newcomer's shell would have.
 */
export function cleanEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    const configures =
      name.startsWith('KAFKA_') ||
      name === 'SCHEMA_REGISTRY_URL' ||
      (name.startsWith('WHARF_') && name !== 'WHARF_CACHE_DIR');
    if (!configures) env[name] = value;
  }
  return { ...env, ...overrides };
}

/** What a finished command printed and how it ended. */
export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A `wharf` command running in a child process. */
export interface RunningCommand {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Settles when the process has exited and its output is read. */
  readonly exited: Promise<CommandResult>;
  /** Waits until stdout (or stderr) matches, failing with both outputs if it does not. */
  waitForOutput(
    pattern: RegExp,
    options?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number },
  ): Promise<RegExpMatchArray>;
  /** Kills the process (default SIGKILL) unless it has exited, and waits for it. */
  stop(signal?: NodeJS.Signals): Promise<CommandResult>;
}

/** Starts `wharf <args>` with exactly `env` (see {@link cleanEnvironment}). */
export function startWharf(
  args: readonly string[],
  { env = cleanEnvironment(), stdin }: { env?: Record<string, string>; stdin?: string } = {},
): RunningCommand {
  const child = spawn(PROJECT_NODE, [WHARF_BIN, ...args], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => undefined);
  child.stdin.end(stdin ?? '');
  const exited = new Promise<CommandResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
  });
  let ended = false;
  void exited.then(
    () => (ended = true),
    () => (ended = true),
  );
  return {
    child,
    pid: child.pid ?? 0,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async waitForOutput(pattern, { stream = 'stdout', timeoutMs = 60_000 } = {}) {
      try {
        return await waitFor(
          `${pattern.source} on ${stream} of wharf ${args.join(' ')}`,
          () => {
            const match = (stream === 'stdout' ? stdout : stderr).match(pattern);
            if (match) return match;
            if (ended) throw new Error('the process exited');
            return undefined;
          },
          { timeoutMs, intervalMs: 50 },
        );
      } catch (error) {
        throw new Error(
          `${(error as Error).message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
          { cause: error },
        );
      }
    },
    async stop(signal = 'SIGKILL') {
      if (!ended) child.kill(signal);
      return exited;
    },
  };
}

/** Runs `wharf <args>` to its end. */
export function runWharf(
  args: readonly string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CommandResult> {
  return startWharf(args, options).exited;
}

/** Whether a process id names a live process (a zombie counts as alive until reaped). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A local port nothing listens on (it was free a moment ago): connections to it are refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => {
    server.close((error) => {
      if (error) reject(error);
      else resolve();
    });
  });
  return port;
}

/** Lines of kafkajs's (or any) JSON log in an output: a command for a person prints none. */
export function jsonLogLines(output: string): string[] {
  return output.split('\n').filter((line) => line.trimStart().startsWith('{'));
}
