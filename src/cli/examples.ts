/**
 * The built-in example webhook of each provider (its plug-in's `example`, `src/providers/<source>/example.json`),
 * which `wharf send` posts when given no file and `wharf start` points to.
 */
import { fileURLToPath } from 'node:url';
import { PROVIDERS } from '../providers/index.ts';
import type { Source } from '../providers/index.ts';

/** The absolute path of a source's example webhook body. */
export function exampleFile(source: Source): string {
  return fileURLToPath(PROVIDERS[source].example);
}
