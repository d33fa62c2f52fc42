/** Entry point of the `wharf` command (see bin/wharf.js). */
import { CommanderError } from 'commander';
import { buildProgram } from './program.ts';

/** Exit code of usage errors (unknown command or option, missing argument). */
const EXIT_USAGE = 2;

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // Help and version end with 0; everything else commander reports is usage.
  process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
}
