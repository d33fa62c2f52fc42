/**
 * `npm run lint`'s check of the commands in the docs (README.md,
 * CONTRIBUTING.md, docs/**): each `npm run <script>` and `wharf …` line of a
 * command block must name what exists (scripts/doc-commands.ts says which
 * lines count). Prints one line per problem and exits 1 when there is any.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from '../src/cli/program.ts';
import { checkMarkdown } from './doc-commands.ts';
import type { Finding } from './doc-commands.ts';

const ROOT = new URL('../', import.meta.url).pathname;

/** The Markdown files whose commands are checked, relative to the repository. */
function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.md'))
    .map((path) => join('docs', path))
    .sort();
  return ['README.md', 'CONTRIBUTING.md', ...docs];
}

function scriptsOf(packageJson: string): Set<string> {
  const parsed = JSON.parse(packageJson) as { scripts?: Record<string, string> };
  return new Set(Object.keys(parsed.scripts ?? {}));
}

const known = {
  scripts: scriptsOf(readFileSync(join(ROOT, 'package.json'), 'utf8')),
  program: buildProgram(),
};
const files = markdownFiles();
const findings: (Finding & { readonly file: string })[] = files.flatMap((file) =>
  checkMarkdown(readFileSync(join(ROOT, file), 'utf8'), known).map((finding) => ({
    ...finding,
    file,
  })),
);
for (const { file, line, text, problem } of findings) {
  process.stderr.write(`${file}:${String(line)}: ${problem}\n    ${text}\n`);
}
if (findings.length > 0) {
  process.stderr.write(
    `${String(findings.length)} command(s) in the docs name what does not exist\n`,
  );
  process.exitCode = 1;
} else {
  process.stdout.write(
    `The commands of ${String(files.length)} Markdown files name what exists.\n`,
  );
}
