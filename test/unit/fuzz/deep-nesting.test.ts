/**
 * Nesting far deeper than the fuzz families generate (MAX_FUZZ_DEPTH).
 *
 * V8's JSON.parse accepts any nesting, but JSON.stringify and the providers'
 * code recurse: at 10,000 levels that overflowed the stack, and the record was
 * dead-lettered as INTERNAL. The pipeline now refuses a body nested deeper than
 * MAX_NESTING_DEPTH at parse, with its own code (NESTING_TOO_DEEP).
 */
import { describe, it } from 'vitest';
import { SOURCES } from '../../../src/providers/provider.ts';
import { transform } from '../../../src/worker/pipeline.ts';
import { checkOutput, corpus, deeplyNested } from '../../support/fuzz.ts';
import { pipelineDefaults } from '../../support/pipeline.ts';

const config = pipelineDefaults();

describe('transform on deeply nested messages', () => {
  it('nesting 10,000 and 100,000 levels deep, in every real message of every provider, is dead-lettered with a specific code, not INTERNAL', () => {
    for (const source of SOURCES) {
      for (const depth of [10_000, 100_000]) {
        for (const raw of deeplyNested(corpus(source, config), depth)) {
          checkOutput(raw, transform(raw, config), config);
        }
      }
    }
  }, 120_000);
});
