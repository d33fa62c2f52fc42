/**
 * The commands the docs tell a reader to type, checked against what exists:
 * every `npm run <script>` names a script of package.json, and every
 * `wharf …` / `npx wharf …` names commands, subcommands and options that the
 * real `wharf` program (src/cli/program.ts) has. Pure: the caller reads the
 * files and builds the program (scripts/check-doc-commands.ts).
 *
 * Which lines are commands (CONTRIBUTING.md, "Commands in the docs"): the
 * lines of code blocks whose info string is empty, `sh`, `bash`, `shell` or
 * `console`. In a block that has a line starting with `$ ` (and in every
 * `console` block) only those lines are commands, the rest is their output;
 * otherwise every line is. Other blocks (`text`, `yaml`, …) are not read.
 */
import type { Command, Option } from 'commander';
import type { Code, Nodes } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';

/** Info strings of the code blocks that hold commands; a block without one counts. */
export const COMMAND_INFO_STRINGS: ReadonlySet<string> = new Set([
  '',
  'sh',
  'bash',
  'shell',
  'console',
]);

/** The prompt that marks a command among its output. */
const PROMPT = '$ ';

/** One command line of a Markdown file: its first line's number and its text, continuations joined. */
export interface CommandLine {
  readonly line: number;
  readonly text: string;
}

/** A command line's problem. */
export interface Finding extends CommandLine {
  readonly problem: string;
}

/** What the commands are checked against. */
export interface KnownCommands {
  /** The script names of package.json. */
  readonly scripts: ReadonlySet<string>;
  /** The `wharf` program, built as `wharf` builds it. */
  readonly program: Command;
}

function codeBlocks(node: Nodes): Code[] {
  if (node.type === 'code') return [node];
  return 'children' in node ? node.children.flatMap((child) => codeBlocks(child)) : [];
}

/** The line of the block's first line of code: after the fence, if it has one. */
function firstCodeLine(code: Code): number {
  const start = code.position?.start.line ?? 1;
  const end = code.position?.end.line ?? start;
  const fenced = end - start + 1 > code.value.split('\n').length;
  return fenced ? start + 1 : start;
}

/** The command lines of one block's text, by the rule above. */
export function blockCommandLines(info: string, value: string, firstLine: number): CommandLine[] {
  const logical: CommandLine[] = [];
  let pending: CommandLine | undefined;
  value.split('\n').forEach((text, index) => {
    const joined: CommandLine = pending
      ? { line: pending.line, text: `${pending.text} ${text.trimStart()}` }
      : { line: firstLine + index, text };
    if (joined.text.endsWith('\\')) {
      pending = { line: joined.line, text: joined.text.slice(0, -1).trimEnd() };
    } else {
      pending = undefined;
      logical.push(joined);
    }
  });
  if (pending) logical.push(pending);
  const prompted = info === 'console' || logical.some(({ text }) => text.startsWith(PROMPT));
  return prompted
    ? logical
        .filter(({ text }) => text.startsWith(PROMPT))
        .map(({ line, text }) => ({ line, text: text.slice(PROMPT.length).trim() }))
    : logical
        .map(({ line, text }) => ({ line, text: text.trim() }))
        .filter(({ text }) => text !== '' && !text.startsWith('#'));
}

/** The command lines of a Markdown text's command blocks, with their line numbers. */
export function commandLines(markdown: string): CommandLine[] {
  return codeBlocks(fromMarkdown(markdown)).flatMap((code) => {
    const info = (code.lang ?? '').toLowerCase();
    return COMMAND_INFO_STRINGS.has(info)
      ? blockCommandLines(info, code.value, firstCodeLine(code))
      : [];
  });
}

/** A redirection, alone (`>`, `2>`) or with its target (`2>/dev/null`, `>>out.log`, `2>&1`). */
const REDIRECTION = /^\d*(>>?|<)(&\d+)?$|^\d*>>?\S+$/;

/**
 * A command line split into its simple commands' words, as a shell would at
 * `;`, `&&`, `||`, `|` and `&`: quotes and backslashes honoured, comments,
 * redirections and leading `NAME=value` assignments dropped. A `|` inside a
 * word is kept, so that a placeholder such as `<ongoing|shipwell>` stays whole.
 */
export function simpleCommands(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    commands.push(withoutRedirections(words));
    words = [];
  };
  for (let i = 0; i < line.length; i += 1) {
    const char = line.charAt(i);
    const next = line.charAt(i + 1);
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && next !== '') word += line.charAt(++i);
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\' && next !== '') {
      word += line.charAt(++i);
      inWord = true;
    } else if (/\s/.test(char)) {
      endWord();
    } else if (char === '#' && !inWord) {
      break;
    } else if (char === ';' || (char === '&' && !word.endsWith('>'))) {
      if (char === '&' && next === '&') i += 1;
      endCommand();
    } else if (char === '|' && !inWord) {
      if (next === '|') i += 1;
      endCommand();
    } else {
      word += char;
      inWord = true;
    }
  }
  endCommand();
  return commands
    .map((command) => dropAssignments(command))
    .filter((command) => command.length > 0);
}

