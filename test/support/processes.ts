/**
 * Running the real `wharf ingress` and `wharf worker` commands as child
 * processes, for tests that kill them (SIGKILL is only honest on a process of
 * its own) or measure their memory.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.ts';

const WHARF_BIN = fileURLToPath(new URL('../../bin/wharf.js', import.meta.url));

/** How a child process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A `wharf` command running in a child process. */
export interface WharfProcess {
  readonly child: ChildProcess;
  /** Settles when the process has exited. */
  readonly exited: Promise<Exit>;
  /** The process's last log lines (JSON, as pino writes them) and stderr, for failure messages. */
  readonly output: () => string;
  /** Kills the process with `signal` (default SIGKILL) unless it has exited, and waits for it. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** What a command announces once it serves, read from its log lines. */
const READY_MESSAGE = { ingress: 'ingress listening', worker: 'worker consuming' } as const;

/**
 * Starts `wharf <command>` with exactly `env` on top of this process's
 * environment and waits until it logs that it serves. Logs at info level,
 * whatever `env` says, since readiness is read from them.
 *
 * @returns the process, and for the ingress the URL it listens on.
 */
export async function spawnWharf(
  command: 'ingress' | 'worker',
  env: Record<string, string>,
  { timeoutMs = 60_000 }: { timeoutMs?: number } = {},
): Promise<
  WharfProcess & { readonly url: string | undefined; readonly metricsUrl: string | undefined }
> {
  const child = spawn(process.execPath, [WHARF_BIN, command], {
    env: { ...process.env, ...env, WHARF_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > 50) tail.shift();
  };
  let ready = false;
  let url: string | undefined;
  let metricsUrl: string | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    keep(line);
    try {
      const entry = JSON.parse(line) as { msg?: unknown; url?: unknown; metricsUrl?: unknown };
      if (entry.msg === READY_MESSAGE[command]) ready = true;
      if (typeof entry.url === 'string' && entry.msg === READY_MESSAGE.ingress) url = entry.url;
      if (typeof entry.metricsUrl === 'string') metricsUrl = entry.metricsUrl;
    } catch {
      // Not a log line: kept for the failure message only.
    }
  });
  createInterface({ input: child.stderr }).on('line', keep);
  let exit: Exit | undefined;
  void exited.then((value) => (exit = value));

  const output = () => tail.join('\n');
  const stop = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  try {
    await waitFor(
      `wharf ${command} to start`,
      () => {
        if (exit) {
          throw new Error(
            `wharf ${command} exited (${String(exit.code ?? exit.signal)}) before it started:\n${output()}`,
          );
        }
        return ready ? true : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, exited, output, stop, url, metricsUrl };
}

/** Reads one sample of a Prometheus metric (first line that matches name and labels). */
export async function metricValue(
  metricsUrl: string,
  name: string,
  labels = '',
): Promise<number | undefined> {
  const text = await (await fetch(metricsUrl)).text();
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split('\n').find((candidate) => candidate.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}
