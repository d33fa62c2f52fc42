/**
 * Runs the operator commands (`dlq`, `replay`, `schemas`) in this process,
 * as their own `wharf` program, with an environment of the test's and their
 * output captured.
 */
import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import type { CommandIo } from '../../src/ops/command-io.ts';

/** What a command printed and its exit code (0 when it set none). */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Registers the commands under test on a program. */
export type Register = (program: Command, io: CommandIo) => void;

/**
 * Runs `wharf <args>` with the given commands registered. Usage errors
 * commander reports end with 2, as in `src/cli/main.ts`.
 */
export async function runOps(
  registers: readonly Register[],
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  { isTTY = false }: { isTTY?: boolean } = {},
): Promise<CommandResult> {
  let stdout = '';
  let stderr = '';
  let code = 0;
  const stderrStream = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        stderr += chunk.toString();
        callback();
      },
    }),
    { isTTY },
  );
  const io: CommandIo = {
    env,
    stdout: {
      write: (text: string | Uint8Array) => {
        stdout += text.toString();
        return true;
      },
    },
    stderr: stderrStream,
    now: () => Date.now(),
    setExitCode: (value) => {
      code = value;
    },
  };
  const program = new Command('wharf').exitOverride().configureOutput({
    writeOut: (text) => (stdout += text),
    writeErr: (text) => (stderr += text),
  });
  for (const register of registers) register(program, io);
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    code = error.exitCode === 0 ? 0 : 2;
  }
  return { code, stdout, stderr };
}
