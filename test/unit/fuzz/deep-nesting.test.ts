/**
 * Nesting far deeper than JSON.stringify can write back: V8's JSON.parse
 * accepts any depth, but the providers stringify parsed messages again
 * (digests, Shipwell's changes), which overflowed the stack at about 5,000
 * levels and came out as INTERNAL at stage normalize. The pipeline now
 * refuses bodies nested deeper than 1,000 levels at parse (NESTING_TOO_DEEP);
 * this keeps it so, in every real message of every provider.
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
