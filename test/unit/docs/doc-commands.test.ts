/**
 * The docs' command check (scripts/doc-commands.ts): which lines of which
 * code blocks count as commands, how a line splits into commands, and what
 * makes a `wharf` or `npm run` command wrong, down to a made-up option on
 * the real `wharf` program.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  blockCommandLines,
  checkMarkdown,
  commandLines,
  invocationOf,
  simpleCommands,
  wharfProblems,
} from '../../../scripts/doc-commands.ts';
import { buildProgram } from '../../../src/cli/program.ts';

const fence = '```';

describe('the command lines of a code block', () => {
  it('are every line but comments and blank ones when no line has a prompt', () => {
    expect(blockCommandLines('sh', '# set up\nnpm ci\n\nnpm test', 10)).toEqual([
      { line: 11, text: 'npm ci' },
      { line: 13, text: 'npm test' },
    ]);
  });

  it('are only the lines after a `$ ` prompt when one has it: the rest is output', () => {
    const session = '$ npx wharf send happycolis\nsent 1 webhook\n  npx wharf send --not-checked';
    expect(blockCommandLines('', session, 5)).toEqual([
      { line: 5, text: 'npx wharf send happycolis' },
    ]);
  });

  it('are none in a console block without a prompt', () => {
    expect(blockCommandLines('console', 'wharf ingress: cannot start', 1)).toEqual([]);
  });

  it('join a backslash continuation onto the line it continues, numbered by its first line', () => {
    expect(blockCommandLines('sh', 'npx wharf tail orders \\\n  --max 1\nnpm test', 3)).toEqual([
      { line: 3, text: 'npx wharf tail orders --max 1' },
      { line: 5, text: 'npm test' },
    ]);
  });
});

describe('the command lines of a Markdown text', () => {
  it('come from blocks marked sh, bash, shell or console, or not marked, with their lines', () => {
    const markdown = [
      '# Title', // 1
      '',
      `${fence}sh`, // 3
      'npm run lint', // 4
      fence,
      '',
      `${fence}text`, // 7
      'wharf made-up',
      fence,
      '',
      `${fence}yaml`,
      'command: wharf made-up',
      fence,
      '',
      fence, // 15
      'npx wharf start', // 16
      fence,
      '',
    ].join('\n');
    expect(commandLines(markdown)).toEqual([
      { line: 4, text: 'npm run lint' },
      { line: 16, text: 'npx wharf start' },
    ]);
  });

  it('include code blocks inside lists', () => {
    const markdown = `- step one:\n\n  ${fence}bash\n  npm start\n  ${fence}\n`;
    expect(commandLines(markdown)).toEqual([{ line: 4, text: 'npm start' }]);
  });
});

describe('a command line', () => {
  it('splits into simple commands at ;, &&, || and | as a shell would', () => {
    expect(simpleCommands('npm ci && npm test; wharf tail orders | jq . || true')).toEqual([
      ['npm', 'ci'],
      ['npm', 'test'],
      ['wharf', 'tail', 'orders'],
      ['jq', '.'],
      ['true'],
    ]);
  });

  it('keeps quoted words and placeholders with | whole, and drops comments', () => {
    expect(
      simpleCommands(`wharf transform --source <ongoing|shipwell> --header 'a: b' # note`),
    ).toEqual([['wharf', 'transform', '--source', '<ongoing|shipwell>', '--header', 'a: b']]);
  });

  it('drops leading variable assignments and redirections', () => {
    expect(simpleCommands('WHARF_TEST_BROKER=mock A="x y" npm test > out.log 2>&1')).toEqual([
      ['npm', 'test'],
    ]);
  });
});

describe('what a simple command runs', () => {
  it('is a wharf command, run as wharf or through npx', () => {
    expect(invocationOf(['npx', 'wharf', 'send', 'ongoing'])).toEqual({
      kind: 'wharf',
      args: ['send', 'ongoing'],
    });
    expect(invocationOf(['wharf', 'dlq', 'list'])).toEqual({
      kind: 'wharf',
      args: ['dlq', 'list'],
    });
  });

  it('is an npm script, through npm run (options skipped), npm test or npm start', () => {
    expect(invocationOf(['npm', 'run', '-s', 'bench', '--', 'ingress'])).toEqual({
      kind: 'npm-script',
      script: 'bench',
    });
    expect(invocationOf(['npm', 'test'])).toEqual({ kind: 'npm-script', script: 'test' });
  });

  it('is nothing checked for other commands', () => {
    expect(invocationOf(['npm', 'ci'])).toBeUndefined();
    expect(invocationOf(['npm', 'run'])).toBeUndefined();
    expect(invocationOf(['helm', 'install', 'wharf', './helm/wharf'])).toBeUndefined();
  });
});

/** A small program shaped like wharf's: options with and without values, subcommands. */
function sampleProgram(): Command {
  const program = new Command('wharf').version('1.0.0');
  program.command('send').argument('<source>').argument('[files...]').option('--url <url>');
  program.command('start');
  program.command('dlq').command('list').option('-c, --code <code>').option('--json');
  program.command('schemas').command('check').option('--registry [url]');
  return program;
}

