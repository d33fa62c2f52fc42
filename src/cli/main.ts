/** Entry point of the `wharf` command (see bin/wharf.js). */
import { buildProgram } from './program.ts';

await buildProgram().parseAsync(process.argv);
