/**
 * The built-in example webhook of each provider (`src/providers/<source>/example.json`),
 * which `wharf send` posts when given no file and `wharf start` points to.
 */
import { fileURLToPath } from 'node:url';
import type { Source } from '../providers/index.ts';

/** The absolute path of a source's example webhook body. */
export function exampleFile(source: Source): string {
  return fileURLToPath(new URL(`../providers/${source}/example.json`, import.meta.url));
}