function withoutRedirections(words: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] ?? '';
    if (!REDIRECTION.test(word)) kept.push(word);
    // An operator alone takes the next word as its target.
    else if (/^\d*(>>?|<)$/.test(word)) i += 1;
  }
  return kept;
}

function dropAssignments(words: readonly string[]): string[] {
  const first = words.findIndex((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word));
  return first < 0 ? [] : words.slice(first);
}

/** What a simple command runs that the docs check can tell. */
export type Invocation =
  | { readonly kind: 'npm-script'; readonly script: string }
  | { readonly kind: 'wharf'; readonly args: readonly string[] };

/** npm's own commands that run the script of the same name. */
const NPM_SCRIPT_COMMANDS: ReadonlySet<string> = new Set(['test', 'start']);

/** The npm script or `wharf` command a simple command runs, if it runs one. */
export function invocationOf(words: readonly string[]): Invocation | undefined {
  const [first, second, ...rest] = words;
  if (first === 'wharf') return { kind: 'wharf', args: words.slice(1) };
  if (first === 'npx' && second === 'wharf') return { kind: 'wharf', args: rest };
  if (first !== 'npm' || second === undefined) return undefined;
  if (NPM_SCRIPT_COMMANDS.has(second)) return { kind: 'npm-script', script: second };
  if (second !== 'run' && second !== 'run-script') return undefined;
  const script = rest.find((word) => !word.startsWith('-'));
  return script === undefined ? undefined : { kind: 'npm-script', script };
}

/** Why `npm run <script>` would fail, if it would. */
export function npmScriptProblem(script: string, scripts: ReadonlySet<string>): string | undefined {
  return scripts.has(script) ? undefined : `package.json has no script "${script}"`;
}

/** Commander's help option, which every command has but does not list. */
const HELP_OPTIONS: ReadonlySet<string> = new Set(['-h', '--help']);

/** A placeholder's brackets and ellipsis taken off: `[--json]` → `--json`, `[file...]` → `file`. */
function unbracketed(word: string): string {
  return word.replace(/^\[+/, '').replace(/(\]|\.\.\.)+$/, '');
}

/** `--since=1h` → `--since`; `-n5` → `-n`. */
function optionName(word: string): string {
  if (word.startsWith('--')) return word.split('=')[0] ?? word;
  return word.slice(0, 2);
}

function findOption(command: Command, name: string): Option | undefined {
  for (let at: Command | null = command; at !== null; at = at.parent) {
    const option = at.options.find(
      (candidate) => candidate.long === name || candidate.short === name,
    );
    if (option) return option;
  }
  return undefined;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at !== null; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

/**
 * What is wrong with `wharf <args>`: a command or subcommand it does not
 * have, an option the command does not take, or more arguments than it takes.
 * Values are not judged: docs write placeholders (`<source>`) for them.
 */
export function wharfProblems(args: readonly string[], program: Command): string[] {
  const problems: string[] = [];
  let command = program;
  let positionals = 0;
  for (let i = 0; i < args.length; i += 1) {
    const word = unbracketed(args[i] ?? '');
    if (word === '--') break;
    if (word.startsWith('-') && word.length > 1) {
      const name = optionName(word);
      if (HELP_OPTIONS.has(name)) continue;
      const option = findOption(command, name);
      if (option === undefined) {
        problems.push(`"${commandPath(command)}" has no option ${name}`);
      }
      const next = args[i + 1];
      const valueAttached = word !== name;
      const nextIsValue = next !== undefined && !next.startsWith('-');
      // An unknown option's value, if it looks like one, is not one more argument.
      const takesNext = option ? option.required || (option.optional && nextIsValue) : nextIsValue;
      if (!valueAttached && takesNext) i += 1;
      continue;
    }
    if (command.commands.length > 0 && positionals === 0) {
      const sub = command.commands.find((candidate) =>
        [candidate.name(), ...candidate.aliases()].includes(word),
      );
      if (sub) {
        command = sub;
        continue;
      }
      if (word === 'help') break;
      if (command.registeredArguments.length === 0) {
        const names = command.commands.map((candidate) => candidate.name()).join(', ');
        problems.push(`"${commandPath(command)}" has no command "${word}" (it has ${names})`);
        break;
      }
    }
    positionals += 1;
    const declared = command.registeredArguments;
    if (positionals > declared.length && declared.at(-1)?.variadic !== true) {
      problems.push(
        `"${commandPath(command)}" takes ${String(declared.length)} argument(s); "${word}" is one more`,
      );
    }
  }
  return problems;
}

/** Every problem of the commands a Markdown text's command blocks name. */
export function checkMarkdown(markdown: string, known: KnownCommands): Finding[] {
  return commandLines(markdown).flatMap((commandLine) =>
    simpleCommands(commandLine.text).flatMap((words) => {
      const invocation = invocationOf(words);
      if (invocation === undefined) return [];
      const problems =
        invocation.kind === 'wharf'
          ? wharfProblems(invocation.args, known.program)
          : [npmScriptProblem(invocation.script, known.scripts)].filter(
              (problem) => problem !== undefined,
            );
      return problems.map((problem) => ({ ...commandLine, problem }));
    }),
  );
}
