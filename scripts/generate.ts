/**
 * Writes every generated file (`npm run generate`): see generated-files.ts.
 * The unit tests fail when one differs from what this would write.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GENERATED_FILES, expectedContent } from './generated-files.ts';

for (const file of GENERATED_FILES) {
  await mkdir(dirname(file.path), { recursive: true });
  await writeFile(file.path, await expectedContent(file));
  process.stdout.write(`wrote ${file.path}\n`);
}
