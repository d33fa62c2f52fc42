import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerTransform, stdinHint } from '../../../src/cli/commands/transform.ts';

function transformHelp(): string {
  const program = new Command('wharf');
  registerTransform(program);
  const transform = program.commands.find((command) => command.name() === 'transform');
  return transform?.helpInformation() ?? '';
}

describe('wharf transform --help', () => {
  it('says that --source is required, in the usage line and beside the option', () => {
    const help = transformHelp();
    expect(help).toMatch(/^Usage: wharf transform --source <source>/);
    expect(help).toMatch(/-s, --source <source>\s+required:/);
  });
});

describe('stdinHint', () => {
  it('tells a person at a terminal that it waits for a body on stdin', () => {
    const hint = stdinHint([], true);
    expect(hint).toMatch(/stdin/);
    expect(hint).toMatch(/Ctrl-D/);
    expect(hint).not.toContain('\n');
  });

  it('says nothing to a pipe, nor when files (or - itself) were given', () => {
    expect(stdinHint([], false)).toBeUndefined();
    expect(stdinHint(['body.json'], true)).toBeUndefined();
    expect(stdinHint(['-'], true)).toBeUndefined();
  });
});
