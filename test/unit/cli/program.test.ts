import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/program.ts';

function runCli(args: string[]): { output: string; exitCode: number | undefined } {
  let output = '';
  let exitCode: number | undefined;
  const program = buildProgram()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => (output += text),
      writeErr: (text) => (output += text),
    });
  try {
    program.parse(args, { from: 'user' });
  } catch (error) {
    exitCode = (error as { exitCode?: number }).exitCode;
  }
  return { output, exitCode };
}

describe('wharf', () => {
  it('explains itself with --help', () => {
    const { output, exitCode } = runCli(['--help']);
    expect(exitCode).toBe(0);
    expect(output).toMatch(/^Usage: wharf/);
  });

  it('rejects an unknown command with a usage error', () => {
    const { output, exitCode } = runCli(['no-such-command']);
    expect(exitCode).toBe(1);
    expect(output).toMatch(/no-such-command/);
  });
});
