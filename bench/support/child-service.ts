/**
 * A helper process of a benchmark (a TCP proxy, a peer's server): a script of
 * bench/support run with this Node, so that its work does not share the
 * benchmark's event loop. It prints one JSON line on stdout when it is ready,
 * takes commands as lines on stdin, and exits when its stdin closes, so it
 * never outlives the benchmark that started it, whatever kills that one.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A started helper process. */
export interface ChildService {
  /** What the process printed when it was ready. */
  readonly announcement: unknown;
  readonly pid: number;
  /** Sends one command line. */
  send(line: string): void;
  /** Closes its stdin and waits for it to exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
}

/** Runs `script` with `args` and waits for its ready line. */
export async function startChildService(
  script: URL,
  args: readonly string[],
  startTimeoutMs = 60_000,
): Promise<ChildService> {
  const child = spawn(process.execPath, [fileURLToPath(script), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const lines = createInterface({ input: child.stdout });
  const announcement = await new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${script.pathname} did not announce itself within ${String(startTimeoutMs)} ms`),
      );
    }, startTimeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`${script.pathname} announced "${line}", not JSON`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`${script.pathname} exited (${String(code ?? signal)}) before it was ready`),
      );
    });
  });
  // Later lines (none expected) must not block the pipe.
  lines.on('line', (line) => process.stderr.write(`[${script.pathname}] ${line}\n`));
  return {
    announcement,
    pid: child.pid ?? 0,
    send(line) {
      child.stdin.write(`${line}\n`);
    },
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdin.end();
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * In the helper process: prints `announcement` as its ready line, passes each
 * command line to `onCommand`, and runs `onStop` then exits when stdin closes.
 */
export function serveUntilStdinCloses(
  announcement: unknown,
  onCommand: (line: string) => void,
  onStop: () => Promise<void>,
): void {
  process.stdout.write(`${JSON.stringify(announcement)}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', onCommand);
  lines.once('close', () => {
    void onStop().finally(() => process.exit(0));
  });
}
