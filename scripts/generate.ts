/**
 * Writes every generated file (`npm run generate`): see generated-files.ts.
 * The unit tests fail when one differs from what this would write.
 */
import { writeFile } from 'node:fs/promises';
import { GENERATED_FILES, expectedContent } from './generated-files.ts';

for (const file of GENERATED_FILES) {
  await writeFile(file.path, await expectedContent(file));
  process.stdout.write(`wrote ${file.path}\n`);
}