describe('a wharf command', () => {
  const program = sampleProgram();

  it('is right when its commands and options exist, values and placeholders aside', () => {
    expect(wharfProblems(['send', '<source>', 'a.json', 'b.json', '--url', 'x'], program)).toEqual(
      [],
    );
    expect(wharfProblems(['dlq', 'list', '-c', 'INVALID_JSON', '[--json]'], program)).toEqual([]);
    expect(wharfProblems(['dlq', 'list', '--code=INVALID_JSON', '--help'], program)).toEqual([]);
    expect(wharfProblems(['schemas', 'check', '--registry', '--dir'], program)).toEqual([
      '"wharf schemas check" has no option --dir',
    ]);
    expect(wharfProblems(['--version'], program)).toEqual([]);
  });

  it('names a command that does not exist', () => {
    expect(wharfProblems(['worker'], program)).toEqual([
      '"wharf" has no command "worker" (it has send, start, dlq, schemas)',
    ]);
    expect(wharfProblems(['dlq', 'show'], program)).toEqual([
      '"wharf dlq" has no command "show" (it has list)',
    ]);
  });

  it('names an option the command does not take, even one another command takes', () => {
    expect(wharfProblems(['start', '--url', 'x'], program)).toEqual([
      '"wharf start" has no option --url',
    ]);
  });

  it('names an argument the command does not take', () => {
    expect(wharfProblems(['start', 'now'], program)).toEqual([
      '"wharf start" takes 0 argument(s); "now" is one more',
    ]);
  });
});

describe('the commands of a Markdown text, against the real wharf program and scripts', () => {
  const known = { scripts: new Set(['test', 'lint']), program: buildProgram() };

  it('pass when they exist', () => {
    const markdown = `${fence}sh\nnpm run lint\nnpx wharf send happycolis --url http://localhost:8080 -n 3\nnpx wharf dlq list --source ongoing --since 24h --records\n${fence}\n`;
    expect(checkMarkdown(markdown, known)).toEqual([]);
  });

  it('fail on a made-up option, naming the file line, the command and the option', () => {
    const markdown = `Try:\n\n${fence}sh\nnpx wharf send happycolis --made-up-option 3\n${fence}\n`;
    expect(checkMarkdown(markdown, known)).toEqual([
      {
        line: 4,
        text: 'npx wharf send happycolis --made-up-option 3',
        problem: '"wharf send" has no option --made-up-option',
      },
    ]);
  });

  it('fail on a script package.json does not have', () => {
    expect(checkMarkdown(`${fence}\nnpm run docs:check\n${fence}\n`, known)).toEqual([
      { line: 2, text: 'npm run docs:check', problem: 'package.json has no script "docs:check"' },
    ]);
  });
});
