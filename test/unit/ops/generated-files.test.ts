/**
 * What follows from the provider list and the canonical schemas is written by
 * `npm run generate`, not by hand: the canonical reference page, the README's
 * banner, compose's local secrets, the chart's per-source values and schema,
 * and the references of docs/reference/ (configuration, canonical events with
 * their samples, the AsyncAPI document). A file that differs from what the
 * generator writes fails here.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  GENERATED_FILES,
  betweenMarkers,
  expectedContent,
} from '../../../scripts/generated-files.ts';

describe('the generated files', () => {
  it.each(GENERATED_FILES.map((file) => [relative(process.cwd(), file.path), file] as const))(
    '%s is what `npm run generate` writes',
    async (_path, file) => {
      expect(await readFile(file.path, 'utf8')).toBe(await expectedContent(file));
    },
  );

  it('replace only what lies between their markers', () => {
    const text = 'a\n# start x\nold\n# end x\nb\n';
    expect(betweenMarkers(text, '# start', '# end', 'new\n')).toBe(
      'a\n# start x\nnew\n# end x\nb\n',
    );
    expect(() => betweenMarkers(text, '# nowhere', '# end', '')).toThrow(/markers/);
  });
});
