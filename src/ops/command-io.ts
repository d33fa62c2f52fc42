/**
 * What an operator command touches outside itself: the environment, its
 * output streams, the clock and its exit code. The commands take it as an
 * argument so that tests run them in-process and read what they printed.
 */
import type { Writable } from 'node:stream';

/** An operator command's surroundings. */
export interface CommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Data: tables, JSON. */
  readonly stdout: Pick<Writable, 'write'>;
  /** Diagnostics and the progress bar (drawn only when this is a terminal). */
  readonly stderr: Writable & { readonly isTTY?: boolean };
  /** Milliseconds since the epoch. */
  now(): number;
  setExitCode(code: number): void;
}

/** The real process's surroundings. */
export function processIo(): CommandIo {
  return {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    now: () => Date.now(),
    setExitCode: (code) => {
      process.exitCode = code;
    },
  };
}

/** Exit code of a failure (Kafka, a redrive Kafka refused, an incompatible schema). */
export const EXIT_FAILURE = 1;
/** Exit code of usage and configuration errors, as for every `wharf` command. */
export const EXIT_USAGE = 2;
