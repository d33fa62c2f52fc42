/**
 * Nesting far deeper than JSON.stringify can write back: V8's JSON.parse
 * accepts any depth, but the providers stringify parsed messages again
 * (digests, Shipwell's changes), which overflowed the stack at about 5,000
 * levels and came out as INTERNAL at stage normalize. The pipeline now
 * refuses bodies nested deeper than 1,000 levels at parse (NESTING_TOO_DEEP);
 * this keeps it so, in every real message of every provider, and keeps a
 * body just within the limit from being refused for its depth.
 */
import { describe, expect, it } from 'vitest';
import { SOURCES } from '../../../src/providers/index.ts';
import { MAX_NESTING_DEPTH, transform } from '../../../src/worker/pipeline.ts';
import { checkOutput, corpus, deeplyNested } from '../../support/fuzz.ts';
import { pipelineDefaults } from '../../support/pipeline.ts';

const config = pipelineDefaults();

describe('transform on deeply nested messages', () => {
  it('nesting just past the limit, 10,000 and 100,000 levels deep, in every real message of every provider, is dead-lettered as NESTING_TOO_DEEP at parse', () => {
    const outcomes = new Map<string, number>();
    for (const source of SOURCES) {
      // The nested array sits one or two levels down in the message: past the limit either way.
      for (const depth of [MAX_NESTING_DEPTH, 10_000, 100_000]) {
        for (const raw of deeplyNested(corpus(source, config), depth)) {
          const output = transform(raw, config);
          checkOutput(raw, output, config);
          const outcome =
            output.kind === 'dead-letter'
              ? `${output.error.stage} ${output.error.code}`
              : `routed to ${output.topic}`;
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }
      }
    }
    expect(Object.fromEntries(outcomes)).toEqual({
      'parse NESTING_TOO_DEEP': expect.any(Number) as number,
    });
  }, 120_000);

  it('nesting just within the limit is not refused for its depth', () => {
    for (const source of SOURCES) {
      // The nested array plus the one or two levels above it: within the limit.
      for (const raw of deeplyNested(corpus(source, config), MAX_NESTING_DEPTH - 2)) {
        const output = transform(raw, config);
        checkOutput(raw, output, config);
        if (output.kind === 'dead-letter') expect(output.error.code).not.toBe('NESTING_TOO_DEEP');
      }
    }
  });
});
