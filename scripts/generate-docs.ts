/**
 * Writes the generated parts of the docs (`npm run docs`); the unit tests
 * fail when a page differs from what this would write.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { withCanonicalReference } from '../src/canonical/reference-doc.ts';

/** The canonical model's reference page. */
export const CANONICAL_MODEL_PAGE = fileURLToPath(
  new URL('../docs/canonical-model.md', import.meta.url),
);

/** The page as `npm run docs` writes it: generated part replaced, formatted as the linter wants. */
export async function generatedCanonicalModelPage(): Promise<string> {
  const page = await readFile(CANONICAL_MODEL_PAGE, 'utf8').catch(() => '# The canonical model\n');
  const options = (await prettier.resolveConfig(CANONICAL_MODEL_PAGE)) ?? {};
  return prettier.format(withCanonicalReference(page), { ...options, parser: 'markdown' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(CANONICAL_MODEL_PAGE, await generatedCanonicalModelPage());
  process.stdout.write(`wrote ${CANONICAL_MODEL_PAGE}\n`);
}
